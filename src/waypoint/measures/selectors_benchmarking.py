"""Reads for benchmarking (issue 6 item 6; 000 knowledge points on benchmarking and on how the
type of client affects performance): who may compare which units, and the units' figures.

A *comparison* is a level within a parent scope:

- advisers within an organisation, or within a team;
- teams within an organisation;
- providers delivering a programme (the programme's delivering organisations).

Who may compare: the administrators and service managers of the organisation (advisers and
teams within it, or within one of its teams); the administrators, service managers and contract
managers of the organisation owning a programme (its providers). Advisers do not see league
tables of their colleagues, not even anonymised: benchmarking is a management tool here, and an
adviser's own figures are on their dashboard. The parent scope is checked with the dashboards'
``scope_access``: no such scope or none of the person's business is a 404; a scope the person
knows of but may not compare within is a 403.

Figures:

- advisers and teams come from the rollups (the cells of the parent's organisation only, so an
  adviser who also works for another organisation is compared on this organisation's work);
- providers of a programme are computed from the programme's facts (the providers' own
  organisation figures would include their work for other commissioners);
- case-mix adjustment reads the facts of the measure's source in the parent scope and period
  that pass the measure's filter, and counts records and hits by unit and segment.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.periods import Period
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.models import Programme
from waypoint.measures import benchmarking as bm
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures.models import (
    BenchmarkFigure,
    Measure,
    MeasureFact,
    Rollup,
    ScopeKind,
    Target,
)
from waypoint.measures.selectors import counting_in, parsed, values
from waypoint.measures.selectors_dashboards import (
    FACT_SCOPE_FIELD,
    PROGRAMME_OWNER_ROLES,
    Access,
    DashboardScope,
    scope_access,
)

D = decimal.Decimal


class Level:
    ADVISERS = "advisers"
    TEAMS = "teams"
    PROVIDERS = "providers"


LEVEL_LABELS = {Level.ADVISERS: "Advisers", Level.TEAMS: "Teams", Level.PROVIDERS: "Providers"}
# The scope kind of each level's units, and the parents it can be compared within.
UNIT_KIND = {
    Level.ADVISERS: ScopeKind.ADVISER,
    Level.TEAMS: ScopeKind.TEAM,
    Level.PROVIDERS: ScopeKind.ORGANISATION,
}
PARENTS = {
    Level.ADVISERS: (ScopeKind.ORGANISATION, ScopeKind.TEAM),
    Level.TEAMS: (ScopeKind.ORGANISATION,),
    Level.PROVIDERS: (ScopeKind.PROGRAMME,),
}


@dataclass(frozen=True)
class Comparison:
    level: str
    parent: DashboardScope
    organisation_id: int | None = None  # advisers and teams: the organisation they work in

    @property
    def key(self) -> str:
        return f"{self.level}:{self.parent.kind}:{self.parent.id}"

    @property
    def unit_kind(self) -> str:
        return str(UNIT_KIND[self.level])

    @property
    def label(self) -> str:
        if self.level == Level.PROVIDERS:
            return f"Providers of {self.parent.name}"
        within = (
            f"the {self.parent.name} team"
            if self.parent.kind == ScopeKind.TEAM
            else (self.parent.name)
        )
        return f"{LEVEL_LABELS[self.level]} in {within}"

    @property
    def unit_noun(self) -> str:
        return {"advisers": "Adviser", "teams": "Team", "providers": "Provider"}[self.level]


# Who may compare --------------------------------------------------------------------------------


def may_benchmark(user: Any) -> bool:
    """Whether the person may compare anything: a manager or contract manager somewhere."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or organisations_with_role(user, PROGRAMME_OWNER_ROLES))


def _comparison(level: str, scope: DashboardScope) -> Comparison:
    organisation_id = None
    if scope.kind == ScopeKind.ORGANISATION:
        organisation_id = scope.id
    elif scope.kind == ScopeKind.TEAM:
        organisation_id = next(iter(scope.organisation_ids), None)
    return Comparison(level, scope, organisation_id)


def _may_compare(user: Any, comparison: Comparison) -> bool:
    if user.is_superuser:
        return True
    if comparison.level == Level.PROVIDERS:
        owner = Programme.objects.filter(pk=comparison.parent.id).values_list(
            "organisation_id", flat=True
        )
        return bool(set(owner) & organisations_with_role(user, PROGRAMME_OWNER_ROLES))
    return comparison.organisation_id in organisations_with_role(user, MANAGING_ROLES)


