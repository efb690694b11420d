"""Who may see which performance dashboard, and what a dashboard shows (000 reqs 2, 9, 10).

A dashboard shows a scope's figures: an organisation, a programme, a team or one adviser.

- organisation: its administrators, service managers and viewers. (Contract managers of an
  organisation owning a programme it delivers see that programme's dashboard instead: the
  provider's own figures include other commissioners' work.)
- programme: the owning organisation's administrators, service managers and contract managers,
  and the administrators and service managers of the organisations delivering it.
- team: its organisation's administrators and service managers, and the people in the team.
- adviser: the adviser themself and the administrators and service managers of an organisation
  where they hold a role.

``scope_access`` answers ALLOWED, FORBIDDEN (the person works with the scope's organisation
but their role does not show it: 403) or HIDDEN (no such scope, or none of their business:
404). Superusers see every scope. The API can call the same functions.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q, QuerySet

from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role, role_map
from waypoint.delivery.models import Programme
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures.models import Measure, MeasureFact, ScopeKind, Target
from waypoint.measures.rag import Variance
from waypoint.measures.selectors import (
    Scope,
    adviser_work_seen_by,
    counting_in,
    measures_visible_to,
    parsed,
    period_groups,
    values,
)

D = decimal.Decimal
ORGANISATION_ROLES = MANAGING_ROLES | {Role.VIEWER}
PROGRAMME_OWNER_ROLES = MANAGING_ROLES | {Role.CONTRACT_MANAGER}
DASHBOARD_PERIODS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR)
TREND_LENGTH = 8
# The fact column holding each scope's id (definitions.Fact.scopes).
FACT_SCOPE_FIELD = {
    ScopeKind.ORGANISATION: "organisation_id",
    ScopeKind.PROGRAMME: "programme_id",
    ScopeKind.TEAM: "team_id",
    ScopeKind.ADVISER: "adviser_id",
}


class Access(enum.Enum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class DashboardScope:
    kind: str
    id: int
    name: str
    # Organisations whose people know of the scope (a refusal there is a 403, not a 404).
    organisation_ids: frozenset[int] = frozenset()
    # Organisations whose own measures count in this scope (besides the standard ones).
    measure_organisation_ids: frozenset[int] = frozenset()
    # Organisations whose work the figures count (None: all): a manager sees an adviser who
    # also works elsewhere through their own organisation's work only (``scope_access``).
    counted_organisation_ids: frozenset[int] | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.kind, self.id, self.counted_organisation_ids)

    @property
    def counts_part(self) -> bool:
        """Whether the figures count only part of the scope's work."""
        counted = self.counted_organisation_ids
        return counted is not None and not counted >= self.organisation_ids

    @property
    def kind_label(self) -> str:
        return str(ScopeKind(self.kind).label)

    @property
    def title(self) -> str:
        if self.kind == ScopeKind.ADVISER:
            return self.name
        return f"{self.name} ({self.kind_label.lower()})"


def find_scope(kind: str, scope_id: int) -> DashboardScope | None:
    """The scope named, or None when there is no such scope."""
    if kind == ScopeKind.ORGANISATION:
        organisation = Organisation.objects.filter(pk=scope_id).first()
        if organisation is None:
            return None
        ids = frozenset({organisation.pk})
        return DashboardScope(kind, organisation.pk, organisation.name, ids, ids)
    if kind == ScopeKind.PROGRAMME:
        programme = Programme.objects.filter(pk=scope_id).first()
        if programme is None:
            return None
        delivering = set(programme.delivering_organisations.values_list("pk", flat=True))
        ids = frozenset({programme.organisation_id, *delivering})
        return DashboardScope(kind, programme.pk, programme.name, ids, ids)
    if kind == ScopeKind.TEAM:
        team = Team.objects.filter(pk=scope_id).first()
        if team is None:
            return None
        ids = frozenset({team.organisation_id})
        return DashboardScope(kind, team.pk, team.name, ids, ids)
    if kind == ScopeKind.ADVISER:
        adviser = User.objects.filter(pk=scope_id).first()
        if adviser is None:
            return None
        ids = frozenset(
            RoleAssignment.objects.filter(user=adviser).values_list("organisation_id", flat=True)
        )
        name = adviser.get_full_name() or adviser.username
        return DashboardScope(kind, adviser.pk, name, ids, ids)
    return None


