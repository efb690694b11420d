"""The mentoring pages, each through ``check_access``: the engagement's mentoring page, session
and goal forms, the planned end, ending the relationship, and the managers' advice flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.delivery.test_mentoring import (
    Mentee,
    end_fields,
    make_mentee,
    manager_at_pathways,
    record_session,
)
from tests.permissions import check_access, request_as
from waypoint.delivery.models import (
    AdviceReview,
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


@pytest.fixture
def mentee(cast, desk) -> Mentee:
    return make_mentee(cast, desk)


def session_form(**overrides):
    when = timezone.localtime() - dt.timedelta(hours=2)
    data = {
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "mode": "face_to_face",
        "place": "client_premises",
        "place_detail": "",
        "duration_minutes": "45",
        "support_type": "mentoring",
        "summary": "Went through the hiring plan.",
        "topics": "Hiring",
        "reflections": "The client saw the advert was too vague.",
        "next_steps": "Rewrite the advert.",
        "client_lead": str(ClientLead.MOSTLY_CLIENT.value),
    }
    data.update(overrides)
    return data


def end_form(**overrides):
    data = {
        key: (value.isoformat() if isinstance(value, dt.date) else value)
        for key, value in end_fields().items()
    }
    data["invited_back"] = "on"
    data["close_engagement"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_mentoring_page(cast, mentee):
    record_session(mentee, days_ago=20, client_lead=ClientLead.MENTOR, topics="Early days")
    record_session(mentee, days_ago=2, client_lead=ClientLead.MOSTLY_CLIENT, topics="Hiring")
    flag = record_session(mentee, support_type="advice", topics="Payroll").interaction
    services.mentee_goal_add(
        engagement=mentee.engagement,
        acting_user=mentee.min,
        statement="Take on my first employee",
        set_by="client",
    )
    services.relationship_plan_end(
        engagement=mentee.engagement,
        planned_end_on=TODAY() + dt.timedelta(days=30),
        acting_user=mentee.min,
    )
    url = reverse("delivery:mentoring", args=[mentee.engagement.pk])
    response = check_access(
        cast, url, allowed=mentee.min, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "First session: <strong>The mentor set the goals</strong>" in body
    assert "latest: <strong>The client set their own goals</strong>" not in body
    assert "Take on my first employee" in body and "The client: 1 (100%)" in body
    assert "30 days left" in body
    assert "Record a session" in body and "End the relationship" in body
    assert reverse("delivery:mentoring-session-edit", args=[flag.mentoring_session.pk]) in body
    assert "Not reviewed yet" in body  # Min cannot review the flag himself
    # The manager sees the review link; the commissioner sees the page but cannot change it.
    mary_body = request_as(cast.mary, url).content.decode()
    assert reverse("delivery:advice-flag-review", args=[flag.pk]) in mary_body
    carl_body = request_as(cast.carl, url).content.decode()
    assert "Early days" in carl_body and "Record a session" not in carl_body
    assert request_as(cast.alice, url).status_code == 404  # not on her caseload


def test_record_a_session(cast, mentee):
    url = reverse("delivery:mentoring-session-create", args=[mentee.engagement.pk])
    page = check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    assert "flagged to your manager" in page.content.decode()
    check_access(
        cast,
        url,
        method="post",
        data=session_form(),
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Interaction, "create"), (MentoringSession, "create")],
    )
    session = MentoringSession.objects.get()
    assert session.client_lead == ClientLead.MOSTLY_CLIENT
    assert session.interaction.duration_minutes == 45
    assert list(session.interaction.staff.all()) == [mentee.min]


def test_record_a_session_names_the_bad_field(cast, mentee):
    url = reverse("delivery:mentoring-session-create", args=[mentee.engagement.pk])
    refused = request_as(mentee.min, url, method="post", data=session_form(topics=""))
    assert refused.status_code == 200
    assert "Topics: This field is required." in refused.content.decode()
    advice = request_as(mentee.min, url, method="post", data=session_form(support_type="advice"))
    assert advice.status_code == 302
    assert Interaction.objects.get(engagement=mentee.engagement).advice_in_mentoring
    assert not MentoringSession.objects.filter(topics="").exists()


def test_change_a_session(cast, mentee):
    session = record_session(mentee)
    url = reverse("delivery:mentoring-session-edit", args=[session.pk])
    check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={
            "topics": "Hiring and payroll",
            "reflections": "",
            "next_steps": "",
            "client_lead": "5",
        },
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(MentoringSession, "update")],
    )
    session.refresh_from_db()
    assert session.topics == "Hiring and payroll" and session.client_lead == ClientLead.CLIENT


def test_add_and_change_a_goal(cast, mentee):
    url = reverse("delivery:mentee-goal-create", args=[mentee.engagement.pk])
    check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={"statement": "Open a second shop", "set_by": "together", "target_date": ""},
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(MenteeGoal, "create")],
    )
    goal = MenteeGoal.objects.get()
    assert goal.set_by == "together"
    url = reverse("delivery:mentee-goal-edit", args=[goal.pk])
    check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={"statement": "Open a second shop", "set_by": "together", "status": "achieved"},
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(MenteeGoal, "update")],
    )
    goal.refresh_from_db()
    assert goal.status == "achieved" and goal.achieved_on == TODAY()


def test_a_goal_on_a_closed_engagement_is_refused_on_the_page(cast, mentee):
    Engagement.objects.filter(pk=mentee.engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason=Engagement.EndReason.COMPLETED
    )
    url = reverse("delivery:mentee-goal-create", args=[mentee.engagement.pk])
    refused = request_as(
        mentee.min, url, method="post", data={"statement": "X", "set_by": "client"}
    )
    assert refused.status_code == 200
    assert "This engagement is closed" in refused.content.decode()
    assert not MenteeGoal.objects.exists()


def test_plan_the_end(cast, mentee):
    url = reverse("delivery:mentoring-planned-end", args=[mentee.engagement.pk])
    check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    planned = TODAY() + dt.timedelta(days=90)
    check_access(
        cast,
        url,
        method="post",
        data={"planned_end_on": planned.isoformat()},
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(MentoringRelationship, "create")],
    )
    assert mentee.engagement.mentoring.planned_end_on == planned
    early = (mentee.engagement.enquiry_date - dt.timedelta(days=1)).isoformat()
    refused = request_as(mentee.min, url, method="post", data={"planned_end_on": early})
    assert refused.status_code == 200 and "Planned end: This cannot be before the enquiry" in (
        refused.content.decode()
    )


def test_end_the_relationship(cast, mentee):
    url = reverse("delivery:mentoring-end", args=[mentee.engagement.pk])
    page = check_access(cast, url, allowed=mentee.min, wrong_role=cast.carl, out_of_scope=cast.pat)
    body = page.content.decode()
    assert "also closes the engagement" in body and "Also close the engagement" in body
    assert "The client chose to end it: “Client withdrew”" in body
    check_access(
        cast,
        url,
        method="post",
        data=end_form(end_reason="client_choice"),
        allowed=mentee.min,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[
            (MentoringRelationship, "create"),
            (Engagement, "update"),
            (EngagementTransition, "create"),
        ],
    )
    engagement = Engagement.objects.get(pk=mentee.engagement.pk)
    assert engagement.status == "closed" and engagement.end_reason == "withdrew"
    again = request_as(mentee.min, url, method="post", data=end_form())
    assert again.status_code == 200 and "already ended" in again.content.decode()
    page = request_as(mentee.min, reverse("delivery:mentoring", args=[engagement.pk]))
    assert "Email Min at any time" in page.content.decode()


def test_end_the_relationship_names_the_missing_fields(cast, mentee):
    url = reverse("delivery:mentoring-end", args=[mentee.engagement.pk])
    refused = request_as(
        mentee.min, url, method="post", data=end_form(invitation="", relationship_review="")
    )
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Review of the relationship: This field is required." in body
    refused = request_as(mentee.min, url, method="post", data=end_form(invitation=""))
    assert "How to come back: Say when and how the client can come back." in (
        refused.content.decode()
    )
    assert not MentoringRelationship.objects.exists()
    mentee.engagement.refresh_from_db()
    assert mentee.engagement.is_open


def test_end_without_closing_the_engagement(cast, mentee):
    url = reverse("delivery:mentoring-end", args=[mentee.engagement.pk])
    data = end_form()
    del data["close_engagement"]
    assert request_as(mentee.min, url, method="post", data=data).status_code == 302
    mentee.engagement.refresh_from_db()
    assert mentee.engagement.is_open and mentee.engagement.mentoring.has_ended


def test_the_advice_flags_list(cast, mentee):
    older = record_session(mentee, days_ago=5, support_type="advice", summary="Told the client")
    newer = record_session(mentee, days_ago=1, support_type="advice")
    services.advice_review_record(
        interaction=newer.interaction, outcome="fine", acting_user=cast.mary
    )
    url = reverse("delivery:advice-flags")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=mentee.min, out_of_scope=None)
    body = response.content.decode()
    assert reverse("delivery:advice-flag-review", args=[older.interaction.pk]) in body
    assert reverse("delivery:advice-flag-review", args=[newer.interaction.pk]) not in body
    reviewed = request_as(cast.mary, url, data={"state": "reviewed"}).content.decode()
    assert "Right call" in reviewed and "Told the client" not in reviewed
    assert request_as(cast.alice, url).status_code == 403
    assert request_as(cast.carl, url).status_code == 403
    sam = manager_at_pathways(cast)
    assert "Nothing waiting for review." in request_as(sam, url).content.decode()


def test_the_advice_flags_list_is_paginated(cast, mentee):
    for days_ago in range(1, 28):
        record_session(mentee, days_ago=days_ago, support_type="advice")
    url = reverse("delivery:advice-flags")
    first = request_as(cast.mary, url).content.decode()
    assert "Page 1 of 2" in first and first.count("/review/") == 25
    second = request_as(cast.mary, url, data={"page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    assert second.count("/review/") == 2


def test_review_a_flag(cast, mentee):
    flag = record_session(mentee, support_type="advice").interaction
    plain = record_session(mentee).interaction
    url = reverse("delivery:advice-flag-review", args=[flag.pk])
    sam = manager_at_pathways(cast)
    check_access(cast, url, allowed=cast.mary, wrong_role=mentee.min, out_of_scope=sam)
    check_access(
        cast,
        url,
        method="post",
        data={"outcome": "change_agreement", "note": "Mostly advice now."},
        allowed=cast.mary,
        wrong_role=mentee.min,
        out_of_scope=sam,
        expect=302,
        audited=[(AdviceReview, "create")],
    )
    review = AdviceReview.objects.get()
    assert review.interaction == flag and review.reviewed_by == cast.mary
    shown = request_as(cast.ada, url).content.decode()
    assert "The agreement should change to advice" in shown and "Save the review" not in shown
    again = request_as(cast.ada, url, method="post", data={"outcome": "fine"})
    assert again.status_code == 200 and AdviceReview.objects.count() == 1
    not_flagged = reverse("delivery:advice-flag-review", args=[plain.pk])
    assert request_as(cast.mary, not_flagged).status_code == 404


def test_the_engagement_page_links_to_the_mentoring_page(cast, desk, mentee):
    mentoring = reverse("delivery:mentoring", args=[mentee.engagement.pk])
    page = request_as(mentee.min, mentee.engagement.get_absolute_url()).content.decode()
    assert 'id="engagement-mentoring"' in page and mentoring in page
    plain = request_as(cast.alice, desk.alice_engagement.get_absolute_url()).content.decode()
    assert 'id="engagement-mentoring"' not in plain
