"""Reads for concerns (000 reqs 5, 6): the concerns a person may see, filtered, and their time
limits (per programme: days to acknowledge and to resolve, counted from the day it was raised).

Overdue is decided in SQL: the programmes' limits take a handful of values, so "raised more than
N days ago" becomes one condition per value rather than a loop over concerns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.models import Programme
from waypoint.monitoring.models import Concern, MonitoringSettings

Status = Concern.Status
OPEN_STATUSES = (Status.RAISED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REFERRED)
UNRESOLVED_STATUSES = OPEN_STATUSES
ESCALATION_ROLES = frozenset({*MANAGING_ROLES, Role.CONTRACT_MANAGER})


def _default(field: str) -> int:
    from django.db.models import Field

    model_field = MonitoringSettings._meta.get_field(field)
    assert isinstance(model_field, Field)
    return int(model_field.get_default())


def settings_for(programme: Programme | None) -> MonitoringSettings:
    """The programme's monitoring settings; defaults when it has none saved (a read never
    writes: the settings page creates them)."""
    if programme is not None:
        try:
            from waypoint.monitoring import selectors_settings  # another area's module

            found = selectors_settings.settings_for(programme)
            if isinstance(found, MonitoringSettings):
                return found
        except (ImportError, AttributeError):
            pass
        saved = MonitoringSettings.objects.filter(programme=programme).first()
        if saved is not None:
            return saved
        return MonitoringSettings(programme=programme)
    return MonitoringSettings()


@dataclass(frozen=True)
class ConcernDeadlines:
    acknowledge_by: dt.date
    resolve_by: dt.date
    acknowledge_overdue: bool
    acknowledged_late: bool
    resolve_overdue: bool
    resolved_late: bool
    today: dt.date

    @property
    def is_overdue(self) -> bool:
        return self.acknowledge_overdue or self.resolve_overdue

    def _days(self, date: dt.date) -> str:
        days = abs((date - self.today).days)
        return f"{days} day{'s' if days != 1 else ''}"

    @property
    def acknowledge_words(self) -> str:
        if self.acknowledge_overdue:
            return f"Overdue: acknowledgement was due {self._days(self.acknowledge_by)} ago."
        if self.acknowledged_late:
            return "Acknowledged late."
        return ""

    @property
    def resolve_words(self) -> str:
        if self.resolve_overdue:
            return f"Overdue: resolution was due {self._days(self.resolve_by)} ago."
        if self.resolved_late:
            return "Resolved late."
        return ""


def concern_deadlines(
    concern: Concern,
    on: dt.date | None = None,
    *,
    settings: MonitoringSettings | None = None,
) -> ConcernDeadlines:
    """When the concern must be acknowledged and resolved by, and whether either is overdue."""
    today = on or timezone.localdate()
    settings = settings or settings_for(concern.programme)
    acknowledge_by = concern.raised_on + dt.timedelta(days=settings.acknowledge_concern_days)
    resolve_by = concern.raised_on + dt.timedelta(days=settings.resolve_concern_days)
    unresolved = concern.status in UNRESOLVED_STATUSES
    return ConcernDeadlines(
        acknowledge_by=acknowledge_by,
        resolve_by=resolve_by,
        acknowledge_overdue=concern.acknowledged_on is None and today > acknowledge_by,
        acknowledged_late=bool(
            concern.acknowledged_on and concern.acknowledged_on > acknowledge_by
        ),
        resolve_overdue=unresolved and concern.resolved_on is None and today > resolve_by,
        resolved_late=bool(concern.resolved_on and concern.resolved_on > resolve_by),
        today=today,
    )


def _raised_more_than(field: str, today: dt.date, programmes: Any = None) -> Q:
    """Concerns raised more than the programme's ``field`` days before ``today``."""
    by_days: dict[int, list[int]] = defaultdict(list)
    saved = MonitoringSettings.objects.all()
    if programmes is not None:
        saved = saved.filter(programme__in=programmes)
    for programme_id, days in saved.values_list("programme_id", field):
        by_days[days].append(programme_id)
    with_settings = [pk for ids in by_days.values() for pk in ids]
    condition = ~Q(programme__in=with_settings) & Q(
        raised_on__lt=today - dt.timedelta(days=_default(field))
    )
    for days, ids in by_days.items():
        condition |= Q(programme__in=ids, raised_on__lt=today - dt.timedelta(days=days))
    return condition


