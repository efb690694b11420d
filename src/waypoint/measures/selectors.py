"""Reading measures' figures from the rollups: a dashboard costs a few queries whatever the
size of the history (DESIGN.md: figures come from rollup tables)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.roles import MANAGING_ROLES, organisations_with_role
from waypoint.measures import definitions as defs
from waypoint.measures.models import Measure, Rollup


@dataclass(frozen=True)
class Scope:
    """A scope's cells: ``organisations`` limits them to the work done in those organisations
    (None: all of them). An adviser working for two organisations has cells in each; a manager
    of one sees only that organisation's work (DESIGN.md: tenancy)."""

    kind: str
    id: int
    organisations: frozenset[int] | None = None

    def counts(self, organisation_id: int) -> bool:
        return self.organisations is None or organisation_id in self.organisations


@dataclass(frozen=True)
class Value:
    measure: Measure
    scope: Scope
    period: Period
    figure: defs.Figure


def adviser_work_seen_by(user: Any, adviser_id: int | None = None) -> frozenset[int] | None:
    """The organisations whose work of an adviser the person's figures count: all of it for
    the adviser themself and superusers (None), only the organisations a manager manages for
    the manager (an adviser may also work for another organisation, whose work is not the
    manager's to see). ``adviser_id`` None: the advisers a manager reviews together."""
    if user.is_superuser or adviser_id == user.pk:
        return None
    return frozenset(organisations_with_role(user, MANAGING_ROLES))


def measures_visible_to(user: Any) -> QuerySet[Measure]:
    return Measure.objects.restrict(user, "view").filter(is_active=True)


def counting_in(measures: Iterable[Measure], scope_kind: str) -> list[Measure]:
    """Those of the measures that can count in a scope of this kind (no costs for an
    adviser: definitions.counting_in), in the order given."""
    definitions = [(m, parsed(m)) for m in measures]
    out = {m.code for m, definition in definitions if not defs.reaches(definition, scope_kind)}
    return [
        m
        for m, d in definitions
        if m.code not in out and not (d.is_ratio and {d.numerator_code, d.denominator_code} & out)
    ]


def parsed(measure: Measure) -> defs.Definition:
    return defs.parse(measure.definition)


def components(
    measure_ids: Iterable[int], scopes: Sequence[Scope], periods: Sequence[Period]
) -> dict[tuple[int, Scope, Period], defs.Components]:
    """The rollup cells of these measures, scopes and periods, in one query. Cells of the same
    scope in several organisations (an adviser working for two) are added together, each
    scope taking only the organisations it counts (``Scope.organisations``)."""
    ids = list(measure_ids)
    if not ids or not scopes or not periods:
        return {}
    wanted: dict[tuple[str, int], list[Scope]] = {}
    for scope in set(scopes):
        wanted.setdefault((scope.kind, scope.id), []).append(scope)
    condition = Q()
    for kind, scope_id in wanted:
        condition |= Q(scope_kind=kind, scope_id=scope_id)
    kinds = {p.kind.value for p in periods}
    starts = {p.start for p in periods}
    wanted_periods = set(periods)
    found: dict[tuple[int, Scope, Period], defs.Components] = {}
    rows = Rollup.objects.filter(
        condition, measure_id__in=ids, period_kind__in=kinds, period_start__in=starts
    ).values_list(
        "measure_id",
        "organisation_id",
        "scope_kind",
        "scope_id",
        "period_kind",
        "period_start",
        "n",
        "total",
        "hits",
        "misses",
        "distinct",
        "median",
    )
    for (
        measure_id,
        organisation_id,
        kind,
        scope_id,
        period_kind,
        start,
        n,
        total,
        hits,
        misses,
        distinct,
        median,
    ) in rows:
        period = Period(start, PeriodKind(period_kind))
        if period not in wanted_periods:
            continue
        cell = defs.Components(n, total, hits, misses, distinct, median)
        for scope in wanted[(kind, scope_id)]:
            if not scope.counts(organisation_id):
                continue
            key = (measure_id, scope, period)
            before = found.get(key)
            found[key] = cell if before is None else _added(before, cell)
    return found


def _added(one: defs.Components, other: defs.Components) -> defs.Components:
    """Two cells of a scope (an adviser's in two organisations) as one; a median cannot be
    added, so there is none."""
    return defs.Components(
        one.n + other.n,
        one.total + other.total,
        one.hits + other.hits,
        one.misses + other.misses,
        one.distinct + other.distinct,
        None,
    )


def values(
    measures: Sequence[Measure], scopes: Sequence[Scope], periods: Sequence[Period]
) -> dict[tuple[int, Scope, Period], defs.Figure]:
    """Every measure's figure in every scope and period, ratios included (their parts are
    fetched with the rest: still one query)."""
    definitions = {m.pk: parsed(m) for m in measures}
    codes_needed = {
        code
        for d in definitions.values()
        if d.is_ratio
        for code in (d.numerator_code, d.denominator_code)
    }
    by_code = {m.code: m for m in measures}
    extra = list(
        Measure.objects.filter(code__in=codes_needed - set(by_code)).filter(
            Q(organisation__isnull=True) | Q(organisation_id__in=_orgs(measures))
        )
    )
    for m in extra:
        by_code.setdefault(m.code, m)
        definitions[m.pk] = parsed(m)
    parts = components([pk for pk, d in definitions.items() if not d.is_ratio], scopes, periods)
    result: dict[tuple[int, Scope, Period], defs.Figure] = {}

    def plain(measure_id: int, scope: Scope, period: Period) -> defs.Figure:
        return defs.figure(definitions[measure_id], parts.get((measure_id, scope, period)))

    for measure in measures:
        definition = definitions[measure.pk]
        for scope in scopes:
            for period in periods:
                if definition.is_ratio:
                    top = by_code.get(definition.numerator_code)
                    bottom = by_code.get(definition.denominator_code)
                    if top is None or bottom is None:
                        result[(measure.pk, scope, period)] = defs.Figure(None)
                        continue
                    result[(measure.pk, scope, period)] = defs.ratio_figure(
                        definition,
                        plain(top.pk, scope, period),
                        plain(bottom.pk, scope, period),
                        definitions[top.pk].aggregate,
                    )
                else:
                    result[(measure.pk, scope, period)] = plain(measure.pk, scope, period)
    return result


def _orgs(measures: Sequence[Measure]) -> set[int]:
    return {m.organisation_id for m in measures if m.organisation_id is not None}


PERIOD_GROUP_NAMES = {
    PeriodKind.FINANCIAL_YEAR: "Financial years",
    PeriodKind.QUARTER: "Quarters",
    PeriodKind.MONTH: "Months",
}


def period_groups(
    today: dt.date, spans: Sequence[tuple[PeriodKind, int, int]], newest_first: bool = True
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Periods to choose from as (group name, [(label, title)]), a group per ``(kind, back,
    ahead)`` in the order given: ``back`` periods before today's, today's, and ``ahead``
    after it."""
    groups = []
    for kind, back, ahead in spans:
        current = period_of(today, kind)
        before, after = [current], [current]
        for _ in range(back):
            before.append(before[-1].previous())
        for _ in range(ahead):
            after.append(after[-1].next())
        periods = list(reversed(before)) + after[1:]
        if newest_first:
            periods.reverse()
        groups.append((PERIOD_GROUP_NAMES[kind], [(p.label, p.title) for p in periods]))
    return groups


def last_periods(kind: str, count: int, today: dt.date) -> list[Period]:
    period = period_of(today, kind)
    found = [period]
    while len(found) < count:
        period = period.previous()
        found.append(period)
    return list(reversed(found))
