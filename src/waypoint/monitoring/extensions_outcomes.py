"""Navigation, home-page attention and timeline entries for outcomes (000 req 4)."""

from __future__ import annotations

from typing import Any

# A follow-up shows on the home page from this many days before it is due (as the reminder).
NOTICE_DAYS = 14


def register() -> None:
    """Register outcomes's navigation, attention and timeline sources."""
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import Engagement

    add_nav_item(
        NavItem(
            "Impact",
            "monitoring:impact",
            lambda user: policy_for(Engagement).can_any(user, "view"),
            order=45,
            group="Monitoring",
        )
    )
    add_attention_source(outcome_attention)

    from waypoint.delivery.signals import engagement_closed

    engagement_closed.connect(schedule_follow_ups_on_closure, dispatch_uid="monitoring.follow_ups")


def schedule_follow_ups_on_closure(
    sender: Any, engagement: Any, acting_user: Any, **_: Any
) -> None:
    """When an engagement closes, its outcome follow-ups are scheduled (000 req 4), by the
    person who closed it; the outcomes page can schedule them again if this ever fails."""
    from waypoint.monitoring.services.outcomes import follow_ups_schedule

    follow_ups_schedule(engagement=engagement, acting_user=acting_user)


def outcome_attention(user: Any) -> list[Any]:
    """Outcome follow-ups of the user's own caseload due within two weeks or overdue."""
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import Engagement
    from waypoint.monitoring.selectors_outcomes import follow_ups_due

    if not getattr(user, "is_authenticated", False):
        return []
    if not policy_for(Engagement).can_any(user, "view"):
        return []
    due = follow_ups_due(user, within_days=NOTICE_DAYS, mine=True).count()
    if not due:
        return []
    return [
        AttentionItem(
            title=f"{due} outcome follow-up{'s' if due != 1 else ''} due",
            detail="Clients of your caseload whose results after the support are due to be "
            "measured within two weeks, or overdue.",
            url=reverse("monitoring:outcome-follow-ups") + f"?mine=on&within={NOTICE_DAYS}",
            level="info",
            count=due,
        )
    ]
