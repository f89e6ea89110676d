"""The investment priority matrix, drawn on the server as SVG like the ground's bar charts."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.utils.safestring import SafeString, mark_safe

QUADRANT_COLOURS = {
    "invest": "#1e7b4f",
    "grow": "#1f5fbf",
    "maintain": "#a35c00",
    "reduce": "#8a94a6",
}


def matrix_svg(
    cells: list[tuple[int, int, int, str]],
    *,
    href: Callable[[int, int], str],
    labels: dict[str, str],
    axis_x: str,
    axis_y: str,
    width: int = 520,
    height: int = 380,
) -> SafeString:
    """The investment priority matrix: our position (x, 2-10) against attractiveness (y, 3-15).

    Accounts sharing a point are drawn as one bubble sized by their count.
    """
    left, right, top, bottom = 44, 16, 16, 40
    pw, ph = width - left - right, height - top - bottom

    def x(pos: float) -> float:
        return left + (pos - 2) / 8 * pw

    def y(att: float) -> float:
        return top + ph - (att - 3) / 12 * ph

    biggest = max((c[2] for c in cells), default=1) or 1
    mid_x, mid_y = x(5.5), y(8.5)  # the thresholds: strong from 6, attractive from 9
    parts = [
        f'<svg class="chart matrix" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(axis_y)} / {escape(axis_x)}" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafbfc" stroke="#dde1e8"/>',
        f'<line x1="{mid_x:.1f}" y1="{top}" x2="{mid_x:.1f}" y2="{top + ph}" stroke="#c5ccd8" '
        'stroke-dasharray="4 3"/>',
        f'<line x1="{left}" y1="{mid_y:.1f}" x2="{left + pw}" y2="{mid_y:.1f}" stroke="#c5ccd8" '
        'stroke-dasharray="4 3"/>',
    ]
    corners = {
        "invest": (left + pw - 6, top + 14, "end"),
        "grow": (left + 6, top + 14, "start"),
        "maintain": (left + pw - 6, top + ph - 6, "end"),
        "reduce": (left + 6, top + ph - 6, "start"),
    }
    for key, (cx, cy, anchor) in corners.items():
        parts.append(
            f'<text x="{cx}" y="{cy}" text-anchor="{anchor}" font-size="12" font-weight="700" '
            f'fill="{QUADRANT_COLOURS[key]}">{escape(labels.get(key, key))}</text>'
        )
    for att, pos, count, quadrant in cells:
        r = 4 + 14 * (count / biggest) ** 0.5
        circle = (
            f'<circle cx="{x(pos):.1f}" cy="{y(att):.1f}" r="{r:.1f}" '
            f'fill="{QUADRANT_COLOURS.get(quadrant, "#8a94a6")}" fill-opacity=".7" '
            f'stroke="#fff" data-testid="matrix-point"><title>'
            f"{escape(axis_y)} {att}, {escape(axis_x)} {pos}: {count}</title></circle>"
        )
        parts.append(f'<a href="{escape(href(att, pos))}">{circle}</a>')
    for pos in range(2, 11, 2):
        parts.append(
            f'<text x="{x(pos):.1f}" y="{top + ph + 14}" text-anchor="middle" font-size="10" '
            f'fill="#5d6778">{pos}</text>'
        )
    for att in range(3, 16, 3):
        parts.append(
            f'<text x="{left - 6}" y="{y(att) + 3:.1f}" text-anchor="end" font-size="10" '
            f'fill="#5d6778">{att}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
        f'fill="#1d2330">{escape(axis_x)}</text>'
    )
    parts.append(
        f'<text x="12" y="{top + ph / 2:.1f}" text-anchor="middle" font-size="11" fill="#1d2330" '
        f'transform="rotate(-90 12 {top + ph / 2:.1f})">{escape(axis_y)}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
