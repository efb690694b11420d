"""Reviews (000 req 1): the schedule (agreed interval, agreed next date, fixed calendar, the
on-time window), recording a review (all or nothing, the plan updated, concerns and programme
changes), the pages and the API through ``check_access``, and the home page's counts."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.clients.factories import PersonFactory
from tests.delivery.factories import AgreementFactory
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.core.navigation import attention_for, nav_links_for
from waypoint.delivery import selectors as delivery_selectors
from waypoint.delivery.models import Action, Agreement, Engagement, PlanChange
from waypoint.delivery.services import action_plans
from waypoint.monitoring import selectors_reviews as sel
from waypoint.monitoring.models import (
    ActionProgress,
    Concern,
    GoalProgress,
    MonitoringSettings,
    ProgrammeChange,
    Review,
    SelfReview,
)
from waypoint.monitoring.selectors_self_reviews import latest_unconsidered
from waypoint.monitoring.selectors_settings import settings_for
from waypoint.monitoring.services.reviews import review_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
D = dt.date


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


def accept(agreement: Agreement, days: int) -> Agreement:
    """Accept the agreement ``days`` days ago (at noon, so the local date is clear)."""
    moment = timezone.make_aware(dt.datetime.combine(days_ago(days), dt.time(12)))
    agreement.status = Agreement.Status.ACCEPTED
    agreement.accepted_at = moment
    agreement.accepted_via = Agreement.AcceptedVia.IN_PERSON
    agreement.save()
    return agreement


def plan_for(engagement: Engagement, user):
    plan = action_plans.plan_start(engagement=engagement, title="Growth", acting_user=user)
    goal = action_plans.goal_add(
        plan=plan,
        acting_user=user,
        statement="Grow monthly turnover",
        measure="monthly turnover",
        baseline=decimal.Decimal("10000"),
        target_value=decimal.Decimal("15000"),
        unit="£",
        deadline=TODAY() + dt.timedelta(days=200),
    )
    action = action_plans.action_add(
        goal=goal,
        acting_user=user,
        description="Write a marketing plan",
        due_on=TODAY() + dt.timedelta(days=30),
    )
    return plan, goal, action


def record(desk, user, **overrides):
    fields = {
        "engagement": desk.alice_engagement,
        "acting_user": user,
        "held_on": days_ago(1),
    }
    fields.update(overrides)
    return review_record(**fields)


# The schedule's rules --------------------------------------------------------------------------


def _settings(**fields) -> MonitoringSettings:
    return MonitoringSettings(**fields)


def _review(held_on, *, due_on=None, next_review_on=None) -> Review:
    return Review(held_on=held_on, due_on=due_on, next_review_on=next_review_on)


FOUR_WEEKLY = Agreement(review_every=4, review_unit="weeks", review_depth="standard")


def test_next_review_from_acceptance_then_from_the_last_review():
    settings = _settings()
    accepted = D(2026, 5, 1)
    assert sel.next_review_date(
        settings=settings, agreement=FOUR_WEEKLY, last_review=None, accepted_on=accepted
    ) == D(2026, 5, 29)
    last = _review(D(2026, 6, 3))
    assert sel.next_review_date(
        settings=settings, agreement=FOUR_WEEKLY, last_review=last, accepted_on=accepted
    ) == D(2026, 7, 1)
    agreed = _review(D(2026, 6, 3), next_review_on=D(2026, 6, 20))
    assert sel.next_review_date(
        settings=settings, agreement=FOUR_WEEKLY, last_review=agreed, accepted_on=accepted
    ) == D(2026, 6, 20)
    monthly = Agreement(review_every=2, review_unit="months", review_depth="light")
    assert sel.next_review_date(
        settings=settings, agreement=monthly, last_review=None, accepted_on=accepted
    ) == D(2026, 6, 30)  # a month counts as 30 days


def test_no_accepted_agreement_means_no_schedule():
    assert (
        sel.next_review_date(
            settings=_settings(), agreement=None, last_review=None, accepted_on=None
        )
        is None
    )
    assert sel.schedule_state(None, 7, D(2026, 5, 1)) == sel.UNSCHEDULED


def test_a_fixed_calendar_gives_its_next_date_after_the_last_review_or_acceptance():
    settings = _settings(
        review_mode=MonitoringSettings.Mode.CALENDAR,
        calendar_starts_on=D(2026, 1, 15),
        calendar_every_months=3,
    )

    def next_due(last=None, accepted=None):
        accepted = accepted or D(2026, 5, 1)
        return sel.next_review_date(
            settings=settings, agreement=FOUR_WEEKLY, last_review=last, accepted_on=accepted
        )

    assert next_due() == D(2026, 7, 15)
    assert next_due(accepted=D(2025, 12, 1)) == D(2026, 1, 15)  # the calendar's first date
    assert next_due(accepted=D(2026, 7, 15)) == D(2026, 10, 15)  # strictly after
    # Held a few days early for the July date: the next is October's, not July's again.
    assert next_due(_review(D(2026, 7, 10), due_on=D(2026, 7, 15))) == D(2026, 10, 15)
    assert next_due(_review(D(2026, 8, 1))) == D(2026, 10, 15)
    assert sel.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert sel.next_calendar_date(D(2026, 1, 31), 1, D(2026, 2, 28)) == D(2026, 3, 31)


@pytest.mark.parametrize(
    ("offset", "state"),
    [(-8, "upcoming"), (-7, "due"), (0, "due"), (7, "due"), (8, "overdue")],
)
def test_the_on_time_window_edges(offset, state):
    due = D(2026, 6, 15)
    assert sel.schedule_state(due, 7, due + dt.timedelta(days=offset)) == state


@pytest.mark.parametrize(
    ("offset", "timeliness"),
    [(-8, "early"), (-7, "on time"), (7, "on time"), (8, "late")],
)
def test_timeliness_of_a_review(offset, timeliness):
    due = D(2026, 6, 15)
    review = Review(due_on=due, held_on=due + dt.timedelta(days=offset))
    assert sel.review_timeliness(review, settings=_settings(on_time_days=7)) == timeliness
    assert sel.review_timeliness(Review(held_on=due), settings=_settings()) == "unscheduled"


def test_review_schedule_of_an_engagement_and_its_programme_window(cast, desk):
    engagement = desk.alice_engagement
    schedule = sel.review_schedule(engagement)
    assert schedule.next_due is None and schedule.state == "unscheduled"
    accept(desk.agreement, 40)
    schedule = sel.review_schedule(engagement)
    assert schedule.next_due == days_ago(12)
    assert (schedule.window_start, schedule.window_end) == (days_ago(19), days_ago(5))
    assert schedule.state == "overdue"
    assert "12 days ago" in schedule.state_text
    settings = settings_for(desk.growth)
    assert settings.pk is None  # reading never writes
    settings.on_time_days = 14
    settings.save()
    assert sel.review_schedule(engagement).state == "due"


def test_reviews_due_lists_the_callers_caseload_overdue_first(
    cast, desk, django_assert_max_num_queries
):
    accept(desk.agreement, 40)  # alice's: due 12 days ago, overdue
    accept(AgreementFactory(engagement=desk.mary_engagement), 25)  # mary's: due in 3 days
    accept(AgreementFactory(engagement=desk.pathways_engagement), 0)  # due in 28 days
    with django_assert_max_num_queries(8):
        mine = sel.reviews_due(cast.alice)
    assert [s.engagement for s in mine] == [desk.alice_engagement]
    assert mine[0].state == "overdue"
    organisation = sel.reviews_due(cast.mary, scope="organisation")
    assert [(s.engagement, s.state) for s in organisation] == [
        (desk.alice_engagement, "overdue"),
        (desk.mary_engagement, "due"),
    ]
    assert sel.reviews_due(cast.mary, scope="organisation", within_days=0)[1].state == "due"
    assert not sel.reviews_due(cast.pat)  # the caseload of provider staff is nobody's own
    # A review held yesterday moves alice's off the list (next due in 27 days).
    record(desk, cast.alice)
    assert sel.reviews_due(cast.alice) == []
    assert sel.reviews_due(cast.alice, within_days=30)[0].state == "upcoming"


# Recording a review ----------------------------------------------------------------------------


def test_a_review_records_progress_and_updates_the_plan(cast, desk):
    accept(desk.agreement, 40)
    plan, goal, action = plan_for(desk.alice_engagement, cast.alice)
    person = PersonFactory(client=desk.acme)
    review = record(
        desk,
        cast.alice,
        staff=[cast.alice],
        client_people=[person],
        client_rating=4,
        adviser_rating=3,
        went_well="Marketing plan drafted.",
        satisfaction=5,
        recommend=9,
        goal_progress=[{"goal": goal, "measured_value": "12500", "note": "Up a quarter."}],
        action_progress=[{"action": action.pk, "status": "in_progress", "progress": 50}],
        concerns=[{"summary": "The workshop was cancelled twice.", "about": "delay"}],
        programme_changes=[{"what_changed": "Fortnightly calls", "why": "More momentum"}],
    )
    assert review.due_on == days_ago(12)  # the schedule before it
    assert review.agreement == desk.agreement
    assert review.depth == "standard"  # as agreed
    assert list(review.staff.all()) == [cast.alice]
    assert list(review.client_people.all()) == [person]
    progress = GoalProgress.objects.get(review=review)
    assert progress.measured_value == decimal.Decimal("12500")
    assert ActionProgress.objects.get(review=review).progress == 50
    action.refresh_from_db()
    assert (action.status, action.progress) == ("in_progress", 50)
    change = PlanChange.objects.filter(plan=plan).order_by("-occurred_at", "-pk").first()
    assert change.reason.startswith("Review of ")
    concern = Concern.objects.get(review=review)
    assert (concern.source, concern.about, concern.raised_on) == ("adviser", "delay", days_ago(1))
    assert ProgrammeChange.objects.get(review=review).effective_from == days_ago(1)
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.next_review_on == days_ago(1) + dt.timedelta(days=28)
    assert DomainEvent.objects.filter(verb="review.recorded").count() == 1
    assert sel.review_timeliness(review) == "late"  # held 11 days after it was due


def test_the_next_review_agreed_at_a_review_leads_the_caseload(cast, desk):
    accept(desk.agreement, 10)
    agreed = TODAY() + dt.timedelta(days=5)
    record(desk, cast.alice, next_review_on=agreed, depth="light")
    assert sel.review_schedule(desk.alice_engagement).next_due == agreed
    row = delivery_selectors.caseload_for(user=cast.alice).get(pk=desk.alice_engagement.pk)
    assert timezone.localtime(row.next_review_due).date() == agreed


def test_a_bad_row_saves_nothing(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    with pytest.raises(ValidationError) as refused:
        record(
            desk,
            cast.alice,
            goal_progress=[{"goal": goal, "measured_value": "1"}],
            action_progress=[{"action": action, "status": "done", "progress": 100}],
            concerns=[
                {"summary": "One", "about": "service"},
                {"summary": "Two", "about": "not-a-choice"},
            ],
        )
    assert "Concern 2" in refused.value.message_dict["concerns"][0]
    assert not Review.objects.exists() and not Concern.objects.exists()
    action.refresh_from_db()
    assert action.status == "not_started"
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.next_review_on is None


def test_blocking_an_action_needs_the_reason_in_its_note(cast, desk):
    accept(desk.agreement, 40)
    plan, _, action = plan_for(desk.alice_engagement, cast.alice)
    with pytest.raises(ValidationError) as refused:
        record(desk, cast.alice, action_progress=[{"action": action, "status": "blocked"}])
    message = refused.value.message_dict["action_progress"][0]
    assert "Write a marketing plan" in message and "blocked" in message
    record(
        desk,
        cast.alice,
        action_progress=[{"action": action, "status": "blocked", "note": "Waiting on a grant."}],
    )
    action.refresh_from_db()
    assert action.status == "blocked"
    change = PlanChange.objects.filter(plan=plan).order_by("-occurred_at", "-pk").first()
    assert change.kind == PlanChange.Kind.REPLANNED and "Waiting on a grant." in change.reason


def test_goals_and_actions_must_be_of_this_engagements_plan(cast, desk):
    accept(desk.agreement, 40)
    _, other_goal, other_action = plan_for(desk.mary_engagement, cast.mary)
    with pytest.raises(ValidationError) as refused:
        record(desk, cast.alice, goal_progress=[{"goal": other_goal, "measured_value": 1}])
    assert (
        "Goal 1 is not a goal of this engagement" in refused.value.message_dict["goal_progress"][0]
    )
    with pytest.raises(ValidationError) as refused:
        record(desk, cast.alice, action_progress=[{"action": other_action, "status": "done"}])
    assert "Action 1" in refused.value.message_dict["action_progress"][0]


def test_when_a_review_can_be_held_and_by_whom(cast, desk):
    accept(desk.agreement, 40)
    with pytest.raises(ValidationError) as future:
        record(desk, cast.alice, held_on=TODAY() + dt.timedelta(days=1))
    assert "held_on" in future.value.message_dict
    with pytest.raises(ValidationError) as early:
        record(desk, cast.alice, held_on=desk.alice_engagement.enquiry_date - dt.timedelta(1))
    assert "enquiry" in early.value.message_dict["held_on"][0]
    with pytest.raises(PermissionDenied):
        record(desk, cast.carl)  # sees the engagement, may not change it
    with pytest.raises(ValidationError) as no_agreement:
        record(desk, cast.mary, engagement=desk.mary_engagement)
    assert "depth" in no_agreement.value.message_dict
    assert not Review.objects.exists()


# Pages -----------------------------------------------------------------------------------------


def self_review(engagement, action):
    return SelfReview.objects.create(
        organisation=engagement.organisation,
        engagement=engagement,
        submitted_at=timezone.now(),
        support_rating=4,
        progress_comment="Going well, slowly.",
        action_updates=[{"action": action.pk, "status": "in_progress", "progress": 30}],
    )


def test_the_record_form_shows_the_plan_and_the_self_review(cast, desk):
    accept(desk.agreement, 40)
    _, _goal, action = plan_for(desk.alice_engagement, cast.alice)
    self_review(desk.alice_engagement, action)
    url = f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/"
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Grow monthly turnover" in body and "baseline 10000 £" in body
    assert "target 15000 £" in body
    assert f'name="action-{action.pk}-progress"' in body
    assert "Going well, slowly." in body and "Write a marketing plan: In progress, 30%" in body
    assert 'name="concern-3-summary"' in body and 'name="change-3-what_changed"' in body
    assert "Overdue" in body


def form_data(goal, action, **overrides):
    data = {
        "held_on": days_ago(1).isoformat(),
        "depth": "standard",
        "client_rating": "4",
        "went_well": "Good progress.",
        f"goal-{goal.pk}-measured_value": "12000",
        f"action-{action.pk}-status": "in_progress",
        f"action-{action.pk}-progress": "40",
        "concern-1-summary": "Slow replies from the bank.",
        "concern-1-about": "other",
        "concern-1-severity": "low",
        "consider_self_review": "on",
    }
    data.update(overrides)
    return data


def test_record_a_review_through_the_form(cast, desk):
    accept(desk.agreement, 40)
    _plan, goal, action = plan_for(desk.alice_engagement, cast.alice)
    submitted = self_review(desk.alice_engagement, action)
    url = f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/"
    response = check_access(
        cast,
        url,
        method="post",
        data=form_data(goal, action),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[
            (Review, "create"),
            (GoalProgress, "create"),
            (ActionProgress, "create"),
            (Action, "update"),
            (PlanChange, "create"),
            (Concern, "create"),
            (Engagement, "update"),
        ],
    )
    review = Review.objects.get()
    assert response["Location"] == review.get_absolute_url()
    assert review.self_review == submitted and review.client_rating == 4
    assert review.concerns.get().summary == "Slow replies from the bank."
    assert not review.programme_changes.exists()  # blank rows do not count
    # The self-review has been considered: it is not offered again.
    assert latest_unconsidered(desk.alice_engagement) is None


def test_the_form_names_the_bad_row_and_saves_nothing(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    url = f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/"
    data = form_data(goal, action, **{f"action-{action.pk}-status": "dropped"})
    data["concern-2-summary"] = "No about given."
    response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert any(e.startswith("Concern 2, about:") for e in errors), errors
    assert not Review.objects.exists()
    data.pop("concern-2-summary")
    response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    assert any("Write a marketing plan" in e and "dropped" in e for e in response.context["errors"])
    assert not Review.objects.exists()


def test_a_closed_engagement_offers_no_review_form(cast, desk):
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason="completed"
    )
    url = f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/"
    response = request_as(cast.alice, url)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/engagements/{desk.alice_engagement.pk}/"
    )


def test_the_review_page_and_the_engagements_reviews(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    review = record(
        desk,
        cast.alice,
        learnt="Cash flow matters.",
        goal_progress=[{"goal": goal, "measured_value": "12500"}],
        action_progress=[{"action": action, "status": "done"}],
    )
    response = check_access(
        cast,
        f"/monitoring/reviews/{review.pk}/",
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.content.decode()
    assert "Cash flow matters." in body and "12500 £" in body and "held late" in body
    assert "Done" in body and "100%" in body
    response = check_access(
        cast,
        f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/",
        allowed=cast.carl,  # the commissioner sees, read-only
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.content.decode()
    assert "Late" in body and "Record a review" not in body
    assert (
        "Record a review" in request_as(cast.alice, response.request["PATH_INFO"]).content.decode()
    )


def test_the_engagement_page_shows_the_reviews_section(cast, desk):
    accept(desk.agreement, 40)
    body = request_as(cast.alice, desk.alice_engagement.get_absolute_url()).content.decode()
    assert 'id="engagement-reviews"' in body
    assert "Overdue: was due on" in body and "None yet" in body
    assert f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/" in body
    carl_body = request_as(cast.carl, desk.alice_engagement.get_absolute_url()).content.decode()
    assert f"/monitoring/engagements/{desk.alice_engagement.pk}/reviews/new/" not in carl_body


def test_the_due_list_for_advisers_and_managers(cast, desk):
    accept(desk.agreement, 40)
    accept(AgreementFactory(engagement=desk.mary_engagement), 25)
    url = "/monitoring/reviews/due/"
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    rows = [row.record for row in response.context["table"].rows]
    assert [s.engagement for s in rows] == [desk.alice_engagement]
    assert 'name="view"' not in response.content.decode()  # an adviser sees their own only
    response = request_as(cast.mary, url + "?view=organisation")
    rows = [row.record for row in response.context["table"].rows]
    assert [s.engagement for s in rows] == [desk.alice_engagement, desk.mary_engagement]
    assert "Overdue: was due on" in response.content.decode()
    response = request_as(cast.mary, url + "?view=organisation&state=due")
    assert [row.record.engagement for row in response.context["table"].rows] == [
        desk.mary_engagement
    ]
    own = request_as(cast.mary, url).context["table"].rows  # mary's own by default
    assert [row.record.engagement for row in own] == [desk.mary_engagement]


def test_nav_and_home_attention_count_the_users_own_reviews(cast, desk):
    assert any(item.label == "Reviews due" for item in nav_links_for(cast.alice))
    assert not any(item.label == "Reviews due" for item in nav_links_for(cast.oscar))
    accept(desk.agreement, 40)
    accept(AgreementFactory(engagement=desk.mary_engagement), 25)
    titles = {item.title: item.level for item in attention_for(cast.alice)}
    assert titles.get("1 review overdue") == "warning"
    assert not any("due this week" in title for title in titles)
    titles = {item.title: item.level for item in attention_for(cast.mary)}
    assert titles.get("1 review due this week") == "info"
    assert not any("overdue" in title and "review" in title for title in titles)


# API -------------------------------------------------------------------------------------------

REVIEWS = "/api/v1/reviews/"


def test_api_lists_and_filters_reviews(cast, desk):
    accept(desk.agreement, 40)
    old = record(desk, cast.alice, held_on=days_ago(20))
    new = record(desk, cast.alice, held_on=days_ago(2))
    response = check_access(
        cast, REVIEWS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [row["id"] for row in response.json()["results"]] == [new.pk, old.pk]
    since = request_as(cast.alice, f"{REVIEWS}?from={days_ago(10)}", api=True).json()
    assert [row["id"] for row in since["results"]] == [new.pk]
    until = request_as(cast.alice, f"{REVIEWS}?to={days_ago(10)}", api=True).json()
    assert [row["id"] for row in until["results"]] == [old.pk]
    of = request_as(cast.mary, f"{REVIEWS}?engagement={desk.alice_engagement.pk}", api=True)
    assert of.json()["count"] == 2
    assert request_as(cast.pat, REVIEWS, api=True).json()["count"] == 0


def test_api_retrieves_a_review_with_its_progress(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    review = record(
        desk,
        cast.alice,
        goal_progress=[{"goal": goal, "measured_value": "12500"}],
        action_progress=[{"action": action, "status": "in_progress", "progress": 20}],
    )
    response = check_access(
        cast,
        f"{REVIEWS}{review.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["timeliness"] == "late"
    assert body["goal_progress"][0]["measured_value"] == "12500.00"
    assert body["goal_progress"][0]["target_value"] == "15000.00"
    assert body["action_progress"][0]["progress"] == 20


def test_api_records_a_review(cast, desk):
    accept(desk.agreement, 40)
    _, goal, action = plan_for(desk.alice_engagement, cast.alice)
    data = {
        "engagement": desk.alice_engagement.pk,
        "held_on": days_ago(1).isoformat(),
        "satisfaction": 4,
        "goal_progress": [{"goal": goal.pk, "measured_value": "11000"}],
        "action_progress": [{"action": action.pk, "status": "in_progress", "progress": 10}],
        "programme_changes": [{"what_changed": "Add a mentor", "why": "Asked for one"}],
    }
    response = check_access(
        cast,
        REVIEWS,
        method="post",
        api=True,
        data=data,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
        expect=201,
        audited=[
            (Review, "create"),
            (GoalProgress, "create"),
            (ActionProgress, "create"),
            (Action, "update"),
            (PlanChange, "create"),
            (ProgrammeChange, "create"),
            (Engagement, "update"),
        ],
    )
    body = response.json()
    assert body["depth"] == "standard" and body["due_on"] == days_ago(12).isoformat()
    assert len(body["programme_changes"]) == 1
    theirs = request_as(cast.pat, REVIEWS, method="post", api=True, data=data)
    assert theirs.status_code == 403  # pat may add no engagement records
    blocked = dict(
        data, action_progress=[{"action": action.pk, "status": "blocked", "progress": 0}]
    )
    refused = request_as(cast.alice, REVIEWS, method="post", api=True, data=blocked)
    assert refused.status_code == 400
    assert "action_progress" in refused.json()["errors"]
    assert Review.objects.count() == 1


def test_api_lists_the_callers_reviews_due(cast, desk):
    accept(desk.agreement, 40)
    accept(AgreementFactory(engagement=desk.mary_engagement), 25)
    url = f"{REVIEWS}due/"
    response = check_access(
        cast, url, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = response.json()["results"]
    assert [(r["engagement"], r["state"]) for r in rows] == [(desk.alice_engagement.pk, "overdue")]
    assert rows[0]["next_due"] == days_ago(12).isoformat()
    assert rows[0]["window_end"] == days_ago(5).isoformat() and rows[0]["last_review"] is None
    organisation = request_as(cast.mary, url + "?scope=organisation", api=True).json()
    assert [r["state"] for r in organisation["results"]] == ["overdue", "due"]
    bad = request_as(cast.mary, url + "?scope=everyone", api=True)
    assert bad.status_code == 400 and "scope" in bad.json()["errors"]
