"""Self-appraisal and the improvement register in the browser: an adviser appraises herself
and sees the evidence beside her rating; a manager raises an improvement from a concern's page,
takes it through plan, do, check (seeing the measure before and after) and act, and finds it
listed on the concern."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import rollups
from waypoint.measures.library import load_standard_measures
from waypoint.measures.models import Improvement, Measure
from waypoint.monitoring.models import Concern, Review


def test_adviser_appraises_herself_beside_the_evidence(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811
) -> None:
    load_standard_measures(Measure)
    quarter = period_of(timezone.localdate(), PeriodKind.QUARTER)
    for rating in (3, 4):
        Review.objects.create(
            organisation=cast.hub,
            engagement=desk.alice_engagement,
            held_on=quarter.start,
            depth="standard",
            client_rating=rating,
            satisfaction=4,
        )
    rollups.rebuild()
    log_in(page, "alice")
    page.goto(reverse("measures:appraisal-mine"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My self-appraisal")
    check_page(page, "measures-appraisal-mine")
    page.get_by_label("5 (excellent)").check()
    page.get_by_label("What went well").fill("Quick first contacts")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my self-appraisal").click()
    expect(page.get_by_text("Your self-appraisal for")).to_be_visible()
    expect(page.locator("[data-comparison]")).to_contain_text(
        "You rated yourself 5 of 5; clients rated their progress 3.5 of 5 on average (2 reviews)."
    )
    check_page(page, "measures-appraisal-saved")


def test_manager_takes_an_improvement_from_a_concern_through_the_cycle(
    page: Page,
    cast: Cast,
    desk: Desk,  # noqa: F811
) -> None:
    load_standard_measures(Measure)
    rollups.rebuild()
    today = timezone.localdate()
    concern = Concern.objects.create(
        organisation=cast.hub,
        engagement=desk.alice_engagement,
        source="client",
        raised_on=today,
        about="support",
        summary="Nobody called me back",
    )
    log_in(page, "mary")
    concern_url = reverse("monitoring:concern-detail", args=[concern.pk])
    page.goto(concern_url)
    section = page.get_by_role("region", name="Improvements to the service")
    expect(section).to_contain_text("None raised yet.")
    with page.expect_navigation():
        section.get_by_role("link", name="Raise an improvement").click()
    check_page(page, "measures-improvement-new")
    expect(page.get_by_label("What to improve")).to_have_value("Nobody called me back")
    page.get_by_label("Plan").fill("Each adviser keeps an hour a day for call-backs.")
    page.get_by_label("Measure to check").select_option(label="Support hours")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the improvement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nobody called me back")
    check_page(page, "measures-improvement-plan")

    with page.expect_navigation():
        page.get_by_role("link", name="Start doing it").click()
    check_page(page, "measures-improvement-move-do")
    with page.expect_navigation():
        page.get_by_role("button", name="Start doing it").click()

    with page.expect_navigation():
        page.get_by_role("link", name="Check the result").click()
    month = period_of(today, PeriodKind.MONTH)
    page.get_by_label("Period before the change").fill(month.previous().label)
    page.get_by_label("Period after the change").fill(month.label)
    check_page(page, "measures-improvement-move-check")
    with page.expect_navigation():
        page.get_by_role("button", name="Check the result").click()
    comparison = page.locator("[data-comparison]")
    expect(comparison).to_contain_text("Support hours: before and after")
    expect(comparison.locator("[data-side=after]")).to_contain_text("1.0")  # desk's contact
    check_page(page, "measures-improvement-check")

    with page.expect_navigation():
        page.get_by_role("link", name="Act on what the check found").click()
    page.get_by_label("What the check found").fill("Call-backs are quicker.")
    with page.expect_navigation():
        page.get_by_role("button", name="Act on what the check found").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Record the decision and close").click()
    page.get_by_label("Adopt").check()
    page.get_by_label("Reasons for the decision").fill("It worked.")
    check_page(page, "measures-improvement-move-close")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision and close").click()
    expect(page.get_by_text("Decision: Adopt")).to_be_visible()
    check_page(page, "measures-improvement-closed")
    assert Improvement.objects.get().status == Improvement.Status.CLOSED

    page.goto(reverse("measures:improvement-list"))
    check_page(page, "measures-improvement-list")

    # Back on the concern: the improvement it led to, and its decision.
    page.goto(concern_url)
    expect(section).to_contain_text("Nobody called me back: at the closed stage")
    expect(section).to_contain_text("(decided: adopt)")
    check_page(page, "monitoring-concern-with-improvement")
    with page.expect_navigation():
        section.get_by_role("link", name="Nobody called me back").click()
    expect(page.get_by_role("link", name="the concern raised on")).to_have_attribute(
        "href", concern_url
    )
