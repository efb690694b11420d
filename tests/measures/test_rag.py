"""Red, amber, green and target profiles (waypoint.measures.rag): pure code, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from waypoint.core.periods import Period
from waypoint.measures import rag

YEAR = Period.parse("2026/27")
QUARTER = Period.parse("2026/27 Q3")  # October to December 2026
MONTH = Period.parse("2026-11")


def close(found: D, wanted: D) -> bool:
    """Equal but for the last digit of a decimal division."""
    return abs(found - wanted) < D("1e-20")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(100), "green"),
        (D(90), "green"),  # exactly on target is green
        (D("89.99"), "amber"),
        (D(81), "amber"),  # the edge of the 10% band is still amber
        (D("80.99"), "red"),
        (D(0), "red"),
    ],
)
def test_rag_higher_is_better(value: D, expected: str) -> None:
    assert rag.rag(value, D(90), "higher") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(5), "green"),
        (D(10), "green"),
        (D("10.01"), "amber"),
        (D(11), "amber"),
        (D("11.01"), "red"),
    ],
)
def test_rag_lower_is_better(value: D, expected: str) -> None:
    assert rag.rag(value, D(10), "lower") == expected


def test_rag_margin_and_missing_parts() -> None:
    assert rag.rag(D(85), D(100), "higher", D(20)) == "amber"
    assert rag.rag(D(85), D(100), "higher", D(0)) == "red"
    assert rag.rag(D(100), D(100), "higher", D(0)) == "green"
    assert rag.rag(None, D(100), "higher") is None
    assert rag.rag(D(5), None, "higher") is None
    # A negative target (net promoter score): the band is a share of its size.
    assert rag.rag(D(-11), D(-10), "higher") == "amber"
    assert rag.rag(D(-12), D(-10), "higher") == "red"


def test_variance() -> None:
    found = rag.variance(D(120), D(100))
    assert found is not None
    assert found.difference == D(20)
    assert found.percent == D(20)
    assert found.better
    below = rag.variance(D(-15), D(-10))
    assert below is not None and below.percent == D(-50) and not below.better
    zero = rag.variance(D(3), D(0))
    assert zero is not None and zero.percent is None
    assert rag.variance(None, D(1)) is None
    assert rag.variance(D(1), None) is None


def test_share_due_even_profile() -> None:
    assert rag.share_due(YEAR, {}, dt.date(2026, 3, 31)) == D(0)  # before the year
    assert close(rag.share_due(YEAR, {}, dt.date(2026, 4, 1)), D(1) / 12)  # April counts whole
    assert close(rag.share_due(YEAR, {}, dt.date(2026, 9, 15)), D("0.5"))
    assert rag.share_due(YEAR, {}, dt.date(2027, 3, 31)) == D(1)
    assert rag.share_due(YEAR, {}, dt.date(2027, 4, 1)) == D(1)  # after the year
    assert close(rag.share_due(QUARTER, {}, dt.date(2026, 11, 2)), D(2) / 3)


def test_share_due_named_profile_interpolates_between_named_months() -> None:
    profile = {"2026-04": 5, "2026-06": 20}
    assert rag.share_due(YEAR, profile, dt.date(2026, 4, 30)) == D("0.05")
    assert rag.share_due(YEAR, profile, dt.date(2026, 5, 10)) == D("0.125")  # halfway 5..20
    assert rag.share_due(YEAR, profile, dt.date(2026, 6, 1)) == D("0.2")
    # After the last named month: an even line from 20% in June to 100% in March (9 steps).
    july = rag.share_due(YEAR, profile, dt.date(2026, 7, 1))
    assert close(july, D("0.2") + (D(1) - D("0.2")) / 9)


def test_target_to_date() -> None:
    on = dt.date(2026, 9, 30)
    assert close(rag.target_to_date(D(1200), YEAR, "count", {}, on), D(600))
    assert rag.target_to_date(D(1200), YEAR, "sum", {"2026-09": 25}, on) == D(300)
    # Rates, means and ratios are not profiled; nor is a month.
    assert rag.target_to_date(D(90), YEAR, "rate", {}, on) == D(90)
    assert rag.target_to_date(D(40), YEAR, "ratio", {}, on) == D(40)
    assert rag.target_to_date(D(50), MONTH, "count", {}, dt.date(2026, 11, 5)) == D(50)


def test_check_profile() -> None:
    assert rag.check_profile(QUARTER, {}) == []
    assert rag.check_profile(QUARTER, None) == []
    assert rag.check_profile(QUARTER, {"2026-10": 30, "2026-11": 60, "2026-12": 100}) == []
    assert rag.check_profile(QUARTER, [1, 2]) == [
        "Give the profile as month: cumulative per cent pairs."
    ]
    problems = rag.check_profile(
        QUARTER, {"2026-09": 10, "2026-10": 50, "2026-11": 40, "2026-12": "lots"}
    )
    assert problems == [
        "2026-09: not a month of 2026/27 Q3.",
        "2026-11: a cumulative profile cannot go down (40 < 50).",
        "2026-12: give a number from 0 to 100.",
    ]
    assert rag.check_profile(QUARTER, {"2026-10": 120}) == ["2026-10: give a number from 0 to 100."]
    assert rag.check_profile(QUARTER, {"2026-10": -1}) == ["2026-10: give a number from 0 to 100."]


def test_every_status_has_its_own_words_and_symbol() -> None:
    # The status never rests on colour alone: each has words and a symbol of its own.
    statuses = [rag.GREEN, rag.AMBER, rag.RED, None]
    assert [rag.label(s) for s in statuses] == [
        "On target",
        "Near target",
        "Off target",
        "No target",
    ]
    assert len({rag.symbol(s) for s in statuses}) == 4
    assert rag.label("") == "No target" and rag.symbol("") == rag.symbol(None)
