"""Reminders by email: reviews coming due and overdue, and outcome follow-ups (000 reqs 1, 4).

``send_due_reminders`` is the scheduled job (``waypoint.monitoring.tasks.run_scheduled``, daily,
and ``waypoint run-scheduled`` for cron). It can run any number of times a day: each reminder is
sent once, because a ``ReminderSent`` row (unique on kind, key and recipient) is written in the
same transaction that queues the email, and the email leaves only when that row is committed.
A second run, or two runs at once, find the row and send nothing.

- A review: the lead adviser is told once when the next review is within the programme's
  ``remind_days_before`` days of its due date, and once when it is overdue (past the end of the
  on-time window). Only open engagements with an accepted agreement have reviews due.
- An outcome follow-up not yet completed: the lead adviser is told once, when it is due within
  14 days or already overdue; the follow-up's ``reminded_on`` records when.

Changes are attributed to Waypoint's system account (``acting_as``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from waypoint.core.audit import acting_as
from waypoint.core.periods import local_date
from waypoint.delivery.models import Agreement, Engagement
from waypoint.monitoring.models import MonitoringSettings, OutcomeFollowUp, ReminderSent
from waypoint.monitoring.selectors_reviews import Schedule, review_schedule
from waypoint.monitoring.selectors_settings import settings_for

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
FOLLOW_UP_NOTICE_DAYS = 14
CHUNK = 500

REVIEW_DUE = "review_due"
REVIEW_OVERDUE = "review_overdue"
FOLLOW_UP = "outcome_follow_up"
NO_ADDRESS = "no_address"


def base_url() -> str:
    return str(getattr(settings, "WAYPOINT_BASE_URL", DEFAULT_BASE_URL)).rstrip("/")


def send_due_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Send the reminders due today (each organisation's own date unless ``today`` is given).

    Returns how many of each kind were sent, and how many could not be sent because the lead
    adviser has no email address.
    """
    counts = {REVIEW_DUE: 0, REVIEW_OVERDUE: 0, FOLLOW_UP: 0, NO_ADDRESS: 0}
    with acting_as(None):
        _review_reminders(today, counts)
        _follow_up_reminders(today, counts)
    return counts


# Reviews ---------------------------------------------------------------------------------------


def _review_reminders(today: dt.date | None, counts: dict[str, int]) -> None:
    # 000 req 1: reviews are held as often as agreed, so only agreed (accepted) terms count.
    accepted = Agreement.objects.filter(engagement=OuterRef("pk"), status=Agreement.Status.ACCEPTED)
    # A paused engagement expects no reviews; an adviser who has left gets no email.
    engagements = (
        Engagement.objects.filter(status=Engagement.Status.ACTIVE, lead_adviser__is_active=True)
        .filter(Exists(accepted))
        .select_related("organisation", "client", "programme", "lead_adviser")
        .order_by("pk")
    )
    now = timezone.now()
    programme_settings: dict[int, MonitoringSettings] = {}
    for engagement in engagements.iterator(chunk_size=CHUNK):
        on = today or local_date(now, engagement.organisation.time_zone)
        schedule = review_schedule(engagement, on=on)
        next_due = schedule.next_due
        if next_due is None:
            continue
        if engagement.programme_id not in programme_settings:
            programme_settings[engagement.programme_id] = settings_for(engagement.programme)
        remind_days = programme_settings[engagement.programme_id].remind_days_before
        window_end = schedule.window_end or next_due
        if on > window_end:
            kind = REVIEW_OVERDUE
        elif on >= next_due - dt.timedelta(days=remind_days):
            kind = REVIEW_DUE
        else:
            continue
        subject, body = _review_message(kind, engagement, schedule, on)
        _send_once(
            counts,
            kind=kind,
            key=f"engagement:{engagement.pk}:{next_due.isoformat()}",
            user=engagement.lead_adviser,
            organisation_id=engagement.organisation_id,
            subject=subject,
            body=body,
        )


