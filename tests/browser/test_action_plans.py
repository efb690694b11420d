"""An adviser starts an action plan, adds a SMART goal and an action, re-plans the action with a
reason, looks at the plan's history; the client opens the plan through the signed link; axe on
every page visited (001 E5.08 3.1, 3.2)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import EngagementFactory, ProgrammeFactory
from waypoint.delivery.models import Action, PlanChange


def test_adviser_plans_and_replans_and_the_client_reads_it(page: Page, cast: Cast) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name="Harbour Coffee Roasters")
    engagement = EngagementFactory(
        organisation=cast.hub, client=client, programme=growth, lead_adviser=cast.alice
    )
    today = timezone.localdate()
    log_in(page, cast.alice.username)

    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Start an action plan").click()
    check_page(page, "plan-start")
    page.locator("#id_title").fill("Roastery growth plan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roastery growth plan")
    check_page(page, "plan-detail")

    page.get_by_role("link", name="Add a goal").click()
    page.locator("#id_statement").fill("Sell to more cafés")
    page.locator("#id_measure").fill("cafe customers")
    page.locator("#id_target_value").fill("10")
    page.locator("#id_unit").fill("customers")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A SMART goal needs a deadline.").first).to_be_visible()
    check_page(page, "goal-create-refused")
    page.locator("#id_deadline").fill((today + dt.timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Goal added to the plan.")).to_be_visible()

    page.get_by_role("link", name="Add an action to goal 1").click()
    page.locator("#id_description").fill("Visit ten cafés with samples")
    page.locator("#id_due_on").fill((today + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action added to the plan.")).to_be_visible()

    page.get_by_role("link", name="Change action: Visit ten cafés with samples").click()
    check_page(page, "action-edit")
    page.locator("#id_status").select_option("blocked")
    page.locator("#id_reason").fill("The roaster broke down; samples wait for the repair.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    expect(page.get_by_text("The roaster broke down; samples wait for the repair.")).to_be_visible()
    assert Action.objects.get().status == Action.Status.BLOCKED
    assert PlanChange.objects.filter(kind=PlanChange.Kind.REPLANNED).count() == 1
    check_page(page, "plan-detail-replanned")

    link = page.locator("#client-link-url").input_value()
    page.locator("#id_as_on").fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("As it stood at the end of")).to_be_visible()
    check_page(page, "plan-as-on")
    page.get_by_role("link", name="Printable plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roastery growth plan")
    check_page(page, "plan-print")
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Roastery growth plan")
    expect(page.get_by_text("Visit ten cafés with samples")).to_be_visible()
    check_page(page, "plan-signed")
