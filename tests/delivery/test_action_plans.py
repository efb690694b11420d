"""Action plans (001 E5.08 3.1, 3.2): SMART goals, re-planning with a reason, the plan as it
stood on any date, the client's signed link, and every page and endpoint through
``check_access``."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.api.helpers import results
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery import selectors
from waypoint.delivery.models import Action, ActionPlan, Engagement, Goal, PlanChange
from waypoint.delivery.services import action_plans as services
from waypoint.delivery.signing import LinkExpired, LinkInvalid, plan_token, read_plan_token

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
PLANS = "/api/v1/action-plans/"


def smart(**overrides):
    fields = {
        "statement": "Grow monthly turnover",
        "measure": "monthly turnover",
        "baseline": Decimal("8000"),
        "target_value": Decimal("12000"),
        "unit": "£",
        "deadline": TODAY() + dt.timedelta(days=180),
        "realistic_because": "Two new trade customers are already talking to the client.",
        "priority": Goal.Priority.HIGH,
        "horizon": Goal.Horizon.MEDIUM,
    }
    fields.update(overrides)
    return fields


def plan_with_goal(desk, user):
    plan = services.plan_start(engagement=desk.alice_engagement, title="Growth", acting_user=user)
    goal = services.goal_add(plan=plan, acting_user=user, **smart())
    return plan, goal


def add_action(goal, user, **overrides):
    fields = {
        "description": "Price up the trade range",
        "owner_kind": Action.OwnerKind.CLIENT,
        "due_on": TODAY() + dt.timedelta(days=30),
        "resources": "Supplier price lists, from the buyer",
        "risks": "Suppliers slow to reply",
        "contingency": "Use last year's prices plus 5%",
    }
    fields.update(overrides)
    return services.action_add(goal=goal, acting_user=user, **fields)


# The rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "field", "words"),
    [
        ({"deadline": None}, "deadline", "A SMART goal needs a deadline."),
        ({"target_value": None}, "target_value", "target value"),
        ({"measure": ""}, "measure", "measure"),
        ({"unit": ""}, "unit", "unit"),
    ],
)
def test_a_goal_that_is_not_smart_is_refused_naming_the_field(cast, desk, missing, field, words):
    plan = services.plan_start(
        engagement=desk.alice_engagement, title="Growth", acting_user=cast.alice
    )
    with pytest.raises(ValidationError) as refused:
        services.goal_add(plan=plan, acting_user=cast.alice, **smart(**missing))
    assert words in refused.value.message_dict[field][0]
    assert not plan.goals.exists()


def test_one_plan_per_engagement_and_not_on_a_closed_engagement(cast, desk):
    plan_with_goal(desk, cast.alice)
    with pytest.raises(ValidationError):
        services.plan_start(engagement=desk.alice_engagement, title="Again", acting_user=cast.alice)
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason=Engagement.EndReason.COMPLETED
    )
    goal = Goal.objects.get()
    with pytest.raises(ValidationError, match="closed"):
        services.goal_update(goal=goal, acting_user=cast.alice, statement="Changed")


def test_only_those_who_may_change_the_engagement_change_its_plan(cast, desk):
    with pytest.raises(PermissionDenied):
        services.plan_start(engagement=desk.alice_engagement, title="X", acting_user=cast.carl)
    with pytest.raises(PermissionDenied):
        services.plan_start(engagement=desk.mary_engagement, title="X", acting_user=cast.alice)


def test_an_action_owned_by_someone_else_names_them(cast, desk):
    _, goal = plan_with_goal(desk, cast.alice)
    with pytest.raises(ValidationError) as refused:
        add_action(goal, cast.alice, owner_kind=Action.OwnerKind.OTHER, owner_name="")
    assert "owner_name" in refused.value.message_dict


@pytest.mark.parametrize(
    "change",
    [
        {"due_on": TODAY() + dt.timedelta(days=60)},
        {"status": Action.Status.BLOCKED},
        {"status": Action.Status.DROPPED},
    ],
)
def test_replanning_an_action_needs_a_reason(cast, desk, change):
    _, goal = plan_with_goal(desk, cast.alice)
    action = add_action(goal, cast.alice)
    with pytest.raises(ValidationError) as refused:
        services.action_update(action=action, reason=" ", acting_user=cast.alice, **change)
    assert "reason" in refused.value.message_dict
    services.action_update(
        action=action, reason="The supplier went quiet.", acting_user=cast.alice, **change
    )
    latest = PlanChange.objects.order_by("-pk").first()
    assert latest.kind == PlanChange.Kind.REPLANNED and latest.reason == "The supplier went quiet."


def test_progress_needs_no_reason(cast, desk):
    _, goal = plan_with_goal(desk, cast.alice)
    action = add_action(goal, cast.alice)
    services.action_update(
        action=action, acting_user=cast.alice, status=Action.Status.IN_PROGRESS, progress=40
    )
    assert PlanChange.objects.order_by("-pk").first().kind == PlanChange.Kind.ACTION_CHANGED


def test_every_change_keeps_a_snapshot_and_the_plan_as_it_stood(cast, desk):
    plan, goal = plan_with_goal(desk, cast.alice)
    first_due = TODAY() + dt.timedelta(days=30)
    action = add_action(goal, cast.alice, due_on=first_due)
    before = timezone.now()
    later_due = TODAY() + dt.timedelta(days=90)
    services.action_update(
        action=action, reason="Waiting for prices.", acting_user=cast.alice, due_on=later_due
    )
    changes = list(plan.changes.order_by("pk"))
    assert [c.kind for c in changes] == ["started", "goal_added", "action_added", "replanned"]
    assert changes[-1].snapshot["goals"][0]["actions"][0]["due_on"] == later_due.isoformat()
    assert changes[-1].target_type == "action" and changes[-1].target_id == action.pk
    then = selectors.plan_as_on(plan=plan, moment=before)
    assert then["goals"][0]["actions"][0]["due_on"] == first_due.isoformat()
    assert then["goals"][0]["target_value"] == "12000.00" and then["goals"][0]["unit"] == "£"
    now = selectors.plan_as_on(plan=plan, moment=timezone.now())
    assert now["goals"][0]["actions"][0]["due_on"] == later_due.isoformat()
    # By date: move the earlier changes back a week; the plan on that day had no re-planning.
    PlanChange.objects.filter(pk__in=[c.pk for c in changes[:3]]).update(
        occurred_at=timezone.now() - dt.timedelta(days=7)
    )
    last_week = selectors.plan_as_on(plan=plan, moment=TODAY() - dt.timedelta(days=7))
    assert last_week["goals"][0]["actions"][0]["due_on"] == first_due.isoformat()
    assert selectors.plan_as_on(plan=plan, moment=TODAY() - dt.timedelta(days=30)) is None
    assert DomainEvent.objects.filter(verb="action_plan.replanned").count() == 1


def test_selectors_follow_the_engagement(cast, desk):
    plan, _ = plan_with_goal(desk, cast.alice)
    assert selectors.plan_for(user=cast.alice, engagement=desk.alice_engagement) == plan
    assert selectors.plan_for(user=cast.pat, engagement=desk.alice_engagement) is None
    assert list(selectors.plans_for(user=cast.carl)) == [plan]


# The client's link -----------------------------------------------------------------------------


def test_the_signed_link_shows_the_plan_without_an_account(cast, desk):
    plan, goal = plan_with_goal(desk, cast.alice)
    add_action(goal, cast.alice)
    response = Client().get(reverse("delivery:plan-signed", args=[plan_token(plan)]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grow monthly turnover" in body and "Price up the trade range" in body
    assert "Change goal" not in body
    assert read_plan_token(plan_token(plan)) == plan.pk


def test_an_expired_plan_link_answers_410(cast, desk, settings):
    plan, _ = plan_with_goal(desk, cast.alice)
    long_ago = time.time() - 31 * 86400
    with mock.patch.object(signing.time, "time", return_value=long_ago):
        token = plan_token(plan)
    with pytest.raises(LinkExpired):
        read_plan_token(token)
    url = reverse("delivery:plan-signed", args=[token])
    response = Client().get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode() and "Growth" not in response.content.decode()
    settings.WAYPOINT_PLAN_LINK_DAYS = 60
    assert Client().get(url).status_code == 200


def test_a_bad_plan_link_answers_404(cast, desk):
    plan, _ = plan_with_goal(desk, cast.alice)
    with pytest.raises(LinkInvalid):
        read_plan_token("nonsense")
    assert Client().get("/delivery/plan/nonsense/").status_code == 404
    # An agreement's token is not a plan's token (another salt).
    forged = signing.TimestampSigner(salt="waypoint.agreement").sign(str(plan.pk))
    assert Client().get(reverse("delivery:plan-signed", args=[forged])).status_code == 404


# Pages -----------------------------------------------------------------------------------------


def test_the_engagement_page_offers_to_start_then_summarises(cast, desk):
    url = desk.alice_engagement.get_absolute_url()
    assert "Start an action plan" in request_as(cast.alice, url).content.decode()
    _, goal = plan_with_goal(desk, cast.alice)
    add_action(goal, cast.alice)
    body = request_as(cast.alice, url).content.decode()
    assert "1 goal, 0 of 1 action done" in body


def test_start_a_plan(cast, desk):
    url = reverse("delivery:plan-start", args=[desk.alice_engagement.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={"title": "Growth plan"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ActionPlan, "create"), (PlanChange, "create")],
    )
    assert desk.alice_engagement.action_plan.title == "Growth plan"


def test_the_plan_page_with_history_and_an_earlier_date(cast, desk):
    plan, goal = plan_with_goal(desk, cast.alice)
    action = add_action(goal, cast.alice)
    services.action_update(
        action=action, reason="Supplier on holiday.", acting_user=cast.alice, status="blocked"
    )
    url = reverse("delivery:plan-detail", args=[plan.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Grow monthly turnover" in body and "Blocked" in body
    assert "Supplier on holiday." in body and "Copy client link" in body
    assert "8000 → 12000 £" in body
    carl_body = request_as(cast.carl, url).content.decode()
    assert "Copy client link" not in carl_body and "Change goal" not in carl_body
    old = request_as(cast.alice, f"{url}?as_on={(TODAY() - dt.timedelta(days=3)).isoformat()}")
    assert "had not been started" in old.content.decode()
    today = request_as(cast.alice, f"{url}?as_on={TODAY().isoformat()}").content.decode()
    assert "As it stood at the end of" in today


def test_the_printable_plan(cast, desk):
    plan, _ = plan_with_goal(desk, cast.alice)
    url = reverse("delivery:plan-print", args=[plan.pk])
    response = check_access(
        cast, url, allowed=cast.carl, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert "Grow monthly turnover" in response.content.decode()


def goal_form(**overrides):
    data = {
        "statement": "Take on two apprentices",
        "measure": "apprentices employed",
        "baseline": "0",
        "target_value": "2",
        "unit": "jobs",
        "deadline": (TODAY() + dt.timedelta(days=365)).isoformat(),
        "realistic_because": "The college has applicants.",
        "priority": "medium",
        "horizon": "long",
    }
    data.update(overrides)
    return data


def test_add_a_goal(cast, desk):
    plan = services.plan_start(
        engagement=desk.alice_engagement, title="Growth", acting_user=cast.alice
    )
    url = reverse("delivery:goal-create", args=[plan.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data=goal_form(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Goal, "create"), (PlanChange, "create")],
    )
    assert plan.goals.get().unit == "jobs"
    refused = request_as(cast.alice, url, method="post", data=goal_form(deadline=""))
    assert refused.status_code == 200
    assert "A SMART goal needs a deadline." in refused.content.decode()


def test_change_a_goal(cast, desk):
    _, goal = plan_with_goal(desk, cast.alice)
    url = reverse("delivery:goal-edit", args=[goal.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    moved = goal_form(deadline=(TODAY() + dt.timedelta(days=400)).isoformat(), status="open")
    refused = request_as(cast.alice, url, method="post", data={**moved, "reason": ""})
    assert refused.status_code == 200 and "re-planning" in refused.content.decode()
    check_access(
        cast,
        url,
        method="post",
        data={**moved, "reason": "The college intake is in September."},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Goal, "update"), (PlanChange, "create")],
    )
    goal.refresh_from_db()
    assert goal.statement == "Take on two apprentices"


def action_form(**overrides):
    data = {
        "description": "Call the college",
        "owner_kind": "other",
        "owner_name": "Sam at the college",
        "due_on": (TODAY() + dt.timedelta(days=14)).isoformat(),
        "resources": "",
        "risks": "",
        "contingency": "",
    }
    data.update(overrides)
    return data


def test_add_and_change_an_action(cast, desk):
    _, goal = plan_with_goal(desk, cast.alice)
    url = reverse("delivery:action-create", args=[goal.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data=action_form(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Action, "create"), (PlanChange, "create")],
    )
    action = goal.actions.get()
    assert action.owner_display == "Sam at the college"
    edit = reverse("delivery:action-edit", args=[action.pk])
    check_access(cast, edit, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    blocked = action_form(status="blocked", progress="20", reason="")
    refused = request_as(cast.alice, edit, method="post", data=blocked)
    assert refused.status_code == 200 and "re-planning" in refused.content.decode()
    check_access(
        cast,
        edit,
        method="post",
        data={**blocked, "reason": "The college is closed for the summer."},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Action, "update"), (PlanChange, "create")],
    )
    action.refresh_from_db()
    assert action.status == "blocked" and action.progress == 20


# API -------------------------------------------------------------------------------------------


def test_api_lists_and_retrieves_plans_with_goals_and_actions(cast, desk):
    plan, goal = plan_with_goal(desk, cast.alice)
    add_action(goal, cast.alice)
    response = check_access(
        cast, PLANS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = results(response)
    assert [row["id"] for row in rows] == [plan.pk]
    assert rows[0]["goals"][0]["actions"][0]["description"] == "Price up the trade range"
    assert not results(request_as(cast.pat, PLANS, api=True))
    query = f"{PLANS}?engagement={desk.mary_engagement.pk}"
    assert not results(request_as(cast.mary, query, api=True))
    response = check_access(
        cast,
        f"{PLANS}{plan.pk}/",
        api=True,
        allowed=cast.carl,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert response.json()["goals"][0]["unit"] == "£"


def test_api_starts_a_plan(cast, desk):
    response = check_access(
        cast,
        PLANS,
        method="post",
        api=True,
        data={"engagement": desk.alice_engagement.pk, "title": "Growth"},
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
        expect=201,
        audited=[(ActionPlan, "create"), (PlanChange, "create")],
    )
    assert response.json()["title"] == "Growth"
    again = request_as(
        cast.alice,
        PLANS,
        method="post",
        api=True,
        data={"engagement": desk.alice_engagement.pk, "title": "Again"},
    )
    assert again.status_code == 400
    theirs = request_as(
        cast.pat,
        PLANS,
        method="post",
        api=True,
        data={"engagement": desk.alice_engagement.pk, "title": "X"},
    )
    assert theirs.status_code == 403  # pat may add no engagement records


def test_api_adds_goals_and_actions(cast, desk):
    plan = services.plan_start(
        engagement=desk.alice_engagement, title="Growth", acting_user=cast.alice
    )
    url = f"{PLANS}{plan.pk}/goals/"
    goal = {
        "statement": "Take on two apprentices",
        "measure": "apprentices employed",
        "target_value": "2",
        "unit": "jobs",
        "deadline": (TODAY() + dt.timedelta(days=300)).isoformat(),
    }
    refused = request_as(cast.alice, url, method="post", api=True, data={**goal, "deadline": None})
    assert refused.status_code == 400 and "deadline" in refused.content.decode()
    response = check_access(
        cast,
        url,
        method="post",
        api=True,
        data=goal,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=201,
        audited=[(Goal, "create"), (PlanChange, "create")],
    )
    goal_id = response.json()["goals"][0]["id"]
    action = {
        "goal": goal_id,
        "description": "Call the college",
        "owner_kind": "adviser",
        "due_on": (TODAY() + dt.timedelta(days=10)).isoformat(),
    }
    response = check_access(
        cast,
        f"{PLANS}{plan.pk}/actions/",
        method="post",
        api=True,
        data=action,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=201,
        audited=[(Action, "create"), (PlanChange, "create")],
    )
    assert response.json()["goals"][0]["actions"][0]["description"] == "Call the college"
    other = request_as(
        cast.alice,
        f"{PLANS}{plan.pk}/actions/",
        method="post",
        api=True,
        data={**action, "goal": 99999},
    )
    assert other.status_code == 400


def test_api_replans_an_action_with_a_reason_and_changes_a_goal(cast, desk):
    plan, goal = plan_with_goal(desk, cast.alice)
    action = add_action(goal, cast.alice)
    url = f"{PLANS}{plan.pk}/actions/{action.pk}/"
    later = (action.due_on + dt.timedelta(days=14)).isoformat()
    refused = request_as(cast.alice, url, method="patch", api=True, data={"due_on": later})
    assert refused.status_code == 400
    assert "re-planning" in refused.json()["errors"]["reason"][0]
    action.refresh_from_db()
    assert action.due_on != dt.date.fromisoformat(later)  # nothing half-written
    response = check_access(
        cast,
        url,
        method="patch",
        api=True,
        data={"due_on": later, "reason": "The supplier is on holiday."},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Action, "update"), (PlanChange, "create")],
    )
    assert response.json()["goals"][0]["actions"][0]["due_on"] == later
    change = plan.changes.order_by("-pk").first()
    assert change.kind == PlanChange.Kind.REPLANNED
    assert change.reason == "The supplier is on holiday."
    response = request_as(
        cast.alice,
        f"{PLANS}{plan.pk}/goals/{goal.pk}/",
        method="patch",
        api=True,
        data={"status": "achieved"},
    )
    assert response.status_code == 200
    assert response.json()["goals"][0]["status"] == "achieved"
    other_plan = services.plan_start(
        engagement=desk.mary_engagement, title="Other", acting_user=cast.mary
    )
    stray = request_as(
        cast.mary,
        f"{PLANS}{other_plan.pk}/actions/{action.pk}/",
        method="patch",
        api=True,
        data={"progress": 50},
    )
    assert stray.status_code == 404  # an action of another plan


def test_the_plan_history_is_open_to_auditors(cast, desk):
    plan, _ = plan_with_goal(desk, cast.alice)
    body = request_as(cast.mary, plan.get_absolute_url()).content.decode()
    audit = reverse("core:audit-history", args=["delivery", "actionplan", plan.pk])
    assert audit in body
    assert request_as(cast.mary, audit).status_code == 200


# Demo data -------------------------------------------------------------------------------------


def test_the_demo_has_plans_just_started_under_way_and_replanned() -> None:
    import io

    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
    plans = ActionPlan.objects.filter(engagement__status="active")
    assert plans.count() == 12
    # Finished engagements keep theirs (their goals count in the years they ended).
    assert ActionPlan.objects.filter(engagement__status="closed").exists()
    assert Action.objects.filter(status=Action.Status.DONE).exists()
    replanned = PlanChange.objects.filter(kind=PlanChange.Kind.REPLANNED)
    assert replanned.count() == 4 and all(change.reason for change in replanned)
    for goal in Goal.objects.all():
        goal.full_clean()
    for action in Action.objects.all():
        action.full_clean()
    change = replanned.first()
    earlier = selectors.plan_as_on(
        plan=change.plan, moment=change.occurred_at.date() - dt.timedelta(days=1)
    )
    assert earlier is not None and earlier != change.snapshot
    _the_demo_has_diagnostics_and_mentoring()
    _the_demo_has_monitoring()


def _the_demo_has_diagnostics_and_mentoring() -> None:
    """Checked in the same (slow) demo run: issue 4's diagnostics and mentoring."""
    from waypoint.core.models import User
    from waypoint.delivery.models import (
        AdviceReview,
        Diagnostic,
        Finding,
        Interaction,
        MentoringSession,
    )
    from waypoint.delivery.selectors_diagnostics import changes_from_previous

    completed = Diagnostic.objects.filter(status=Diagnostic.Status.COMPLETED)
    kinds = set(completed.values_list("template__kind", flat=True))
    assert kinds == {
        "health_check", "swot", "pestle", "five_forces", "financial_ratios", "readiness",
        "barriers", "learning",
    }  # fmt: skip
    assert Diagnostic.objects.filter(status=Diagnostic.Status.DRAFT).count() == 1
    admin = User.objects.get(username="admin")
    latest = completed.filter(template__key="business-health-check").order_by("-completed_on")[0]
    previous, changes = changes_from_previous(diagnostic=latest, user=admin)
    assert previous is not None and changes
    assert Finding.objects.filter(goal__isnull=False).count() == 4
    sessions = MentoringSession.objects.all()
    assert sessions.exists() and {s.client_lead for s in sessions} >= {1, 5}
    flagged = Interaction.objects.filter(advice_in_mentoring=True).count()
    assert 0 < AdviceReview.objects.count() < flagged  # some left for the manager


def _the_demo_has_monitoring() -> None:
    """Issue 5's demo: reviews on time, late and missed; concerns at every stage, one referred
    to the commissioner; a client near the support limit."""
    from waypoint.core.models import User
    from waypoint.monitoring.models import Concern, Review, SelfReview
    from waypoint.monitoring.selectors_reviews import review_timeliness, reviews_due
    from waypoint.monitoring.selectors_subsidy import clients_near_limit

    timeliness = {review_timeliness(review) for review in Review.objects.all()[:400]}
    assert {"on time", "late"} <= timeliness
    mary = User.objects.get(username="mary.shaw")
    states = {schedule.state for schedule in reviews_due(mary, scope="organisation")}
    assert "overdue" in states  # missed reviews
    assert set(Concern.objects.values_list("status", flat=True)) == set(Concern.Status.values)
    referred = Concern.objects.get(status=Concern.Status.REFERRED)
    assert referred.referred_to_organisation == referred.programme.organisation
    assert SelfReview.objects.exists()
    assert clients_near_limit(mary)
