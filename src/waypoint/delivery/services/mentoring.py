"""Writes for mentoring: sessions, the mentee's own goals, ending the relationship, and a
manager's review of advice given on a mentoring engagement.

A session is a contact in the contact log with its mentoring side (004 n: the contact log stays
the one record of client contact; b, h, i: the client's concerns, reflections and next steps).
The mentee's goals are in their own words, with who set them, so that the page can show the
client taking more and more of the goal-setting (004 m). Ending the relationship is planned and
done well: a review of the relationship, a closing summary and, when right, an invitation to
come back (004 13, 19). Advice logged on a mentoring engagement is flagged by the contact log;
the mentor's manager looks at each flag once (004 g, 8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Person
from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import local_date
from waypoint.core.permissions import policy_for
from waypoint.core.services import require_permission
from waypoint.delivery.models import (
    AdviceReview,
    Engagement,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
)
from waypoint.delivery.services import interactions
from waypoint.delivery.services.agreements import save_record
from waypoint.delivery.services.engagements import engagement_move

SESSION_FIELDS = ("topics", "reflections", "next_steps", "client_lead")
GOAL_FIELDS = ("statement", "set_by", "target_date", "status", "notes", "achieved_on")
CLOSED = "This engagement is closed: its mentee goals cannot be changed."
# How the engagement closes when the mentoring relationship ends (Engagement.EndReason).
ENGAGEMENT_END_REASONS: dict[str, str] = {
    MentoringRelationship.EndReason.GOALS_MET: Engagement.EndReason.COMPLETED,
    MentoringRelationship.EndReason.NATURAL_END: Engagement.EndReason.COMPLETED,
    MentoringRelationship.EndReason.AGREED_TERM: Engagement.EndReason.COMPLETED,
    MentoringRelationship.EndReason.MENTOR_CHOICE: Engagement.EndReason.COMPLETED,
    MentoringRelationship.EndReason.CLIENT_CHOICE: Engagement.EndReason.WITHDREW,
    MentoringRelationship.EndReason.REFERRED: Engagement.EndReason.REFERRED_ON,
}


def _today(organisation: Organisation) -> dt.date:
    return local_date(timezone.now(), organisation.time_zone)


def _check_open(engagement: Engagement) -> None:
    if not engagement.is_open:
        raise ValidationError(CLOSED)


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"A {what} has no editable fields {sorted(unknown)}.")


def _field_errors(obj: Any, exclude: list[str]) -> dict[str, list[str]]:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return dict(error.message_dict)
    return {}


# Sessions --------------------------------------------------------------------------------------


@transaction.atomic
def session_record(
    *,
    engagement: Engagement,
    acting_user: Any,
    occurred_at: dt.datetime,
    mode: str,
    place: str,
    duration_minutes: int,
    summary: str,
    topics: str,
    client_lead: int,
    reflections: str = "",
    next_steps: str = "",
    support_type: str = Interaction.SupportType.MENTORING,
    place_detail: str = "",
    consulting_mode: str = "",
    staff: Iterable[Any] = (),
    client_people: Iterable[Person] = (),
    others_present: str = "",
) -> MentoringSession:
    """Log a mentoring session: the contact (through the contact log, 004 n) and its mentoring
    side. When the mentor says it was advice, the contact log's advice-in-mentoring flag applies
    (004 g). Nothing is saved unless both are valid; the errors of both are given together."""
    require_permission(acting_user, "change", engagement)
    session = MentoringSession(
        organisation_id=engagement.organisation_id,
        topics=topics.strip(),
        reflections=reflections,
        next_steps=next_steps,
        client_lead=client_lead,
    )
    session_errors = _field_errors(session, exclude=["interaction"])
    try:
        interaction = interactions.interaction_record(
            engagement=engagement,
            acting_user=acting_user,
            occurred_at=occurred_at,
            mode=mode,
            place=place,
            place_detail=place_detail,
            duration_minutes=duration_minutes,
            consulting_mode=consulting_mode,
            support_type=support_type,
            summary=summary,
            staff=staff,
            client_people=client_people,
            others_present=others_present,
        )
    except ValidationError as error:
        if session_errors and hasattr(error, "error_dict"):
            raise ValidationError({**session_errors, **error.message_dict}) from None
        raise
    if session_errors:
        raise ValidationError(session_errors)
    session.interaction = interaction
    save_record(session)
    record_event(
        verb="mentoring.session_recorded",
        obj=session,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "interaction": interaction.pk,
            "client_lead": int(client_lead),
            "advice_in_mentoring": interaction.advice_in_mentoring,
        },
    )
    return session


@transaction.atomic
def session_update(
    *, session: MentoringSession, acting_user: Any, **fields: Any
) -> MentoringSession:
    """Correct a session's mentoring side (topics, reflections, next steps, who led the
    goal-setting). The contact itself is corrected in the contact log."""
    require_permission(acting_user, "change", session)
    _check_fields(fields, SESSION_FIELDS, "mentoring session")
    if "topics" in fields:
        fields["topics"] = (fields["topics"] or "").strip()
    for name, value in fields.items():
        setattr(session, name, value)
    return save_record(session)


# Mentee goals ----------------------------------------------------------------------------------


def _settle_achieved(goal: MenteeGoal, today: dt.date, achieved_given: bool) -> None:
    """An achieved goal is dated (today unless said); a goal that is not achieved is not."""
    if goal.status == MenteeGoal.Status.ACHIEVED:
        if goal.achieved_on is None:
            goal.achieved_on = today
        elif goal.achieved_on > today:
            raise ValidationError({"achieved_on": "A goal cannot be achieved in the future."})
    elif not achieved_given:
        goal.achieved_on = None


@transaction.atomic
def mentee_goal_add(
    *,
    engagement: Engagement,
    acting_user: Any,
    statement: str,
    set_by: str = MenteeGoal.SetBy.CLIENT,
    target_date: dt.date | None = None,
    status: str = MenteeGoal.Status.OPEN,
    notes: str = "",
    achieved_on: dt.date | None = None,
) -> MenteeGoal:
    """Add a goal in the mentee's own words, saying who set it (004 m, 29)."""
    require_permission(acting_user, "change", engagement)
    _check_open(engagement)
    goal = MenteeGoal(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        statement=statement.strip(),
        set_by=set_by,
        target_date=target_date,
        status=status,
        notes=notes,
        achieved_on=achieved_on,
    )
    _settle_achieved(goal, _today(engagement.organisation), achieved_on is not None)
    save_record(goal)
    record_event(
        verb="mentoring.goal_added",
        obj=goal,
        actor=acting_user,
        data={"engagement": engagement.pk, "set_by": set_by, "status": status},
    )
    return goal


