"""Writes for targets: what a measure should reach in a scope and period, with its red, amber
and green thresholds and, for counts and totals over a quarter or a year, a cumulative profile
(issue 6 item 3; 000 req 9).

- One target per measure, scope and period (the model's constraint): ``target_set`` creates it
  or updates the one there is.
- Scopes: an organisation, a programme, a team or an adviser. A manager sets targets for scopes
  of an organisation where they are an administrator or service manager: that organisation
  itself, a programme it owns or delivers, one of its teams, an adviser holding a role in it.
  The target belongs to that organisation. A target another organisation set (a programme's
  owner and its deliverers share the programme's scope) is theirs to change.
- Green at or better than the target; amber within ``amber_within`` per cent of it (10 by
  default); red beyond (``waypoint.measures.rag``).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.permissions import policy_for
from waypoint.core.roles import organisations_with_role
from waypoint.core.services import require_permission
from waypoint.delivery.models import Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures.models import ROLLUP_PERIODS, Measure, ScopeKind, Target, Unit
from waypoint.measures.services.costs import PERIOD_HELP, parse_period

D = decimal.Decimal
MAX_VALUE = D("999999999999")
NON_NEGATIVE_UNITS = {Unit.COUNT, Unit.HOURS, Unit.DAYS, Unit.MONEY, Unit.PERCENT}


@dataclass(frozen=True)
class TargetScope:
    kind: str
    id: int
    name: str
    # The organisations the scope belongs to: whose managers may set its targets.
    organisation_ids: frozenset[int]

    @property
    def kind_label(self) -> str:
        return str(ScopeKind(self.kind).label)

    @property
    def title(self) -> str:
        if self.kind == ScopeKind.ADVISER:
            return f"{self.name} (adviser)"
        return f"{self.name} ({self.kind_label.lower()})"


def find_scope(kind: str, scope_id: Any) -> TargetScope | None:
    """The scope named and the organisations it belongs to; None when there is no such scope."""
    try:
        pk = int(scope_id)
    except (TypeError, ValueError):
        return None
    if kind == ScopeKind.ORGANISATION:
        organisation = Organisation.objects.filter(pk=pk).first()
        if organisation is None:
            return None
        return TargetScope(kind, pk, organisation.name, frozenset({pk}))
    if kind == ScopeKind.PROGRAMME:
        programme = Programme.objects.filter(pk=pk).first()
        if programme is None:
            return None
        delivering = programme.delivering_organisations.values_list("pk", flat=True)
        return TargetScope(
            kind, pk, programme.name, frozenset({programme.organisation_id, *delivering})
        )
    if kind == ScopeKind.TEAM:
        team = Team.objects.filter(pk=pk).first()
        if team is None:
            return None
        return TargetScope(kind, pk, team.name, frozenset({team.organisation_id}))
    if kind == ScopeKind.ADVISER:
        adviser = User.objects.filter(pk=pk).first()
        if adviser is None:
            return None
        held = RoleAssignment.objects.filter(user_id=pk).values_list("organisation_id", flat=True)
        return TargetScope(kind, pk, adviser.get_full_name() or adviser.username, frozenset(held))
    return None


def organisations_for(user: Any, scope: TargetScope, action: str = "change") -> list[int]:
    """The scope's organisations where ``user`` may ``action`` targets (all, for a superuser)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return []
    if user.is_superuser:
        return sorted(scope.organisation_ids)
    policy = policy_for(Target)
    roles = policy.roles_for(action)  # type: ignore[attr-defined]
    return sorted(scope.organisation_ids & organisations_with_role(user, roles))


