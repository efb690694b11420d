"""Mentoring's hooks into shared pages (home attention, client timeline); called from apps.

- the home page tells a manager how many contacts with advice given in mentoring wait for
  their review (004 g);
- the client's timeline shows mentoring sessions and the end of a mentoring relationship;
- the rule ``delivery.is_mentoring_engagement`` lets the engagement page ask (through
  django-rules' ``test_rule`` tag) whether to show its mentoring section.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import rules

IS_MENTORING_RULE = "delivery.is_mentoring_engagement"


def register() -> None:
    """Register mentoring's navigation, attention and timeline sources."""
    from waypoint.clients.extensions import add_timeline_source
    from waypoint.core.navigation import add_attention_source

    add_attention_source(advice_flag_attention)
    add_timeline_source(mentoring_timeline)
    if not rules.rule_exists(IS_MENTORING_RULE):
        rules.add_rule(IS_MENTORING_RULE, rules.predicate(_is_mentoring))


def _is_mentoring(engagement: Any) -> bool:
    from waypoint.delivery.selectors_mentoring import is_mentoring

    return engagement is not None and is_mentoring(engagement)


def advice_flag_attention(user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.delivery.selectors_mentoring import advice_flags_awaiting_review

    if not getattr(user, "is_authenticated", False):
        return []
    waiting = advice_flags_awaiting_review(user)
    if not waiting:
        return []
    return [
        AttentionItem(
            title=f"{waiting} contact{'s' if waiting != 1 else ''} with advice given in "
            "mentoring to review",
            detail="Advice logged on a mentoring engagement: is mentoring still right?",
            url=reverse("delivery:advice-flags"),
            level="info",
            count=waiting,
        )
    ]


def _end_of_day(day: dt.date, time_zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=zoneinfo.ZoneInfo(time_zone))


def mentoring_timeline(client: Any, user: Any) -> list[Any]:
    from waypoint.clients.extensions import TimelineEntry
    from waypoint.delivery import selectors_mentoring as selectors

    entries = []
    for session in selectors.client_mentoring_sessions(client=client, user=user)[:100]:
        engagement = session.interaction.engagement
        entries.append(
            TimelineEntry(
                when=session.interaction.occurred_at,
                kind="Mentoring",
                title=f"Mentoring session: {session.topics}",
                detail=f"Who led the goal-setting: {session.get_client_lead_display()}.",
                url=_mentoring_url(engagement.pk),
            )
        )
    for relationship in selectors.client_mentoring_endings(client=client, user=user)[:20]:
        engagement = relationship.engagement
        if relationship.ended_on is None:  # the selector gives ended relationships only
            continue
        invited = " The client is invited to come back." if relationship.invited_back else ""
        entries.append(
            TimelineEntry(
                when=_end_of_day(relationship.ended_on, engagement.organisation.time_zone),
                kind="Mentoring",
                title=f"Mentoring ended ({engagement.programme})",
                detail=f"{relationship.get_end_reason_display()}.{invited}",
                url=_mentoring_url(engagement.pk),
            )
        )
    return entries


def _mentoring_url(engagement_pk: int) -> str:
    from django.urls import reverse

    return reverse("delivery:mentoring", args=[engagement_pk])
