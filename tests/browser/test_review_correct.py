"""An adviser corrects a review she recorded: refused without a reason (the error names the
field), then saved with one, and the reason is shown on the review with who corrected it and
when. axe on every page (000 req 5)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import AgreementFactory, EngagementFactory, ProgrammeFactory
from waypoint.core.selectors import domain_events_for
from waypoint.delivery.models import Agreement
from waypoint.monitoring.models import Review
from waypoint.monitoring.services.reviews import review_record

REASON = "The client gave 4 for satisfaction, not 2: the wrong box was ticked."


def _recorded_review(cast: Cast) -> Review:
    """Northshire's growth programme delivered by the hub; Alice's client, whose review she
    recorded a week ago with a satisfaction of 2."""
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
    AgreementFactory(
        engagement=engagement,
        status=Agreement.Status.ACCEPTED,
        accepted_at=timezone.now() - dt.timedelta(days=40),
        accepted_via=Agreement.AcceptedVia.IN_PERSON,
        review_every=4,
        review_unit="weeks",
    )
    return review_record(
        engagement=engagement,
        acting_user=cast.alice,
        held_on=today - dt.timedelta(days=7),
        depth=Review.Depth.choices[0][0],
        staff=[cast.alice],
        client_rating=4,
        adviser_rating=3,
        satisfaction=2,
        went_well="The first quarter's figures are in.",
    )


def test_an_adviser_corrects_a_review_with_a_reason(page: Page, cast: Cast) -> None:
    review = _recorded_review(cast)
    log_in(page, cast.alice.username)

    page.goto(review.get_absolute_url())
    satisfaction = page.locator("dt", has_text="Satisfaction").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(satisfaction).to_have_text("2 out of 5")
    expect(page.get_by_role("heading", name="Corrections")).to_have_count(0)
    check_page(page, "review-correct-detail-before")

    page.get_by_role("link", name="Correct this review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct the review of")
    satisfaction_field = page.get_by_label("The client's satisfaction with the support (1 to 5)")
    expect(satisfaction_field).to_have_value("2")
    check_page(page, "review-correct-form")

    # Without a reason: refused, the summary names the field and links to it.
    satisfaction_field.select_option("4")
    page.get_by_role("button", name="Save the correction").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Why it is corrected")
    expect(summary.get_by_role("link", name="Why it is corrected")).to_have_attribute(
        "href", "#id_reason"
    )
    expect(page.get_by_label("Why it is corrected")).to_have_attribute("aria-invalid", "true")
    check_page(page, "review-correct-form-error")
    review.refresh_from_db()
    assert review.satisfaction == 2
    assert not domain_events_for(obj=review).filter(verb="review.corrected").exists()

    # With a reason: saved, and the reason is shown on the review.
    expect(page.get_by_label("The client's satisfaction with the support (1 to 5)")).to_have_value(
        "4"
    )
    page.get_by_label("Why it is corrected").fill(REASON)
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("corrected.", exact=False).first).to_be_visible()
    expect(satisfaction).to_have_text("4 out of 5")
    corrections = page.get_by_role("region", name="Corrections")
    on = timezone.localdate().strftime("%-d %b %Y")
    expect(corrections.get_by_role("listitem")).to_have_text(
        f"Corrected on {on} by {cast.alice}: {REASON}"
    )
    check_page(page, "review-correct-detail-after")
    review.refresh_from_db()
    assert review.satisfaction == 4 and review.client_rating == 4
    event = domain_events_for(obj=review).get(verb="review.corrected")
    assert event.data["reason"] == REASON
    assert "satisfaction" in event.data["fields"]
