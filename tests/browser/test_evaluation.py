"""The service evaluation in the browser: a service manager starts an evaluation of their
organisation for the current financial year, writes the SWOT, adds a recommendation, reads the
report and downloads it as a PDF."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import SCREENSHOT_DIR, check_page, log_in
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from tests.delivery.factories import InteractionFactory
from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import rollups


def test_manager_writes_an_evaluation_and_downloads_the_pdf(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811  (the fixture imported above)
    standard_measures: dict,
) -> None:
    InteractionFactory(engagement=desk.mary_engagement, duration_minutes=90)
    rollups.rebuild()
    year = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)

    log_in(page, "mary")
    page.goto(reverse("measures:evaluation-list"))
    check_page(page, "measures-evaluation-list")
    with page.expect_navigation():
        page.get_by_role("link", name="Start an evaluation").click()
    page.get_by_label("Scope").select_option(label="Enterprise Hub")
    expect(page.get_by_label("Period")).to_have_value(year.label)
    check_page(page, "measures-evaluation-create")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the evaluation").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Write the evaluation")
    page.get_by_label("Strengths").fill("Experienced advisers who know the area.")
    page.get_by_label("Weaknesses").fill("Reviews are often held late.")
    page.get_by_label("Opportunities").fill("A new rural grant scheme.")
    page.get_by_label("Threats").fill("Funding ends next year.")
    page.get_by_label("Conclusions").fill("Good reach; review timeliness needs work.")
    check_page(page, "measures-evaluation-edit")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="SWOT analysis of the service")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a recommendation").click()
    page.get_by_label("What to improve").fill("Hold every review on time")
    page.get_by_label("Owner").select_option(label="Alice Tester")
    check_page(page, "measures-evaluation-recommend")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the recommendation").click()

    recommendations = page.get_by_role("table", name="Improvements raised from this evaluation")
    expect(recommendations).to_contain_text("Hold every review on time")
    expect(page.get_by_text("A new rural grant scheme.")).to_be_visible()
    check_page(page, "measures-evaluation-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    target = SCREENSHOT_DIR / "measures-evaluation.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
