"""The client's self-review (000 reqs 3, 5): the link's life (made, emailed, revoked, expired),
what a submission may say, the concern it raises under the system account, the client's pages
without an account (bad, expired and revoked links, rate limits, nothing of another client),
and the adviser's pages and the API through ``check_access``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.api.helpers import results
from tests.permissions import audit_entries_for, check_access, request_as
from waypoint.core.audit import SYSTEM_USERNAME
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import Action, Goal
from waypoint.delivery.services import action_plans as plans
from waypoint.monitoring import selectors_self_reviews as selectors
from waypoint.monitoring.models import Concern, Review, SelfReview, SelfReviewLink
from waypoint.monitoring.services import self_reviews as services

pytestmark = pytest.mark.django_db
API = "/api/v1/self-reviews/"
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def plan_for(engagement, user, *, goal="Grow monthly turnover", actions=("Price up the range",)):
    plan = plans.plan_start(engagement=engagement, title="Growth plan", acting_user=user)
    made_goal = plans.goal_add(
        plan=plan,
        acting_user=user,
        statement=goal,
        measure="monthly turnover",
        baseline=Decimal("8000"),
        target_value=Decimal("12000"),
        unit="£",
        deadline=TODAY() + dt.timedelta(days=180),
        realistic_because="Two trade customers are interested.",
        priority=Goal.Priority.HIGH,
        horizon=Goal.Horizon.MEDIUM,
    )
    made = [
        plans.action_add(
            goal=made_goal,
            acting_user=user,
            description=description,
            owner_kind=Action.OwnerKind.CLIENT,
            due_on=TODAY() + dt.timedelta(days=30),
            resources="",
            risks="",
            contingency="",
        )
        for description in actions
    ]
    return plan, made


@pytest.fixture
def planned(cast, desk):
    """alice's engagement with a plan of two actions, and a link to review it."""
    _, actions = plan_for(
        desk.alice_engagement, cast.alice, actions=("Price up the range", "Call three buyers")
    )
    link, token = services.link_create(engagement=desk.alice_engagement, acting_user=cast.alice)
    return actions, link, token


def update(action, **overrides):
    row = {"action_id": action.pk, "status": "in_progress", "progress": 40, "note": ""}
    row.update(overrides)
    return row


def signed(token):
    return reverse("monitoring:self-review-signed", args=[token])


def form_data(actions, **overrides):
    data = {}
    for action in actions:
        data[f"status_{action.pk}"] = "in_progress"
        data[f"progress_{action.pk}"] = "50"
        data[f"note_{action.pk}"] = "Going fine."
    data.update(
        {
            "progress_comment": "Busy month but on track.",
            "support_rating": "4",
            "concern": "",
            "improvements": "Evening sessions, please.",
            "submitted_by_name": "Ann Acme",
        }
    )
    data.update(overrides)
    return data


# The link's life -------------------------------------------------------------------------------


def test_a_link_is_made_for_an_open_engagement_with_a_plan(cast, desk):
    with pytest.raises(ValidationError, match="no action plan"):
        services.link_create(engagement=desk.alice_engagement, acting_user=cast.alice)
    plan_for(desk.alice_engagement, cast.alice)
    with pytest.raises(PermissionDenied):
        services.link_create(engagement=desk.alice_engagement, acting_user=cast.carl)
    with pytest.raises(ValidationError) as error:
        services.link_create(engagement=desk.alice_engagement, acting_user=cast.alice, days=0)
    assert "days" in error.value.message_dict
    link, token = services.link_create(
        engagement=desk.alice_engagement, acting_user=cast.alice, days=14
    )
    assert services.read_token(token) == link.pk
    assert services.link_state(link) == "active"
    assert dt.timedelta(days=13) < link.expires_at - timezone.now() <= dt.timedelta(days=14)
    assert str(link.pk) in token and desk.acme.name not in token
    assert DomainEvent.objects.filter(verb="self_review_link.created", object_id=link.pk).exists()


