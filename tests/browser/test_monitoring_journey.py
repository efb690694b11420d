"""Issue 5's journey: an adviser sees a review is due and records it; the client sends a
self-review through the signed link and raises a concern; a manager investigates the concern
and refers it on to the commissioner, whose contract manager then sees it. axe on every page
(000 reqs 1, 3, 5, 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in, open_nav
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import AgreementFactory, EngagementFactory, ProgrammeFactory
from waypoint.delivery.models import Agreement
from waypoint.delivery.services.action_plans import action_add, goal_add, plan_start
from waypoint.monitoring.models import Concern, Review, SelfReview

CONCERN = "Our adviser cancelled two meetings at short notice and we lost a month."


def test_a_review_a_self_review_and_a_concern_referred_on(page: Page, cast: Cast) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name="Harbour Coffee Roasters")
    today = timezone.localdate()
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=growth,
        lead_adviser=cast.alice,
        enquiry_date=today - dt.timedelta(days=60),
    )
    # Accepted 40 days ago, reviewed every four weeks: the first review was due 12 days ago.
    AgreementFactory(
        engagement=engagement,
        status=Agreement.Status.ACCEPTED,
        accepted_at=timezone.now() - dt.timedelta(days=40),
        accepted_via=Agreement.AcceptedVia.IN_PERSON,
        review_every=4,
        review_unit="weeks",
    )
    plan = plan_start(engagement=engagement, title="", acting_user=cast.alice)
    goal = goal_add(
        plan=plan,
        acting_user=cast.alice,
        statement="Know the cash position a year ahead",
        measure="months forecast ahead",
        baseline=Decimal("0"),
        target_value=Decimal("12"),
        unit="months",
        deadline=today + dt.timedelta(days=180),
    )
    action = action_add(
        goal=goal,
        acting_user=cast.alice,
        description="Build a 12-month cash-flow forecast",
        due_on=today + dt.timedelta(days=21),
    )

    # The adviser sees the overdue review on her home page and opens the list.
    log_in(page, cast.alice.username)
    check_page(page, "monitoring-home-adviser")
    page.get_by_role("link", name="1 review overdue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews due")
    expect(page.get_by_role("cell", name="Harbour Coffee Roasters")).to_be_visible()
    expect(page.get_by_text("Overdue: was due on")).to_be_visible()
    check_page(page, "monitoring-reviews-due")

    # She records the review from the engagement's page.
    page.get_by_role("link", name="Harbour Coffee Roasters", exact=True).click()
    check_page(page, "monitoring-engagement")
    page.get_by_role("link", name="Record a review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record a review for Harbour Coffee Roasters"
    )
    page.get_by_label("The client's rating of progress (1 to 5)").select_option("4")
    page.get_by_label("Your rating of progress (1 to 5)").select_option("3")
    page.get_by_label("What went well", exact=True).fill("The first quarter's figures are in.")
    page.locator(f"#id_goal-{goal.pk}-measured_value").fill("3")
    page.locator(f"#id_goal-{goal.pk}-note").fill("Three months forecast so far.")
    page.locator(f"#id_action-{action.pk}-status").select_option("in_progress")
    page.locator(f"#id_action-{action.pk}-progress").fill("25")
    check_page(page, "monitoring-review-form")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("The first quarter's figures are in.")).to_be_visible()
    check_page(page, "monitoring-review-detail")
    review = Review.objects.get(engagement=engagement)
    assert review.client_rating == 4 and review.adviser_rating == 3
    assert review.recorded_by == cast.alice
    goal_row = review.goal_progress.get()
    assert goal_row.goal == goal and goal_row.measured_value == Decimal("3")
    action_row = review.action_progress.get()
    assert action_row.action == action and action_row.progress == 25
    action.refresh_from_db()
    assert action.progress == 25

    # She makes a self-review link for the client and copies it from the page.
    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Manage client links").click()
    check_page(page, "monitoring-self-review-links-empty")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_text("Link made.")).to_be_visible()
    check_page(page, "monitoring-self-review-links")
    link = page.locator('input[id^="link-url-"]').input_value()
    assert "/review/" in link

    # The client, without signing in, updates the action, rates the support, raises a concern.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your progress")
    expect(page.get_by_text("Action 1: Build a 12-month cash-flow forecast")).to_be_visible()
    check_page(page, "monitoring-self-review-signed")
    page.get_by_label("Status of action 1").select_option("in_progress")
    page.get_by_label("Progress on action 1 (%)").fill("40")
    page.get_by_label("Note on action 1 (optional)").fill("Six months done.")
    page.get_by_label("How is it going?").fill("Better than we feared.")
    page.get_by_role("radio", name="4: good").check()
    page.get_by_label("Raise a concern (optional)").fill(CONCERN)
    page.get_by_label("Your name").fill("Hana Roaster")
    page.get_by_role("button", name="Send my review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check_page(page, "monitoring-self-review-thanks")
    self_review = SelfReview.objects.get(engagement=engagement)
    assert self_review.support_rating == 4
    assert self_review.submitted_by_name == "Hana Roaster"
    concern = Concern.objects.get(engagement=engagement)
    assert concern.source == Concern.Source.CLIENT
    assert concern.self_review == self_review
    assert concern.status == Concern.Status.RAISED

    # The service manager finds the concern, acknowledges and investigates it, refers it on.
    log_in(page, cast.mary.username)
    check_page(page, "monitoring-home-manager")
    open_nav(page, "Monitoring", "Concerns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    check_page(page, "monitoring-concern-list")
    page.get_by_role("link", name=CONCERN).click()
    expect(page.get_by_text("(through the client's self-review)")).to_be_visible()
    check_page(page, "monitoring-concern-raised")
    page.get_by_role("link", name="Acknowledge", exact=True).click()
    check_page(page, "monitoring-concern-acknowledge")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("Concern acknowledged.")).to_be_visible()
    page.get_by_role("link", name="Record the investigation", exact=True).click()
    page.get_by_label("What the investigation found").fill(
        "The adviser covered two start-up workshops at a day's notice."
    )
    page.get_by_label("Cause", exact=True).fill("Too few advisers for the workshop rota.")
    check_page(page, "monitoring-concern-investigate")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Investigation recorded.")).to_be_visible()
    page.get_by_role("link", name="Refer it on", exact=True).click()
    page.get_by_label("To whom").fill("Carl, Northshire's contract manager")
    page.locator("#id_reason").fill(
        "Staffing the workshops is set by the contract, beyond the hub's say."
    )
    page.get_by_label("Refer in Waypoint to").select_option(label=str(cast.northshire))
    check_page(page, "monitoring-concern-refer")
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_text("Concern referred on.")).to_be_visible()
    expect(page.get_by_text("Referred on", exact=True)).to_be_visible()
    raised = page.get_by_role("row").filter(has_text="Raised")
    expect(raised.get_by_role("cell", name="Hana Roaster", exact=True)).to_be_visible()
    check_page(page, "monitoring-concern-referred")
    concern.refresh_from_db()
    assert concern.status == Concern.Status.REFERRED
    assert concern.referred_to_organisation == cast.northshire
    assert concern.acknowledged_on is not None and concern.investigation

    # The commissioner's contract manager sees the concern referred to him.
    page.context.clear_cookies()
    log_in(page, cast.carl.username)
    page.get_by_role("link", name="1 concern referred to you", exact=True).click()
    check_page(page, "monitoring-concerns-referred-to-us")
    page.get_by_role("link", name=CONCERN).click()
    expect(page.get_by_text("Referred on", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Record their response", exact=True)).to_be_visible()
    check_page(page, "monitoring-concern-seen-by-commissioner")
