"""Writes for reviews: record a review of the client's progress, held as agreed.

000 req 1: review progress as often and in as much detail as agreed (the depth defaults to the
agreement's). A review records progress on each goal (the measured value against baseline and
target) and each action, the client's and the adviser's ratings, what went well and what did
not and what was learnt (004 i), concerns raised (000 req 5: each becomes a concern record),
changes agreed to the programme (000 req 8: each becomes a programme-change record), satisfaction
and the next review date. Progress on an action also updates the action plan, so that the plan
and the review agree (001 E5.08 3.2: monitor the plan; a blocked or dropped action is
re-planning and needs the review's reason). Everything is written in one transaction: a bad row
saves nothing.

A recorded review can be corrected (``review_correct``): its narrative, ratings and dates only,
with a reason, by whoever recorded it or a manager, while the engagement is open.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Person
from waypoint.core.audit import record_event
from waypoint.core.periods import local_date
from waypoint.core.services import require_permission
from waypoint.delivery.models import Action, Engagement, Goal
from waypoint.delivery.services.action_plans import REPLANNING_STATUSES, action_update
from waypoint.delivery.services.agreements import save_record
from waypoint.delivery.services.interactions import (
    _check_people,
    _check_staff,
    current_agreement,
)
from waypoint.monitoring.models import ActionProgress, GoalProgress, Review, SelfReview
from waypoint.monitoring.selectors_reviews import day_text, last_review, review_schedule
from waypoint.monitoring.services.concerns import concern_raise
from waypoint.monitoring.services.programme_changes import programme_change_record


def _prefixed(error: ValidationError, field: str, row: str) -> ValidationError:
    """A row's error under the list's field, naming the row."""
    if hasattr(error, "error_dict"):
        messages = [
            f"{row}: {message}" for errors in error.message_dict.values() for message in errors
        ]
    else:
        messages = [f"{row}: {message}" for message in error.messages]
    return ValidationError({field: messages})


def _check_held_on(engagement: Engagement, held_on: dt.date) -> None:
    today = local_date(timezone.now(), engagement.organisation.time_zone)
    if held_on > today:
        raise ValidationError({"held_on": "A review cannot be recorded before it is held."})
    if held_on < engagement.enquiry_date:
        raise ValidationError(
            {
                "held_on": "A review cannot be held before the enquiry "
                f"({day_text(engagement.enquiry_date)})."
            }
        )


def _plan_goals(engagement: Engagement) -> dict[int, Goal]:
    return {goal.pk: goal for goal in Goal.objects.filter(plan__engagement=engagement)}


def _plan_actions(engagement: Engagement) -> dict[int, Action]:
    return {
        action.pk: action
        for action in Action.objects.filter(goal__plan__engagement=engagement).select_related(
            "goal__plan__engagement"
        )
    }


def _key(value: Any) -> Any:
    return getattr(value, "pk", value)


def _goal_rows(
    engagement: Engagement, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Goal, Any, str]]:
    goals = _plan_goals(engagement)
    found: list[tuple[Goal, Any, str]] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        goal = goals.get(_key(row.get("goal")))
        label = f"Goal {number}"
        if goal is None:
            raise ValidationError(
                {"goal_progress": f"{label} is not a goal of this engagement's action plan."}
            )
        if goal.pk in seen:
            raise ValidationError({"goal_progress": f"{label} ({goal}) is given twice."})
        seen.add(goal.pk)
        value = row.get("measured_value")
        if value not in (None, ""):
            try:
                value = decimal.Decimal(str(value))
            except decimal.InvalidOperation:
                raise ValidationError(
                    {"goal_progress": f"{label} ({goal}): the measured value is not a number."}
                ) from None
        else:
            value = None
        found.append((goal, value, str(row.get("note") or "").strip()))
    return found


def _action_rows(
    engagement: Engagement, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Action, str, int, str]]:
    actions = _plan_actions(engagement)
    found: list[tuple[Action, str, int, str]] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        action = actions.get(_key(row.get("action")))
        label = f"Action {number}"
        if action is None:
            raise ValidationError(
                {"action_progress": f"{label} is not an action of this engagement's action plan."}
            )
        if action.pk in seen:
            raise ValidationError({"action_progress": f"{label} ({action}) is given twice."})
        seen.add(action.pk)
        status = row.get("status") or action.status
        if status not in Action.Status.values:
            raise ValidationError(
                {"action_progress": f"{label} ({action}): {status!r} is not a status."}
            )
        given: Any = row.get("progress")
        try:
            progress = action.progress if given in (None, "") else int(given)
        except (TypeError, ValueError):
            progress = -1
        if not 0 <= progress <= 100:
            raise ValidationError(
                {"action_progress": f"{label} ({action}): progress is a whole number 0 to 100."}
            )
        if status == Action.Status.DONE:
            progress = 100
        note = str(row.get("note") or "").strip()
        replanned = status in REPLANNING_STATUSES and status != action.status
        if replanned and not note:
            raise ValidationError(
                {
                    "action_progress": f"{label} ({action}): say why it is "
                    f"{Action.Status(status).label.lower()} in its note: that is re-planning."
                }
            )
        found.append((action, status, progress, note))
    return found


def _set_next_review(engagement: Engagement, agreed: dt.date | None) -> None:
    """The caseload's next review: the one agreed at the latest review, or the schedule's next
    date."""
    engagement.next_review_on = agreed or review_schedule(engagement).next_due
    save_record(engagement)


@transaction.atomic
def review_record(
    *,
    engagement: Engagement,
    acting_user: Any,
    held_on: dt.date,
    depth: str = "",
    staff: Iterable[Any] = (),
    client_people: Iterable[Person] = (),
    others_present: str = "",
    client_rating: int | None = None,
    adviser_rating: int | None = None,
    went_well: str = "",
    went_badly: str = "",
    learnt: str = "",
    satisfaction: int | None = None,
    recommend: int | None = None,
    next_review_on: dt.date | None = None,
    goal_progress: Sequence[Mapping[str, Any]] = (),
    action_progress: Sequence[Mapping[str, Any]] = (),
    concerns: Sequence[Mapping[str, Any]] = (),
    programme_changes: Sequence[Mapping[str, Any]] = (),
    self_review: SelfReview | None = None,
) -> Review:
    """Record a review held on ``held_on``, with its progress rows, concerns and programme
    changes, all or nothing.

    Rows: ``goal_progress`` [{goal, measured_value, note}], ``action_progress`` [{action,
    status, progress, note}] (goals and actions of this engagement's plan, given as records or
    ids), ``concerns`` [{summary, about, severity}], ``programme_changes`` [{what_changed,
    why, effective_from}]. The review remembers when it was due (the schedule before it) and
    the agreement in force; the engagement's next review becomes the one agreed here (or the
    schedule's next date after this review).
    """
    require_permission(acting_user, "change", engagement)
    if not engagement.is_open:
        raise ValidationError("This engagement is closed: its reviews are complete.")
    _check_held_on(engagement, held_on)
    people = _check_people(engagement, client_people)
    staff_members = _check_staff(engagement, staff)
    goals = _goal_rows(engagement, goal_progress)
    actions = _action_rows(engagement, action_progress)
    if self_review is not None and self_review.engagement_id != engagement.pk:
        raise ValidationError({"self_review": "That self-review is of another engagement."})
    agreement = current_agreement(engagement)
    if not depth:
        if agreement is None:
            raise ValidationError({"depth": "Say how deep the review was: no agreement says."})
        depth = agreement.review_depth
    schedule = review_schedule(engagement)

    review = Review(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        agreement=agreement,
        due_on=schedule.next_due,
        held_on=held_on,
        depth=depth,
        others_present=others_present.strip(),
        client_rating=client_rating,
        adviser_rating=adviser_rating,
        went_well=went_well.strip(),
        went_badly=went_badly.strip(),
        learnt=learnt.strip(),
        satisfaction=satisfaction,
        recommend=recommend,
        next_review_on=next_review_on,
        self_review=self_review,
        recorded_by=acting_user,
    )
    save_record(review)
    review.staff.set(staff_members)
    review.client_people.set(people)

    for goal, value, note in goals:
        save_record(
            GoalProgress(
                organisation_id=review.organisation_id,
                review=review,
                goal=goal,
                measured_value=value,
                note=note,
            )
        )
    reason = f"Review of {day_text(held_on)}"
    for action, status, progress, note in actions:
        save_record(
            ActionProgress(
                organisation_id=review.organisation_id,
                review=review,
                action=action,
                status=status,
                progress=progress,
                note=note,
            )
        )
        if status != action.status or progress != action.progress:
            action_update(
                action=action,
                acting_user=acting_user,
                reason=f"{reason}: {note}" if note else reason,
                status=status,
                progress=progress,
            )

    for number, row in enumerate(concerns, start=1):
        try:
            concern_raise(
                engagement=engagement,
                acting_user=acting_user,
                source="adviser",
                summary=str(row.get("summary") or ""),
                about=str(row.get("about") or ""),
                severity=str(row.get("severity") or "medium"),
                raised_on=held_on,
                review=review,
            )
        except ValidationError as error:
            raise _prefixed(error, "concerns", f"Concern {number}") from None
    for number, row in enumerate(programme_changes, start=1):
        try:
            programme_change_record(
                engagement=engagement,
                acting_user=acting_user,
                what_changed=str(row.get("what_changed") or ""),
                why=str(row.get("why") or ""),
                effective_from=row.get("effective_from") or held_on,
                review=review,
            )
        except ValidationError as error:
            raise _prefixed(error, "programme_changes", f"Change {number}") from None

    _set_next_review(engagement, next_review_on)
    record_event(
        verb="review.recorded",
        obj=review,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "held_on": held_on.isoformat(),
            "due_on": review.due_on.isoformat() if review.due_on else None,
            "depth": depth,
            "concerns": len(concerns),
            "programme_changes": len(programme_changes),
        },
    )
    return review


# Correcting a review ------------------------------------------------------------------------

# What a correction may change: the review's own narrative, ratings and dates. Progress on goals
# and actions, concerns and programme changes have their own records (and their own history).
CORRECTABLE_FIELDS = (
    "held_on",
    "depth",
    "staff",
    "client_people",
    "others_present",
    "client_rating",
    "adviser_rating",
    "went_well",
    "went_badly",
    "learnt",
    "satisfaction",
    "recommend",
    "next_review_on",
)
_TEXT_FIELDS = frozenset({"others_present", "went_well", "went_badly", "learnt"})
_PEOPLE_FIELDS = frozenset({"staff", "client_people"})
CORRECTION_CLOSED = "This engagement is closed: its reviews can no longer be corrected."
REASON_REQUIRED = "Say why the review is corrected: the reason is kept with its history."
NOTHING_CHANGED = "Nothing has changed: correct at least one field, or cancel."


def _check_correction_fields(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(
            f"A review's correction cannot change {sorted(unknown)}: progress on goals and "
            "actions, concerns and programme changes are corrected on their own records."
        )


def _corrected_people(
    review: Review, engagement: Engagement, name: str, given: Iterable[Any]
) -> tuple[list[Any], list[int]] | None:
    """The people to set on ``name`` and the ids before, or None when they are the same.
    Only people added are checked: someone who took part and has since left stays valid."""
    people = list(given)
    before = sorted(getattr(review, name).values_list("pk", flat=True))
    if sorted({p.pk for p in people}) == before:
        return None
    added = [p for p in people if p.pk not in before]
    if name == "staff":
        _check_staff(engagement, added)
    else:
        _check_people(engagement, added)
    return people, before


@transaction.atomic
def review_correct(*, review: Review, acting_user: Any, reason: str, **changes: Any) -> Review:
    """Correct a recorded review's narrative, ratings and dates (``CORRECTABLE_FIELDS``), with
    the reason, all or nothing; returns the corrected review.

    Allowed to whoever may record reviews on the engagement and recorded this one, and to the
    organisation's managers (the Review policy's ``change``), while the engagement is not
    closed. A new date held is checked as when the review was recorded. When the date held or
    the next review agreed changes on the engagement's latest review, the engagement's next
    review follows it, as when a review is recorded. The correction is a ``review.corrected``
    event naming the fields and the reason; the row's changes are in its audit history.
    """
    _check_correction_fields(changes)
    require_permission(acting_user, "change", review)
    # A fresh, locked copy: two corrections at once apply one after the other.
    current = (
        Review.objects.select_for_update()
        .select_related("engagement__organisation")
        .get(pk=review.pk)
    )
    engagement = current.engagement
    if not engagement.is_open:
        raise ValidationError(CORRECTION_CLOSED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})

    was_latest = last_review(engagement) == current
    changed: list[str] = []
    people: dict[str, list[Any]] = {}
    data: dict[str, Any] = {}
    for name in CORRECTABLE_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name in _PEOPLE_FIELDS:
            corrected = _corrected_people(current, engagement, name, value or ())
            if corrected is not None:
                people[name], before = corrected
                # Who took part is not in the row's audit history: the event keeps it.
                data[name] = {"before": before, "after": sorted(p.pk for p in people[name])}
                changed.append(name)
            continue
        if name in _TEXT_FIELDS:
            value = str(value or "").strip()
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        raise ValidationError(NOTHING_CHANGED)
    if "held_on" in changed:
        _check_held_on(engagement, current.held_on)

    save_record(current)  # full_clean: the depth's choices, ratings' ranges, next after held
    for name, members in people.items():
        getattr(current, name).set(members)
    if {"held_on", "next_review_on"} & set(changed):
        latest = last_review(engagement)
        if was_latest or latest == current:
            _set_next_review(engagement, latest.next_review_on if latest else None)
    record_event(
        verb="review.corrected",
        obj=current,
        actor=acting_user,
        data={"engagement": engagement.pk, "fields": changed, "reason": reason, **data},
    )
    return current
