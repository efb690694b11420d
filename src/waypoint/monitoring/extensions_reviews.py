"""Navigation, home-page attention and timeline entries for reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any


def register() -> None:
    """Register reviews's navigation, attention and timeline sources."""
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import Engagement

    add_nav_item(
        NavItem(
            "Reviews due",
            "monitoring:reviews-due",
            lambda user: policy_for(Engagement).can_any(user, "view"),
            order=15,
            group="Monitoring",
        )
    )
    add_attention_source(review_attention)


def review_attention(user: Any) -> list[Any]:
    """The user's own caseload: reviews overdue (past the on-time window), and reviews due in
    the coming week that are not overdue (000 req 1: reviews held as agreed)."""
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import Engagement
    from waypoint.monitoring.selectors_reviews import OVERDUE, reviews_due

    if not getattr(user, "is_authenticated", False):
        return []
    if not policy_for(Engagement).can_any(user, "view"):
        return []
    schedules = reviews_due(user, within_days=7, scope="mine")
    overdue = sum(1 for s in schedules if s.state == OVERDUE)
    this_week = sum(
        1
        for s in schedules
        if s.state != OVERDUE
        and s.next_due is not None
        and s.next_due <= s.today + dt.timedelta(days=7)
    )
    url = reverse("monitoring:reviews-due")
    items = []
    if overdue:
        items.append(
            AttentionItem(
                title=f"{overdue} review{'s' if overdue != 1 else ''} overdue",
                detail="Past the on-time window agreed for them.",
                url=f"{url}?state=overdue",
                level="warning",
                count=overdue,
            )
        )
    if this_week:
        items.append(
            AttentionItem(
                title=f"{this_week} review{'s' if this_week != 1 else ''} due this week",
                detail="In your caseload, due within the next seven days.",
                url=f"{url}?within=7",
                level="info",
                count=this_week,
            )
        )
    return items