def scopes_for(user: Any, action: str = "change") -> list[TargetScope]:
    """Every scope the person may set (or, with ``view``, see) targets for, by kind."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return []
    if user.is_superuser:
        ids = set(Organisation.objects.values_list("pk", flat=True))
    else:
        roles = policy_for(Target).roles_for(action)  # type: ignore[attr-defined]
        ids = organisations_with_role(user, roles)
    found: list[TargetScope] = []
    for organisation in Organisation.objects.filter(pk__in=ids).order_by("name"):
        found.append(
            TargetScope(
                ScopeKind.ORGANISATION,
                organisation.pk,
                organisation.name,
                frozenset({organisation.pk}),
            )
        )
    programmes = (
        Programme.objects.filter(Q(organisation_id__in=ids) | Q(delivering_organisations__in=ids))
        .distinct()
        .order_by("name")
    )
    for programme in programmes:
        found.append(TargetScope(ScopeKind.PROGRAMME, programme.pk, programme.name, frozenset()))
    for team in Team.objects.filter(organisation_id__in=ids).order_by("organisation__name", "name"):
        found.append(
            TargetScope(ScopeKind.TEAM, team.pk, team.name, frozenset({team.organisation_id}))
        )
    advisers = (
        User.objects.filter(role_assignments__organisation_id__in=ids, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    for adviser in advisers:
        found.append(
            TargetScope(
                ScopeKind.ADVISER,
                adviser.pk,
                adviser.get_full_name() or adviser.username,
                frozenset(),
            )
        )
    return found


def is_profiled(measure: Measure, period: Period) -> bool:
    """Whether a target of this measure over this period can have a cumulative profile."""
    return (
        period.kind is not PeriodKind.MONTH and measure.definition.get("aggregate") in rag.PROFILED
    )


def _number(value: Any, field: str, errors: dict[str, list[str]]) -> D | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append("Give a number.")
        return None
    try:
        number = value if isinstance(value, D) else D(str(value).strip().replace(",", ""))
    except decimal.InvalidOperation:
        errors.setdefault(field, []).append(f"{str(value).strip()!r} is not a number.")
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append("Give a number.")
        return None
    return number


def _check_value(measure: Measure, value: D, errors: dict[str, list[str]]) -> None:
    if abs(value) > MAX_VALUE:
        errors.setdefault("value", []).append("That target is too large.")
    elif measure.unit in NON_NEGATIVE_UNITS and value < 0:
        errors.setdefault("value", []).append(f"{measure.name} cannot be negative: give 0 or more.")
    elif (
        measure.unit == Unit.PERCENT
        and measure.definition.get("aggregate") == "rate"
        and value > 100
    ):
        errors.setdefault("value", []).append(f"{measure.name} is a share: give 0 to 100.")
    elif value != value.quantize(D("0.0001"), rounding=decimal.ROUND_HALF_UP):
        errors.setdefault("value", []).append("Give at most four decimal places.")


def _organisation_for(user: Any, scope: TargetScope, existing: Target | None) -> Organisation:
    """The organisation the target is set for; PermissionDenied when there is none."""
    mine = organisations_for(user, scope, "change")
    if existing is not None:
        if existing.organisation_id not in mine:
            raise PermissionDenied(
                f"{existing.organisation} set this target; only its managers may change it."
            )
        return existing.organisation
    if not mine:
        raise PermissionDenied(
            "You may set targets only for your organisation, the programmes it owns or "
            "delivers, its teams and its advisers."
        )
    return Organisation.objects.get(pk=mine[0])


def _measure_usable(measure: Measure, scope: TargetScope, errors: dict[str, list[str]]) -> None:
    if not measure.is_active:
        errors.setdefault("measure", []).append(
            f"{measure.name} is retired: bring it back before setting targets on it."
        )
    if measure.organisation_id is not None and measure.organisation_id not in (
        scope.organisation_ids
    ):
        errors.setdefault("measure", []).append(
            f"{measure.name} is another organisation's own measure."
        )
    try:
        defs.parse(measure.definition)
    except defs.DefinitionError:
        errors.setdefault("measure", []).append(
            f"{measure.name}'s definition cannot be read; correct it first."
        )


@transaction.atomic
def target_set(
    *,
    acting_user: Any,
    measure: Measure,
    scope_kind: str,
    scope_id: int,
    period: Any,
    value: Any,
    amber_within: Any = rag.DEFAULT_AMBER,
    profile: Any = None,
    notes: str = "",
) -> Target:
    """Create the target of ``measure`` for the scope and period, or update the one there is.

    ``period`` is a label (``2026/27 Q3``) or a ``Period``; ``profile`` maps months of the
    period to the cumulative per cent of the target due by their end (empty: even)."""
    if scope_kind not in ScopeKind.values:
        raise ValidationError(
            {
                "scope_kind": f"{scope_kind!r} is not a scope: use organisation, programme, team "
                "or adviser."
            }
        )
    scope = find_scope(scope_kind, scope_id)
    if scope is None or not organisations_for(acting_user, scope, "view"):
        raise PermissionDenied("You cannot set targets for that scope.")
    if not policy_for(Measure).allows(acting_user, "view", measure):
        raise PermissionDenied("You cannot see that measure.")
    errors: dict[str, list[str]] = {}
    try:
        found = period if isinstance(period, Period) else parse_period(period)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from None
    if found.kind not in ROLLUP_PERIODS:
        raise ValidationError({"period": f"{found.label!r} is a calendar period. {PERIOD_HELP}"})
    existing = (
        Target.objects.select_for_update()
        .filter(
            measure=measure,
            scope_kind=scope.kind,
            scope_id=scope.id,
            period_kind=found.kind.value,
            period_start=found.start,
        )
        .first()
    )
    organisation = _organisation_for(acting_user, scope, existing)
    _measure_usable(measure, scope, errors)
    number = _number(value, "value", errors)
    if number is not None:
        _check_value(measure, number, errors)
    amber = _number(
        rag.DEFAULT_AMBER if amber_within in (None, "") else amber_within, "amber_within", errors
    )
    if amber is not None and not D(0) <= amber <= D(100):
        errors.setdefault("amber_within", []).append("Give a per cent from 0 to 100.")
    profile = {} if profile in (None, "") else profile
    if profile and not is_profiled(measure, found):
        errors.setdefault("profile", []).append(
            "Only targets for counts and totals over a quarter or a year have a profile."
        )
    else:
        for problem in rag.check_profile(found, profile):
            errors.setdefault("profile", []).append(problem)
    if errors:
        raise ValidationError(errors)
    assert number is not None and amber is not None
    target = existing or Target(
        organisation=organisation,
        measure=measure,
        scope_kind=scope.kind,
        scope_id=scope.id,
        period_kind=found.kind.value,
        period_start=found.start,
    )
    target.value = number
    target.amber_within = amber
    target.profile = {label: str(D(str(share))) for label, share in sorted(profile.items())}
    target.notes = (notes or "").strip()
    target.set_by = acting_user
    save_record(target)
    record_event(
        verb="target.updated" if existing else "target.set",
        obj=target,
        actor=acting_user,
        data={
            "measure": measure.code,
            "scope": f"{scope.kind}:{scope.id}",
            "period": found.label,
            "value": str(number),
            "amber_within": str(amber),
            "profiled": bool(target.profile),
        },
    )
    return target


@transaction.atomic
def target_delete(*, target: Target, acting_user: Any) -> None:
    require_permission(acting_user, "delete", target)
    period = Period(target.period_start, PeriodKind(target.period_kind))
    record_event(
        verb="target.deleted",
        obj=target,
        actor=acting_user,
        data={
            "measure": target.measure.code,
            "scope": f"{target.scope_kind}:{target.scope_id}",
            "period": period.label,
            "value": str(target.value),
        },
    )
    target.delete()


@transaction.atomic
def targets_set_many(
    *, acting_user: Any, scope_kind: str, scope_id: int, period: Any, rows: list[dict[str, Any]]
) -> tuple[int, int]:
    """The bulk form: each row ``{"measure", "value", "amber_within"}``; an empty value
    removes the measure's target. All rows or none: a ValidationError names each row's field
    as ``<code>.value``. Returns (set, removed)."""
    errors: dict[str, list[str]] = {}
    changed = removed = 0
    found = parse_period(period) if not isinstance(period, Period) else period
    for row in rows:
        measure: Measure = row["measure"]
        value = row.get("value")
        existing = Target.objects.filter(
            measure=measure,
            scope_kind=scope_kind,
            scope_id=scope_id,
            period_kind=found.kind.value,
            period_start=found.start,
        ).first()
        try:
            if value in (None, ""):
                if existing is not None:
                    target_delete(target=existing, acting_user=acting_user)
                    removed += 1
                continue
            if (
                existing is not None
                and existing.value == D(str(value))
                and existing.amber_within == D(str(row.get("amber_within") or rag.DEFAULT_AMBER))
            ):
                continue
            target_set(
                acting_user=acting_user,
                measure=measure,
                scope_kind=scope_kind,
                scope_id=scope_id,
                period=found,
                value=value,
                amber_within=row.get("amber_within"),
                profile=existing.profile if existing is not None else None,
                notes=existing.notes if existing is not None else "",
            )
            changed += 1
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(f"{measure.code}.{field}", []).extend(messages)
        except decimal.InvalidOperation:
            errors.setdefault(f"{measure.code}.value", []).append(f"{value!r} is not a number.")
    if errors:
        raise ValidationError(errors)
    return changed, removed


def thresholds_in_words(value: D, direction: str, amber_within: D, unit: str = "") -> str:
    """ "Green at 90 or more; amber from 81; red below." (the RAG bands of a target)."""
    value, amber_within = D(value), D(amber_within)
    band = abs(value) * amber_within / rag.HUNDRED
    suffix = "%" if unit == Unit.PERCENT else ""

    def show(number: D) -> str:
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
        return ("£" + text if unit == Unit.MONEY else text) + suffix

    if direction == "lower":
        if band == 0:
            return f"Green at {show(value)} or less; red above."
        return f"Green at {show(value)} or less; amber up to {show(value + band)}; red above."
    if band == 0:
        return f"Green at {show(value)} or more; red below."
    return f"Green at {show(value)} or more; amber from {show(value - band)}; red below."


def even_profile(period: Period) -> dict[str, D]:
    """The cumulative per cent due by the end of each month under an even profile."""
    from waypoint.core.periods import periods_between

    months = list(periods_between(period.start, period.last_day, PeriodKind.MONTH))
    return {
        month.label: (D(100) * (index + 1) / len(months)).quantize(D("0.1"))
        for index, month in enumerate(months)
    }


def profile_cleaned(profile: dict[str, Any], period: Period) -> dict[str, Any]:
    """A profile naming every month at the even share is the even profile: store it empty."""
    even = even_profile(period)
    try:
        same = set(profile) == set(even) and all(
            D(str(profile[label])).quantize(D("0.1")) == share for label, share in even.items()
        )
    except decimal.InvalidOperation:
        return profile
    return {} if same else profile
