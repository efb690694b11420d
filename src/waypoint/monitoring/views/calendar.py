"""An adviser's upcoming reviews as an iCalendar feed, for Outlook, Google or Apple calendars
(000 req 1: reviews held as agreed).

The feed has no sign-in: calendar programs cannot sign in. Its address carries a token signed
with the site's secret (salt ``waypoint.review_calendar``) that names the user and a fingerprint
of their password hash, so that changing the password changes the address and stops the old
one working (that is how an address is revoked). The token holds no client data; the feed shows
only the user's own caseload, and a token that does not check out answers 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views import View

from waypoint.core.models import User
from waypoint.core.viewkit import PolicyViewMixin
from waypoint.monitoring.models import Review
from waypoint.monitoring.reminders import base_url
from waypoint.monitoring.selectors_reviews import Schedule, reviews_due

SALT = "waypoint.review_calendar"
FEED_NAME = "Waypoint reviews"
# Every next review (the longest agreed interval is a year), however far ahead.
HORIZON_DAYS = 400


# The token -------------------------------------------------------------------------------------


def _fingerprint(user: Any) -> str:
    """Changes whenever the password changes (Django's password reset tokens rely on it too)."""
    return hashlib.sha256((user.password or "").encode()).hexdigest()[:12]


def calendar_token(user: Any) -> str:
    return signing.Signer(salt=SALT).sign(f"{user.pk}.{_fingerprint(user)}")


def user_for_token(token: str) -> User | None:
    """The active user a token names, or None when it is altered or out of date."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, fingerprint = value.partition(".")
    if not pk.isdigit():
        return None
    user = User.objects.filter(pk=int(pk), is_active=True).first()
    if user is None or not constant_time_compare(fingerprint, _fingerprint(user)):
        return None
    return user


# The reviews -----------------------------------------------------------------------------------


def upcoming_reviews(user: Any) -> list[Schedule]:
    """The next review of each open engagement in the user's own caseload (led or assigned)
    with an accepted agreement, soonest first; overdue reviews stay until they are held."""
    schedules = [s for s in reviews_due(user, within_days=HORIZON_DAYS, scope="mine") if s.next_due]
    return sorted(schedules, key=lambda s: (s.next_due, s.engagement.client.name, s.engagement.pk))


# iCalendar (RFC 5545), written by hand ---------------------------------------------------------


def _escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (RFC 5545 3.1), never
    splitting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = 74  # the continuation's leading space counts
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _date(value: dt.date) -> str:
    return f"{value:%Y%m%d}"


def render_ics(reviews: list[Schedule], *, stamp: dt.datetime, site: str) -> str:
    host = urlsplit(site).hostname or "waypoint"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Waypoint//Reviews//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(FEED_NAME)}",
    ]
    dtstamp = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for review in reviews:
        due = review.next_due
        if due is None:
            continue
        engagement = review.engagement
        link = f"{site}{engagement.get_absolute_url()}"
        description = f"Review with {engagement.client.name} on {engagement.programme}."
        if review.window_start and review.window_end:
            description += (
                f"\nOn time from {review.window_start:%d %b %Y} to {review.window_end:%d %b %Y}."
            )
        description += f"\n{link}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:review-{engagement.pk}-{_date(due)}@{host}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{_date(due)}",
            f"DTEND;VALUE=DATE:{_date(due + dt.timedelta(days=1))}",
            f"SUMMARY:{_escape(f'Review: {engagement.client.name}')}",
            f"DESCRIPTION:{_escape(description)}",
            f"URL:{link}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)


# Views -----------------------------------------------------------------------------------------


class CalendarPageView(PolicyViewMixin, View):
    """The signed-in adviser's feed address, how to add it to a calendar, what it holds."""

    policy_model = Review

    def get(self, request: HttpRequest) -> HttpResponse:
        feed_path = reverse("monitoring:calendar-feed", args=[calendar_token(request.user)])
        return render(
            request,
            "monitoring/review_calendar.html",
            {
                "feed_url": request.build_absolute_uri(feed_path),
                "reviews": upcoming_reviews(request.user),
            },
        )


class CalendarFeedView(View):
    """The feed itself: no sign-in; a token that does not check out is a 404."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        user = user_for_token(token)
        if user is None:
            raise Http404("No such calendar.")
        body = render_ics(upcoming_reviews(user), stamp=timezone.now(), site=base_url())
        response = HttpResponse(body.encode(), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="waypoint-reviews.ics"'
        response["Cache-Control"] = "private, max-age=900"
        response["X-Robots-Tag"] = "noindex"
        return response


urlpatterns = [
    path("reviews/calendar/", CalendarPageView.as_view(), name="calendar"),
    path("calendar/<str:token>.ics", CalendarFeedView.as_view(), name="calendar-feed"),
]