def test_no_link_for_a_closed_engagement(cast, desk):
    plan_for(desk.alice_engagement, cast.alice)
    desk.alice_engagement.status = "closed"
    desk.alice_engagement.end_reason = "completed"
    desk.alice_engagement.save()
    with pytest.raises(ValidationError, match="closed"):
        services.link_create(engagement=desk.alice_engagement, acting_user=cast.alice)


def test_an_emailed_link_is_sent_after_the_commit(cast, desk, django_capture_on_commit_callbacks):
    plan_for(desk.alice_engagement, cast.alice)
    with pytest.raises(ValidationError) as error:
        services.link_create(
            engagement=desk.alice_engagement, acting_user=cast.alice, send_to="not an address"
        )
    assert "send_to" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        link, token = services.link_create(
            engagement=desk.alice_engagement,
            acting_user=cast.alice,
            send_to="ann@acme.example",
            base_url="https://waypoint.example/",
        )
    assert not mail.outbox and len(callbacks) == 1
    callbacks[0]()
    assert link.sent_to == "ann@acme.example"
    (message,) = mail.outbox
    assert message.to == ["ann@acme.example"]
    assert f"https://waypoint.example{signed(token)}" in message.body


def test_a_revoked_link_stops_working(cast, desk, planned):
    actions, link, _ = planned
    with pytest.raises(PermissionDenied):
        services.link_revoke(link=link, acting_user=cast.carl)
    services.link_revoke(link=link, acting_user=cast.alice)
    assert services.link_state(link) == "revoked"
    with pytest.raises(ValidationError, match="already revoked"):
        services.link_revoke(link=link, acting_user=cast.alice)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.self_review_submit(link=link, action_updates=[update(actions[0])])
    assert not SelfReview.objects.exists()


def test_an_expired_link_takes_no_submission(cast, desk, planned):
    actions, link, _ = planned
    SelfReviewLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    link.refresh_from_db()
    assert services.link_state(link) == "expired"
    with pytest.raises(ValidationError, match="expired"):
        services.self_review_submit(link=link, action_updates=[update(actions[0])])


def test_tokens_are_signed_with_their_own_salt(cast, desk, planned):
    _, link, token = planned
    with pytest.raises(services.LinkInvalid):
        services.read_token(token + "x")
    with pytest.raises(services.LinkInvalid):
        services.read_token(signing.Signer(salt="waypoint.action_plan").sign(str(link.pk)))


# Submitting ------------------------------------------------------------------------------------


def test_a_submission_is_kept_without_changing_the_plan(cast, desk, planned):
    actions, link, _ = planned
    self_review = services.self_review_submit(
        link=link,
        action_updates=[update(actions[0], status="done", progress=100, note="Finished")],
        support_rating=5,
        progress_comment="Good month.",
        improvements="More evening slots.",
        submitted_by_name="  Ann Acme ",
    )
    assert self_review.engagement == desk.alice_engagement
    assert self_review.action_updates == [
        {"action": actions[0].pk, "status": "done", "progress": 100, "note": "Finished"}
    ]
    assert self_review.submitted_by_name == "Ann Acme" and self_review.support_rating == 5
    actions[0].refresh_from_db()
    assert actions[0].status == Action.Status.NOT_STARTED and actions[0].progress == 0
    link.refresh_from_db()
    assert link.last_used_at is not None
    assert selectors.latest_unconsidered(desk.alice_engagement) == self_review
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"status": "blocked"}, "not started, in progress or done"),
        ({"status": "dropped"}, "not started, in progress or done"),
        ({"progress": 101}, "from 0 to 100"),
        ({"progress": None}, "from 0 to 100"),
        ({"action_id": 999999}, "Row 2: that action is not part of this plan"),
    ],
)
def test_a_bad_row_is_refused_naming_it(cast, desk, planned, row, words):
    actions, link, _ = planned
    with pytest.raises(ValidationError) as error:
        services.self_review_submit(
            link=link, action_updates=[update(actions[0]), update(actions[1], **row)]
        )
    assert words in str(error.value.message_dict["action_updates"])
    assert not SelfReview.objects.exists()