@transaction.atomic
def mentee_goal_update(*, goal: MenteeGoal, acting_user: Any, **fields: Any) -> MenteeGoal:
    """Change a mentee goal. Marking it achieved dates it (today unless ``achieved_on`` is
    given); moving it away from achieved clears the date. Refused on a closed engagement."""
    require_permission(acting_user, "change", goal)
    _check_open(goal.engagement)
    _check_fields(fields, GOAL_FIELDS, "mentee goal")
    before = goal.status
    if "statement" in fields:
        fields["statement"] = (fields["statement"] or "").strip()
    for name, value in fields.items():
        setattr(goal, name, value)
    if "status" in fields and fields["status"] != MenteeGoal.Status.ACHIEVED:
        goal.achieved_on = None
    _settle_achieved(
        goal, _today(goal.engagement.organisation), fields.get("achieved_on") is not None
    )
    save_record(goal)
    if goal.status != before:
        record_event(
            verb="mentoring.goal_status_changed",
            obj=goal,
            actor=acting_user,
            data={"engagement": goal.engagement_id, "from": before, "to": goal.status},
        )
    return goal


# The relationship and its ending ---------------------------------------------------------------


def _relationship(engagement: Engagement) -> MentoringRelationship:
    relationship = (
        MentoringRelationship.objects.select_for_update().filter(engagement=engagement).first()
    )
    if relationship is None:
        relationship = MentoringRelationship(
            engagement=engagement, organisation_id=engagement.organisation_id
        )
    return relationship


def _check_not_before_enquiry(engagement: Engagement, day: dt.date | None, field: str) -> None:
    if day is not None and day < engagement.enquiry_date:
        raise ValidationError(
            {field: f"This cannot be before the enquiry ({engagement.enquiry_date:%d %b %Y})."}
        )