def comparison_access(user: Any, key: str) -> tuple[Access, Comparison | None]:
    """Whether the person may make this comparison (``advisers:organisation:12``): ALLOWED,
    FORBIDDEN (403: they know of the parent scope but may not compare within it) or HIDDEN
    (404: no such comparison, or none of their business)."""
    parts = (key or "").split(":")
    if len(parts) != 3 or parts[0] not in PARENTS or not parts[2].isdigit():
        return Access.HIDDEN, None
    level, kind, scope_id = parts[0], parts[1], int(parts[2])
    if kind not in PARENTS[level]:
        return Access.HIDDEN, None
    access, scope = scope_access(user, kind, scope_id)
    if scope is None or access is Access.HIDDEN:
        return Access.HIDDEN, None
    comparison = _comparison(level, scope)
    if access is Access.FORBIDDEN or not _may_compare(user, comparison):
        return Access.FORBIDDEN, comparison
    return Access.ALLOWED, comparison


def comparisons_for(user: Any) -> list[Comparison]:
    """Every comparison the person may make, for the page's menu: within each organisation they
    manage (advisers, teams, then advisers of each team), then the providers of each programme
    their organisation owns."""
    if not may_benchmark(user):
        return []
    managed = organisations_with_role(user, MANAGING_ROLES)
    organisations = Organisation.objects.filter(is_active=True)
    if not user.is_superuser:
        organisations = organisations.filter(pk__in=managed)
    found: list[Comparison] = []
    for organisation in organisations.order_by("name"):
        ids = frozenset({organisation.pk})
        scope = DashboardScope(ScopeKind.ORGANISATION, organisation.pk, organisation.name, ids, ids)
        found.append(Comparison(Level.ADVISERS, scope, organisation.pk))
        found.append(Comparison(Level.TEAMS, scope, organisation.pk))
        for team in Team.objects.filter(organisation=organisation).order_by("name"):
            team_ids = frozenset({team.organisation_id})
            team_scope = DashboardScope(ScopeKind.TEAM, team.pk, team.name, team_ids, team_ids)
            found.append(Comparison(Level.ADVISERS, team_scope, team.organisation_id))
    programmes = Programme.objects.all()
    if not user.is_superuser:
        programmes = programmes.filter(
            organisation_id__in=organisations_with_role(user, PROGRAMME_OWNER_ROLES)
        )
    for programme in programmes.order_by("name"):
        scope = DashboardScope(
            ScopeKind.PROGRAMME,
            programme.pk,
            programme.name,
            frozenset({programme.organisation_id}),
        )
        found.append(Comparison(Level.PROVIDERS, scope))
    return found


def benchmarkable_measures(user: Any, comparison: Comparison) -> list[Measure]:
    """Active measures the person may see that count in the parent scope and for its units
    (no costs when comparing advisers)."""
    owners = set(comparison.parent.measure_organisation_ids) | {comparison.organisation_id or 0}
    return counting_in(
        Measure.objects.restrict(user, "view")
        .filter(is_active=True)
        .filter(Q(organisation__isnull=True) | Q(organisation_id__in=owners))
        .order_by("position", "name"),
        comparison.unit_kind,
    )


# Units and their figures ------------------------------------------------------------------------


@dataclass
class UnitFigures:
    id: int
    name: str
    figure: defs.Figure
    segments: dict[bm.Segment, bm.Counts] = field(default_factory=dict)
    standardised: bm.Standardised | None = None
    target: Target | None = None
    target_due: D | None = None
    rag: str | None = None


@dataclass
class Benchmark:
    comparison: Comparison
    measure: Measure
    definition: defs.Definition
    period: Period
    overall: defs.Figure  # the parent scope's own figure
    units: list[UnitFigures]
    case_mix: tuple[str, ...] = ()
    case_mix_overall: float | None = None  # per cent, from the facts (case-mix on)
    population: dict[bm.Segment, bm.Counts] = field(default_factory=dict)

    @property
    def is_rate(self) -> bool:
        return self.definition.aggregate == "rate"


def unit_names(comparison: Comparison) -> dict[int, str]:
    """The units a comparison holds whatever their records: the advisers and mentors of the
    organisation (or the people of the team), its teams, or the programme's providers."""
    parent = comparison.parent
    if comparison.level == Level.TEAMS:
        return dict(
            Team.objects.filter(organisation_id=parent.id)
            .order_by("name")
            .values_list("pk", "name")
        )
    if comparison.level == Level.PROVIDERS:
        programme = Programme.objects.filter(pk=parent.id).first()
        if programme is None:
            return {}
        return dict(programme.delivering_organisations.order_by("name").values_list("pk", "name"))
    if parent.kind == ScopeKind.TEAM:
        assignments = RoleAssignment.objects.filter(team_id=parent.id)
    else:
        assignments = RoleAssignment.objects.filter(
            organisation_id=parent.id, role__in=[Role.ADVISER, Role.MENTOR]
        )
    return _people(assignments.values_list("user_id", flat=True))


def _people(ids: Iterable[int]) -> dict[int, str]:
    return {
        u.pk: u.get_full_name() or u.username
        for u in User.objects.filter(pk__in=set(ids)).order_by("first_name", "last_name")
    }