def _allowed(user: Any, scope: DashboardScope) -> bool:
    if user.is_superuser:
        return True
    managed = organisations_with_role(user, MANAGING_ROLES)
    if scope.kind == ScopeKind.ORGANISATION:
        return scope.id in organisations_with_role(user, ORGANISATION_ROLES)
    if scope.kind == ScopeKind.PROGRAMME:
        owner = Programme.objects.filter(pk=scope.id).values_list("organisation_id", flat=True)
        if set(owner) & organisations_with_role(user, PROGRAMME_OWNER_ROLES):
            return True
        return bool(
            Programme.delivering_organisations.through.objects.filter(
                programme_id=scope.id, organisation_id__in=managed
            ).exists()
        )
    if scope.kind == ScopeKind.TEAM:
        if scope.organisation_ids & managed:
            return True
        return RoleAssignment.objects.filter(
            user=user, team_id=scope.id, organisation_id__in=set(role_map(user))
        ).exists()
    if scope.kind == ScopeKind.ADVISER:
        return scope.id == user.pk or bool(scope.organisation_ids & managed)
    return False


def scope_access(user: Any, kind: str, scope_id: int) -> tuple[Access, DashboardScope | None]:
    """Whether ``user`` may see the dashboard of this scope, and the scope."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return Access.HIDDEN, None
    scope = find_scope(kind, scope_id)
    if scope is None:
        return Access.HIDDEN, None
    if _allowed(user, scope):
        return Access.ALLOWED, as_seen_by(user, scope)
    if scope.organisation_ids & set(role_map(user)):
        return Access.FORBIDDEN, scope
    return Access.HIDDEN, scope


def as_seen_by(user: Any, scope: DashboardScope) -> DashboardScope:
    """The scope whose figures the person may see (``selectors.adviser_work_seen_by``)."""
    if scope.kind != ScopeKind.ADVISER:
        return scope
    counted = adviser_work_seen_by(user, scope.id)
    return scope if counted is None else within(scope, scope.organisation_ids & counted)


def within(scope: DashboardScope, organisation_ids: Iterable[int]) -> DashboardScope:
    """An adviser's scope counting only their work in these organisations (an evaluation or
    improvement of one organisation: its work even when the adviser has left it since); other
    kinds of scope belong to one place already."""
    if scope.kind != ScopeKind.ADVISER:
        return scope
    return replace(scope, counted_organisation_ids=frozenset(organisation_ids))


def counted_only_in(scope: DashboardScope) -> list[str]:
    """The names of the organisations whose work the figures count, when they count only part
    of the scope's (a manager looking at an adviser who also works elsewhere); else none."""
    if not scope.counts_part:
        return []
    found = Organisation.objects.filter(pk__in=scope.counted_organisation_ids or ())
    return list(found.order_by("name").values_list("name", flat=True))


def scope_facts(scope: DashboardScope, source: str) -> QuerySet[MeasureFact]:
    """The facts of a source that count in the scope, whatever their period: a programme's
    (those of the programme's owner) and an adviser's in the organisations the scope counts."""
    rows = MeasureFact.objects.filter(
        source=source, **{FACT_SCOPE_FIELD[ScopeKind(scope.kind)]: scope.id}
    )
    if scope.kind == ScopeKind.PROGRAMME:
        rows = rows.filter(programme_owner_id__isnull=False)
    if scope.counted_organisation_ids is not None:
        rows = rows.filter(organisation_id__in=scope.counted_organisation_ids)
    return rows


def scopes_for(user: Any) -> OrderedDict[str, list[DashboardScope]]:
    """Every dashboard the person may open, by kind (their own first): for the page's menu of
    other dashboards. Advisers other than themself are reached from their team's page."""
    found: OrderedDict[str, list[DashboardScope]] = OrderedDict(
        (kind, []) for kind in (ScopeKind.ADVISER, ScopeKind.TEAM, ScopeKind.PROGRAMME)
    )
    found[ScopeKind.ORGANISATION] = []
    if not getattr(user, "is_authenticated", False):
        return found
    roles = role_map(user)
    own_roles = {Role.ADVISER, Role.MENTOR}
    if any(held & own_roles for held in roles.values()):
        found[ScopeKind.ADVISER].append(
            DashboardScope(
                ScopeKind.ADVISER, user.pk, user.get_full_name() or user.username, frozenset(roles)
            )
        )
    managed = organisations_with_role(user, MANAGING_ROLES)
    team_filter = Q(organisation_id__in=managed) | Q(
        pk__in=RoleAssignment.objects.filter(user=user, team__isnull=False).values("team_id")
    )
    teams = Team.objects.all() if user.is_superuser else Team.objects.filter(team_filter)
    for team in teams.order_by("organisation__name", "name"):
        found[ScopeKind.TEAM].append(
            DashboardScope(ScopeKind.TEAM, team.pk, team.name, frozenset({team.organisation_id}))
        )
    owners = organisations_with_role(user, PROGRAMME_OWNER_ROLES)
    programmes = Programme.objects.all()
    if not user.is_superuser:
        programmes = programmes.filter(
            Q(organisation_id__in=owners) | Q(delivering_organisations__in=managed)
        ).distinct()
    for programme in programmes.order_by("name"):
        found[ScopeKind.PROGRAMME].append(
            DashboardScope(ScopeKind.PROGRAMME, programme.pk, programme.name)
        )
    organisations = Organisation.objects.filter(is_active=True)
    if not user.is_superuser:
        organisations = organisations.filter(
            pk__in=organisations_with_role(user, ORGANISATION_ROLES)
        )
    for organisation in organisations.order_by("name"):
        found[ScopeKind.ORGANISATION].append(
            DashboardScope(ScopeKind.ORGANISATION, organisation.pk, organisation.name)
        )
    return found