def _review_message(
    kind: str, engagement: Engagement, schedule: Schedule, on: dt.date
) -> tuple[str, str]:
    assert schedule.next_due is not None
    client = engagement.client.name
    due = _day(schedule.next_due)
    window = ""
    if schedule.window_start and schedule.window_end:
        window = (
            f" It is on time from {_day(schedule.window_start)} to {_day(schedule.window_end)}."
        )
    if kind == REVIEW_OVERDUE:
        subject = f"Review overdue: {client}"
        opening = (
            f"The review with {client} was due on {due} and is now overdue: the on-time "
            f"window ended on {_day(schedule.window_end or schedule.next_due)}."
        )
    else:
        subject = f"Review due on {due}: {client}"
        verb = "was" if on > schedule.next_due else "is"
        opening = f"The review with {client} {verb} due on {due}.{window}"
    body = _body(
        engagement,
        opening,
        "Hold the review as agreed with the client and record it on the engagement's page:",
    )
    return subject, body


# Outcome follow-ups ----------------------------------------------------------------------------


def _follow_up_reminders(today: dt.date | None, counts: dict[str, int]) -> None:
    # 000 req 4: the effect on the client's business is measured at the follow-ups after closure.
    now = timezone.now()
    # One day's margin for the organisations whose date is ahead; each is checked exactly below.
    horizon = (today or timezone.localdate()) + dt.timedelta(days=FOLLOW_UP_NOTICE_DAYS + 1)
    follow_ups = (
        OutcomeFollowUp.objects.filter(
            completed_on__isnull=True, reminded_on__isnull=True, due_on__lte=horizon
        )
        .select_related(
            "engagement__organisation", "engagement__client", "engagement__lead_adviser"
        )
        .order_by("pk")
    )
    for follow_up in follow_ups.iterator(chunk_size=CHUNK):
        engagement = follow_up.engagement
        on = today or local_date(now, engagement.organisation.time_zone)
        if follow_up.due_on > on + dt.timedelta(days=FOLLOW_UP_NOTICE_DAYS):
            continue
        client = engagement.client.name
        due = _day(follow_up.due_on)
        what = f"The {follow_up.months_after}-month outcome follow-up with {client}"
        if follow_up.due_on < on:
            subject = f"Outcome follow-up overdue: {client}"
            opening = f"{what} was due on {due}."
        else:
            subject = f"Outcome follow-up due on {due}: {client}"
            opening = f"{what} is due on {due}."
        body = _body(
            engagement,
            opening,
            "Ask the client for their figures, with the evidence for each, and record them on "
            "the engagement's page:",
        )
        _send_once(
            counts,
            kind=FOLLOW_UP,
            key=f"follow_up:{follow_up.pk}",
            user=engagement.lead_adviser,
            organisation_id=engagement.organisation_id,
            subject=subject,
            body=body,
            also=partial(_mark_reminded, follow_up.pk, on),
        )


def _mark_reminded(follow_up_pk: int, on: dt.date) -> None:
    follow_up = OutcomeFollowUp.objects.get(pk=follow_up_pk)
    follow_up.reminded_on = on
    follow_up.save(update_fields=["reminded_on", "updated_at"])


# Sending ---------------------------------------------------------------------------------------


def _send_once(
    counts: dict[str, int],
    *,
    kind: str,
    key: str,
    user: Any,
    organisation_id: int,
    subject: str,
    body: str,
    also: Callable[[], None] | None = None,
) -> None:
    """Record the reminder and queue its email in one transaction; nothing if already sent."""
    to = (getattr(user, "email", "") or "").strip()
    if not to:
        logger.warning("No reminder %s %s: the lead adviser has no email address.", kind, key)
        counts[NO_ADDRESS] += 1
        return
    if ReminderSent.objects.filter(kind=kind, key=key, to=to).exists():
        return
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                organisation_id=organisation_id,
                kind=kind,
                key=key,
                to=to,
                sent_at=timezone.now(),
            )
            if also is not None:
                also()
            # The email leaves once the row is committed, so that it is never sent twice; a
            # failure to send is logged, and the other reminders still go.
            transaction.on_commit(
                partial(send_mail, subject, body, None, [to], fail_silently=False), robust=True
            )
    except IntegrityError:
        return  # another run recorded it first
    counts[kind] += 1


def _body(engagement: Engagement, opening: str, instruction: str) -> str:
    adviser = engagement.lead_adviser
    name = getattr(adviser, "first_name", "") or getattr(adviser, "username", "")
    link = f"{base_url()}{engagement.get_absolute_url()}"
    return (
        f"Hello {name},\n\n{opening}\n\n{instruction}\n{link}\n\n"
        "This reminder is sent once. Waypoint\n"
    )


def _day(value: dt.date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"
