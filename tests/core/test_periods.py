from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waypoint.core.periods import Period, PeriodKind, local_date, period_of, periods_between

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


@pytest.mark.parametrize(
    ("day", "kind", "label", "start", "last_day"),
    [
        (dt.date(2026, 11, 24), "month", "2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        (dt.date(2024, 2, 10), "month", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        (
            dt.date(2026, 3, 31),
            "financial_year",
            "2025/26",
            dt.date(2025, 4, 1),
            dt.date(2026, 3, 31),
        ),
        (
            dt.date(2026, 4, 1),
            "financial_year",
            "2026/27",
            dt.date(2026, 4, 1),
            dt.date(2027, 3, 31),
        ),
        (dt.date(2026, 4, 1), "quarter", "2026/27 Q1", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (
            dt.date(2026, 11, 24),
            "quarter",
            "2026/27 Q3",
            dt.date(2026, 10, 1),
            dt.date(2026, 12, 31),
        ),
        (dt.date(2027, 2, 1), "quarter", "2026/27 Q4", dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
        (
            dt.date(2026, 11, 24),
            "calendar_quarter",
            "2026 Q4",
            dt.date(2026, 10, 1),
            dt.date(2026, 12, 31),
        ),
        (
            dt.date(1999, 12, 31),
            "financial_year",
            "1999/00",
            dt.date(1999, 4, 1),
            dt.date(2000, 3, 31),
        ),
        (dt.date(2026, 6, 5), "calendar_year", "2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_period_of(day, kind, label, start, last_day):
    period = period_of(day, kind)
    assert period.label == label
    assert (period.start, period.last_day) == (start, last_day)
    assert day in period


def test_titles_for_people():
    assert period_of(dt.date(2026, 11, 2), "month").title == "November 2026"
    assert period_of(dt.date(2026, 11, 2), "quarter").title == "2026/27 Q3 (Oct to Dec 2026)"
    assert period_of(dt.date(2026, 11, 2), "financial_year").title == "Financial year 2026/27"


def test_periods_between_lists_consecutive_periods():
    quarters = list(periods_between(dt.date(2026, 3, 15), dt.date(2026, 11, 1), "quarter"))
    assert [q.label for q in quarters] == ["2025/26 Q4", "2026/27 Q1", "2026/27 Q2", "2026/27 Q3"]


def test_month_and_financial_year_labels_are_not_confused():
    assert Period.parse("2011-12").kind is PeriodKind.MONTH
    assert Period.parse("2011/12").kind is PeriodKind.FINANCIAL_YEAR


@pytest.mark.parametrize("label", ["2026-13", "2026/28", "2026/27 Q5", "Q3", "", "26/27"])
def test_parse_rejects_nonsense_with_a_helpful_message(label):
    with pytest.raises(ValueError, match="2026/27 Q3"):
        Period.parse(label)


def test_local_date_uses_the_organisation_time_zone():
    # 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST has begun): new FY.
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert local_date(moment, "Europe/London") == dt.date(2026, 4, 1)
    assert period_of(local_date(moment, "Europe/London"), "financial_year").label == "2026/27"
    assert local_date(moment, "UTC") == dt.date(2026, 3, 31)
    with pytest.raises(ValueError, match="aware"):
        local_date(dt.datetime(2026, 1, 1), "UTC")


@given(day=days, kind=kinds)
def test_every_day_lies_in_exactly_its_period(day, kind):
    period = period_of(day, kind)
    assert period.start <= day <= period.last_day
    assert day not in period.next() and day not in period.previous()
    assert period.next().previous() == period
    assert period.previous().end == period.start


@given(day=days, kind=kinds)
def test_labels_round_trip(day, kind):
    period = period_of(day, kind)
    assert Period.parse(period.label) == period


@given(first=days, span=st.integers(min_value=0, max_value=800), kind=kinds)
def test_periods_between_cover_the_range_without_gaps(first, span, kind):
    last = first + dt.timedelta(days=span)
    periods = list(periods_between(first, last, kind))
    assert first in periods[0] and last in periods[-1]
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))
