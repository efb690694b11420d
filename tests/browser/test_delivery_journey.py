"""Issue 3's journey, as an adviser would do it: create a client, open an engagement, record an
agreement with a four-weekly standard review, log a contact; axe on every page visited.

Fields are found by Django's ids (crispy's required-field markup makes label matching brittle);
axe checks on every page that each control has a proper label.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.conftest import Cast
from tests.delivery.factories import ProgrammeFactory
from waypoint.clients.models import Client
from waypoint.delivery.models import Agreement, Engagement, Interaction


def test_adviser_journey_from_new_client_to_first_contact(page: Page, cast: Cast) -> None:
    growth = ProgrammeFactory(
        organisation=cast.northshire, name="Northshire Growth", start_date=dt.date(2026, 4, 1)
    )
    growth.delivering_organisations.set([cast.hub])
    log_in(page, cast.alice.username)

    # A new client
    page.goto(reverse("clients:client-create"))
    check_page(page, "journey-client-create")
    page.get_by_label("Business", exact=True).check()
    page.locator("#id_name").fill("Harbour Coffee Roasters")
    page.locator("#id_postcode").fill("ne1 4st")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Coffee Roasters")
    check_page(page, "journey-client-detail")
    client = Client.objects.get(name="Harbour Coffee Roasters")
    assert client.postcode == "NE1 4ST" and client.created_by == cast.alice

    # An engagement on the programme
    page.get_by_role("link", name="Open an engagement").click()
    check_page(page, "journey-engagement-open")
    page.locator("#id_programme").select_option(label="Northshire Growth")
    page.get_by_role("button", name="Open engagement").click()
    expect(page.get_by_role("link", name="Add an agreement")).to_be_visible()
    engagement = Engagement.objects.get(client=client)
    assert engagement.lead_adviser == cast.alice
    check_page(page, "journey-engagement-detail")

    # The agreement: progress reviewed every four weeks, in standard depth (000 req 1)
    page.get_by_role("link", name="Add an agreement").click()
    check_page(page, "journey-agreement-create")
    page.locator("#id_type").select_option("advice")
    page.locator("#id_adviser_responsibilities").fill(
        "Meet every month, prepare for each session, follow up in writing within a week."
    )
    page.locator("#id_client_responsibilities").fill(
        "Carry out the agreed actions and tell us about changes in the business."
    )
    page.locator("#id_review_every").fill("4")
    page.locator("#id_review_unit").select_option("weeks")
    page.locator("#id_review_depth").select_option("standard")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("every 4 weeks").first).to_be_visible()
    agreement = Agreement.objects.get(engagement=engagement)
    assert (agreement.review_every, agreement.review_unit, agreement.review_depth) == (
        4,
        "weeks",
        "standard",
    )
    check_page(page, "journey-agreement-detail")

    # A contact
    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Log a contact").click()
    check_page(page, "journey-contact-create")
    page.locator("#id_mode").select_option("face_to_face")
    page.locator("#id_place").select_option("our_premises")
    page.locator("#id_duration_minutes").fill("45")
    page.locator("#id_support_type").select_option("advice")
    page.locator("#id_consulting_mode").select_option("catalytic")
    page.locator("#id_summary").fill("First meeting: goals for the year and the cash-flow plan.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("First meeting: goals for the year")).to_be_visible()
    contact = Interaction.objects.get(engagement=engagement)
    assert contact.duration_minutes == 45 and contact.consulting_mode == "catalytic"
    check_page(page, "journey-contact-detail")
