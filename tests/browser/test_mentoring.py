"""A mentor records a session (one of them turns out to be advice), adds the mentee's goal and
ends the relationship with a review and an invitation back; the service manager reviews the
advice given in mentoring from the home page. axe on every page (004 b, g, i, m, 13)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import AgreementFactory, EngagementFactory, ProgrammeFactory
from tests.factories import person
from waypoint.core.roles import Role
from waypoint.delivery.models import AdviceReview, Agreement, Engagement, MentoringSession


def _session(page: Page, *, when: dt.datetime, topics: str, support: str, lead: str) -> None:
    page.get_by_role("link", name="Record a session").click()
    page.locator("#id_occurred_at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_mode").select_option("face_to_face")
    page.locator("#id_place").select_option("client_premises")
    page.locator("#id_duration_minutes").fill("60")
    page.get_by_role("radio", name=support, exact=True).check()
    page.locator("#id_summary").fill(f"Session on {topics.lower()}.")
    page.locator("#id_topics").fill(topics)
    page.locator("#id_reflections").fill("The trade fair did not sell, but showed who buys.")
    page.locator("#id_next_steps").fill("Call the three best leads from the fair.")
    page.get_by_role("radio", name=lead, exact=True).check()
    page.get_by_role("button", name="Save").click()


def test_a_mentor_works_with_a_mentee_and_the_manager_reviews_advice(
    page: Page, cast: Cast
) -> None:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    mentor = person("min", "Min", role=Role.MENTOR, organisation=cast.hub)
    client = ClientFactory(organisation=cast.hub, name="Bright Ideas Ltd")
    today = timezone.localdate()
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=growth,
        lead_adviser=mentor,
        enquiry_date=today - dt.timedelta(days=120),
    )
    AgreementFactory(
        engagement=engagement,
        type=Agreement.Type.MENTORING,
        status=Agreement.Status.ACCEPTED,
        mentoring_goals="Grow in confidence as an employer.",
        planned_duration_weeks=26,
    )
    now = timezone.localtime()

    log_in(page, mentor.username)
    page.goto(engagement.get_absolute_url())
    page.get_by_role("link", name="Sessions, goals and ending").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentoring")
    check_page(page, "mentoring-empty")

    _session(
        page,
        when=now - dt.timedelta(days=30),
        topics="Planning the year",
        support="Mentoring",
        lead="Mostly the mentor",
    )
    expect(page.get_by_text("Planning the year")).to_be_visible()
    page.get_by_role("link", name="Record a session").click()
    check_page(page, "mentoring-session-form")
    page.go_back()
    _session(
        page,
        when=now - dt.timedelta(days=2),
        topics="Pricing the new range",
        support="Advice",
        lead="Mostly the client",
    )
    expect(page.get_by_text("Advice given").first).to_be_visible()
    expect(page.get_by_text("The client now leads more of the goal-setting.")).to_be_visible()
    assert MentoringSession.objects.filter(interaction__engagement=engagement).count() == 2

    page.get_by_role("link", name="Add a goal").click()
    page.locator("#id_statement").fill("Quote prices without apologising")
    page.get_by_role("radio", name="The client", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("cell", name="Quote prices without apologising", exact=True)
    ).to_be_visible()
    check_page(page, "mentoring-with-sessions")

    page.get_by_role("link", name="Plan the end").click()
    page.locator("#id_planned_end_on").fill((today + dt.timedelta(days=60)).isoformat())
    check_page(page, "mentoring-planned-end")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("60 days left")).to_be_visible()
    page.get_by_role("link", name="Change the session of").first.click()
    expect(page.locator("#id_topics")).to_have_value("Pricing the new range")
    page.locator("#id_next_steps").fill("Send the new price list to two regulars.")
    check_page(page, "mentoring-session-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Send the new price list to two regulars.")).to_be_visible()
    page.get_by_role("link", name="Change the goal").click()
    page.locator("#id_status").select_option("achieved")
    check_page(page, "mentee-goal-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("1 (0 being worked on, 1 achieved)")).to_be_visible()

    page.get_by_role("link", name="End the relationship").click()
    page.locator("#id_ended_on").fill(today.isoformat())
    page.get_by_role("radio", name="The client met their goals").check()
    page.locator("#id_relationship_review").fill("Honest sessions; we drifted into advice once.")
    page.locator("#id_closing_summary").fill("Confident on pricing; plans a day a month.")
    page.locator("#id_invited_back").check()
    page.get_by_role("button", name="End the relationship").click()
    expect(page.get_by_text("Say when and how the client can come back.").first).to_be_visible()
    check_page(page, "mentoring-end-refused")
    page.locator("#id_invitation").fill("Any time in the next year, or at the spring evening.")
    page.get_by_role("button", name="End the relationship").click()
    expect(page.get_by_text("Any time in the next year, or at the spring evening.")).to_be_visible()
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.CLOSED
    check_page(page, "mentoring-ended")

    page.context.clear_cookies()
    log_in(page, cast.mary.username)
    page.get_by_role("link", name="1 contact with advice given in mentoring to review").click()
    check_page(page, "advice-flags")
    page.get_by_role("link", name=re.compile(r"^Review the contact")).first.click()
    page.get_by_role("radio", name="To talk over with the mentor").check()
    page.locator("#id_note").fill("Talk over at supervision: pricing advice is fine once.")
    check_page(page, "advice-review-form")
    page.get_by_role("button", name="Save").click()
    assert AdviceReview.objects.get().reviewed_by == cast.mary
    check_page(page, "advice-flags-reviewed")
