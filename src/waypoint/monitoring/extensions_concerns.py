"""Navigation and home-page attention for concerns (000 reqs 5, 6): the "Concerns" list for
whoever may see some, concerns past their time limits, and concerns referred to the person's
organisation (a commissioner's contract managers see those escalated to them)."""

from __future__ import annotations

from typing import Any


def register() -> None:
    """Register concerns' navigation and attention sources."""
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
    from waypoint.core.permissions import policy_for
    from waypoint.monitoring.models import Concern

    add_nav_item(
        NavItem(
            "Concerns",
            "monitoring:concern-list",
            lambda user: policy_for(Concern).can_any(user, "view"),
            order=36,
            group="Monitoring",
        )
    )
    add_attention_source(_concern_attention)


def _plural(count: int, word: str = "concern") -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _concern_attention(user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.core.permissions import policy_for
    from waypoint.monitoring import selectors_concerns as selectors
    from waypoint.monitoring.models import Concern

    if not getattr(user, "is_authenticated", False):
        return []
    if not policy_for(Concern).can_any(user, "view"):
        return []
    url = reverse("monitoring:concern-list")
    items = []
    if overdue := selectors.overdue_concerns(user).count():
        items.append(
            AttentionItem(
                title=f"{_plural(overdue)} overdue",
                detail="Not acknowledged or not resolved within the programme's time limit.",
                url=url + "?overdue=on",
                level="warning",
                count=overdue,
            )
        )
    if referred := selectors.concerns_referred_to(user).count():
        items.append(
            AttentionItem(
                title=f"{_plural(referred)} referred to you",
                detail="Referred on by the provider: record your response or the resolution.",
                url=url + "?referred_to_us=on&status=referred",
                level="warning",
                count=referred,
            )
        )
    return items