def _parts(measure: Measure, definition: defs.Definition) -> dict[str, Measure]:
    """A ratio's two measures by code (an organisation's own first, then the standard one)."""
    if not definition.is_ratio:
        return {}
    codes = {definition.numerator_code, definition.denominator_code}
    found: dict[str, Measure] = {}
    rows = Measure.objects.filter(code__in=codes).filter(
        Q(organisation__isnull=True) | Q(organisation_id=measure.organisation_id)
    )
    for part in sorted(rows, key=lambda m: m.organisation_id is None):
        found.setdefault(part.code, part)
    return found


def _combine(
    measure: Measure,
    definition: defs.Definition,
    parts: Mapping[str, Measure],
    components: Mapping[tuple[int, int], defs.Components],
    unit_id: int,
) -> defs.Figure:
    if not definition.is_ratio:
        return defs.figure(definition, components.get((measure.pk, unit_id)))
    top = parts.get(definition.numerator_code)
    bottom = parts.get(definition.denominator_code)
    if top is None or bottom is None:
        return defs.Figure(None)
    top_def, bottom_def = parsed(top), parsed(bottom)
    return defs.ratio_figure(
        definition,
        defs.figure(top_def, components.get((top.pk, unit_id))),
        defs.figure(bottom_def, components.get((bottom.pk, unit_id))),
        top_def.aggregate,
    )


def _rollup_components(
    measure_ids: Sequence[int], comparison: Comparison, period: Period, unit_ids: Iterable[int]
) -> dict[tuple[int, int], defs.Components]:
    """The units' rollup cells in the parent's organisation, in one query."""
    rows = Rollup.objects.filter(
        measure_id__in=measure_ids,
        organisation_id=comparison.organisation_id or 0,
        scope_kind=comparison.unit_kind,
        period_kind=period.kind.value,
        period_start=period.start,
    )
    if comparison.parent.kind == ScopeKind.TEAM:
        rows = rows.filter(scope_id__in=set(unit_ids))
    return {
        (row.measure_id, row.scope_id): defs.Components(
            row.n, row.total, row.hits, row.misses, row.distinct, row.median
        )
        for row in rows
    }


def _grains(period: Period) -> list[str]:
    return [grain for grain, kinds in defs.GRAIN_PERIODS.items() if period.kind in kinds]


def _facts(source: str, comparison: Comparison, period: Period) -> Iterable[defs.Fact]:
    """The facts of a source in the parent scope and period."""
    from waypoint.measures.rollups import fact_from_row

    parent = comparison.parent
    rows = MeasureFact.objects.filter(
        source=source,
        on__gte=period.start,
        on__lt=period.end,
        grain__in=_grains(period),
        **{FACT_SCOPE_FIELD[ScopeKind(parent.kind)]: parent.id},
    )
    if parent.kind == ScopeKind.PROGRAMME:
        rows = rows.filter(programme_owner_id__isnull=False)
    for row in rows.iterator(chunk_size=2000):
        yield fact_from_row(row)


UNIT_FIELD = {
    Level.ADVISERS: "adviser_id",
    Level.TEAMS: "team_id",
    Level.PROVIDERS: "organisation_id",
}


def _fact_components(
    measures: Sequence[Measure], comparison: Comparison, period: Period
) -> dict[tuple[int, int], defs.Components]:
    """The units' components computed from the facts (for providers of a programme)."""
    unit_field = UNIT_FIELD[comparison.level]
    found: dict[tuple[int, int], defs.Components] = {}
    for measure in measures:
        definition = parsed(measure)
        if definition.is_ratio:
            continue
        sums: dict[int, list[Any]] = {}
        for fact in _facts(definition.source, comparison, period):
            if not fact.applies_to(measure.organisation_id):
                continue
            delta = defs.delta_for(definition, fact)
            unit_id = getattr(fact, unit_field)
            if delta is None or unit_id is None:
                continue
            acc = sums.setdefault(unit_id, [0, D(0), 0, 0, set(), []])
            acc[0] += delta.n
            acc[1] += delta.total
            acc[2] += delta.hits
            acc[3] += delta.misses
            if delta.member is not None:
                acc[4].add(delta.member)
            if delta.bin is not None:
                acc[5].append((delta.bin, 1))
        for unit_id, (n, total, hits, misses, members, bins) in sums.items():
            found[(measure.pk, unit_id)] = defs.Components(
                n, total, hits, misses, len(members), defs.median_of(bins)
            )
    return found


