"""Reads for reviews: each engagement's review schedule, the due and overdue lists, and whether
a review was held on time.

000 req 1: reviews are held as often as agreed with the client. The next review is due on the
date agreed at the last review; failing that, on the programme's fixed calendar when it runs
one; else the agreed interval after the last review (or after the agreement was accepted). A
review is on time within ``MonitoringSettings.on_time_days`` either side of its due date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from waypoint.core.periods import local_date
from waypoint.delivery.models import Agreement, Engagement, review_interval_days
from waypoint.delivery.selectors import caseload_for
from waypoint.monitoring.models import MonitoringSettings, Review, ReviewMode
from waypoint.monitoring.selectors_settings import settings_for, settings_for_programmes

UPCOMING = "upcoming"
DUE = "due"
OVERDUE = "overdue"
UNSCHEDULED = "unscheduled"  # no accepted agreement: nothing agreed to review against
STATES = (OVERDUE, DUE, UPCOMING)
STATE_LABELS = {
    OVERDUE: "Overdue",
    DUE: "Due now",
    UPCOMING: "Upcoming",
    UNSCHEDULED: "Not scheduled",
}
_STATE_ORDER = {OVERDUE: 0, DUE: 1, UPCOMING: 2, UNSCHEDULED: 3}

ON_TIME = "on time"
LATE = "late"
EARLY = "early"


@dataclass(frozen=True)
class Schedule:
    """When an engagement's next review is due and where it stands today."""

    engagement: Engagement
    next_due: dt.date | None
    window_start: dt.date | None
    window_end: dt.date | None
    state: str  # "upcoming", "due", "overdue"; "unscheduled" without an accepted agreement
    last_review: Review | None
    today: dt.date

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_text(self) -> str:
        """The state in words, with its dates (meaning never by colour alone)."""
        if self.next_due is None:
            return "Not scheduled: no agreement has been accepted yet."
        due = day_text(self.next_due)
        window = f"on time from {day_text(self.window_start)} to {day_text(self.window_end)}"
        if self.state == OVERDUE:
            days = (self.today - self.next_due).days
            return f"Overdue: was due on {due}, {days} day{'s' if days != 1 else ''} ago."
        if self.state == DUE:
            return f"Due now: due on {due} ({window})."
        return f"Upcoming: due on {due} ({window})."

    @property
    def days_to_due(self) -> int | None:
        return None if self.next_due is None else (self.next_due - self.today).days


