"""The diagnostic pages the journey test does not reach: an administrator's template pages (list,
a standard template, a copy for the organisation, a refused definition, retiring), and an
adviser's financial ratios (a figure refused, the ratios computed), a finding removed and a draft
discarded. axe on every page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in, open_nav
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import EngagementFactory, ProgrammeFactory
from waypoint.delivery.models import Diagnostic, DiagnosticTemplate, Finding

RATIO_FIGURES = {
    "Turnover (sales)": "200,000",
    "Cost of sales": "120000",
    "Overheads": "50000",
    "Net profit before tax": "30000",
    "Current assets": "40000",
    "Stock": "10000",
    "Trade debtors": "40000",
    "Current liabilities": "50000",
    "Borrowings": "30000",
    "Owners' capital (equity)": "70000",
}


def test_an_administrator_copies_a_standard_template_and_retires_the_copy(
    page: Page, cast: Cast, standard_templates: dict
) -> None:
    log_in(page, cast.ada.username)
    open_nav(page, "Support", "Diagnostic templates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diagnostic templates")
    check_page(page, "diagnostic-template-list")
    page.get_by_role("link", name="SWOT analysis").click()
    expect(page.get_by_text("change only through their files").first).to_be_visible()
    check_page(page, "diagnostic-template-standard")

    page.get_by_role("link", name="Make a copy for your organisation").click()
    definition = page.get_by_label("Template (JSON)")
    copied = definition.input_value()
    assert '"key": "swot-copy"' in copied
    definition.fill(copied.replace('"type": "list"', '"type": "lists"', 1))
    page.get_by_role("button", name="Save the template").click()
    expect(
        page.get_by_text("must be one of score, list, figure, choice, text").first
    ).to_be_visible()
    check_page(page, "diagnostic-template-refused")
    page.get_by_label("Template (JSON)").fill(copied)
    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_role("link", name="Make a new version")).to_be_visible()
    copy = DiagnosticTemplate.objects.get(key="swot-copy")
    assert copy.organisation == cast.hub and copy.version == 1
    check_page(page, "diagnostic-template-own")

    page.get_by_role("link", name="Retire").click()
    check_page(page, "diagnostic-template-retire")
    page.get_by_role("button", name="Retire").click()
    expect(page.get_by_text("Template retired.")).to_be_visible()
    copy.refresh_from_db()
    assert not copy.is_active


def test_an_adviser_works_out_financial_ratios_and_tidies_up(
    page: Page, cast: Cast, standard_templates: dict
) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name="Harbour Coffee Roasters")
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=growth,
        lead_adviser=cast.alice,
        enquiry_date=timezone.localdate() - dt.timedelta(days=30),
    )
    log_in(page, cast.alice.username)
    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Start a diagnostic").click()
    page.get_by_role("radio", name="Financial ratios", exact=True).check()
    page.get_by_role("button", name="Start the diagnostic").click()

    page.get_by_label("Which accounts").fill("Year ended 31 March 2026")
    for label, value in RATIO_FIGURES.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Stock", exact=False).first.fill("ten thousand")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    check_page(page, "diagnostic-ratios-refused")
    assert Diagnostic.objects.get().answers == {}
    page.get_by_label("Stock", exact=False).first.fill("10000")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_text("Diagnostic completed.")).to_be_visible()
    expect(page.get_by_role("cell", name="40.0%").first).to_be_visible()  # gross margin
    expect(page.get_by_role("cell", name="73 days")).to_be_visible()  # debtor days
    check_page(page, "diagnostic-ratios-completed")

    page.locator("#id_text").fill("Customers pay slowly")
    page.get_by_role("button", name="Add the finding").click()
    expect(page.get_by_text("Finding added.")).to_be_visible()
    page.get_by_role("link", name="Change the finding: Customers pay slowly").click()
    page.locator("#id_text").fill("Customers pay after 73 days")
    page.locator("#id_priority").select_option("high")
    check_page(page, "finding-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Finding saved.")).to_be_visible()
    page.get_by_role("link", name="Remove the finding: Customers pay after 73 days").click()
    check_page(page, "finding-remove")
    page.get_by_role("button", name="Remove finding").click()
    expect(page.get_by_text("Finding removed.")).to_be_visible()
    assert not Finding.objects.exists()

    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Start a diagnostic").click()
    page.get_by_role("radio", name="Readiness for change", exact=True).check()
    page.get_by_role("button", name="Start the diagnostic").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("link", name="Discard draft").click()
    check_page(page, "diagnostic-discard")
    page.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_text("Draft discarded.")).to_be_visible()
    assert Diagnostic.objects.count() == 1
