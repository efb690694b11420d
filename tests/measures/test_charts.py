"""The dashboards' SVG charts (pure code): well-formed, proportional, gaps for no data, named
for assistive technology, no inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from waypoint.measures.charts import bar_chart, describe

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314  (our own markup)


def _bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "wp-chart-bar"]


def _gaps(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "wp-chart-gap"]


def test_bars_are_proportional_to_the_values() -> None:
    root = _parse(bar_chart([Decimal(10), Decimal(20), Decimal(40)], height=42))
    heights = [float(bar.get("height", "")) for bar in _bars(root)]
    assert heights == [10.0, 20.0, 40.0]  # the tallest fills the chart (less 2 for the axis)
    bottoms = {float(b.get("y", "")) + float(b.get("height", "")) for b in _bars(root)}
    assert bottoms == {42.0}  # all stand on the baseline


def test_none_is_a_gap_not_a_zero_bar() -> None:
    root = _parse(bar_chart([Decimal(5), None, Decimal(0)], labels=["a", "b", "c"]))
    assert len(_bars(root)) == 2
    assert len(_gaps(root)) == 1
    xs = [float(r.get("x", "")) for r in [*_bars(root), *_gaps(root)]]
    assert len(set(xs)) == 3  # each period keeps its own slot


def test_the_chart_is_a_named_image() -> None:
    markup = bar_chart([1, 2], labels=["2026-04", "2026-05"], summary='Support hours & "more"')
    root = _parse(markup)
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'Support hours & "more"'
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'Support hours & "more"'
    assert "style" not in markup  # the Content-Security-Policy allows no inline styles


def test_a_target_draws_a_line_and_raises_the_scale() -> None:
    root = _parse(bar_chart([Decimal(10)], target=Decimal(20), height=42))
    line = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "wp-chart-target")
    assert float(line.get("y1", "")) == 2.0  # the target is the top of the scale
    assert [float(b.get("height", "")) for b in _bars(root)] == [20.0]


def test_no_values_and_all_none_still_make_a_well_formed_chart() -> None:
    assert _bars(_parse(bar_chart([]))) == []
    root = _parse(bar_chart([None, None], labels=["x", "y"]))
    assert _bars(root) == [] and len(_gaps(root)) == 2
    assert root.get("aria-label") == "Trend x to y: no data."


def test_negative_values_stand_at_zero() -> None:
    root = _parse(bar_chart([Decimal(-5), Decimal(5)], height=12))
    assert [float(b.get("height", "")) for b in _bars(root)] == [0.0, 10.0]


def test_the_summary_in_words() -> None:
    text = describe(
        [Decimal(3), None, Decimal(7), Decimal(5)],
        labels=["Q1", "Q2", "Q3", "Q4"],
        target=Decimal(6),
        formatter=lambda v: f"{v} h",
    )
    assert text == (
        "Trend Q1 to Q4: from 3 h in Q1 to 5 h in Q4. Highest 7 h in Q3. "
        "No data for 1 period. Target 6 h."
    )
    assert describe([Decimal(2)], labels=["2026-04"]) == "Trend 2026-04: 2 in 2026-04."
