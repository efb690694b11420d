"""The adviser's iCalendar feed of upcoming reviews (issue 5 item 1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.delivery.factories import AgreementFactory
from tests.permissions import check_access
from waypoint.delivery.models import Agreement, Engagement
from waypoint.monitoring.selectors_reviews import review_schedule
from waypoint.monitoring.views.calendar import _fold, calendar_token, render_ics

ACCEPTED_AT = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def accept(agreement: Agreement) -> Agreement:
    agreement.status = Agreement.Status.ACCEPTED
    agreement.accepted_at = ACCEPTED_AT
    agreement.accepted_via = Agreement.AcceptedVia.IN_PERSON
    agreement.save()
    return agreement


@pytest.fixture
def reviews(cast, desk):
    """Alice's and Mary's engagements with accepted agreements (reviews due 29 June 2026)."""
    accept(desk.agreement)
    accept(AgreementFactory(engagement=desk.mary_engagement))
    return desk


def feed_url(user) -> str:
    return reverse("monitoring:calendar-feed", args=[calendar_token(user)])


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_the_feed_is_valid_icalendar_with_only_the_users_own_reviews(cast, reviews):
    response = Client().get(feed_url(cast.alice))  # no sign-in: calendar programs cannot
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()

    # CRLF line endings everywhere, no line over 75 octets, begins and ends the calendar.
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75, line

    lines = unfold(body)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    due = review_schedule(reviews.alice_engagement).next_due
    assert due == dt.date(2026, 6, 29)
    assert "SUMMARY:Review: Acme Widgets Ltd" in lines
    assert "DTSTART;VALUE=DATE:20260629" in lines
    assert "DTEND;VALUE=DATE:20260630" in lines
    assert f"UID:review-{reviews.alice_engagement.pk}-20260629@127.0.0.1" in lines
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines)
    # Mary's client is on her calendar, not Alice's.
    assert "Zenith Bakery" not in body


def test_each_adviser_gets_their_own_reviews(cast, reviews):
    body = Client().get(feed_url(cast.mary)).content.decode()
    assert "SUMMARY:Review: Zenith Bakery" in unfold(body)
    assert "Acme Widgets Ltd" not in body


def test_closed_engagements_and_drafts_are_left_out(cast, desk):
    AgreementFactory(engagement=desk.mary_engagement)  # a draft: nothing agreed yet
    body = Client().get(feed_url(cast.mary)).content.decode()
    assert "BEGIN:VEVENT" not in body
    accept(desk.agreement)
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason=Engagement.EndReason.COMPLETED
    )
    body = Client().get(feed_url(cast.alice)).content.decode()
    assert "BEGIN:VEVENT" not in body
    assert body.endswith("END:VCALENDAR\r\n")


def test_a_bad_token_is_a_404(cast, reviews):
    good = calendar_token(cast.alice)
    for token in ("nonsense", good[:-2] + "xx", good.replace(str(cast.alice.pk), "99999", 1)):
        url = reverse("monitoring:calendar-feed", args=[token])
        assert Client().get(url).status_code == 404, token


def test_changing_the_password_revokes_the_address(cast, reviews):
    url = feed_url(cast.alice)
    assert Client().get(url).status_code == 200
    cast.alice.set_password("a brand new passphrase 42")
    cast.alice.save()
    assert Client().get(url).status_code == 404
    assert Client().get(feed_url(cast.alice)).status_code == 200


def test_a_deactivated_persons_feed_is_a_404(cast, reviews):
    url = feed_url(cast.alice)
    cast.alice.is_active = False
    cast.alice.save()
    assert Client().get(url).status_code == 404


def test_the_calendar_page_shows_the_personal_address(cast, reviews):
    response = check_access(
        cast,
        reverse("monitoring:calendar"),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )
    page = response.content.decode()
    assert f"http://testserver{feed_url(cast.alice)}" in page
    assert feed_url(cast.mary) not in page
    assert '<label for="feed-url"' in page
    assert "change your password" in page
    assert "Acme Widgets Ltd" in page
    assert "Zenith Bakery" not in page
    assert '<th scope="col">Client</th>' in page


def test_long_lines_are_folded_without_splitting_characters():
    line = "SUMMARY:" + "Café, Crème; Brûlée\\ " * 10
    folded = _fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 2
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line


def test_text_values_are_escaped(cast, reviews):
    engagement = reviews.alice_engagement
    engagement.client.name = "Smith, Jones; Partners\\Co"
    schedule = review_schedule(engagement)
    body = render_ics(
        [schedule], stamp=dt.datetime(2026, 6, 1, tzinfo=dt.UTC), site="https://w.example"
    )
    assert "SUMMARY:Review: Smith\\, Jones\\; Partners\\\\Co" in unfold(body)
    assert "DTSTAMP:20260601T000000Z" in unfold(body)
    assert f"UID:review-{engagement.pk}-20260629@w.example" in unfold(body)
