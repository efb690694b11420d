"""Issue 4's journey: an adviser completes a SWOT and a business health check with the client,
turns three of their findings into goals of the action plan, re-plans an action with a reason
and makes a referral; the client opens the plan through the signed link. axe on every page
(001 E5.08 1.1, 2.2, 3.1, 3.2; 001 E5.07 2.2)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory, ConsentFactory
from tests.conftest import Cast
from tests.delivery.factories import EngagementFactory, ProgrammeFactory, ServiceFactory
from waypoint.clients.models import Consent
from waypoint.delivery.models import Diagnostic, Finding, Goal, PlanChange, Referral


def _start(page: Page, engagement_url: str, template: str) -> None:
    page.goto(engagement_url)
    page.get_by_role("link", name="Start a diagnostic").click()
    page.get_by_role("radio", name=template, exact=True).check()
    page.get_by_role("button", name="Start the diagnostic").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(template)


def _goal_from(page: Page, finding: str, *, measure: str, target: str, unit: str) -> None:
    page.get_by_role("link", name=f"Make it a goal from: {finding}").click()
    expect(page.locator("#id_statement")).to_have_value(finding)
    page.locator("#id_measure").fill(measure)
    page.locator("#id_target_value").fill(target)
    page.locator("#id_unit").fill(unit)
    deadline = timezone.localdate() + dt.timedelta(days=180)
    page.locator("#id_deadline").fill(deadline.isoformat())
    page.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_text("The finding is now a goal of the action plan.")).to_be_visible()


def test_from_diagnostics_to_a_plan_the_client_can_read(
    page: Page, cast: Cast, standard_templates: dict
) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name="Harbour Coffee Roasters")
    ConsentFactory(
        client=client,
        kind=Consent.Kind.SHARE_WITH_PARTNERS,
        lawful_basis=Consent.LawfulBasis.CONSENT,
        granted_on=timezone.localdate() - dt.timedelta(days=3),
    )
    ServiceFactory(organisation=cast.hub, name="Cash Flow Clinic")
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=growth,
        lead_adviser=cast.alice,
        enquiry_date=timezone.localdate() - dt.timedelta(days=30),
    )
    engagement_url = engagement.get_absolute_url()
    log_in(page, cast.alice.username)

    # A SWOT with the client.
    page.goto(engagement_url)
    page.get_by_role("link", name="Start a diagnostic").click()
    check_page(page, "diagnostic-start")
    _start(page, engagement_url, "SWOT analysis")
    page.get_by_label("Strengths (one per line)").fill("Loyal café customers\nAward-winning roast")
    page.get_by_label("Weaknesses (one per line)").fill(
        "No cash-flow forecast\nPrices not reviewed for two years"
    )
    page.get_by_label("Opportunities (one per line)").fill("Online subscriptions")
    page.get_by_label("Threats (one per line)").fill("Green coffee prices rising")
    check_page(page, "diagnostic-swot-form")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_text("Diagnostic completed.")).to_be_visible()
    check_page(page, "diagnostic-swot-completed")

    # Findings from the SWOT's suggestions, most important first; two become goals.
    for suggestion in ("Weakness: No cash-flow forecast", "Weakness: Prices not reviewed"):
        item = page.locator("li", has_text=suggestion)
        item.get_by_label("Priority").select_option("high")
        item.get_by_role("button", name="Add as a finding").click()
        expect(page.get_by_text("Finding added.")).to_be_visible()
    swot = Diagnostic.objects.get(template__key="swot")
    assert swot.completed_by == cast.alice and swot.findings.count() == 2
    _goal_from(
        page,
        "Weakness: No cash-flow forecast",
        measure="months forecast ahead",
        target="12",
        unit="months",
    )
    check_page(page, "plan-from-finding")
    page.goto(swot.get_absolute_url())
    _goal_from(
        page,
        "Weakness: Prices not reviewed for two years",
        measure="gross margin",
        target="45",
        unit="%",
    )

    # A business health check: every area scored, cash flow a serious weakness.
    _start(page, engagement_url, "Business health check")
    for radio in page.locator('input[type="radio"][name$="-score"][value="4"]').all():
        radio.check()
    page.locator('input[name="item-cash_flow-score"][value="1"]').check()
    page.locator("#item-cash_flow-notes").fill("Overdraft used every month.")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_text("Diagnostic completed.")).to_be_visible()
    check_page(page, "diagnostic-health-check-completed")
    page.locator("li", has_text="Cash flow: Serious weakness").get_by_role(
        "button", name="Add as a finding"
    ).click()
    expect(page.get_by_text("Finding added.")).to_be_visible()
    _goal_from(
        page,
        "Cash flow: Serious weakness (Overdraft used every month.)",
        measure="months without using the overdraft",
        target="3",
        unit="months",
    )
    goals = Goal.objects.filter(plan__engagement=engagement)
    assert goals.count() == 3
    assert Finding.objects.filter(goal__in=goals).count() == 3

    # An action towards the first goal, then re-planned with a reason.
    page.get_by_role("link", name="Add an action to goal 1").click()
    page.locator("#id_description").fill("Build a 12-month cash-flow forecast in the template")
    page.locator("#id_due_on").fill((timezone.localdate() + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action added to the plan.")).to_be_visible()
    page.get_by_role("link", name="Change action: Build a 12-month cash-flow forecast").click()
    page.locator("#id_due_on").fill((timezone.localdate() + dt.timedelta(days=35)).isoformat())
    page.locator("#id_reason").fill("The accountant sends last year's figures in three weeks.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    assert PlanChange.objects.filter(
        plan__engagement=engagement, kind=PlanChange.Kind.REPLANNED
    ).exists()
    check_page(page, "plan-with-three-goals")
    link = page.locator("#client-link-url").input_value()

    # A referral for the cash-flow work.
    page.goto(engagement_url)
    check_page(page, "engagement-with-support-tools")
    page.get_by_role("link", name="Make a referral").click()
    page.get_by_label("Make the referral now").check()
    page.locator("#id_service").select_option(label="Cash Flow Clinic")
    page.locator("#id_reason").fill("Hands-on help building the first forecast.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Cash Flow Clinic")
    assert Referral.objects.get(engagement=engagement).status == Referral.Status.MADE

    # The client reads the plan through the link, without signing in.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_text("Weakness: No cash-flow forecast")).to_be_visible()
    expect(
        page.get_by_text("Cash flow: Serious weakness (Overdraft used every month.)")
    ).to_be_visible()
    check_page(page, "plan-signed-three-goals")
