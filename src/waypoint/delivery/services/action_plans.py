"""Writes for action plans: start a plan, add and change goals and actions.

An adviser works with the client to devise an action plan (001 E5.08 3.1) and shows them how
to implement and monitor it, dealing with contingencies and re-planning (001 E5.08 3.2). Every
change writes a ``PlanChange`` with its reason and the whole plan as it stood afterwards, in the
same transaction, so that the plan can be seen as it stood on any date. Moving a due date, or
marking an action blocked or dropped, is re-planning and needs a reason. A closed engagement's
plan is not changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.services import require_permission
from waypoint.delivery.models import Action, ActionPlan, Engagement, Goal, PlanChange
from waypoint.delivery.services.agreements import save_record

GOAL_FIELDS = (
    "statement",
    "measure",
    "baseline",
    "target_value",
    "unit",
    "deadline",
    "realistic_because",
    "priority",
    "horizon",
    "status",
)
ACTION_FIELDS = (
    "description",
    "owner_kind",
    "owner_name",
    "due_on",
    "resources",
    "risks",
    "contingency",
    "status",
    "progress",
)
# What a new goal or action is given (its status and progress start at their defaults).
NEW_GOAL_FIELDS = tuple(name for name in GOAL_FIELDS if name != "status")
NEW_ACTION_FIELDS = tuple(name for name in ACTION_FIELDS if name not in {"status", "progress"})
# 001 E5.08 3.2: contingencies and re-planning: these moves need a reason.
REPLANNING_STATUSES = frozenset({Action.Status.BLOCKED, Action.Status.DROPPED})
CLOSED = "This engagement is closed: its action plan cannot be changed."


def _value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


# 001 E5.08 3.2: monitor the plan: every change keeps the whole plan as it stood after it.
def _snapshot(plan: ActionPlan) -> dict[str, Any]:
    """The whole plan as it stands: its goals, each with its actions (dates as ISO strings)."""
    goals = []
    for goal in Goal.objects.filter(plan=plan).order_by("position", "pk"):
        actions = [
            {"id": action.pk, **{name: _value(getattr(action, name)) for name in ACTION_FIELDS}}
            for action in Action.objects.filter(goal=goal).order_by("position", "pk")
        ]
        goals.append(
            {
                "id": goal.pk,
                **{name: _value(getattr(goal, name)) for name in GOAL_FIELDS},
                "actions": actions,
            }
        )
    return {"id": plan.pk, "title": plan.title, "goals": goals}


def _record_change(
    *, plan: ActionPlan, acting_user: Any, kind: str, reason: str, target: Any = None
) -> PlanChange:
    change = PlanChange(
        plan=plan,
        organisation_id=plan.organisation_id,
        occurred_at=timezone.now(),
        by=acting_user,
        reason=reason,
        kind=kind,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=target.pk if target is not None else None,
        snapshot=_snapshot(plan),
    )
    save_record(change)
    record_event(
        verb=f"action_plan.{kind}",
        obj=plan,
        actor=acting_user,
        data={"engagement": plan.engagement_id, "reason": reason, "change": change.pk},
    )
    return change


def _check_open(engagement: Engagement) -> None:
    if not engagement.is_open:
        raise ValidationError(CLOSED)


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"A {what} has no editable fields {sorted(unknown)}.")


@transaction.atomic
def plan_start(*, engagement: Engagement, title: str, acting_user: Any) -> ActionPlan:
    """Start the engagement's action plan (one per engagement)."""
    require_permission(acting_user, "change", engagement)
    _check_open(engagement)
    if ActionPlan.objects.filter(engagement=engagement).exists():
        raise ValidationError("This engagement already has an action plan.")
    plan = ActionPlan(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        title=title.strip() or f"Action plan for {engagement.client}",
        created_by=acting_user,
    )
    save_record(plan)
    _record_change(
        plan=plan,
        acting_user=acting_user,
        kind=PlanChange.Kind.STARTED,
        reason="Plan started.",
    )
    return plan


