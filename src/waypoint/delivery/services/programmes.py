"""Writes for programmes (eligibility checklist, budgets, delivering organisations) and the
service directory. Each function checks the policy, validates, saves and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.services import _save, require_add, require_permission
from waypoint.delivery.models import (
    EligibilityCheck,
    EligibilityCondition,
    Programme,
    ProgrammeBudget,
    Service,
)

PROGRAMME_FIELDS = frozenset(
    {
        "name",
        "code",
        "description",
        "funding_source",
        "priorities",
        "default_review_every",
        "default_review_unit",
        "default_review_depth",
        "start_date",
        "end_date",
        "is_active",
    }
)
SERVICE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "provider_name",
        "offer",
        "audience",
        "cost",
        "contact_name",
        "email",
        "phone",
        "website",
    }
)


def _check_fields(fields: Iterable[str], allowed: frozenset[str], service: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"{service} cannot set {sorted(unknown)}")


def _set_delivering(programme: Programme, organisations: Iterable[Organisation]) -> list[str]:
    wanted = {o.pk: o for o in organisations}
    for organisation in wanted.values():
        if not organisation.is_active:
            raise ValidationError(
                {"delivering_organisations": f"{organisation} is no longer active."}
            )
    programme.delivering_organisations.set(list(wanted.values()))
    return sorted(str(o) for o in wanted.values())


# Programmes ------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    organisation: Organisation,
    delivering_organisations: Iterable[Organisation] = (),
    acting_user: Any,
    **fields: Any,
) -> Programme:
    """A new programme owned by ``organisation`` (usually a commissioner)."""
    require_add(acting_user, Programme, organisation)
    _check_fields(fields, PROGRAMME_FIELDS, "programme_create")
    programme = _save(Programme(organisation=organisation, **fields))
    delivering = _set_delivering(programme, delivering_organisations)
    record_event(
        verb="programme.created",
        obj=programme,
        actor=acting_user,
        data={"delivering_organisations": delivering},
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    delivering_organisations: Iterable[Organisation] | None = None,
    acting_user: Any,
    **changes: Any,
) -> Programme:
    require_permission(acting_user, "change", programme)
    _check_fields(changes, PROGRAMME_FIELDS, "programme_update")
    for field, value in changes.items():
        setattr(programme, field, value)
    _save(programme)
    if delivering_organisations is not None:
        before = sorted(str(o) for o in programme.delivering_organisations.all())
        after = _set_delivering(programme, delivering_organisations)
        if before != after:
            # Many-to-many changes are not in the field-level audit log: record them here.
            record_event(
                verb="programme.delivery_changed",
                obj=programme,
                actor=acting_user,
                data={"before": before, "after": after},
            )
    return programme


# Eligibility checklist -------------------------------------------------------------------------


@transaction.atomic
def eligibility_condition_add(
    *, programme: Programme, text: str, position: int | None = None, acting_user: Any
) -> EligibilityCondition:
    """Add a condition to the checklist, at the end unless a position is given."""
    require_permission(acting_user, "change", programme)
    if position is None:
        last = programme.eligibility_conditions.aggregate(last=Max("position"))["last"]
        position = 1 if last is None else last + 1
    return _save(
        EligibilityCondition(
            programme=programme,
            organisation_id=programme.organisation_id,
            text=text.strip(),
            position=position,
        )
    )


@transaction.atomic
def eligibility_condition_update(
    *, condition: EligibilityCondition, text: str, position: int, acting_user: Any
) -> EligibilityCondition:
    require_permission(acting_user, "change", condition)
    condition.text = text.strip()
    condition.position = position
    return _save(condition)


@transaction.atomic
def eligibility_condition_remove(*, condition: EligibilityCondition, acting_user: Any) -> None:
    """Remove a condition. One already answered in an eligibility check stays, so that the
    record of that check remains whole: reword it instead."""
    require_permission(acting_user, "change", condition)
    if EligibilityCheck.objects.filter(condition=condition).exists():
        raise ValidationError(
            "This condition has been answered in eligibility checks, so it cannot be removed; "
            "edit its wording instead."
        )
    condition.delete()


# Budgets ---------------------------------------------------------------------------------------


@transaction.atomic
def programme_budget_set(
    *, programme: Programme, period: str, amount: Decimal, acting_user: Any
) -> ProgrammeBudget:
    """Set the budget for a period (``2026/27``, ``2026/27 Q3``...), replacing any earlier one."""
    require_permission(acting_user, "change", programme)
    budget = ProgrammeBudget(
        programme=programme, organisation_id=programme.organisation_id, period=period
    )
    budget.clean()  # normalises the period label (or names the field at fault)
    existing = ProgrammeBudget.objects.filter(programme=programme, period=budget.period).first()
    if existing is not None:
        budget = existing
    budget.amount = amount
    return _save(budget)


@transaction.atomic
def programme_budget_remove(*, budget: ProgrammeBudget, acting_user: Any) -> None:
    require_permission(acting_user, "change", budget)
    budget.delete()


# Service directory -----------------------------------------------------------------------------


@transaction.atomic
def service_create(*, organisation: Organisation, acting_user: Any, **fields: Any) -> Service:
    require_add(acting_user, Service, organisation)
    _check_fields(fields, SERVICE_FIELDS, "service_create")
    return _save(Service(organisation=organisation, **fields))


@transaction.atomic
def service_update(*, service: Service, acting_user: Any, **changes: Any) -> Service:
    require_permission(acting_user, "change", service)
    _check_fields(changes, SERVICE_FIELDS, "service_update")
    for field, value in changes.items():
        setattr(service, field, value)
    return _save(service)


@transaction.atomic
def service_set_active(*, service: Service, active: bool, acting_user: Any) -> Service:
    """Withdraw a service from the directory (kept for the referrals that used it) or restore it."""
    require_permission(acting_user, "change", service)
    if service.is_active != active:
        service.is_active = active
        _save(service)
    return service
