"""Writes for the improvement register: plan, do, check, act (issue 6 item 8; 000 req 10:
recommend and contribute to improvements to the quality of the service; knowledge points: the
principles of organisational improvement, finding the cause and effect of changes).

An improvement comes from a client review, a concern, an evaluation, benchmarking, reflection
or a SWOT analysis. Its owner plans it, does it, checks the measure chosen for it before and
after the change, and acts on what the check found: adopt, adjust or abandon.

- It moves one stage at a time, forward only (``NEXT``), except that a check that shows the
  change is not done yet sends it back from check to do, with a note saying why.
- Starting to do it needs a plan; checking needs the measure, its scope and the periods before
  and after (the after period must have begun); acting needs what the check found; closing
  needs the decision and the reasons for it.
- The values before and after are read from the rollups when shown
  (``selectors_improvements.before_and_after``): nothing derived is stored.
- Managers (administrators and service managers) add, change and delete; the owner changes
  theirs and moves it on, but only a manager hands it to someone else. An improvement is
  deleted only while still a plan; once under way its history stays.

Every problem is named by its field; nothing is saved unless all are right.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation, User
from waypoint.core.periods import Period
from waypoint.core.roles import MANAGING_ROLES, has_role
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.services.agreements import save_record
from waypoint.measures.models import ROLLUP_PERIODS, Evaluation, Improvement, Measure, ScopeKind
from waypoint.measures.services.targets import find_scope
from waypoint.monitoring.models import Concern

Status = Improvement.Status
NEXT: dict[str, str] = {
    Status.PLAN: Status.DO,
    Status.DO: Status.CHECK,
    Status.CHECK: Status.ACT,
    Status.ACT: Status.CLOSED,
}
BACK: dict[str, str] = {Status.CHECK: Status.DO}
PERIOD_HELP = "Use 2026-11 (a month), 2026/27 Q3 (a financial quarter) or 2026/27 (a year)."
# The fields people edit (the status moves only through improvement_move).
FIELDS = (
    "source",
    "title",
    "detail",
    "owner",
    "plan",
    "measure",
    "scope_kind",
    "scope_id",
    "before_period",
    "after_period",
    "due_on",
    "check_notes",
    "decision",
    "decision_notes",
)


def moves_from(status: str) -> list[str]:
    """The statuses an improvement may move to next."""
    return [s for s in (NEXT.get(status), BACK.get(status)) if s is not None]


def is_manager(user: Any, improvement: Improvement) -> bool:
    return bool(user.is_superuser or has_role(user, improvement.organisation_id, MANAGING_ROLES))


# Checking values -------------------------------------------------------------------------------


def _period(label: Any, field: str, errors: dict[str, list[str]]) -> Period | None:
    text = str(label or "").strip()
    if not text:
        return None
    try:
        period = Period.parse(text)
    except ValueError:
        errors[field] = [f"{text!r} is not a period. {PERIOD_HELP}"]
        return None
    if period.kind not in ROLLUP_PERIODS:
        errors[field] = [f"{text!r} is a calendar period. {PERIOD_HELP}"]
        return None
    return period


def _check(improvement: Improvement, errors: dict[str, list[str]], today: dt.date) -> None:
    """Check every field of the improvement as it now stands, adding problems by field."""
    organisation_id = improvement.organisation_id
    if improvement.source not in Improvement.Source.values:
        options = ", ".join(str(label).lower() for label in Improvement.Source.labels)
        errors["source"] = [f"Choose where the improvement came from: {options}."]
    if not improvement.title:
        errors["title"] = ["Say what to improve."]
    elif len(improvement.title) > 200:
        errors["title"] = ["Keep it under 200 characters; put the rest in the detail."]
    owner = improvement.owner if improvement.owner_id else None
    if owner is None:
        errors["owner"] = ["Choose who owns the improvement."]
    elif (
        not owner.is_active
        or not owner.role_assignments.filter(organisation_id=organisation_id).exists()
    ):
        errors["owner"] = [f"{owner} does not work for {improvement.organisation}."]
    measure = improvement.measure if improvement.measure_id else None
    if measure is not None:
        if measure.organisation_id not in (None, organisation_id):
            errors["measure"] = [f"{measure} is not a measure {improvement.organisation} uses."]
        elif not measure.is_active:
            errors["measure"] = [f"{measure} is retired: choose an active measure."]
    if improvement.scope_kind or improvement.scope_id is not None:
        scope = (
            find_scope(improvement.scope_kind, improvement.scope_id)
            if improvement.scope_kind in ScopeKind.values
            else None
        )
        if scope is None:
            errors["scope"] = ["Choose where the measure is checked."]
        elif organisation_id not in scope.organisation_ids:
            errors["scope"] = [f"{scope.title} is not part of {improvement.organisation}."]
    before = _period(improvement.before_period, "before_period", errors)
    after = _period(improvement.after_period, "after_period", errors)
    if (before or after) and measure is None:
        errors.setdefault("measure", ["Choose the measure to check before and after."])
    if before and after:
        if before.kind != after.kind:
            errors["after_period"] = [
                f"Compare like with like: the period before is a "
                f"{before.kind.value.replace('_', ' ')}, so choose one after as well."
            ]
        elif after.start < before.end:
            errors["after_period"] = [f"The period after must come after {before.label}."]
    if before:
        improvement.before_period = before.label
    if after:
        improvement.after_period = after.label
    if improvement.decision and improvement.decision not in Improvement.Decision.values:
        errors["decision"] = ["Choose to adopt, adjust or abandon the change."]


def _changed_due(improvement: Improvement, due_on: Any, errors: dict[str, list[str]]) -> None:
    if due_on is not None and due_on != improvement.due_on and due_on < timezone.localdate():
        errors["due_on"] = ["The due date has passed: choose a day from today on."]
    improvement.due_on = due_on


def _assign(improvement: Improvement, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"An improvement has no editable fields {sorted(unknown)}.")
    for name, value in fields.items():
        if name == "due_on":
            continue
        if isinstance(value, str):
            value = value.strip()
        if name == "scope_id" and value in ("", None):
            value = None
        setattr(improvement, name, value)
    if improvement.scope_kind and improvement.scope_id is None:
        improvement.scope_kind = ""
    if improvement.measure_id and not improvement.scope_kind:
        # A measure with no scope given is checked for the whole organisation.
        improvement.scope_kind = ScopeKind.ORGANISATION
        improvement.scope_id = improvement.organisation_id


def _event_data(improvement: Improvement) -> dict[str, Any]:
    return {
        "source": improvement.source,
        "owner": improvement.owner_id,
        "measure": improvement.measure.code if improvement.measure is not None else None,
        "status": improvement.status,
        **({"concern": improvement.concern_id} if improvement.concern_id else {}),
    }


# Create, change, delete --------------------------------------------------------------------------


@transaction.atomic
def improvement_create(
    *,
    organisation: Organisation,
    acting_user: Any,
    source: str,
    title: str,
    owner: User | None,
    detail: str = "",
    plan: str = "",
    measure: Measure | None = None,
    scope_kind: str = "",
    scope_id: int | None = None,
    before_period: str = "",
    after_period: str = "",
    due_on: dt.date | None = None,
    evaluation: Evaluation | None = None,
    concern: Concern | None = None,
) -> Improvement:
    """Put an improvement on the register, at its plan stage; from a service evaluation or a
    concern of the same organisation, when given."""
    require_add(acting_user, Improvement, organisation)
    improvement = Improvement(organisation=organisation, status=Status.PLAN, created_by=acting_user)
    fields = {
        "source": source,
        "title": title or "",
        "owner": owner,
        "detail": detail or "",
        "plan": plan or "",
        "measure": measure,
        "scope_kind": scope_kind or "",
        "scope_id": scope_id,
        "before_period": before_period or "",
        "after_period": after_period or "",
    }
    _assign(improvement, fields)
    errors: dict[str, list[str]] = {}
    _changed_due(improvement, due_on, errors)
    _check(improvement, errors, timezone.localdate())
    if evaluation is not None and evaluation.organisation_id != organisation.pk:
        errors["evaluation"] = [f"That evaluation is not one of {organisation}'s."]
    improvement.evaluation = evaluation
    if concern is not None and concern.organisation_id != organisation.pk:
        errors["concern"] = [f"That concern is not one of {organisation}'s."]
    improvement.concern = concern
    if errors:
        raise ValidationError(errors)
    save_record(improvement)
    record_event(
        verb="improvement.created",
        obj=improvement,
        actor=acting_user,
        data=_event_data(improvement),
    )
    return improvement


@transaction.atomic
def improvement_update(*, improvement: Improvement, acting_user: Any, **fields: Any) -> Improvement:
    """Change what the improvement is, its plan, measure and notes (not its stage: see
    ``improvement_move``). The owner changes theirs; only a manager hands it to another."""
    require_permission(acting_user, "change", improvement)
    if improvement.status == Status.CLOSED:
        raise ValidationError("This improvement is closed: it no longer changes.")
    before = {
        name: getattr(improvement, f"{name}_id" if name in ("owner", "measure") else name)
        for name in FIELDS
    }
    errors: dict[str, list[str]] = {}
    new_owner = fields.get("owner", improvement.owner)
    if (
        new_owner is not None
        and new_owner.pk != improvement.owner_id
        and not is_manager(acting_user, improvement)
    ):
        errors["owner"] = ["Only a manager hands an improvement to someone else."]
    due_on = fields.pop("due_on", improvement.due_on)
    _assign(improvement, fields)
    _changed_due(improvement, due_on, errors)
    _check(improvement, errors, timezone.localdate())
    if errors:
        improvement.refresh_from_db()  # the caller's object as saved, not half-changed
        raise ValidationError(errors)
    changed = [
        name
        for name in FIELDS
        if getattr(improvement, f"{name}_id" if name in ("owner", "measure") else name)
        != before[name]
    ]
    if not changed:
        return improvement
    save_record(improvement)
    record_event(
        verb="improvement.changed", obj=improvement, actor=acting_user, data={"fields": changed}
    )
    return improvement


@transaction.atomic
def improvement_delete(*, improvement: Improvement, acting_user: Any) -> None:
    """Delete an improvement still at its plan stage (a manager's step)."""
    require_permission(acting_user, "delete", improvement)
    if improvement.status != Status.PLAN:
        raise ValidationError(
            "Only an improvement still being planned can be deleted; once under way it stays "
            "on the register: close it with the decision to abandon it."
        )
    record_event(
        verb="improvement.deleted",
        obj=improvement,
        actor=acting_user,
        data={"title": improvement.title},
    )
    improvement.delete()


# Moving through the cycle ------------------------------------------------------------------------


@transaction.atomic
def improvement_move(
    *,
    improvement: Improvement,
    acting_user: Any,
    to: str,
    note: str = "",
    before_period: str | None = None,
    after_period: str | None = None,
    check_notes: str | None = None,
    decision: str | None = None,
    decision_notes: str | None = None,
) -> Improvement:
    """Move the improvement to its next stage (or back from check to do, with a ``note``),
    filling in what that stage needs; refused, by field, unless all of it is there."""
    require_permission(acting_user, "change", improvement)
    current = improvement.status
    if current == Status.CLOSED:
        raise ValidationError({"status": "This improvement is closed: it no longer moves."})
    if to not in moves_from(current):
        allowed = " or ".join(str(Status(s).label).lower() for s in moves_from(current))
        raise ValidationError(
            {
                "status": f"An improvement at {Status(current).label.lower()} moves to {allowed} "
                f"next, not to {Status(to).label.lower() if to in Status.values else repr(to)}."
            }
        )
    given = {
        "before_period": before_period,
        "after_period": after_period,
        "check_notes": check_notes,
        "decision": decision,
        "decision_notes": decision_notes,
    }
    _assign(improvement, {k: v for k, v in given.items() if v is not None})
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    _check(improvement, errors, today)
    note = (note or "").strip()
    if current == Status.CHECK and to == Status.DO and not note:
        errors["note"] = ["Say why the change goes back to be done again."]
    if to == Status.DO and not improvement.plan:
        errors["plan"] = ["Write the plan before starting to carry it out."]
    if to == Status.CHECK:
        if not improvement.measure_id:
            errors.setdefault("measure", ["Choose the measure to check before and after."])
        if not improvement.before_period:
            errors.setdefault("before_period", ["Give the period before the change."])
        if not improvement.after_period:
            errors.setdefault("after_period", ["Give the period after the change."])
        else:
            after = Period.parse(improvement.after_period) if "after_period" not in errors else None
            if after is not None and after.start > today:
                errors["after_period"] = [
                    f"{after.title} has not begun: check the change once it has."
                ]
    if to == Status.ACT and not improvement.check_notes:
        errors["check_notes"] = ["Say what the check found."]
    if to == Status.CLOSED:
        if not improvement.decision:
            errors["decision"] = ["Choose to adopt, adjust or abandon the change."]
        if not improvement.decision_notes:
            errors["decision_notes"] = ["Give the reasons for the decision."]
    if errors:
        improvement.refresh_from_db()  # the caller's object as saved, not half-changed
        raise ValidationError(errors)
    improvement.status = to
    save_record(improvement)
    data: dict[str, Any] = {"from": current, "to": to}
    if note:
        data["note"] = note
    if to == Status.CLOSED:
        data["decision"] = improvement.decision
    record_event(verb="improvement.moved", obj=improvement, actor=acting_user, data=data)
    return improvement


def people_for(organisation_ids: Any) -> Any:
    """The people an improvement of these organisations may be owned by."""
    return (
        User.objects.filter(
            Q(role_assignments__organisation_id__in=organisation_ids), is_active=True
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
