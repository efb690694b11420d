"""The performance dashboards in the browser: a service manager opens their organisation's
dashboard, reads a figure against its target and follows it to the records behind it."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from tests.delivery.factories import InteractionFactory
from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import rollups
from waypoint.measures.library import load_standard_measures
from waypoint.measures.models import Measure, Target


def test_manager_opens_the_dashboard_and_follows_a_figure(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811  (the fixture imported above)
) -> None:
    load_standard_measures(Measure)  # a transactional test may have emptied the library
    InteractionFactory(engagement=desk.mary_engagement, duration_minutes=90)
    rollups.rebuild()
    year = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
    Target.objects.create(
        measure=Measure.objects.get(code="clients_supported", organisation=None),
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period_kind=year.kind.value,
        period_start=year.start,
        value=Decimal(1000),
        amber_within=Decimal(0),
        organisation=cast.hub,
    )

    log_in(page, "mary")
    page.goto(reverse("measures:dashboards"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise Hub")
    expect(page.get_by_text("Off target").first).to_be_visible()  # status in words
    check_page(page, "measures-dashboard-organisation")

    figure = page.get_by_role("link", name=re.compile("records behind support hours"))
    with page.expect_navigation():
        figure.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support hours")
    # Two contacts at the hub: desk's (alice) and the one above (mary).
    records = page.get_by_role("link", name=re.compile(r"^Contact: "))
    expect(records).to_have_count(2)
    check_page(page, "measures-dashboard-records")


def test_manager_sees_an_advisers_work_for_their_organisation_only(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811  (the fixture imported above)
) -> None:
    """Alice also advises for Pathways: the hub's manager opens her dashboard and is told that
    its figures count only her work for the hub."""
    from tests.factories import RoleAssignmentFactory
    from waypoint.core.roles import Role
    from waypoint.delivery.models import Engagement

    load_standard_measures(Measure)
    RoleAssignmentFactory(user=cast.alice, organisation=cast.pathways, role=Role.ADVISER)
    Engagement.objects.filter(pk=desk.pathways_engagement.pk).update(lead_adviser=cast.alice)
    InteractionFactory(engagement=desk.pathways_engagement, duration_minutes=120)
    rollups.rebuild()

    log_in(page, "mary")
    page.goto(reverse("measures:dashboard", args=["adviser", cast.alice.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Tester")
    expect(page.get_by_text("count only Alice Tester's work for Enterprise Hub")).to_be_visible()
    check_page(page, "measures-dashboard-adviser-part")
