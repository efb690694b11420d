"""Correcting a recorded review: its narrative, ratings and dates only, with a reason, all or
nothing, by whoever recorded it or a manager, while the engagement is open; the engagement's
next review follows its latest review; the review's page shows the corrections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import dateformat, timezone

from tests.clients.factories import PersonFactory
from tests.monitoring.test_reviews import accept, days_ago, plan_for, record
from tests.permissions import audit_entries_for, check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import Action, Engagement
from waypoint.monitoring import selectors_reviews as sel
from waypoint.monitoring.models import (
    ActionProgress,
    Concern,
    GoalProgress,
    ProgrammeChange,
    Review,
)
from waypoint.monitoring.services.reviews import CORRECTION_CLOSED, review_correct

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def corrections() -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(verb="review.corrected"))


def set_status(engagement: Engagement, status: str) -> None:
    Engagement.objects.filter(pk=engagement.pk).update(
        status=status, end_reason="completed" if status == Engagement.Status.CLOSED else ""
    )
    engagement.refresh_from_db()


# The service -----------------------------------------------------------------------------------


def test_a_correction_changes_the_fields_given_and_keeps_the_progress(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    person = PersonFactory(client=desk.acme)
    review = record(
        desk,
        cast.alice,
        client_rating=2,
        went_well="Markting plan drafted.",
        goal_progress=[{"goal": goal, "measured_value": "12500"}],
        action_progress=[{"action": action, "status": "in_progress", "progress": 50}],
        concerns=[{"summary": "Slow bank.", "about": "delay"}],
        programme_changes=[{"what_changed": "Fortnightly calls", "why": "Momentum"}],
    )
    corrected = review_correct(
        review=review,
        acting_user=cast.alice,
        reason="  Typo and the wrong rating.  ",
        client_rating=4,
        went_well="  Marketing plan drafted.  ",
        learnt=review.learnt,  # given but the same: not a change
        staff=[cast.alice],
        client_people=[person],
    )
    review.refresh_from_db()
    assert (review.client_rating, review.went_well) == (4, "Marketing plan drafted.")
    assert corrected.client_rating == 4
    assert list(review.staff.all()) == [cast.alice]
    assert list(review.client_people.all()) == [person]
    assert review.recorded_by == cast.alice and review.held_on == days_ago(1)
    # What the review created keeps its own records, untouched.
    assert GoalProgress.objects.get(review=review).measured_value == 12500
    assert ActionProgress.objects.get(review=review).progress == 50
    action.refresh_from_db()
    assert (action.status, action.progress) == ("in_progress", 50)
    assert Concern.objects.get(review=review).summary == "Slow bank."
    assert ProgrammeChange.objects.get(review=review).what_changed == "Fortnightly calls"
    [event] = corrections()
    assert event.object_id == str(review.pk) and event.actor == cast.alice
    assert event.data["fields"] == ["staff", "client_people", "client_rating", "went_well"]
    assert event.data["reason"] == "Typo and the wrong rating."
    assert event.data["staff"] == {"before": [], "after": [cast.alice.pk]}
    changes = audit_entries_for(review).latest("timestamp").changes_dict
    assert set(changes) == {"client_rating", "went_well"}


def test_progress_concerns_and_programme_changes_are_not_corrected_here(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice)
    for field in ("goal_progress", "action_progress", "concerns", "programme_changes", "due_on"):
        with pytest.raises(ValueError, match="cannot change"):
            review_correct(review=review, acting_user=cast.alice, reason="Fix", **{field: []})
    assert corrections() == []


def test_a_reason_is_required_and_something_must_change(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    with pytest.raises(ValidationError) as refused:
        review_correct(review=review, acting_user=cast.alice, reason="  ", client_rating=4)
    assert "Say why" in refused.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as same:
        review_correct(review=review, acting_user=cast.alice, reason="Fix", client_rating=2)
    assert "Nothing has changed" in same.value.messages[0]
    review.refresh_from_db()
    assert review.client_rating == 2 and corrections() == []


def test_bad_values_are_named_and_save_nothing(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    before = desk.alice_engagement.next_review_on
    attempts = {
        "held_on": {"held_on": TODAY() + dt.timedelta(days=1)},
        "next_review_on": {"next_review_on": days_ago(5)},  # before the review
        "satisfaction": {"satisfaction": 9},
        "depth": {"depth": "deepest"},
        "staff": {"staff": [desk.bob, cast.pat]},  # pat is not hub's
    }
    for field, change in attempts.items():
        with pytest.raises(ValidationError) as refused:
            review_correct(
                review=review, acting_user=cast.alice, reason="Fix", client_rating=5, **change
            )
        assert field in refused.value.message_dict, (field, refused.value)
    with pytest.raises(ValidationError) as early:
        review_correct(
            review=review,
            acting_user=cast.alice,
            reason="Fix",
            held_on=desk.alice_engagement.enquiry_date - dt.timedelta(days=1),
        )
    assert "enquiry" in early.value.message_dict["held_on"][0]
    review.refresh_from_db()
    desk.alice_engagement.refresh_from_db()
    assert review.client_rating == 2 and not review.staff.exists()
    assert desk.alice_engagement.next_review_on == before
    assert corrections() == []


def test_the_engagements_next_review_follows_only_its_latest_review(cast, desk):
    accept(desk.agreement, 40)
    older = record(desk, cast.alice, held_on=days_ago(20))
    latest = record(desk, cast.alice, held_on=days_ago(2))
    engagement = desk.alice_engagement
    engagement.refresh_from_db()
    scheduled = days_ago(2) + dt.timedelta(days=28)  # four-weekly after the latest
    assert engagement.next_review_on == scheduled

    review_correct(
        review=older, acting_user=cast.alice, reason="Agreed date", next_review_on=days_ago(5)
    )
    engagement.refresh_from_db()
    assert engagement.next_review_on == scheduled  # not the latest: the caseload is unchanged

    agreed = TODAY() + dt.timedelta(days=10)
    review_correct(
        review=latest, acting_user=cast.alice, reason="Agreed date", next_review_on=agreed
    )
    engagement.refresh_from_db()
    assert engagement.next_review_on == agreed
    assert sel.review_schedule(engagement).next_due == agreed

    review_correct(review=latest, acting_user=cast.alice, reason="None agreed", next_review_on=None)
    engagement.refresh_from_db()
    assert engagement.next_review_on == scheduled  # back to the agreed frequency
    assert len(corrections()) == 3


def test_moving_the_latest_review_earlier_makes_the_other_one_lead(cast, desk):
    accept(desk.agreement, 40)
    record(desk, cast.alice, held_on=days_ago(10))
    latest = record(desk, cast.alice, held_on=days_ago(2))
    review_correct(review=latest, acting_user=cast.alice, reason="Wrong day", held_on=days_ago(30))
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.next_review_on == days_ago(10) + dt.timedelta(days=28)


def test_who_may_correct_a_review(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=1)
    desk.alice_engagement.advisers.add(desk.bob)  # changes the engagement; did not record it
    for refused in (cast.carl, desk.bob, cast.pat, cast.oscar):
        with pytest.raises(PermissionDenied):
            review_correct(review=review, acting_user=refused, reason="Fix", client_rating=2)
    for rating, allowed in enumerate((cast.alice, cast.mary, cast.ada), start=2):
        review_correct(review=review, acting_user=allowed, reason="Fix", client_rating=rating)
    review.refresh_from_db()
    assert review.client_rating == 4
    assert [e.actor for e in corrections()] == [cast.ada, cast.mary, cast.alice]
    # The recorder, no longer on the engagement, may no longer correct it; managers still may.
    desk.alice_engagement.lead_adviser = cast.mary
    desk.alice_engagement.save()
    with pytest.raises(PermissionDenied):
        review_correct(review=review, acting_user=cast.alice, reason="Fix", client_rating=5)


def test_a_closed_engagements_reviews_are_not_corrected(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=1)
    set_status(desk.alice_engagement, Engagement.Status.PAUSED)
    review_correct(review=review, acting_user=cast.alice, reason="Fix", client_rating=2)
    set_status(desk.alice_engagement, Engagement.Status.CLOSED)
    with pytest.raises(ValidationError) as refused:
        review_correct(review=review, acting_user=cast.alice, reason="Fix", client_rating=3)
    assert refused.value.messages == [CORRECTION_CLOSED]
    review.refresh_from_db()
    assert review.client_rating == 2 and len(corrections()) == 1


# Pages -----------------------------------------------------------------------------------------


def correct_url(review: Review) -> str:
    return f"/monitoring/reviews/{review.pk}/correct/"


def form_data(**overrides):
    data = {
        "held_on": days_ago(1).isoformat(),
        "depth": "standard",
        "client_rating": "4",
        "went_well": "Marketing plan drafted.",
        "reason": "Typo and the wrong rating.",
    }
    data.update(overrides)
    return data


def test_the_correct_form_is_prefilled(cast, desk):
    accept(desk.agreement, 40)
    review = record(
        desk, cast.alice, client_rating=2, went_well="Markting plan.", staff=[cast.alice]
    )
    response = check_access(
        cast, correct_url(review), allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    form = response.context["form"]
    assert form["client_rating"].value() == 2 and form["went_well"].value() == "Markting plan."
    assert form["held_on"].value() == days_ago(1) and form["staff"].value() == [cast.alice.pk]
    body = response.content.decode()
    assert "Markting plan." in body and 'name="reason"' in body
    assert 'name="consider_self_review"' not in body and "goal-" not in body
    assert request_as(cast.oscar, correct_url(review)).status_code == 403  # no role at all
    assert request_as(cast.mary, correct_url(review)).status_code == 200  # a manager


def test_correct_a_review_through_the_form(cast, desk):
    accept(desk.agreement, 40)
    _, _goal, action = plan_for(desk.alice_engagement, cast.alice)
    review = record(
        desk,
        cast.alice,
        client_rating=2,
        went_well="Markting plan.",
        action_progress=[{"action": action, "status": "in_progress", "progress": 40}],
    )
    response = check_access(
        cast,
        correct_url(review),
        method="post",
        data=form_data(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Review, "update")],  # the progress and the plan are untouched
    )
    assert response["Location"] == review.get_absolute_url()
    review.refresh_from_db()
    assert (review.client_rating, review.went_well) == (4, "Marketing plan drafted.")
    assert ActionProgress.objects.get(review=review).progress == 40
    assert Action.objects.get(pk=action.pk).progress == 40

    # A new next review on the latest review moves the caseload's: the engagement is audited.
    agreed = TODAY() + dt.timedelta(days=9)
    response = check_access(
        cast,
        correct_url(review),
        method="post",
        data=form_data(next_review_on=agreed.isoformat(), reason="Date agreed by phone."),
        allowed=cast.mary,
        wrong_role=None,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Review, "update"), (Engagement, "update")],
    )
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.next_review_on == agreed


def test_the_form_names_the_missing_reason_and_bad_dates(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    response = request_as(cast.alice, correct_url(review), method="post", data=form_data(reason=""))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "Why it is corrected" in response.content.decode()  # the summary names the field
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    response = request_as(
        cast.alice, correct_url(review), method="post", data=form_data(held_on=future)
    )
    assert response.status_code == 200
    assert "before it is held" in response.context["form"].errors["held_on"][0]
    review.refresh_from_db()
    assert review.client_rating == 2 and corrections() == []


def test_the_review_page_shows_the_corrections_and_who_may_correct(cast, desk):
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    url = review.get_absolute_url()
    assert "Correct this review" in request_as(cast.alice, url).content.decode()
    assert "Correct this review" in request_as(cast.mary, url).content.decode()
    assert "Correct this review" not in request_as(cast.carl, url).content.decode()
    review_correct(review=review, acting_user=cast.alice, reason="Wrong rating.", client_rating=3)
    review_correct(review=review, acting_user=cast.mary, reason="Typo in the notes.", learnt="x")
    body = request_as(cast.carl, url).content.decode()  # anyone who sees it sees why it changed
    first = DomainEvent.objects.filter(verb="review.corrected").earliest("pk")
    day = dateformat.format(timezone.localtime(first.occurred_at), "j M Y")
    newest = f"Corrected on {day} by {cast.mary}: Typo in the notes."
    oldest = f"Corrected on {day} by {cast.alice}: Wrong rating."
    assert newest in body and oldest in body
    assert body.index(newest) < body.index(oldest)
    set_status(desk.alice_engagement, Engagement.Status.CLOSED)
    assert "Correct this review" not in request_as(cast.alice, url).content.decode()
    refused = request_as(cast.alice, correct_url(review))
    assert refused.status_code == 302 and refused["Location"] == url