def default_scope(user: Any) -> DashboardScope | None:
    """Where /performance/ takes a person: a manager or viewer to their organisation, a contract
    manager to their first programme, an adviser to their own figures, others to a team."""
    scopes = scopes_for(user)
    for kind in (ScopeKind.ORGANISATION, ScopeKind.PROGRAMME, ScopeKind.ADVISER, ScopeKind.TEAM):
        if scopes[kind]:
            return scopes[kind][0]
    return None


def advisers_of(scope: DashboardScope) -> list[DashboardScope]:
    """The people of a team, for links from a team's dashboard to each adviser's."""
    if scope.kind != ScopeKind.TEAM:
        return []
    rows = (
        RoleAssignment.objects.filter(team_id=scope.id, role__in=[Role.ADVISER, Role.MENTOR])
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )
    seen: dict[int, DashboardScope] = {}
    for row in rows:
        seen.setdefault(
            row.user_id,
            DashboardScope(
                ScopeKind.ADVISER,
                row.user_id,
                row.user.get_full_name() or row.user.username,
                frozenset({row.organisation_id}),
            ),
        )
    return list(seen.values())


# Periods --------------------------------------------------------------------------------------


def current_period(kind: str = PeriodKind.FINANCIAL_YEAR, today: dt.date | None = None) -> Period:
    from django.utils import timezone

    return period_of(today or timezone.localdate(), kind)


def read_period(label: str | None, kind: str | None, today: dt.date) -> tuple[Period, str]:
    """The period asked for (``?period=2026/27`` or ``?kind=quarter``) and a problem to show
    ('' when none). Defaults to the current financial year (to date)."""
    default = period_of(today, PeriodKind.FINANCIAL_YEAR)
    if kind:
        try:
            default = period_of(today, PeriodKind(kind))
        except ValueError:
            return (
                default,
                f"kind: {kind!r} is not a kind of period; use month, quarter or financial_year.",
            )
        if default.kind not in DASHBOARD_PERIODS:
            return period_of(today, PeriodKind.FINANCIAL_YEAR), (
                "kind: dashboards show months, financial quarters or financial years."
            )
    if not label:
        return default, ""
    try:
        period = Period.parse(label)
    except ValueError as error:
        return default, f"period: {error}"
    if period.kind not in DASHBOARD_PERIODS:
        return default, (
            f"period: {label!r} is a calendar period; use a month (2026-11), a financial "
            "quarter (2026/27 Q3) or a financial year (2026/27)."
        )
    return period, ""


