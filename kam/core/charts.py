"""Charts drawn on the server as SVG: no script, no CDN, crisp in print."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe


@dataclass
class Bar:
    label: str
    value: float
    title: str  # shown on hover
    href: str = ""  # drill-down
    display: str = ""  # the value as people read it, e.g. "1.2億円"


def bar_chart_svg(
    bars: list[Bar], *, width: int = 720, height: int = 220, aria_label: str = ""
) -> SafeString:
    """A vertical bar chart; each bar links to the records behind it."""
    pad_left, pad_bottom, pad_top = 8, 34, 22
    n = max(len(bars), 1)
    plot_h = height - pad_bottom - pad_top
    slot = (width - pad_left * 2) / n
    bar_w = max(slot * 0.62, 4)
    top = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(aria_label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad_left}" y1="{height - pad_bottom}" x2="{width - pad_left}" '
        f'y2="{height - pad_bottom}" stroke="#c5ccd8"/>',
    ]
    for i, bar in enumerate(bars):
        h = plot_h * (bar.value / top) if bar.value > 0 else 0
        x = pad_left + slot * i + (slot - bar_w) / 2
        y = height - pad_bottom - h
        cx = x + bar_w / 2
        rect = (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" '
            f'rx="3" fill="#1f5fbf" data-testid="bar"><title>{escape(bar.title)}</title></rect>'
        )
        if bar.href:
            rect = f'<a href="{escape(bar.href)}">{rect}</a>'
        parts.append(rect)
        if bar.display and bar.value > 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="11" '
                f'fill="#1d2330">{escape(bar.display)}</text>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{height - pad_bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="#5d6778">{escape(bar.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
