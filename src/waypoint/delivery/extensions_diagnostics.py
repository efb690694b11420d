"""Diagnostics' hooks into shared pages; called from apps.

- the main menu's "Diagnostic templates", for administrators (who add their organisation's
  templates);
- the client's timeline shows each completed diagnostic, dated and attributed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any


def register() -> None:
    """Register diagnostics' navigation, attention and timeline sources."""
    from waypoint.clients.extensions import add_timeline_source
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Diagnostic templates",
            "delivery:diagnostic-template-list",
            _can_add_templates,
            order=60,
            group="Support",
        )
    )
    add_timeline_source(diagnostic_timeline)


def _can_add_templates(user: Any) -> bool:
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import DiagnosticTemplate

    return bool(policy_for(DiagnosticTemplate).can_add(user))


def _end_of_day(day: dt.date, time_zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=zoneinfo.ZoneInfo(time_zone))


def diagnostic_timeline(client: Any, user: Any) -> list[Any]:
    """Completed diagnostics of the client's engagements that the user may see."""
    from waypoint.clients.extensions import TimelineEntry
    from waypoint.delivery.models import Diagnostic

    completed = (
        Diagnostic.objects.restrict(user, "view")
        .filter(engagement__client=client, status=Diagnostic.Status.COMPLETED)
        .select_related("template", "completed_by", "engagement__organisation")
        .order_by("-completed_on", "-pk")[:100]
    )
    entries = []
    for diagnostic in completed:
        assert diagnostic.completed_on is not None
        by = f"Completed by {diagnostic.completed_by}." if diagnostic.completed_by else ""
        entries.append(
            TimelineEntry(
                when=_end_of_day(
                    diagnostic.completed_on, diagnostic.engagement.organisation.time_zone
                ),
                kind="Diagnostic",
                title=f"{diagnostic.template.name} completed",
                detail=" ".join(part for part in (diagnostic.summary, by) if part),
                url=diagnostic.get_absolute_url(),
            )
        )
    return entries