def test_another_clients_action_is_refused(cast, desk, planned):
    _, link, _ = planned
    _, others = plan_for(desk.mary_engagement, cast.mary, actions=("Zenith's secret step",))
    with pytest.raises(ValidationError) as error:
        services.self_review_submit(link=link, action_updates=[update(others[0])])
    message = str(error.value.message_dict["action_updates"])
    assert "Row 1" in message and "Zenith" not in message
    assert not SelfReview.objects.exists()


def test_the_same_action_twice_and_a_bad_rating_are_refused(cast, desk, planned):
    actions, link, _ = planned
    with pytest.raises(ValidationError, match="given twice"):
        services.self_review_submit(
            link=link, action_updates=[update(actions[0]), update(actions[0])]
        )
    with pytest.raises(ValidationError) as error:
        services.self_review_submit(link=link, action_updates=[], support_rating=6)
    assert "support_rating" in error.value.message_dict


def test_a_concern_is_raised_for_the_service_under_the_system_account(cast, desk, planned):
    actions, link, _ = planned
    self_review = services.self_review_submit(
        link=link,
        action_updates=[update(actions[0])],
        concern_summary="Nobody answered my last two emails.",
        submitted_by_name="Ann Acme",
    )
    concern = Concern.objects.get()
    assert concern.source == Concern.Source.CLIENT and concern.about == Concern.About.SERVICE
    assert concern.severity == Concern.Severity.MEDIUM and concern.self_review == self_review
    assert concern.raised_by is None and concern.raised_by_name == "Ann Acme"
    assert concern.owner == cast.alice and concern.engagement == desk.alice_engagement
    for obj in (self_review, concern):
        entry = audit_entries_for(obj).get(action=LogEntry.Action.CREATE)
        assert entry.actor.username == SYSTEM_USERNAME
    event = DomainEvent.objects.get(verb="self_review.submitted")
    assert event.actor.username == SYSTEM_USERNAME and event.data["concern"] == concern.pk
    assert DomainEvent.objects.get(verb="concern.raised").actor.username == SYSTEM_USERNAME


def test_latest_unconsidered_skips_one_a_review_considered(cast, desk, planned):
    actions, link, _ = planned
    first = services.self_review_submit(link=link, action_updates=[update(actions[0])])
    second = services.self_review_submit(link=link, action_updates=[update(actions[1])])
    assert selectors.latest_unconsidered(desk.alice_engagement) == second
    Review.objects.create(
        organisation=cast.hub,
        engagement=desk.alice_engagement,
        held_on=TODAY(),
        depth="standard",
        self_review=second,
    )
    assert selectors.latest_unconsidered(desk.alice_engagement) == first
    assert list(selectors.links_for(desk.alice_engagement, cast.alice)) == [link]
    assert not selectors.links_for(desk.alice_engagement, cast.pat).exists()


# The client's pages ----------------------------------------------------------------------------