@transaction.atomic
def goal_add(*, plan: ActionPlan, acting_user: Any, reason: str = "", **fields: Any) -> Goal:
    """Add a SMART goal: refused without a measurable target or a deadline."""
    require_permission(acting_user, "change", plan.engagement)
    _check_open(plan.engagement)
    _check_fields(fields, GOAL_FIELDS, "goal")
    position = (plan.goals.aggregate(last=Max("position"))["last"] or 0) + 1
    goal = Goal(plan=plan, organisation_id=plan.organisation_id, position=position, **fields)
    save_record(goal)
    _record_change(
        plan=plan,
        acting_user=acting_user,
        kind=PlanChange.Kind.GOAL_ADDED,
        reason=reason.strip() or "Goal added.",
        target=goal,
    )
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, reason: str = "", acting_user: Any, **fields: Any) -> Goal:
    """Change a goal; moving its deadline or dropping it is re-planning and needs a reason."""
    plan = goal.plan
    require_permission(acting_user, "change", plan.engagement)
    _check_open(plan.engagement)
    _check_fields(fields, GOAL_FIELDS, "goal")
    replanned = ("deadline" in fields and fields["deadline"] != goal.deadline) or (
        fields.get("status") == Goal.Status.DROPPED and goal.status != Goal.Status.DROPPED
    )
    if replanned and not reason.strip():
        raise ValidationError(
            {"reason": "Say why: moving a deadline or dropping a goal is re-planning."}
        )
    for name, value in fields.items():
        setattr(goal, name, value)
    save_record(goal)
    _record_change(
        plan=plan,
        acting_user=acting_user,
        kind=PlanChange.Kind.REPLANNED if replanned else PlanChange.Kind.GOAL_CHANGED,
        reason=reason.strip() or "Goal changed.",
        target=goal,
    )
    return goal


@transaction.atomic
def action_add(*, goal: Goal, acting_user: Any, reason: str = "", **fields: Any) -> Action:
    """Add an action to a goal."""
    plan = goal.plan
    require_permission(acting_user, "change", plan.engagement)
    _check_open(plan.engagement)
    _check_fields(fields, ACTION_FIELDS, "action")
    position = (goal.actions.aggregate(last=Max("position"))["last"] or 0) + 1
    action = Action(goal=goal, organisation_id=goal.organisation_id, position=position, **fields)
    save_record(action)
    _record_change(
        plan=plan,
        acting_user=acting_user,
        kind=PlanChange.Kind.ACTION_ADDED,
        reason=reason.strip() or "Action added.",
        target=action,
    )
    return action


@transaction.atomic
def action_update(*, action: Action, reason: str = "", acting_user: Any, **fields: Any) -> Action:
    """Change an action. Moving its due date, or marking it blocked or dropped, is re-planning
    (001 E5.08 3.2) and needs a reason."""
    plan = action.goal.plan
    require_permission(acting_user, "change", plan.engagement)
    _check_open(plan.engagement)
    _check_fields(fields, ACTION_FIELDS, "action")
    replanned = ("due_on" in fields and fields["due_on"] != action.due_on) or (
        fields.get("status") in REPLANNING_STATUSES and fields["status"] != action.status
    )
    if replanned and not reason.strip():
        raise ValidationError(
            {
                "reason": "Say why: moving a due date, or marking an action blocked or dropped, "
                "is re-planning."
            }
        )
    for name, value in fields.items():
        setattr(action, name, value)
    if action.status == Action.Status.DONE:
        action.progress = 100
    save_record(action)
    _record_change(
        plan=plan,
        acting_user=acting_user,
        kind=PlanChange.Kind.REPLANNED if replanned else PlanChange.Kind.ACTION_CHANGED,
        reason=reason.strip() or "Action changed.",
        target=action,
    )
    return action