def case_mix_counts(
    measure: Measure,
    definition: defs.Definition,
    comparison: Comparison,
    period: Period,
    dims: Sequence[str],
) -> tuple[dict[int, dict[bm.Segment, bm.Counts]], dict[bm.Segment, bm.Counts]]:
    """Records and hits of a rate measure by unit and segment, and for the whole parent scope
    (the population whose segment rates the units are standardised against)."""
    unit_field = UNIT_FIELD[comparison.level]
    units: dict[int, dict[bm.Segment, bm.Counts]] = {}
    population: dict[bm.Segment, bm.Counts] = {}
    if definition.aggregate != "rate":
        return units, population
    for fact in _facts(definition.source, comparison, period):
        if not fact.applies_to(measure.organisation_id):
            continue
        if comparison.organisation_id is not None and fact.organisation_id != (
            comparison.organisation_id
        ):
            continue
        delta = defs.delta_for(definition, fact)
        if delta is None:
            continue
        segment = bm.segment_of(fact.dims, dims)
        counts = bm.Counts(1, delta.hits)
        population[segment] = population.get(segment, bm.Counts()) + counts
        unit_id = getattr(fact, unit_field)
        if unit_id is not None:
            mine = units.setdefault(unit_id, {})
            mine[segment] = mine.get(segment, bm.Counts()) + counts
    return units, population


def _targets(
    measure: Measure, comparison: Comparison, period: Period, ids: Iterable[int]
) -> dict[int, Target]:
    rows = Target.objects.filter(
        measure=measure,
        scope_kind=comparison.unit_kind,
        scope_id__in=set(ids),
        period_kind=period.kind.value,
        period_start=period.start,
    )
    return {t.scope_id: t for t in rows}


def gather(
    comparison: Comparison,
    measure: Measure,
    period: Period,
    *,
    case_mix: Sequence[str] = (),
    today: dt.date | None = None,
) -> Benchmark:
    """Every unit's figure for the measure in the period, against its target; with
    ``case_mix`` (client attributes forming the segments) and a rate measure, each unit's
    rate standardised for its mix of clients."""
    from django.utils import timezone

    today = today or timezone.localdate()
    definition = parsed(measure)
    names = unit_names(comparison)
    parts = _parts(measure, definition)
    measures = [measure, *parts.values()]
    ids = [m.pk for m in measures if not parsed(m).is_ratio]
    if comparison.level == Level.PROVIDERS:
        components = _fact_components(measures, comparison, period)
    else:
        components = _rollup_components(ids, comparison, period, names)
    for _, unit_id in components:
        if comparison.parent.kind != ScopeKind.TEAM or unit_id in names:
            names.setdefault(unit_id, "")
    missing = [pk for pk, name in names.items() if not name]
    if missing:
        if comparison.level == Level.ADVISERS:
            names.update(_people(missing))
        elif comparison.level == Level.TEAMS:
            names.update(Team.objects.filter(pk__in=missing).values_list("pk", "name"))
        else:
            names.update(Organisation.objects.filter(pk__in=missing).values_list("pk", "name"))
    units = [
        UnitFigures(
            unit_id,
            name or f"#{unit_id}",
            _combine(measure, definition, parts, components, unit_id),
        )
        for unit_id, name in names.items()
    ]
    units.sort(key=lambda u: u.name.lower())
    targets = _targets(measure, comparison, period, names)
    for unit in units:
        target = targets.get(unit.id)
        if target is not None:
            unit.target = target
            unit.target_due = rag.target_to_date(
                target.value, period, definition.aggregate, target.profile or {}, today
            )
            unit.rag = rag.rag(
                unit.figure.value, unit.target_due, measure.direction, target.amber_within
            )
    overall = values([measure], [comparison.parent.scope], [period])[
        (measure.pk, comparison.parent.scope, period)
    ]
    benchmark = Benchmark(comparison, measure, definition, period, overall, units)
    dims = tuple(d for d in bm.CASE_MIX_DIMS if d in set(case_mix))
    if dims and definition.aggregate == "rate":
        by_unit, population = case_mix_counts(measure, definition, comparison, period, dims)
        overall_rate, found = bm.standardise_all(by_unit, population)
        for unit in units:
            unit.segments = by_unit.get(unit.id, {})
            unit.standardised = found.get(unit.id)
        benchmark.case_mix = dims
        benchmark.case_mix_overall = overall_rate
        benchmark.population = population
    return benchmark


def benchmark_figures(user: Any, measure: Measure, period: Period) -> list[BenchmarkFigure]:
    """Published results of others for the measure that the person may see: the latest from
    each source up to the end of the period."""
    rows = (
        BenchmarkFigure.objects.restrict(user, "view")
        .filter(measure__code=measure.code, period_start__lt=period.end)
        .filter(Q(measure__organisation__isnull=True) | Q(measure=measure))
        .order_by("-period_start", "source")
    )
    latest: dict[str, BenchmarkFigure] = {}
    for row in rows:
        latest.setdefault(row.source.strip().lower(), row)
    return sorted(latest.values(), key=lambda f: f.source.lower())