@transaction.atomic
def relationship_plan_end(
    *, engagement: Engagement, planned_end_on: dt.date | None, acting_user: Any
) -> MentoringRelationship:
    """Set (or clear) when the mentoring relationship is planned to end (004 a: how long it
    will last; 13: recognise when it has reached its end)."""
    require_permission(acting_user, "change", engagement)
    relationship = _relationship(engagement)
    if relationship.has_ended:
        raise ValidationError("This mentoring relationship has already ended.")
    _check_open(engagement)
    _check_not_before_enquiry(engagement, planned_end_on, "planned_end_on")
    before = relationship.planned_end_on
    relationship.planned_end_on = planned_end_on
    save_record(relationship)
    record_event(
        verb="mentoring.end_planned",
        obj=relationship,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "before": before.isoformat() if before else None,
            "after": planned_end_on.isoformat() if planned_end_on else None,
        },
    )
    return relationship


@transaction.atomic
def relationship_end(
    *,
    engagement: Engagement,
    acting_user: Any,
    ended_on: dt.date,
    end_reason: str,
    relationship_review: str,
    closing_summary: str,
    invited_back: bool,
    invitation: str = "",
    close_engagement: bool = True,
) -> MentoringRelationship:
    """End the mentoring relationship well (004 13): why it ended, a review of the relationship
    with the client, a closing summary and, when invited back, how to come back (004 19).

    Refused a second time. When ``close_engagement`` and the engagement is open, it is closed
    too, with the end reason that matches (``ENGAGEMENT_END_REASONS``).
    """
    require_permission(acting_user, "change", engagement)
    relationship = _relationship(engagement)
    if relationship.has_ended:
        raise ValidationError(
            f"This mentoring relationship already ended on {relationship.ended_on:%d %b %Y}."
        )
    if ended_on is None:
        raise ValidationError({"ended_on": "Say when the relationship ended."})
    if ended_on > _today(engagement.organisation):
        raise ValidationError({"ended_on": "The relationship cannot end in the future."})
    _check_not_before_enquiry(engagement, ended_on, "ended_on")
    relationship.ended_on = ended_on
    relationship.end_reason = end_reason
    relationship.relationship_review = relationship_review.strip()
    relationship.closing_summary = closing_summary.strip()
    relationship.invited_back = invited_back
    relationship.invitation = invitation.strip() if invited_back else ""
    relationship.ended_by = acting_user
    save_record(relationship)
    record_event(
        verb="mentoring.ended",
        obj=relationship,
        actor=acting_user,
        data={
            "engagement": engagement.pk,
            "ended_on": ended_on.isoformat(),
            "end_reason": end_reason,
            "invited_back": invited_back,
        },
    )
    if close_engagement and engagement.is_open:
        engagement_move(
            engagement=engagement,
            to_status=Engagement.Status.CLOSED,
            reason=f"Mentoring ended: {relationship.get_end_reason_display()}.",
            end_reason=ENGAGEMENT_END_REASONS[end_reason],
            acting_user=acting_user,
        )
    return relationship


# Advice given in mentoring ---------------------------------------------------------------------


@transaction.atomic
def advice_review_record(
    *, interaction: Interaction, outcome: str, note: str = "", acting_user: Any
) -> AdviceReview:
    """A manager's review of a contact flagged as advice given on a mentoring engagement
    (004 g): once per contact, by the delivering organisation's administrators and service
    managers only."""
    from waypoint.delivery.selectors_mentoring import advice_flags_for_review

    if not policy_for(AdviceReview).can_add(acting_user, interaction.organisation_id):
        raise PermissionDenied("Only the organisation's managers review advice given in mentoring.")
    if not advice_flags_for_review(acting_user).filter(pk=interaction.pk).exists():
        if interaction.advice_in_mentoring:
            raise PermissionDenied("You may not review this contact.")
        raise ValidationError(
            "Only a contact flagged as advice given on a mentoring engagement is reviewed."
        )
    if AdviceReview.objects.filter(interaction=interaction).exists():
        raise ValidationError("This contact has already been reviewed.")
    review = AdviceReview(
        interaction=interaction,
        organisation_id=interaction.organisation_id,
        reviewed_by=acting_user,
        reviewed_at=timezone.now(),
        outcome=outcome,
        note=note.strip(),
    )
    save_record(review)
    record_event(
        verb="interaction.advice_reviewed",
        obj=interaction,
        actor=acting_user,
        data={"engagement": interaction.engagement_id, "outcome": outcome},
    )
    return review
