"""Red, amber, green against a target, and a target's profile to date (pure code).

- Green at or better than the target; amber within ``amber_within`` per cent of it (10 by
  default); red beyond. "Better" follows the measure's direction.
- A target for a quarter or a year of a count or a sum (clients supported, jobs created) is
  profiled: by a given day only part of it is due. The profile gives the cumulative share due
  by the end of each month (``{"2026-04": 5, "2026-05": 12, ...}``); months it does not name
  follow an even profile between the named ones. Means, rates, medians, scores and ratios are
  not profiled: a target of 90% on time holds all year.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from waypoint.core.periods import Period, PeriodKind, periods_between

D = decimal.Decimal
HUNDRED = D(100)
PROFILED = frozenset({"count", "distinct", "sum"})
GREEN, AMBER, RED = "green", "amber", "red"
DEFAULT_AMBER = D(10)
LABELS = {GREEN: "On target", AMBER: "Near target", RED: "Off target"}
# Shown beside each label (hidden from screen readers, which read the label): the status never
# rests on colour alone (WCAG 1.4.1).
SYMBOLS = {GREEN: "✓", AMBER: "!", RED: "✗"}
NO_TARGET = "No target"


def label(status: str | None) -> str:
    """A status in words: "On target", "Near target", "Off target" or "No target"."""
    return LABELS.get(status or "", NO_TARGET)


def symbol(status: str | None) -> str:
    """The status's symbol; a hollow circle for no target."""
    return SYMBOLS.get(status or "", "○")


def rag(
    value: D | None, target: D | None, direction: str, amber_within: D = DEFAULT_AMBER
) -> str | None:
    """green, amber or red; None when there is no value or no target."""
    if value is None or target is None:
        return None
    band = abs(target) * D(amber_within) / HUNDRED
    if direction == "lower":
        if value <= target:
            return GREEN
        return AMBER if value <= target + band else RED
    if value >= target:
        return GREEN
    return AMBER if value >= target - band else RED


@dataclass(frozen=True)
class Variance:
    difference: D  # value less target
    percent: D | None  # of the target; None for a target of 0

    @property
    def better(self) -> bool:
        return self.difference >= 0


def variance(value: D | None, target: D | None) -> Variance | None:
    if value is None or target is None:
        return None
    difference = value - target
    percent = None if target == 0 else difference * HUNDRED / abs(target)
    return Variance(difference, percent)


def share_due(period: Period, profile: Mapping[str, Any], as_of: dt.date) -> D:
    """The cumulative share (0 to 1) of a period's target due by the end of ``as_of``'s month."""
    if as_of < period.start:
        return D(0)
    if as_of >= period.end:
        return D(1)
    months = list(periods_between(period.start, period.last_day, PeriodKind.MONTH))
    # Known points: (months elapsed, cumulative share); the start is 0 and the end is 100%.
    points: dict[int, D] = {0: D(0), len(months): D(1)}
    for index, month in enumerate(months, start=1):
        if month.label in profile:
            points[index] = D(str(profile[month.label])) / HUNDRED
    elapsed = next(i for i, m in enumerate(months, start=1) if as_of in m)
    if elapsed in points:
        return points[elapsed]
    before = max(i for i in points if i < elapsed)
    after = min(i for i in points if i > elapsed)
    step = (points[after] - points[before]) / (after - before)
    return points[before] + step * (elapsed - before)


def target_to_date(
    value: D, period: Period, aggregate: str, profile: Mapping[str, Any], as_of: dt.date
) -> D:
    """What the target asks for by ``as_of``: profiled for counts and sums, whole otherwise."""
    if aggregate not in PROFILED or period.kind is PeriodKind.MONTH:
        return value
    return value * share_due(period, profile, as_of)


def check_profile(period: Period, profile: Any) -> list[str]:
    """Problems with a profile, each naming the month at fault."""
    if profile in (None, {}):
        return []
    if not isinstance(profile, dict):
        return ["Give the profile as month: cumulative per cent pairs."]
    months = {m.label for m in periods_between(period.start, period.last_day, PeriodKind.MONTH)}
    problems, last = [], D(0)
    for label in sorted(profile):
        if label not in months:
            problems.append(f"{label}: not a month of {period.label}.")
            continue
        try:
            share = D(str(profile[label]))
        except decimal.InvalidOperation:
            problems.append(f"{label}: give a number from 0 to 100.")
            continue
        if not D(0) <= share <= HUNDRED:
            problems.append(f"{label}: give a number from 0 to 100.")
        elif share < last:
            problems.append(f"{label}: a cumulative profile cannot go down ({share} < {last}).")
        last = max(last, share)
    return problems
