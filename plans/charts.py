"""Small SVG charts for the plan page, drawn on the server: no script, no CDN, crisp in print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

LINE = "#1f5fbf"
TARGET = "#a35c00"
MUTED = "#5d6778"


@dataclass(frozen=True)
class SparkPoint:
    value: float | Decimal
    label: str  # what hovering the point says, e.g. "2026/06/30: 85"


def format_value(value: float | Decimal) -> str:
    """A measured value the way the active language writes numbers, without needless zeros."""
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    places = max(0, -number.normalize().as_tuple().exponent)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def sparkline_svg(
    points: Sequence[SparkPoint],
    target: float | Decimal | None,
    width: int = 240,
    height: int = 64,
    *,
    value_format: Callable[[float | Decimal], str] = format_value,
    aria_label: str = "",
    target_label: str = "",
) -> SafeString:
    """A trend line of the points, oldest first, with the target as a dashed line.

    The vertical scale always takes in the target, so the distance to it reads at a glance.
    The lowest and highest measured values are written in a gutter on the right.
    """
    if not points:
        return mark_safe("")
    values = [float(p.value) for p in points]
    scale = values + ([float(target)] if target is not None else [])
    low, high = min(scale), max(scale)
    if high == low:
        # A flat series still needs a band to sit in the middle of.
        low, high = low - 1, high + 1
    gutter, pad = 52, 6
    plot_w = width - gutter - pad * 2
    plot_h = height - pad * 2
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0

    def x(i: int) -> float:
        return pad + (step * i if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return pad + plot_h - (value - low) / (high - low) * plot_h

    parts = [
        f'<svg class="chart sparkline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(aria_label)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    if target is not None:
        ty = y(float(target))
        parts.append(
            f'<line class="target" x1="{pad}" y1="{ty:.1f}" x2="{pad + plot_w}" y2="{ty:.1f}" '
            f'stroke="{TARGET}" stroke-width="1" stroke-dasharray="4 3" data-testid="target-line">'
            f"<title>{escape(target_label or value_format(target))}</title></line>"
        )
    coords = [(x(i), y(v)) for i, v in enumerate(values)]
    if len(coords) > 1:
        joined = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(
            f'<polyline points="{joined}" fill="none" stroke="{LINE}" stroke-width="2" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    last = len(coords) - 1
    for i, ((cx, cy), point) in enumerate(zip(coords, points, strict=True)):
        radius = 3.5 if i == last else 2.5
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="{LINE}" stroke="#fff" '
            f'stroke-width="1"><title>{escape(point.label)}</title></circle>'
        )
    top_value, bottom_value = max(values), min(values)
    label_x = pad + plot_w + 6
    top_y = y(top_value) + 4
    # Keep the two labels apart when the values are close together.
    bottom_y = min(max(y(bottom_value) + 4, top_y + 11), height - 1)
    top_y = min(top_y, bottom_y - 11)
    parts.append(
        f'<text class="max" x="{label_x:.1f}" y="{top_y:.1f}" font-size="10" fill="{MUTED}">'
        f"{escape(value_format(top_value))}</text>"
    )
    if len(points) > 1 and bottom_value != top_value:
        parts.append(
            f'<text class="min" x="{label_x:.1f}" y="{bottom_y:.1f}" font-size="10" '
            f'fill="{MUTED}">{escape(value_format(bottom_value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
