from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "waypoint.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
        from waypoint.core.permissions import policy_for
        from waypoint.delivery import (
            extensions_diagnostics,
            extensions_mentoring,
            policies,  # noqa: F401  (registers the policies)
        )
        from waypoint.delivery.models import Engagement, Programme, Referral, Service

        _register_client_page_extensions()
        extensions_diagnostics.register()
        extensions_mentoring.register()
        add_attention_source(_caseload_attention)
        add_attention_source(_referral_attention)
        add_nav_item(
            NavItem(
                "My caseload",
                "delivery:caseload",
                lambda user: policy_for(Engagement).can_any(user, "view"),
                order=10,
                group="Clients",
            )
        )
        add_nav_item(
            NavItem(
                "Engagements",
                "delivery:engagement-list",
                lambda user: policy_for(Engagement).can_any(user, "view"),
                order=30,
                group="Clients",
            )
        )
        add_nav_item(
            NavItem(
                "Referrals",
                "delivery:referral-list",
                lambda user: policy_for(Referral).can_any(user, "view"),
                order=35,
                group="Clients",
            )
        )
        add_nav_item(
            NavItem(
                "Programmes",
                "delivery:programme-list",
                lambda user: policy_for(Programme).can_any(user, "view"),
                order=40,
                group="Support",
            )
        )
        add_nav_item(
            NavItem(
                "Service directory",
                "delivery:service-list",
                lambda user: policy_for(Service).can_any(user, "view"),
                order=50,
                group="Support",
            )
        )


def _register_client_page_extensions() -> None:
    """The client page's timeline (engagements opened and moved) and list filters."""
    from waypoint.clients.extensions import add_action_source, add_list_filter, add_timeline_source
    from waypoint.delivery.filtersets import client_adviser_filter, client_programme_filter

    add_timeline_source(_engagement_timeline)
    add_timeline_source(_referral_and_plan_timeline)
    add_action_source(_open_engagement_action)
    add_list_filter("programme", client_programme_filter)
    add_list_filter("adviser", client_adviser_filter)


def _open_engagement_action(client: Any, user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.clients.extensions import ClientAction
    from waypoint.core.permissions import policy_for
    from waypoint.delivery.models import Engagement

    if not policy_for(Engagement).can_add(user, client.organisation_id):
        return []
    url = reverse("delivery:engagement-open", args=[client.pk])
    return [ClientAction("Open an engagement", url)]


def _engagement_timeline(client: Any, user: Any) -> list[Any]:
    from waypoint.clients.extensions import TimelineEntry
    from waypoint.delivery import selectors

    entries = []
    for step in selectors.client_engagement_events(client=client, user=user)[:100]:
        programme = step.engagement.programme
        if not step.from_status:
            title = f"Enquiry about {programme}"
        else:
            title = f"{programme}: {step.get_to_status_display()}"
        entries.append(
            TimelineEntry(
                when=step.occurred_at,
                kind="Engagement",
                title=title,
                detail=step.reason,
                url=step.engagement.get_absolute_url(),
            )
        )
    return entries


def _referral_and_plan_timeline(client: Any, user: Any) -> list[Any]:
    """Referrals made for the client and changes to their action plans (with reasons)."""
    from waypoint.clients.extensions import TimelineEntry
    from waypoint.delivery.models import PlanChange, Referral

    entries = []
    referrals = (
        Referral.objects.restrict(user, "view")
        .filter(engagement__client=client)
        .select_related("service")
        .order_by("-created_at")[:100]
    )
    for referral in referrals:
        entries.append(
            TimelineEntry(
                when=referral.created_at,
                kind="Referral",
                title=str(referral),
                detail=referral.get_status_display(),
                url=referral.get_absolute_url(),
            )
        )
    changes = (
        PlanChange.objects.restrict(user, "view")
        .filter(plan__engagement__client=client)
        .select_related("plan")
        .order_by("-occurred_at")[:100]
    )
    for change in changes:
        entries.append(
            TimelineEntry(
                when=change.occurred_at,
                kind="Action plan",
                title=f"{change.plan}: {change.get_kind_display().lower()}",
                detail=change.reason,
                url=change.plan.get_absolute_url(),
            )
        )
    return entries


def _caseload_attention(user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.delivery import selectors

    if not getattr(user, "is_authenticated", False):
        return []
    counts = selectors.attention_counts(user=user)
    url = reverse("delivery:caseload")
    items = []
    if waiting := counts["awaiting_eligibility"]:
        items.append(
            AttentionItem(
                title=f"{waiting} engagement{'s' if waiting != 1 else ''} "
                "waiting for an eligibility check",
                detail="Enquiries in your caseload.",
                url=url,
                level="info",
                count=waiting,
            )
        )
    if old := counts["old_enquiries"]:
        items.append(
            AttentionItem(
                title=f"{old} enquir{'ies' if old != 1 else 'y'} older than 14 days",
                detail="Check eligibility or close them.",
                url=url,
                level="warning",
                count=old,
            )
        )
    return items


def _referral_attention(user: Any) -> list[Any]:
    from django.urls import reverse

    from waypoint.core.navigation import AttentionItem
    from waypoint.core.permissions import policy_for
    from waypoint.delivery import selectors
    from waypoint.delivery.models import Referral

    if not getattr(user, "is_authenticated", False):
        return []
    if not policy_for(Referral).can_any(user, "view"):
        return []
    overdue = selectors.referral_follow_ups_overdue(user=user).count()
    if not overdue:
        return []
    return [
        AttentionItem(
            title=f"{overdue} referral follow-up{'s' if overdue != 1 else ''} overdue",
            detail="Made or accepted referrals whose follow-up date has passed.",
            url=reverse("delivery:referral-list") + "?overdue=on",
            level="warning",
            count=overdue,
        )
    ]