def period_choices(today: dt.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """Periods to choose from, grouped: recent financial years, quarters and months."""
    return period_groups(
        today,
        [(PeriodKind.FINANCIAL_YEAR, 3, 0), (PeriodKind.QUARTER, 7, 0), (PeriodKind.MONTH, 12, 0)],
    )


def trend_periods(period: Period, count: int = TREND_LENGTH) -> list[Period]:
    found = [period]
    while len(found) < count:
        found.append(found[-1].previous())
    return list(reversed(found))


# Figures -------------------------------------------------------------------------------------


def measures_for(user: Any, scope: DashboardScope) -> list[Measure]:
    """Active measures the person may see that count in this scope: the standard ones and
    the own measures of the organisations the scope belongs to, in the library's order (not
    those that cannot count in it: costs for an adviser)."""
    return counting_in(
        measures_visible_to(user)
        .filter(
            Q(organisation__isnull=True) | Q(organisation_id__in=scope.measure_organisation_ids)
        )
        .order_by("position", "name"),
        scope.kind,
    )


def measure_for(user: Any, scope: DashboardScope, code: str) -> Measure | None:
    """The measure with this code on the scope's dashboard (an organisation's own first)."""
    found = [m for m in measures_for(user, scope) if m.code == code]
    found.sort(key=lambda m: m.organisation_id is None)
    return found[0] if found else None


@dataclass
class Row:
    """One measure on a dashboard."""

    measure: Measure
    definition: defs.Definition
    figure: defs.Figure
    target: Target | None = None
    target_due: D | None = None
    rag: str | None = None
    variance: Variance | None = None
    trend: list[tuple[Period, D | None]] = field(default_factory=list)

    @property
    def rag_label(self) -> str:
        return rag.label(self.rag)


def targets_for(
    measures: Iterable[Measure], scope: Scope, periods: Sequence[Period]
) -> dict[tuple[int, Period], Target]:
    """The scope's targets by measure and period; when the scope counts the work of some
    organisations only, only the targets those organisations set (another organisation's
    target for a shared adviser measures other work)."""
    condition = Q()
    for period in periods:
        condition |= Q(period_kind=period.kind.value, period_start=period.start)
    if not periods:
        return {}
    rows = Target.objects.filter(
        condition,
        measure__in=[m.pk for m in measures],
        scope_kind=scope.kind,
        scope_id=scope.id,
    )
    if scope.organisations is not None:
        rows = rows.filter(organisation_id__in=scope.organisations)
    return {(t.measure_id, Period(t.period_start, PeriodKind(t.period_kind))): t for t in rows}


def dashboard_rows(
    measures: Sequence[Measure], scope: DashboardScope, period: Period, today: dt.date
) -> list[Row]:
    """Each measure's figure in the period, against its target, with its trend: two queries
    for the figures (one for the period and its trend) and one for the targets."""
    periods = trend_periods(period)
    figures = values(measures, [scope.scope], periods)
    targets = targets_for(measures, scope.scope, [period])
    rows = []
    for measure in measures:
        definition = parsed(measure)
        figure = figures[(measure.pk, scope.scope, period)]
        row = Row(measure, definition, figure)
        target = targets.get((measure.pk, period))
        if target is not None:
            row.target = target
            aggregate = definition.aggregate
            row.target_due = rag.target_to_date(
                target.value, period, aggregate, target.profile or {}, today
            )
            row.rag = rag.rag(figure.value, row.target_due, measure.direction, target.amber_within)
            row.variance = rag.variance(figure.value, row.target_due)
        row.trend = [(p, figures[(measure.pk, scope.scope, p)].value) for p in periods]
        rows.append(row)
    return rows


def by_category(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    """Rows grouped by category, categories in the order their first measure comes."""
    groups: OrderedDict[str, list[Row]] = OrderedDict()
    for row in rows:
        groups.setdefault(row.measure.get_category_display(), []).append(row)
    return list(groups.items())


# The records behind a figure ----------------------------------------------------------------


def _grains_counting_in(kind: PeriodKind) -> list[str]:
    return [grain for grain, kinds in defs.GRAIN_PERIODS.items() if kind in kinds]


@dataclass(frozen=True)
class Counted:
    """A fact counted in a figure, with its share (``delta``)."""

    fact: defs.Fact
    delta: defs.Delta


def facts_behind(measure: Measure, scope: DashboardScope, period: Period) -> list[Counted]:
    """The facts a (non-ratio) measure counts in this scope and period, oldest first: exactly
    the records its rollup cell was computed from (definitions.contributions)."""
    from waypoint.measures.rollups import fact_from_row

    definition = parsed(measure)
    if definition.is_ratio:
        return []
    rows = (
        scope_facts(scope, definition.source)
        .filter(
            on__gte=period.start,
            on__lt=period.end,
            grain__in=_grains_counting_in(period.kind),
        )
        .order_by("on", "record_id")
    )
    found = []
    for row in rows.iterator(chunk_size=2000):
        fact = fact_from_row(row)
        if not fact.applies_to(measure.organisation_id):
            continue
        delta = defs.delta_for(definition, fact)
        if delta is not None:
            found.append(Counted(fact, delta))
    return found


def visible_record_ids(model: Any, user: Any, ids: Sequence[int]) -> set[int]:
    """Which of these records the person's policy lets them see (in chunks: no database
    limits on the number of parameters)."""
    visible: set[int] = set()
    wanted = list(ids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        visible |= set(
            model.objects.restrict(user, "view").filter(pk__in=chunk).values_list("pk", flat=True)
        )
    return visible
