"""The performance journey in the browser (issue 6): a service manager opens their
organisation's dashboard, follows a figure that is off target to the records behind it,
compares advisers on a funnel plot and downloads the service evaluation as a PDF."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import SCREENSHOT_DIR, check_page, log_in, open_nav
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from tests.delivery.factories import InteractionFactory
from waypoint.core.audit import acting_as
from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import rollups
from waypoint.measures.models import Target
from waypoint.measures.services.evaluations import evaluation_create
from waypoint.monitoring.models import Review


def test_manager_follows_a_red_figure_compares_advisers_and_downloads_the_evaluation(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811  (the fixture imported above)
    standard_measures: dict[str, Any],
) -> None:
    today = timezone.localdate()
    year = period_of(today, PeriodKind.FINANCIAL_YEAR)
    InteractionFactory(engagement=desk.mary_engagement, duration_minutes=90)
    for index, (engagement, on_time) in enumerate(
        [(desk.alice_engagement, True)] * 4
        + [(desk.alice_engagement, False)]
        + [(desk.mary_engagement, True), (desk.mary_engagement, False)]
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
    Target.objects.create(  # far above the two clients supported: red
        measure=standard_measures["clients_supported"],
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period_kind=year.kind.value,
        period_start=year.start,
        value=Decimal(1000),
        amber_within=Decimal(0),
        organisation=cast.hub,
    )
    with acting_as(cast.mary):
        evaluation = evaluation_create(
            acting_user=cast.mary,
            title="",
            scope_kind="organisation",
            scope_id=cast.hub.pk,
            period=year.label,
            strengths="Experienced advisers who know the area.",
            weaknesses="Reviews are often held late.",
            conclusions="Good reach; review timeliness needs work.",
        )

    # The dashboard: the figure off target, followed to its records.
    log_in(page, "mary")
    page.goto(reverse("measures:dashboards"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise Hub")
    expect(page.get_by_text("Off target").first).to_be_visible()
    check_page(page, "performance-journey-dashboard")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("records behind clients supported")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients supported")
    records = page.get_by_role("link", name=re.compile(r"^Contact: "))
    expect(records).to_have_count(2)  # desk's contact (Alice's client) and Mary's above
    check_page(page, "performance-journey-records")

    # Benchmarking: advisers on reviews on time, as a funnel plot.
    open_nav(page, "Performance", "Benchmarking")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews on time")
    page.get_by_label("Compare", exact=True).select_option(label="Advisers in Enterprise Hub")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("img", name="Funnel plot of reviews on time")).to_be_visible()
    league = page.get_by_role("table", name="Advisers in Enterprise Hub ranked on reviews on time")
    expect(league.get_by_role("row", name="Alice Tester")).to_contain_text("80.0%")
    check_page(page, "performance-journey-funnel")

    # The evaluation, downloaded as a PDF.
    page.goto(reverse("measures:evaluation-detail", args=[evaluation.pk]))
    expect(page.get_by_text("Reviews are often held late.")).to_be_visible()
    check_page(page, "performance-journey-evaluation")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    target = SCREENSHOT_DIR / "performance-journey-evaluation.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    download_info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
