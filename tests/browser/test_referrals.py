"""An adviser makes a referral from the engagement page, moves it on and records its outcome;
axe on every page visited (001 E5.07 2.2; 004 j)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory, ConsentFactory
from tests.conftest import Cast
from tests.delivery.factories import EngagementFactory, ProgrammeFactory, ServiceFactory
from waypoint.clients.models import Consent
from waypoint.delivery.models import Referral


def test_adviser_makes_a_referral_and_records_the_outcome(page: Page, cast: Cast) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name="Harbour Coffee Roasters")
    ConsentFactory(
        client=client,
        kind=Consent.Kind.SHARE_WITH_PARTNERS,
        lawful_basis=Consent.LawfulBasis.CONSENT,
        granted_on=timezone.localdate() - dt.timedelta(days=3),
    )
    ServiceFactory(organisation=cast.hub, name="Export Desk")
    engagement = EngagementFactory(
        organisation=cast.hub, client=client, programme=growth, lead_adviser=cast.alice
    )
    log_in(page, cast.alice.username)

    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Make a referral").click()
    check_page(page, "referral-create")
    page.get_by_label("Make the referral now").check()
    page.locator("#id_service").select_option(label="Export Desk")
    page.locator("#id_reason").fill("Customs paperwork for the first shipment abroad.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Export Desk")
    referral = Referral.objects.get(engagement=engagement)
    assert referral.status == Referral.Status.MADE and referral.created_by == cast.alice
    check_page(page, "referral-detail")

    page.get_by_role("button", name="Accepted by the service").click()
    expect(page.get_by_text("Referral now accepted.")).to_be_visible()
    page.get_by_role("link", name="Record the outcome").click()
    check_page(page, "referral-outcome")
    page.locator("#id_outcome").fill("Shipment cleared customs.")
    page.locator("#id_usefulness_client").select_option("very_useful")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Shipment cleared customs.")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.usefulness_client == Referral.Usefulness.VERY_USEFUL

    page.goto(reverse("delivery:referral-list"))
    expect(page.get_by_role("link", name="Harbour Coffee Roasters")).to_be_visible()
    check_page(page, "referral-list")
