"""Reporting periods, computed in one place (DESIGN.md: "Dates").

- months; quarters of the UK financial year (Q1 = April to June); UK financial years from
  1 April (``2026/27`` runs from 1 April 2026 to 31 March 2027); calendar quarters and years.
- A ``Period`` is half-open, [start, end), in dates. ``period_of`` finds the period holding a
  date; ``periods_between`` lists consecutive periods; ``Period.parse`` reads the labels that
  ``Period.label`` writes, so periods round-trip through URLs, imports and the API.
- ``local_date`` turns a stored UTC datetime into the date in an organisation's time zone:
  a contact at 00:30 on 1 April in London belongs to the new financial year.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

FINANCIAL_YEAR_START_MONTH = 4  # UK financial year begins 1 April


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"  # quarter of the UK financial year
    FINANCIAL_YEAR = "financial_year"
    CALENDAR_QUARTER = "calendar_quarter"
    CALENDAR_YEAR = "calendar_year"


_MONTHS_IN = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.FINANCIAL_YEAR: 12,
    PeriodKind.CALENDAR_QUARTER: 3,
    PeriodKind.CALENDAR_YEAR: 12,
}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _financial_year_start(day: dt.date) -> dt.date:
    year = day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1
    return dt.date(year, FINANCIAL_YEAR_START_MONTH, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    kind: PeriodKind

    @property
    def end(self) -> dt.date:
        """The first day after the period (periods are half-open)."""
        return _add_months(self.start, _MONTHS_IN[self.kind])

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end

    def next(self) -> Period:
        return Period(self.end, self.kind)

    def previous(self) -> Period:
        return Period(_add_months(self.start, -_MONTHS_IN[self.kind]), self.kind)

    @property
    def label(self) -> str:
        """``2026-11``, ``2026/27 Q3``, ``2026/27``, ``2026 Q4``, ``2026``."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.CALENDAR_YEAR:
            return str(self.start.year)
        if self.kind is PeriodKind.CALENDAR_QUARTER:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        year = _financial_year_start(self.start).year
        fy = f"{year}/{(year + 1) % 100:02d}"
        if self.kind is PeriodKind.FINANCIAL_YEAR:
            return fy
        months_in = (self.start.month - FINANCIAL_YEAR_START_MONTH) % 12
        return f"{fy} Q{months_in // 3 + 1}"

    @property
    def title(self) -> str:
        """For people: ``November 2026``, ``2026/27 Q3 (Oct to Dec 2026)``."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%B %Y}"
        if self.kind in {PeriodKind.QUARTER, PeriodKind.CALENDAR_QUARTER}:
            return f"{self.label} ({self.start:%b} to {self.last_day:%b %Y})"
        if self.kind is PeriodKind.FINANCIAL_YEAR:
            return f"Financial year {self.label}"
        return self.label

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, label: str) -> Period:
        """Read a label written by ``Period.label``; ValueError names what was expected."""
        text = label.strip()
        if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
            return cls(dt.date(int(m[1]), int(m[2]), 1), PeriodKind.MONTH)
        if m := re.fullmatch(r"(\d{4})/(\d{2})(?: Q([1-4]))?", text):
            year = int(m[1])
            if int(m[2]) == (year + 1) % 100:
                start = dt.date(year, FINANCIAL_YEAR_START_MONTH, 1)
                if m[3] is None:
                    return cls(start, PeriodKind.FINANCIAL_YEAR)
                return cls(_add_months(start, 3 * (int(m[3]) - 1)), PeriodKind.QUARTER)
        if m := re.fullmatch(r"(\d{4}) Q([1-4])", text):
            return cls(dt.date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1), PeriodKind.CALENDAR_QUARTER)
        if re.fullmatch(r"\d{4}", text):
            return cls(dt.date(int(text), 1, 1), PeriodKind.CALENDAR_YEAR)
        raise ValueError(
            f"{label!r} is not a period: use 2026-11 (month), 2026/27 Q3 (financial quarter), "
            "2026/27 (financial year), 2026 Q4 (calendar quarter) or 2026 (calendar year)."
        )


def period_of(day: dt.date, kind: PeriodKind | str) -> Period:
    kind = PeriodKind(kind)
    if kind is PeriodKind.MONTH:
        start = dt.date(day.year, day.month, 1)
    elif kind is PeriodKind.CALENDAR_YEAR:
        start = dt.date(day.year, 1, 1)
    elif kind is PeriodKind.CALENDAR_QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        fy_start = _financial_year_start(day)
        if kind is PeriodKind.FINANCIAL_YEAR:
            start = fy_start
        else:
            months_in = (day.year - fy_start.year) * 12 + day.month - fy_start.month
            start = _add_months(fy_start, 3 * (months_in // 3))
    return Period(start, kind)


def periods_between(first: dt.date, last: dt.date, kind: PeriodKind | str) -> Iterator[Period]:
    """Every period of ``kind`` from the one holding ``first`` to the one holding ``last``."""
    period = period_of(first, kind)
    while period.start <= last:
        yield period
        period = period.next()


def local_date(moment: dt.datetime, time_zone: str | dt.tzinfo) -> dt.date:
    """The date of an aware datetime in a time zone (an organisation's ``time_zone``)."""
    if moment.tzinfo is None:
        raise ValueError("local_date needs an aware datetime (Waypoint stores UTC).")
    zone = zoneinfo.ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    return moment.astimezone(zone).date()