def day_text(day: dt.date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day is not None else ""


# The rules -------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, on the month's last day when it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def next_calendar_date(starts_on: dt.date, every_months: int, after: dt.date) -> dt.date:
    """The first date of the calendar (``starts_on`` plus k times ``every_months``, k ≥ 0) that is
    later than ``after``."""
    if after < starts_on:
        return starts_on
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    k = max(0, months // every_months - 1)
    while (candidate := add_months(starts_on, k * every_months)) <= after:
        k += 1
    return candidate


def next_review_date(
    *,
    settings: MonitoringSettings,
    agreement: Agreement | None,
    last_review: Review | None,
    accepted_on: dt.date | None,
) -> dt.date | None:
    """The date the next review is due, or None without an accepted agreement (000 req 1).

    A date agreed with the client at the last review comes first; then, for a programme with a
    fixed calendar, the calendar's next date; else the agreed interval after the last review,
    or after the agreement was accepted."""
    if agreement is None or accepted_on is None:
        return None
    if last_review is not None and last_review.next_review_on is not None:
        return last_review.next_review_on  # agreed with the client at the last review
    if settings.review_mode == ReviewMode.CALENDAR and settings.calendar_starts_on is not None:
        # A fixed calendar for every client: the next date after the last review (a review
        # held early for a calendar date counts for that date) or after the acceptance.
        if last_review is not None:
            after = max(last_review.held_on, last_review.due_on or last_review.held_on)
        else:
            after = accepted_on
        return next_calendar_date(
            settings.calendar_starts_on, settings.calendar_every_months, after
        )
    interval = dt.timedelta(
        days=review_interval_days(agreement.review_every, agreement.review_unit)
    )
    if last_review is not None:
        return last_review.held_on + interval
    return accepted_on + interval


def schedule_state(next_due: dt.date | None, on_time_days: int, today: dt.date) -> str:
    if next_due is None:
        return UNSCHEDULED
    if today < next_due - dt.timedelta(days=on_time_days):
        return UPCOMING
    if today <= next_due + dt.timedelta(days=on_time_days):
        return DUE
    return OVERDUE


def _today(engagement: Engagement) -> dt.date:
    return local_date(timezone.now(), engagement.organisation.time_zone)


def _build(
    engagement: Engagement,
    *,
    settings: MonitoringSettings,
    agreement: Agreement | None,
    last_review: Review | None,
    today: dt.date,
) -> Schedule:
    accepted_on = (
        local_date(agreement.accepted_at, engagement.organisation.time_zone)
        if agreement is not None and agreement.accepted_at is not None
        else None
    )
    next_due = next_review_date(
        settings=settings, agreement=agreement, last_review=last_review, accepted_on=accepted_on
    )
    margin = dt.timedelta(days=settings.on_time_days)
    return Schedule(
        engagement=engagement,
        next_due=next_due,
        window_start=next_due - margin if next_due else None,
        window_end=next_due + margin if next_due else None,
        state=schedule_state(next_due, settings.on_time_days, today),
        last_review=last_review,
        today=today,
    )


# Selectors -------------------------------------------------------------------------------------


def accepted_agreement(engagement: Engagement) -> Agreement | None:
    """The latest accepted version of the engagement's agreement."""
    return (
        engagement.agreements.filter(status=Agreement.Status.ACCEPTED).order_by("-version").first()
    )


def last_review(engagement: Engagement) -> Review | None:
    return Review.objects.filter(engagement=engagement).order_by("-held_on", "-pk").first()


def review_schedule(engagement: Engagement, *, on: dt.date | None = None) -> Schedule:
    """The engagement's review schedule as it stands ``on`` (today, in the organisation's
    time zone). The caller has already checked that the user may see the engagement."""
    return _build(
        engagement,
        settings=settings_for(engagement.programme),
        agreement=accepted_agreement(engagement),
        last_review=last_review(engagement),
        today=on or _today(engagement),
    )


def reviews_due(
    user: Any,
    *,
    within_days: int = 14,
    scope: str = "mine",
    on: dt.date | None = None,
) -> list[Schedule]:
    """The schedules of the open engagements in the user's caseload (``scope`` as in
    ``delivery.selectors.caseload_for``: their own, or their team's or organisation's for a
    manager) whose review is overdue, due now, or due within ``within_days``: overdue first,
    then due, then upcoming, earliest first. Four queries whatever the caseload's size."""
    # ``accepted_at`` is annotated by caseload_for: an accepted agreement is needed.
    caseload: Any = caseload_for(user=user, scope=scope)
    engagements: QuerySet[Engagement] = (
        caseload.filter(accepted_at__isnull=False)
        .annotate(
            last_review_pk=Subquery(
                Review.objects.filter(engagement=OuterRef("pk"))
                .order_by("-held_on", "-pk")
                .values("pk")[:1]
            )
        )
        .prefetch_related(
            Prefetch(
                "agreements",
                queryset=Agreement.objects.filter(status=Agreement.Status.ACCEPTED).order_by(
                    "-version"
                ),
                to_attr="accepted_agreements",
            )
        )
    )
    rows = list(engagements)
    if not rows:
        return []
    reviews = Review.objects.in_bulk([e.last_review_pk for e in rows if e.last_review_pk])  # type: ignore[attr-defined]
    settings = settings_for_programmes({e.programme for e in rows})
    found = []
    for engagement in rows:
        today = on or _today(engagement)
        accepted = engagement.accepted_agreements  # type: ignore[attr-defined]
        schedule = _build(
            engagement,
            settings=settings[engagement.programme_id],
            agreement=accepted[0] if accepted else None,
            last_review=reviews.get(engagement.last_review_pk),  # type: ignore[attr-defined]
            today=today,
        )
        if schedule.next_due is None:
            continue
        if schedule.state != UPCOMING or schedule.next_due <= today + dt.timedelta(
            days=within_days
        ):
            found.append(schedule)
    found.sort(key=lambda s: (_STATE_ORDER[s.state], s.next_due, s.engagement.pk))
    return found


def review_timeliness(review: Review, *, settings: MonitoringSettings | None = None) -> str:
    """Whether the review was held "on time" (within the window around its due date), "late",
    "early", or "unscheduled" (nothing was due when it was held)."""
    if review.due_on is None:
        return UNSCHEDULED
    margin = dt.timedelta(days=(settings or settings_for(review.engagement.programme)).on_time_days)
    if review.held_on < review.due_on - margin:
        return EARLY
    if review.held_on > review.due_on + margin:
        return LATE
    return ON_TIME


def reviews_for(*, user: Any, action: str = "view") -> QuerySet[Review]:
    """Reviews the user may see, newest first."""
    return (
        Review.objects.restrict(user, action)
        .select_related("engagement__client", "engagement__programme", "recorded_by")
        .order_by("-held_on", "-pk")
    )


def review_with_progress(*, user: Any, pk: Any) -> Review | None:
    """One review with its goal and action progress, participants and linked records."""
    return (
        reviews_for(user=user)
        .filter(pk=pk)
        .select_related("agreement", "self_review", "engagement__organisation")
        .prefetch_related(
            "goal_progress__goal",
            "action_progress__action__goal",
            "staff",
            "client_people",
            "concerns",
            "programme_changes",
        )
        .first()
    )