def test_the_client_sees_their_plan_and_sends_a_review(cast, desk, planned):
    actions, _, token = planned
    plan_for(desk.mary_engagement, cast.mary, actions=("Zenith's secret step",))
    response = Client().get(signed(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grow monthly turnover" in body and "Call three buyers" in body
    assert "Zenith" not in body and "secret step" not in body
    assert "<legend" in body and "How would you rate the support" in body
    # No link anywhere: not to the signed-in site, not to anyone else's data.
    assert [h for h in re.findall(r'<a [^>]*href="([^"]*)"', body) if not h.startswith("#")] == []
    response = Client().post(
        signed(token), form_data(actions, concern="I waited three weeks for a call back.")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:self-review-thanks", args=[token])
    self_review = SelfReview.objects.get()
    assert [u["progress"] for u in self_review.action_updates] == [50, 50]
    assert self_review.support_rating == 4 and self_review.submitted_by_name == "Ann Acme"
    assert Concern.objects.get().summary == "I waited three weeks for a call back."
    thanks = Client().get(response["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()


def test_the_client_form_names_the_field_at_fault(cast, desk, planned):
    actions, _, token = planned
    data = form_data(actions, **{f"progress_{actions[1].pk}": "150", "support_rating": "9"})
    response = Client().post(signed(token), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Progress on action 2 (%)" in body and "is-invalid" in body
    assert "How would you rate the support" in body
    assert not SelfReview.objects.exists()


def test_a_forged_action_field_is_ignored(cast, desk, planned):
    actions, _, token = planned
    _, others = plan_for(desk.mary_engagement, cast.mary, actions=("Zenith's secret step",))
    data = form_data(actions, **{f"status_{others[0].pk}": "done"})
    assert Client().post(signed(token), data).status_code == 302
    (self_review,) = SelfReview.objects.all()
    assert others[0].pk not in [u["action"] for u in self_review.action_updates]


def test_a_bad_token_gets_a_clear_404_page(cast, desk, planned):
    _, _, token = planned
    for bad in ("nonsense", token[:-2] + "xx", services._signer().sign("999999")):
        response = Client().get(signed(bad))
        body = response.content.decode()
        assert response.status_code == 404
        assert "This link does not work" in body and "Traceback" not in body
        assert desk.acme.name not in body


def test_an_expired_link_gets_a_clear_410_page(cast, desk, planned):
    actions, link, token = planned
    SelfReviewLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    for response in (Client().get(signed(token)), Client().post(signed(token), form_data(actions))):
        body = response.content.decode()
        assert response.status_code == 410
        assert "This link has expired" in body
        assert desk.acme.name not in body and "Grow monthly turnover" not in body
    assert not SelfReview.objects.exists()


def test_a_revoked_link_gets_its_own_410_page(cast, desk, planned):
    _, link, token = planned
    services.link_revoke(link=link, acting_user=cast.alice)
    response = Client().get(signed(token))
    body = response.content.decode()
    assert response.status_code == 410
    assert "withdrawn" in body and "expired" not in body and desk.acme.name not in body


def test_views_and_submissions_are_rate_limited(cast, desk, planned, settings):
    actions, _, token = planned
    settings.WAYPOINT_SELF_REVIEW_VIEWS_PER_HOUR = 3
    for _ in range(3):
        assert Client().get(signed(token)).status_code == 200
    limited = Client().get(signed(token))
    assert limited.status_code == 429
    assert "try again" in limited.content.decode()
    assert desk.acme.name not in limited.content.decode()
    for _ in range(services_limit := 10):
        assert Client().post(signed(token), form_data(actions)).status_code == 302
    assert SelfReview.objects.count() == services_limit
    assert Client().post(signed(token), form_data(actions)).status_code == 429
    assert SelfReview.objects.count() == services_limit


def test_bad_tokens_are_limited_per_client_address(cast, desk, planned, settings):
    _, _, token = planned
    settings.WAYPOINT_SELF_REVIEW_BAD_TOKENS_PER_HOUR = 3
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for bad in ("nonsense", token[:-2] + "xx", services._signer().sign("999999")):
        assert guesser.get(signed(bad)).status_code == 404
    limited = guesser.get(signed("another-guess"))
    body = limited.content.decode()
    assert limited.status_code == 429
    assert "Please try again later" in body and "do not work" in body
    assert desk.acme.name not in body
    assert guesser.get(reverse("monitoring:self-review-thanks", args=["x"])).status_code == 429
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.2").get(signed("nonsense")).status_code == 404


def test_a_valid_token_still_works_from_a_blocked_address(cast, desk, planned, settings):
    """Only bad tokens are blocked: a client behind the same shared address is not locked out."""
    actions, _, token = planned
    settings.WAYPOINT_SELF_REVIEW_BAD_TOKENS_PER_HOUR = 1
    shared = Client(REMOTE_ADDR="203.0.113.7")
    assert shared.get(signed("nonsense")).status_code == 404
    assert shared.get(signed("nonsense")).status_code == 429
    assert shared.get(signed(token)).status_code == 200
    assert shared.post(signed(token), form_data(actions)).status_code == 302
    assert SelfReview.objects.count() == 1
    assert shared.get(signed("nonsense")).status_code == 429


def test_the_bad_token_limit_reads_the_address_through_trusted_proxies(
    cast, desk, planned, settings
):
    settings.WAYPOINT_SELF_REVIEW_BAD_TOKENS_PER_HOUR = 1
    settings.WAYPOINT_PROXY_COUNT = 1
    # Behind one proxy, two clients share REMOTE_ADDR but not the forwarded address.
    first = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    second = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first.get(signed("nonsense")).status_code == 404
    assert first.get(signed("nonsense")).status_code == 429
    assert second.get(signed("nonsense")).status_code == 404


# The adviser's pages ---------------------------------------------------------------------------


def test_the_self_review_section_page(cast, desk, planned):
    actions, link, token = planned
    services.self_review_submit(link=link, action_updates=[update(actions[0])], support_rating=3)
    url = reverse("monitoring:engagement-self-reviews", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert signed(token) in body and "Make the link" in body and "3 out of 5" in body
    assert response.context["links"][0]["link"].submissions == 1
    assert "<td>1 (last " in body
    # Who only sees the engagement gets no link to copy and no form.
    body = request_as(cast.carl, url).content.decode()
    assert signed(token) not in body and "Make the link" not in body and "3 out of 5" in body


def test_make_a_link_from_the_page(cast, desk):
    plan_for(desk.alice_engagement, cast.alice)
    url = reverse("monitoring:engagement-self-reviews", args=[desk.alice_engagement.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"days": "10", "send_to": "ann@acme.example"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(SelfReviewLink, "create")],
    )
    link = SelfReviewLink.objects.get()
    assert link.sent_to == "ann@acme.example" and link.created_by == cast.alice
    response = request_as(cast.alice, url, method="post", data={"days": "500", "send_to": ""})
    assert (
        response.status_code == 200
        and "Ensure this value is less than" in response.content.decode()
    )
    assert SelfReviewLink.objects.count() == 1


def test_revoke_a_link_with_confirmation(cast, desk, planned):
    _, link, _ = planned
    url = reverse("monitoring:self-review-link-revoke", args=[link.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    assert "Revoke the link" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(SelfReviewLink, "update")],
    )
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_a_self_review_page(cast, desk, planned):
    actions, link, _ = planned
    self_review = services.self_review_submit(
        link=link,
        action_updates=[update(actions[1], status="done", progress=100, note="Called them all")],
        concern_summary="Too slow.",
        improvements="Shorter meetings.",
    )
    url = reverse("monitoring:self-review-detail", args=[self_review.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Call three buyers" in body and "Called them all" in body and "Done" in body
    assert "Shorter meetings." in body and "Too slow." in body
    assert "Not yet considered at a review" in body


def test_the_engagement_page_shows_the_latest_self_review(cast, desk, planned):
    _, link, _ = planned
    url = desk.alice_engagement.get_absolute_url()
    body = request_as(cast.alice, url).content.decode()
    assert "Client self-review" in body and "None yet" in body
    self_review = services.self_review_submit(link=link, action_updates=[], support_rating=2)
    body = request_as(cast.alice, url).content.decode()
    assert self_review.get_absolute_url() in body and "rated the support 2 out of 5" in body
    assert reverse("monitoring:engagement-self-reviews", args=[desk.alice_engagement.pk]) in body


# API -------------------------------------------------------------------------------------------


def test_api_lists_and_retrieves_self_reviews(cast, desk, planned):
    actions, link, _ = planned
    mine = services.self_review_submit(link=link, action_updates=[update(actions[0])])
    plan_for(desk.mary_engagement, cast.mary)
    mary_link, _ = services.link_create(engagement=desk.mary_engagement, acting_user=cast.mary)
    services.self_review_submit(link=mary_link, action_updates=[])
    response = check_access(
        cast, API, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [row["id"] for row in results(response)] == [mine.pk]
    assert len(results(request_as(cast.mary, API, api=True))) == 2
    filtered = request_as(cast.mary, f"{API}?engagement={desk.alice_engagement.pk}", api=True)
    assert [row["id"] for row in results(filtered)] == [mine.pk]
    response = check_access(
        cast,
        f"{API}{mine.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert response.json()["action_updates"][0]["action"] == actions[0].pk
    assert response.json()["considered_at_reviews"] == []


def test_api_is_read_only(cast, desk, planned):
    response = request_as(
        cast.alice, API, method="post", data={"engagement": desk.alice_engagement.pk}, api=True
    )
    assert response.status_code == 405
