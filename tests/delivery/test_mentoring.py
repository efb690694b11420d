"""Mentoring (004): sessions in the contact log with the client's reflections and next steps
(b, h, i, n), the mentee's own goals and the client taking the lead in goal-setting (m), advice
given in mentoring reviewed by a manager (g), and ending the relationship well (13).

The pages are in test_mentoring_pages.py; this file holds the rules, the reads and the hooks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tests.clients.factories import ClientFactory
from tests.delivery.factories import AgreementFactory, EngagementFactory
from tests.factories import person
from waypoint.clients.extensions import timeline_for
from waypoint.core.models import DomainEvent, User
from waypoint.core.navigation import attention_for
from waypoint.core.roles import Role
from waypoint.delivery import selectors_mentoring as selectors
from waypoint.delivery.models import (
    AdviceReview,
    Agreement,
    ClientLead,
    Engagement,
    EngagementTransition,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
)
from waypoint.delivery.services import mentoring as services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@dataclass
class Mentee:
    min: User  # the mentor
    engagement: Engagement
    agreement: Agreement


@pytest.fixture
def mentee(cast, desk) -> Mentee:
    return make_mentee(cast, desk)


def make_mentee(cast, desk) -> Mentee:
    """A hub client on a mentoring agreement, mentored by Min (a mentor at hub)."""
    mentor = person("min", "Min", role=Role.MENTOR, organisation=cast.hub)
    client = ClientFactory(organisation=cast.hub, name="Bright Ideas Ltd")
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=desk.growth,
        lead_adviser=mentor,
        enquiry_date=TODAY() - dt.timedelta(days=120),
    )
    agreement = AgreementFactory(
        engagement=engagement,
        type=Agreement.Type.MENTORING,
        status=Agreement.Status.ACCEPTED,
        mentoring_goals="Grow in confidence as an employer.",
        meeting_frequency="Monthly",
        code_of_ethics="The scheme's code of ethics.",
        planned_duration_weeks=26,
    )
    return Mentee(min=mentor, engagement=engagement, agreement=agreement)


def record_session(mentee: Mentee, *, days_ago: int = 1, **overrides):
    fields = {
        "engagement": mentee.engagement,
        "acting_user": mentee.min,
        "occurred_at": timezone.now() - dt.timedelta(days=days_ago),
        "mode": Interaction.Mode.FACE_TO_FACE,
        "place": Interaction.Place.CLIENT_PREMISES,
        "duration_minutes": 60,
        "summary": "Talked through taking on the first employee.",
        "topics": "Hiring the first employee",
        "reflections": "The client sees the job advert was too vague.",
        "next_steps": "Rewrite the advert and ask two peers to read it.",
        "client_lead": ClientLead.TOGETHER,
    }
    fields.update(overrides)
    return services.session_record(**fields)


def end_fields(**overrides):
    fields = {
        "ended_on": TODAY(),
        "end_reason": MentoringRelationship.EndReason.GOALS_MET,
        "relationship_review": "Regular sessions worked; cancelling at short notice did not.",
        "closing_summary": "Two staff hired; the client now sets their own goals.",
        "invited_back": True,
        "invitation": "Email Min at any time in the next year.",
    }
    fields.update(overrides)
    return fields


def manager_at_pathways(cast) -> User:
    return person("sam", "Sam", role=Role.SERVICE_MANAGER, organisation=cast.pathways)


# Sessions --------------------------------------------------------------------------------------


def test_a_session_is_a_contact_in_the_contact_log_with_its_mentoring_side(cast, mentee):
    session = record_session(mentee, client_lead=ClientLead.MOSTLY_CLIENT)
    contact = session.interaction
    assert contact.engagement == mentee.engagement  # 004 n: the one record of contact
    assert contact.support_type == Interaction.SupportType.MENTORING
    assert contact.recorded_by == mentee.min
    assert not contact.advice_in_mentoring
    assert session.organisation == cast.hub
    assert session.get_client_lead_display() == "Mostly the client"
    assert DomainEvent.objects.filter(
        verb="mentoring.session_recorded", object_id=str(session.pk)
    ).exists()


def test_a_session_that_was_advice_is_flagged_to_the_manager(cast, mentee):
    session = record_session(mentee, support_type=Interaction.SupportType.ADVICE)
    assert session.interaction.advice_in_mentoring
    assert DomainEvent.objects.filter(
        verb="interaction.advice_in_mentoring", object_id=str(session.interaction.pk)
    ).exists()


def test_a_bad_session_names_every_field_and_saves_nothing(cast, mentee):
    with pytest.raises(ValidationError) as refused:
        record_session(mentee, topics="  ", duration_minutes=0, client_lead=9)
    errors = refused.value.message_dict
    assert {"topics", "duration_minutes", "client_lead"} <= set(errors)
    assert not Interaction.objects.filter(engagement=mentee.engagement).exists()
    assert not MentoringSession.objects.exists()


def test_a_session_in_the_future_is_refused(cast, mentee):
    with pytest.raises(ValidationError) as refused:
        record_session(mentee, days_ago=-1)
    assert "occurred_at" in refused.value.message_dict
    assert not MentoringSession.objects.exists()


def test_only_those_who_may_change_the_engagement_record_sessions(cast, desk, mentee):
    for outsider in (cast.carl, cast.alice, cast.pat):
        with pytest.raises(PermissionDenied):
            record_session(mentee, acting_user=outsider)
    assert record_session(mentee, acting_user=cast.mary).interaction.recorded_by == cast.mary


def test_updating_a_session_changes_only_its_mentoring_side(cast, mentee):
    session = record_session(mentee)
    services.session_update(
        session=session,
        acting_user=mentee.min,
        reflections="Saw that the first advert was too vague.",
        client_lead=ClientLead.CLIENT,
    )
    session.refresh_from_db()
    assert session.client_lead == ClientLead.CLIENT
    assert session.reflections.startswith("Saw that")
    with pytest.raises(ValueError):
        services.session_update(session=session, acting_user=mentee.min, summary="No")
    with pytest.raises(ValidationError) as refused:
        services.session_update(session=session, acting_user=mentee.min, topics="")
    assert "topics" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.session_update(session=session, acting_user=cast.carl, topics="Hiring")


# The client taking the lead (004 m) ------------------------------------------------------------


def test_the_client_lead_trend_runs_oldest_first_from_first_to_latest(cast, mentee):
    record_session(mentee, days_ago=30, client_lead=ClientLead.MENTOR, topics="First")
    record_session(mentee, days_ago=15, client_lead=ClientLead.TOGETHER, topics="Second")
    record_session(mentee, days_ago=2, client_lead=ClientLead.MOSTLY_CLIENT, topics="Third")
    summary = selectors.mentoring_summary(mentee.engagement)
    assert [lead for _, lead in summary.trend] == [1, 3, 4]
    days = [day for day, _ in summary.trend]
    assert days == sorted(days) and days[-1] == TODAY() - dt.timedelta(days=2)
    assert summary.first_lead == ClientLead.MENTOR
    assert summary.latest_lead == ClientLead.MOSTLY_CLIENT
    assert summary.lead_change == 3
    assert [s.topics for s in summary.sessions] == ["Third", "Second", "First"]  # newest first
    assert summary.trend_rows[0][2] == "The mentor set the goals"


def test_an_engagement_without_sessions_has_no_trend(cast, mentee):
    summary = selectors.mentoring_summary(mentee.engagement)
    assert summary.trend == [] and summary.first_lead is None and summary.lead_change == 0


def test_who_set_the_mentees_goals_is_shared_out(cast, mentee):
    for set_by in ("client", "client", "together", "mentor"):
        services.mentee_goal_add(
            engagement=mentee.engagement,
            acting_user=mentee.min,
            statement=f"A goal the {set_by} set",
            set_by=set_by,
        )
    shares = {share.set_by: share for share in selectors.goal_shares(mentee.engagement)}
    assert (shares["client"].count, shares["client"].percent) == (2, 50)
    assert (shares["together"].percent, shares["mentor"].percent) == (25, 25)
    assert shares["client"].label == "The client"


# Mentee goals ----------------------------------------------------------------------------------


def test_an_achieved_goal_is_dated_and_a_reopened_one_is_not(cast, mentee):
    goal = services.mentee_goal_add(
        engagement=mentee.engagement,
        acting_user=mentee.min,
        statement="Take on my first employee",
        target_date=TODAY() + dt.timedelta(days=90),
    )
    assert goal.status == MenteeGoal.Status.OPEN and goal.achieved_on is None
    services.mentee_goal_update(goal=goal, acting_user=mentee.min, status="achieved")
    goal.refresh_from_db()
    assert goal.achieved_on == TODAY()
    services.mentee_goal_update(goal=goal, acting_user=mentee.min, status="open")
    goal.refresh_from_db()
    assert goal.achieved_on is None
    with pytest.raises(ValidationError) as refused:
        services.mentee_goal_update(
            goal=goal,
            acting_user=mentee.min,
            status="achieved",
            achieved_on=TODAY() + dt.timedelta(days=1),
        )
    assert "achieved_on" in refused.value.message_dict
    assert DomainEvent.objects.filter(verb="mentoring.goal_status_changed").count() == 2


def test_a_goal_needs_a_statement(cast, mentee):
    with pytest.raises(ValidationError) as refused:
        services.mentee_goal_add(
            engagement=mentee.engagement, acting_user=mentee.min, statement=" "
        )
    assert "statement" in refused.value.message_dict


def test_goals_on_a_closed_engagement_are_refused(cast, mentee):
    goal = services.mentee_goal_add(
        engagement=mentee.engagement, acting_user=mentee.min, statement="Hire"
    )
    Engagement.objects.filter(pk=mentee.engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason=Engagement.EndReason.COMPLETED
    )
    mentee.engagement.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.mentee_goal_add(
            engagement=mentee.engagement, acting_user=mentee.min, statement="Another"
        )
    goal = MenteeGoal.objects.get(pk=goal.pk)
    with pytest.raises(ValidationError, match="closed"):
        services.mentee_goal_update(goal=goal, acting_user=mentee.min, status="achieved")
    assert MenteeGoal.objects.get().status == MenteeGoal.Status.OPEN


# The relationship ------------------------------------------------------------------------------


def test_the_planned_end_is_not_before_the_enquiry(cast, mentee):
    with pytest.raises(ValidationError) as refused:
        services.relationship_plan_end(
            engagement=mentee.engagement,
            planned_end_on=mentee.engagement.enquiry_date - dt.timedelta(days=1),
            acting_user=mentee.min,
        )
    assert "planned_end_on" in refused.value.message_dict
    assert not MentoringRelationship.objects.exists()
    planned = TODAY() + dt.timedelta(days=60)
    relationship = services.relationship_plan_end(
        engagement=mentee.engagement, planned_end_on=planned, acting_user=mentee.min
    )
    assert relationship.planned_end_on == planned
    # Changing it keeps the one relationship.
    services.relationship_plan_end(
        engagement=mentee.engagement, planned_end_on=planned, acting_user=mentee.min
    )
    assert MentoringRelationship.objects.count() == 1


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"relationship_review": " "}, "relationship_review"),
        ({"closing_summary": ""}, "closing_summary"),
        ({"end_reason": ""}, "end_reason"),
        ({"invited_back": True, "invitation": ""}, "invitation"),
        ({"ended_on": TODAY() + dt.timedelta(days=1)}, "ended_on"),
    ],
)
def test_ending_needs_a_reason_a_review_a_summary_and_how_to_come_back(
    cast, mentee, missing, field
):
    with pytest.raises(ValidationError) as refused:
        services.relationship_end(
            engagement=mentee.engagement, acting_user=mentee.min, **end_fields(**missing)
        )
    assert field in refused.value.message_dict
    mentee.engagement.refresh_from_db()
    assert mentee.engagement.is_open  # nothing half-written
    assert not MentoringRelationship.objects.filter(ended_on__isnull=False).exists()


def test_not_invited_back_needs_no_invitation(cast, mentee):
    relationship = services.relationship_end(
        engagement=mentee.engagement,
        acting_user=mentee.min,
        close_engagement=False,
        **end_fields(invited_back=False, invitation="Ignored"),
    )
    assert not relationship.invited_back and relationship.invitation == ""


@pytest.mark.parametrize(
    ("end_reason", "engagement_end_reason"),
    [
        ("goals_met", "completed"),
        ("natural_end", "completed"),
        ("agreed_term", "completed"),
        ("mentor_choice", "completed"),
        ("client_choice", "withdrew"),
        ("referred", "referred_on"),
    ],
)
def test_ending_closes_the_engagement_with_the_matching_end_reason(
    cast, mentee, end_reason, engagement_end_reason
):
    relationship = services.relationship_end(
        engagement=mentee.engagement, acting_user=mentee.min, **end_fields(end_reason=end_reason)
    )
    assert relationship.ended_by == mentee.min and relationship.has_ended
    engagement = Engagement.objects.get(pk=mentee.engagement.pk)
    assert engagement.status == Engagement.Status.CLOSED
    assert engagement.end_reason == engagement_end_reason
    step = EngagementTransition.objects.filter(engagement=engagement).latest("occurred_at")
    assert step.to_status == "closed" and step.reason.startswith("Mentoring ended")
    assert DomainEvent.objects.filter(verb="mentoring.ended").exists()


def test_ending_can_leave_the_engagement_open_and_is_refused_twice(cast, mentee):
    services.relationship_plan_end(
        engagement=mentee.engagement,
        planned_end_on=TODAY() + dt.timedelta(days=10),
        acting_user=mentee.min,
    )
    services.relationship_end(
        engagement=mentee.engagement,
        acting_user=mentee.min,
        close_engagement=False,
        **end_fields(),
    )
    mentee.engagement.refresh_from_db()
    assert mentee.engagement.is_open
    with pytest.raises(ValidationError, match="already ended"):
        services.relationship_end(
            engagement=mentee.engagement, acting_user=mentee.min, **end_fields()
        )
    with pytest.raises(ValidationError, match="already ended"):
        services.relationship_plan_end(
            engagement=mentee.engagement, planned_end_on=TODAY(), acting_user=mentee.min
        )
    mentee.engagement.refresh_from_db()
    assert mentee.engagement.is_open  # the refused second ending closed nothing


def test_only_those_who_may_change_the_engagement_end_it(cast, mentee):
    with pytest.raises(PermissionDenied):
        services.relationship_end(
            engagement=mentee.engagement, acting_user=cast.carl, **end_fields()
        )
    assert not MentoringRelationship.objects.exists()


# Advice given in mentoring (004 g) -------------------------------------------------------------


def test_an_advice_review_is_for_flagged_contacts_by_managers_once(cast, mentee):
    flagged = record_session(mentee, support_type="advice").interaction
    plain = record_session(mentee).interaction
    for not_a_manager in (mentee.min, cast.alice, cast.carl):
        with pytest.raises(PermissionDenied):
            services.advice_review_record(
                interaction=flagged, outcome="fine", acting_user=not_a_manager
            )
    with pytest.raises(PermissionDenied):
        services.advice_review_record(
            interaction=flagged, outcome="fine", acting_user=manager_at_pathways(cast)
        )
    with pytest.raises(ValidationError, match="flagged"):
        services.advice_review_record(interaction=plain, outcome="fine", acting_user=cast.mary)
    with pytest.raises(ValidationError) as refused:
        services.advice_review_record(
            interaction=flagged, outcome="nonsense", acting_user=cast.mary
        )
    assert "outcome" in refused.value.message_dict
    review = services.advice_review_record(
        interaction=flagged, outcome="discuss", note="Talk at supervision.", acting_user=cast.mary
    )
    assert review.reviewed_by == cast.mary and review.reviewed_at is not None
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.advice_review_record(interaction=flagged, outcome="fine", acting_user=cast.ada)
    assert AdviceReview.objects.count() == 1


def test_flags_for_review_unreviewed_first_and_only_in_the_managers_organisations(cast, mentee):
    older = record_session(mentee, days_ago=10, support_type="advice").interaction
    newer = record_session(mentee, days_ago=1, support_type="advice").interaction
    record_session(mentee)  # not advice: not flagged
    services.advice_review_record(interaction=newer, outcome="fine", acting_user=cast.mary)
    flags = list(selectors.advice_flags_for_review(cast.mary))
    assert flags == [older, newer]  # unreviewed first
    assert list(selectors.advice_flags_for_review(cast.mary, state="unreviewed")) == [older]
    assert list(selectors.advice_flags_for_review(cast.mary, state="reviewed")) == [newer]
    assert not selectors.advice_flags_for_review(mentee.min).exists()
    assert not selectors.advice_flags_for_review(manager_at_pathways(cast)).exists()
    with pytest.raises(ValueError):
        selectors.advice_flags_for_review(cast.mary, state="some")


def test_the_home_page_tells_managers_how_many_flags_wait(cast, mentee):
    first = record_session(mentee, days_ago=3, support_type="advice").interaction
    record_session(mentee, days_ago=2, support_type="advice")

    def mentoring_items(user):
        return [i for i in attention_for(user) if "advice given in mentoring" in i.title]

    (item,) = mentoring_items(cast.mary)
    assert item.title == "2 contacts with advice given in mentoring to review"
    assert item.count == 2 and item.url == reverse("delivery:advice-flags")
    assert mentoring_items(mentee.min) == [] and mentoring_items(cast.carl) == []
    services.advice_review_record(interaction=first, outcome="fine", acting_user=cast.mary)
    (item,) = mentoring_items(cast.ada)
    assert item.title == "1 contact with advice given in mentoring to review"


# Is it mentoring; the engagement page; the client timeline -------------------------------------


def test_is_mentoring_by_agreement_session_or_relationship(cast, desk, mentee):
    assert selectors.is_mentoring(mentee.engagement)
    assert not selectors.is_mentoring(desk.mary_engagement)  # no agreement
    assert not selectors.is_mentoring(desk.alice_engagement)  # an advice agreement
    services.relationship_plan_end(
        engagement=desk.mary_engagement, planned_end_on=TODAY(), acting_user=cast.mary
    )
    assert selectors.is_mentoring(desk.mary_engagement)
    services.session_record(
        engagement=desk.alice_engagement,
        acting_user=cast.alice,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        mode="phone",
        place="online",
        duration_minutes=30,
        summary="A first mentoring call.",
        topics="Confidence",
        client_lead=ClientLead.MOSTLY_MENTOR,
    )
    assert selectors.is_mentoring(desk.alice_engagement)


def test_the_engagement_page_section_shows_only_for_mentoring(cast, desk, mentee, rf):
    services.mentee_goal_add(engagement=mentee.engagement, acting_user=mentee.min, statement="Hire")
    record_session(mentee)
    services.relationship_plan_end(
        engagement=mentee.engagement, planned_end_on=dt.date(2027, 3, 31), acting_user=mentee.min
    )
    request = rf.get("/")
    request.user = mentee.min
    html = render_to_string(
        "delivery/_engagement_mentoring.html",
        {"engagement": mentee.engagement, "user": mentee.min},
        request=request,
    )
    assert 'id="engagement-mentoring"' in html
    assert "1 session, 1 mentee goal." in html and "Planned end: 31 Mar 2027" in html
    assert f"/engagements/{mentee.engagement.pk}/mentoring/" in html
    request.user = cast.alice
    html = render_to_string(
        "delivery/_engagement_mentoring.html",
        {"engagement": desk.alice_engagement, "user": cast.alice},
        request=request,
    )
    assert "Mentoring" not in html


def test_the_client_timeline_shows_sessions_and_the_ending_to_those_who_see_them(cast, mentee):
    record_session(mentee, topics="Pricing the new range")
    services.relationship_end(engagement=mentee.engagement, acting_user=mentee.min, **end_fields())
    client = mentee.engagement.client
    entries = [e for e in timeline_for(client, mentee.min) if e.kind == "Mentoring"]
    titles = [e.title for e in entries]
    assert "Mentoring session: Pricing the new range" in titles
    assert "Mentoring ended (Northshire Growth)" in titles
    ending = next(e for e in entries if e.title.startswith("Mentoring ended"))
    assert "invited to come back" in ending.detail
    assert [e for e in timeline_for(client, cast.mary) if e.kind == "Mentoring"]
    assert not [e for e in timeline_for(client, cast.alice) if e.kind == "Mentoring"]
    assert not [e for e in timeline_for(client, cast.pat) if e.kind == "Mentoring"]
