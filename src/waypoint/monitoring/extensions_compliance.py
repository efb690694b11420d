"""Navigation, home-page attention and the contact-log warning for compliance (000 req 7):
the "Compliance" list for managers, open reports, clients near their support limit, and a
warning when a contact would take a client over it."""

from __future__ import annotations

import datetime as dt
from typing import Any


def register() -> None:
    """Register compliance's navigation, attention and contact-warning sources."""
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
    from waypoint.delivery.extensions import add_contact_warning, add_engagement_section

    add_nav_item(
        NavItem(
            "Compliance", "monitoring:compliance-list", _is_manager, order=38, group="Monitoring"
        )
    )
    add_attention_source(_compliance_attention)
    add_contact_warning(subsidy_contact_warning)
    # After the other monitoring sections (100 to 104, in monitoring/extensions.py).
    add_engagement_section("monitoring/compliance_engagement_section.html", 110)


def _is_manager(user: Any) -> bool:
    from waypoint.core.roles import MANAGING_ROLES, organisations_with_role

    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return bool(user.is_superuser or organisations_with_role(user, MANAGING_ROLES))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _compliance_attention(user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.core.roles import MANAGING_ROLES, organisations_with_role
    from waypoint.delivery.policies import OWN_CASELOAD_ROLES
    from waypoint.monitoring.models import ComplianceReport
    from waypoint.monitoring.selectors_subsidy import clients_near_limit

    if not (getattr(user, "is_authenticated", False) and user.is_active) or user.is_superuser:
        return []
    items = []
    managed = organisations_with_role(user, MANAGING_ROLES)
    if managed:
        open_reports = (
            ComplianceReport.objects.filter(organisation__in=managed)
            .exclude(status=ComplianceReport.Status.CLOSED)
            .count()
        )
        if open_reports:
            items.append(
                AttentionItem(
                    title=f"{_plural(open_reports, 'open compliance report')}",
                    detail="Infringements reported and not yet closed.",
                    url=reverse("monitoring:compliance-list") + "?open=on",
                    level="warning",
                    count=open_reports,
                )
            )
    advises = managed or organisations_with_role(user, OWN_CASELOAD_ROLES)
    if advises and (near := clients_near_limit(user).count()):
        items.append(
            AttentionItem(
                title=f"{_plural(near, 'client')} near the support limit",
                detail="Their support has reached 80% of their programme's subsidy limit.",
                url=reverse("monitoring:support-near-limit"),
                level="warning",
                count=near,
            )
        )
    return items


def subsidy_contact_warning(engagement: Any, minutes: int, on: dt.date | None = None) -> list[str]:
    """The warning for a contact that would take the client's support over the limit."""
    from waypoint.monitoring.selectors_subsidy import (
        hourly_rate,
        money,
        support_value,
        time_value,
    )

    value = support_value(engagement.client, on=on)
    extra = time_value(minutes, hourly_rate(engagement.programme))
    if not value.would_exceed(extra):
        return []
    return [
        f"This contact would take {engagement.client}'s support to "
        f"{money(value.total + extra)}, over the programme's {money(value.limit)} limit "
        f"({value.window}): record a compliance report."
    ]
