"""Benchmarking in the browser: a service manager opens Benchmarking, compares advisers on
reviews on time, reads the funnel plot and the league table, then turns on case-mix."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in, open_nav
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from waypoint.measures import rollups
from waypoint.measures.library import load_standard_measures
from waypoint.measures.models import Measure
from waypoint.monitoring.models import Review


def test_manager_compares_advisers_with_and_without_case_mix(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811  (the fixture imported above)
) -> None:
    load_standard_measures(Measure)  # a transactional test may have emptied the library
    today = timezone.localdate()
    for index, (engagement, on_time) in enumerate(
        [(desk.alice_engagement, True)] * 5
        + [(desk.alice_engagement, False)]
        + [(desk.mary_engagement, True)] * 2
        + [(desk.mary_engagement, False)] * 2
    ):
        held = today - dt.timedelta(days=index)
        Review.objects.create(
            organisation_id=engagement.organisation_id,
            engagement=engagement,
            held_on=held,
            due_on=held if on_time else held - dt.timedelta(days=90),
            depth="standard",
        )
    rollups.rebuild()

    log_in(page, "mary")
    page.goto(reverse("measures:dashboards"))
    open_nav(page, "Performance", "Benchmarking")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews on time")
    page.get_by_label("Compare", exact=True).select_option(label="Advisers in Enterprise Hub")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    chart = page.get_by_role("img", name="Funnel plot of reviews on time")
    expect(chart).to_be_visible()
    league = page.get_by_role("table", name="Advisers in Enterprise Hub ranked on reviews on time")
    expect(league.get_by_role("row", name="Alice Tester")).to_contain_text("83.3%")
    expect(league.get_by_role("row", name="Mary Tester")).to_contain_text("As expected")
    check_page(page, "measures-benchmarking")

    page.get_by_label("Business or individual").check()
    page.get_by_label("Size band").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    expect(page.get_by_text("adjusted for case-mix").first).to_be_visible()
    expect(league.get_by_role("columnheader", name="O/E")).to_be_visible()
    check_page(page, "measures-benchmarking-case-mix")