def overdue_condition(on: dt.date | None = None) -> Q:
    """Concerns not acknowledged, or not resolved, within their programme's time limit."""
    today = on or timezone.localdate()
    not_acknowledged = Q(acknowledged_on__isnull=True, status=Status.RAISED) & _raised_more_than(
        "acknowledge_concern_days", today
    )
    not_resolved = Q(status__in=UNRESOLVED_STATUSES) & _raised_more_than(
        "resolve_concern_days", today
    )
    return not_acknowledged | not_resolved


def concerns_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Concern]:
    """Concerns the user may see, newest first, narrowed by ``filters``: ``status``,
    ``severity``, ``about``, ``engagement``, ``open`` (not closed), ``overdue``,
    ``referred_to_us`` (referred to one of the user's organisations) and ``q`` (search)."""
    queryset = (
        Concern.objects.restrict(user, "view")
        .select_related("engagement__client", "programme", "owner", "referred_to_organisation")
        .order_by("-raised_on", "-pk")
    )
    return filter_concerns(queryset, user, filters or {})


def filter_concerns(
    queryset: QuerySet[Concern], user: Any, filters: Mapping[str, Any]
) -> QuerySet[Concern]:
    """Narrow concerns already restricted to the user (see ``concerns_for``)."""
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if severity := filters.get("severity"):
        queryset = queryset.filter(severity=severity)
    if about := filters.get("about"):
        queryset = queryset.filter(about=about)
    if engagement := filters.get("engagement"):
        queryset = queryset.filter(engagement=engagement)
    if filters.get("open"):
        queryset = queryset.exclude(status=Status.CLOSED)
    if filters.get("overdue"):
        queryset = queryset.filter(overdue_condition(filters.get("on")))
    if filters.get("referred_to_us"):
        queryset = queryset.filter(
            referred_to_organisation__in=organisations_with_role(user, ESCALATION_ROLES)
        )
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(
            Q(summary__icontains=q)
            | Q(engagement__client__name__icontains=q)
            | Q(referred_to__icontains=q)
            | Q(raised_by_name__icontains=q)
        )
    return queryset


def overdue_concerns(user: Any, on: dt.date | None = None) -> QuerySet[Concern]:
    """Open concerns the user may see that are past a time limit, oldest first."""
    return concerns_for(user, {"overdue": True, "on": on}).order_by("raised_on", "pk")


def concerns_referred_to(user: Any) -> QuerySet[Concern]:
    """Unresolved concerns referred to one of the user's organisations, awaiting them."""
    return concerns_for(user, {"referred_to_us": True}).filter(status=Status.REFERRED)


def programmes_for_concerns(user: Any) -> QuerySet[Programme]:
    """Programmes a manager may raise a programme-wide concern about: those their
    organisations deliver or own."""
    if getattr(user, "is_superuser", False):
        return Programme.objects.order_by("name")
    organisations = organisations_with_role(user, MANAGING_ROLES)
    if not organisations:
        return Programme.objects.none()
    return (
        Programme.objects.filter(
            Q(organisation__in=organisations) | Q(delivering_organisations__in=organisations)
        )
        .distinct()
        .order_by("name")
    )


_EVENT_WORDS = {
    "concern.raised": "Raised",
    "concern.acknowledged": "Acknowledged",
    "concern.assigned": "Owner assigned: {owner_name}",
    "concern.investigated": "Investigation recorded",
    "concern.referred": "Referred to {referred_to}",
    "concern.response_recorded": "Their response recorded",
    "concern.action_added": "Action added for {owner}, due {due_on}",
    "concern.action_done": "Action done",
    "concern.resolved": "Resolved",
    "concern.client_told": "Client told",
    "concern.closed": "Closed",
}


def concern_timeline(concern: Concern) -> list[Any]:
    """What happened to the concern, oldest first: the events its services recorded, each
    with a ``label`` in words."""
    from django.contrib.contenttypes.models import ContentType

    from waypoint.core.models import DomainEvent

    events = list(
        DomainEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Concern),
            object_id=str(concern.pk),
            verb__startswith="concern.",
        ).order_by("occurred_at", "id")
    )
    for event in events:
        words = _EVENT_WORDS.get(event.verb, event.verb)
        data = dict(event.data or {})
        if isinstance(data.get("due_on"), str):
            data["due_on"] = f"{dt.date.fromisoformat(data['due_on']):%-d %b %Y}"
        try:
            event.label = words.format(**data)
        except (KeyError, IndexError):
            event.label = words.split(":")[0]
        if event.verb == "concern.raised" and concern.source == Concern.Source.CLIENT:
            # Raised through the self-review link: the system account recorded it for them.
            event.actor_name = concern.raised_by_name or "The client"
    return events
