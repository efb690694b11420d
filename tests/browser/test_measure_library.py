"""The measure library in the browser: a service manager finds a standard measure and reads its
definition in words, then adds a measure of her own (refused with a bad definition, each problem
beside its field; previewed in words; saved as a rate with a condition) and retires it. axe on
every page (000 req 9)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in, open_nav
from tests.conftest import Cast
from waypoint.core.selectors import domain_events_for
from waypoint.measures.models import Measure

NAME = "Mentoring contacts by phone"
WORDS = "The share of contacts (advice or mentoring: mentoring) where mode is phone"


def test_find_a_measure_then_add_preview_save_and_retire_one(
    page: Page, cast: Cast, standard_measures: dict[str, Any]
) -> None:
    assert "clients_supported" in standard_measures
    log_in(page, cast.mary.username)

    # The library, from the menu, then searched.
    open_nav(page, "Performance", "Measures")
    expect(page.get_by_role("heading", level=1)).to_have_text("Measures")
    expect(page.get_by_text(f"{len(standard_measures)} measures.", exact=True)).to_be_visible()
    check_page(page, "measures-library-list")
    page.get_by_label("Search").fill("clients supported")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("1 measure.", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Clients supported")
    expect(
        row.get_by_role("cell", name="The number of distinct clients among contacts")
    ).to_be_visible()
    check_page(page, "measures-library-list-searched")

    # A standard measure's page: its definition in words; it can be copied, not changed.
    row.get_by_role("link", name="Clients supported", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients supported")
    expect(page.locator("[data-measure-words]")).to_have_text(
        "The number of distinct clients among contacts."
    )
    expect(page.get_by_role("link", name="Copy as our own")).to_be_visible()
    expect(page.get_by_role("link", name="Change", exact=True)).to_have_count(0)
    check_page(page, "measures-library-detail-standard")
    page.go_back()
    expect(page.get_by_label("Search")).to_have_value("clients supported")

    # A measure of her own: a sum without a figure, and a condition with values but no
    # attribute, is refused with each problem beside its field.
    page.get_by_role("link", name="Add a measure of your own").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a measure of your own")
    check_page(page, "measures-library-form")
    page.locator("#id_name").fill(NAME)
    page.locator("#id_code").fill("mentoring_phone_share")
    page.locator("#id_category").select_option("quality")
    page.locator("#id_unit").select_option("percent")
    page.locator("#id_aggregate").select_option("sum")
    page.get_by_label("Records", exact=True).select_option("contacts")
    page.locator("#id_where_values_0").fill("mentoring")
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        "Which records count, condition 1: where: Choose what the values are of."
    )
    expect(page.locator("#id_where_dim_0")).to_have_attribute("aria-invalid", "true")
    check_page(page, "measures-library-form-errors")
    page.locator("#id_where_dim_0").select_option("support_type")
    page.get_by_role("button", name="Save").click()
    expect(summary).to_contain_text("Figure: Sum needs a figure of contacts: hours.")
    expect(page.get_by_label("Figure", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page(page, "measures-library-form-definition-error")
    assert not Measure.objects.filter(code="mentoring_phone_share").exists()

    # As a rate of the mentoring contacts made by phone: previewed in words, then saved.
    page.locator("#id_aggregate").select_option("rate")
    page.locator("#id_num_dim_0").select_option("mode")
    page.locator("#id_num_values_0").fill("phone")
    page.get_by_role("button", name="Preview in words").click()
    preview = page.get_by_role("status").filter(has_text="In words")
    expect(preview).to_contain_text(f"{WORDS}.")
    expect(page.get_by_role("alert")).to_have_count(0)
    check_page(page, "measures-library-form-preview")
    assert not Measure.objects.filter(code="mentoring_phone_share").exists()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("Measure added.")).to_be_visible()
    expect(page.locator("[data-measure-words]")).to_have_text(f"{WORDS}.")
    expect(page.get_by_text(f"{cast.hub}'s own measure.")).to_be_visible()
    check_page(page, "measures-library-detail-own")
    measure = Measure.objects.get(code="mentoring_phone_share")
    assert measure.organisation == cast.hub and measure.is_active
    assert measure.definition == {
        "source": "contacts",
        "aggregate": "rate",
        "where": {"support_type": "mentoring"},
        "numerator": {"mode": "phone"},
    }

    # Retired: marked so, and offered back into use.
    page.get_by_role("button", name="Retire").click()
    expect(page.get_by_text("Measure retired.")).to_be_visible()
    expect(page.get_by_text("Retired", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Bring back into use")).to_be_visible()
    check_page(page, "measures-library-detail-retired")
    measure.refresh_from_db()
    assert not measure.is_active
    assert domain_events_for(obj=measure).filter(verb__contains="retire").exists()
