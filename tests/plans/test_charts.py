"""The KPI sparkline: a trend of the measurements against the target, drawn as SVG."""

import re
from decimal import Decimal

from plans.charts import SparkPoint, format_value, sparkline_svg


def _points(*values):
    return [SparkPoint(value=Decimal(str(v)), label=f"day {i}: {v}") for i, v in enumerate(values)]


def _circle_ys(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]


def test_three_points_draw_three_circles_and_one_line_through_them():
    svg = str(sparkline_svg(_points(40, 60, 55), Decimal("100"), 240, 64))

    assert svg.count("<circle") == 3
    polyline = re.search(r'<polyline points="([^"]+)"', svg)
    assert polyline is not None
    assert len(polyline.group(1).split()) == 3


def test_the_target_is_a_dashed_line_with_its_value_on_hover():
    svg = str(sparkline_svg(_points(40, 60), 100, 240, 64, target_label="Target: 100 JPY"))

    line = re.search(r'<line class="target"[^>]*>', svg)
    assert line is not None
    assert "stroke-dasharray" in line.group(0)
    assert "<title>Target: 100 JPY</title>" in svg


def test_each_point_says_its_value_on_hover():
    svg = str(sparkline_svg(_points(40, 60), 100, 240, 64))

    assert "<title>day 0: 40</title>" in svg
    assert "<title>day 1: 60</title>" in svg


def test_the_scale_takes_in_the_target_so_it_is_always_visible():
    svg = str(sparkline_svg(_points(10, 20, 30), 100, 240, 64))

    target_y = float(re.search(r'<line class="target"[^>]*y1="([\d.]+)"', svg).group(1))
    assert all(target_y < y for y in _circle_ys(svg))


def test_higher_values_are_drawn_higher():
    svg = str(sparkline_svg(_points(10, 30, 20), None, 240, 64))

    first, highest, middle = _circle_ys(svg)
    assert highest < middle < first


def test_min_and_max_values_are_labelled():
    svg = str(sparkline_svg(_points(1200, 3500.5, 2000), 4000, 240, 64))

    assert re.search(r'<text class="max"[^>]*>3,500\.5</text>', svg)
    assert re.search(r'<text class="min"[^>]*>1,200</text>', svg)


def test_text_is_escaped():
    points = [SparkPoint(value=5, label='<script>alert("x")</script>')]
    svg = str(sparkline_svg(points, 10, 240, 64, aria_label='KPI "A&B"', target_label="<b>10</b>"))

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="KPI &quot;A&amp;B&quot;"' in svg
    assert "&lt;b&gt;10&lt;/b&gt;" in svg


def test_one_point_is_a_dot_without_a_line():
    svg = str(sparkline_svg(_points(50), 100, 240, 64))

    assert svg.count("<circle") == 1
    assert "<polyline" not in svg


def test_a_flat_series_without_target_still_draws():
    svg = str(sparkline_svg(_points(7, 7, 7), None, 240, 64))

    assert svg.count("<circle") == 3
    assert "target" not in svg
    assert len(set(_circle_ys(svg))) == 1


def test_no_points_draw_nothing():
    assert str(sparkline_svg([], 100, 240, 64)) == ""


def test_values_are_written_without_needless_decimals():
    assert format_value(Decimal("1200.00")) == "1,200"
    assert format_value(Decimal("95.50")) == "95.5"
    assert format_value(Decimal("0.25")) == "0.25"
