"""Correcting a review through the API: ``PATCH /api/v1/reviews/{id}/`` with the review's own
fields and a ``reason``, through ``review_correct``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.delivery.conftest import desk  # noqa: F401  (the fixture)
from tests.monitoring.test_reviews import accept, days_ago, plan_for, record
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import Engagement
from waypoint.monitoring.models import ActionProgress, GoalProgress, Review

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/"


def patch(user, review: Review, data: dict):
    return request_as(user, f"{REVIEWS}{review.pk}/", method="patch", data=data, api=True)


def test_api_corrects_a_review(cast, desk):  # noqa: F811
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    review = record(
        desk,
        cast.alice,
        client_rating=2,
        went_badly="Nothng.",
        goal_progress=[{"goal": goal, "measured_value": "12500"}],
        action_progress=[{"action": action, "status": "in_progress", "progress": 30}],
    )
    response = check_access(
        cast,
        f"{REVIEWS}{review.pk}/",
        method="patch",
        api=True,
        data={
            "client_rating": 4,
            "went_badly": "Nothing.",
            "staff": [cast.alice.pk],
            "reason": "Typo and the wrong rating.",
        },
        allowed=cast.alice,
        wrong_role=cast.carl,  # sees the review, may not correct it
        out_of_scope=cast.pat,
        expect=200,
        audited=[(Review, "update")],
    )
    body = response.json()
    assert (body["client_rating"], body["went_badly"]) == (4, "Nothing.")
    assert body["staff"] == [cast.alice.pk]
    assert body["goal_progress"][0]["measured_value"] == "12500.00"
    assert body["action_progress"][0]["progress"] == 30
    event = DomainEvent.objects.get(verb="review.corrected")
    assert event.data["fields"] == ["staff", "client_rating", "went_badly"]
    assert event.data["reason"] == "Typo and the wrong rating."

    # A manager may correct it too; a new next review on the latest review leads the caseload.
    agreed = timezone.localdate() + dt.timedelta(days=12)
    response = patch(cast.mary, review, {"next_review_on": agreed.isoformat(), "reason": "Agreed"})
    assert response.status_code == 200 and response.json()["next_review_on"] == agreed.isoformat()
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.next_review_on == agreed


def test_api_names_the_bad_field_and_saves_nothing(cast, desk):  # noqa: F811
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    attempts = [
        ({"client_rating": 4}, "reason"),
        ({"client_rating": 4, "reason": "  "}, "reason"),
        ({"client_rating": 7, "reason": "Fix"}, "client_rating"),
        ({"held_on": future, "reason": "Fix"}, "held_on"),
        ({"next_review_on": days_ago(3).isoformat(), "reason": "Fix"}, "next_review_on"),
        ({"depth": "deepest", "reason": "Fix"}, "depth"),
        ({"staff": [cast.pat.pk], "reason": "Fix"}, "staff"),  # not hub's
        ({"goal_progress": [], "client_rating": 4, "reason": "Fix"}, "goal_progress"),
        ({"concerns": [], "client_rating": 4, "reason": "Fix"}, "concerns"),
        ({"client_rating": 2, "reason": "Fix"}, "non_field_errors"),  # nothing changes
    ]
    for data, field in attempts:
        response = patch(cast.alice, review, data)
        assert response.status_code == 400, (data, response.content[:300])
        assert field in response.json()["errors"], (data, response.json())
    review.refresh_from_db()
    assert review.client_rating == 2
    assert not DomainEvent.objects.filter(verb="review.corrected").exists()
    assert not GoalProgress.objects.exists() and not ActionProgress.objects.exists()


def test_api_refuses_who_may_not_correct_and_closed_engagements(cast, desk):  # noqa: F811
    accept(desk.agreement, 40)
    review = record(desk, cast.alice, client_rating=2)
    data = {"client_rating": 3, "reason": "Fix"}
    desk.alice_engagement.advisers.add(desk.bob)  # on the engagement; did not record the review
    assert patch(desk.bob, review, data).status_code == 403
    assert patch(cast.oscar, review, data).status_code == 403  # no role at all
    assert patch(cast.pat, review, data).status_code == 404
    put = request_as(cast.alice, f"{REVIEWS}{review.pk}/", method="put", data=data, api=True)
    assert put.status_code == 405  # corrections are partial: PATCH only
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason="completed"
    )
    closed = patch(cast.alice, review, data)
    assert closed.status_code == 400
    assert "closed" in closed.json()["errors"]["non_field_errors"][0]
    review.refresh_from_db()
    assert review.client_rating == 2
