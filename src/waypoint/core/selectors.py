"""Reads for core: querysets and figures for pages, the API and reports."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from waypoint.core.models import DomainEvent, Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.navigation import AttentionItem
from waypoint.core.roles import Role


def organisations_for(*, user: Any, action: str = "view") -> QuerySet[Organisation]:
    teams = (
        Team.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    people = (
        RoleAssignment.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("user", distinct=True))
        .values("n")
    )
    return Organisation.objects.restrict(user, action).annotate(
        team_count=Coalesce(Subquery(teams), 0),
        people_count=Coalesce(Subquery(people), 0),
    )


def teams_for(*, user: Any, action: str = "view") -> QuerySet[Team]:
    return (
        Team.objects.restrict(user, action)
        .select_related("organisation")
        .annotate(member_count=Count("role_assignments__user", distinct=True))
    )


def team_members(*, team: Team) -> QuerySet[RoleAssignment]:
    return team.role_assignments.select_related("user").order_by("user__first_name", "role")


def people_for(*, user: Any, search: str = "") -> QuerySet[User]:
    people = User.objects.restrict(user, "view").filter(is_system=False)
    if search:
        people = people.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(username__icontains=search)
            | Q(email__icontains=search)
        )
    return people.select_related("home_organisation")


def roles_of(*, person: User, viewer: Any) -> QuerySet[RoleAssignment]:
    """The person's roles in the organisations the viewer can see."""
    return (
        RoleAssignment.objects.restrict(viewer, "view")
        .filter(user=person)
        .select_related("organisation", "team")
    )


def role_policies_for(*, organisation: Organisation) -> dict[str, bool]:
    found = dict(
        RolePolicy.objects.filter(organisation=organisation).values_list(
            "role", "require_two_factor"
        )
    )
    return {role: found.get(role, False) for role in Role.values}


def audit_history(*, obj: Any) -> QuerySet[LogEntry]:
    """Every audit entry for one record, newest first."""
    return (
        LogEntry.objects.get_for_object(obj)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def domain_events_for(*, obj: Any) -> QuerySet[DomainEvent]:
    content_type = ContentType.objects.get_for_model(obj)
    return DomainEvent.objects.filter(content_type=content_type, object_id=str(obj.pk))


def core_attention(user: Any) -> list[AttentionItem]:
    """What core asks of a person: a role to start with, and two-factor set-up."""
    from django.urls import reverse
    from django_otp import user_has_device

    from waypoint.core.roles import role_map
    from waypoint.core.security import two_factor_required

    items: list[AttentionItem] = []
    if not role_map(user) and not user.is_superuser:
        items.append(
            AttentionItem(
                title="You have no role in any organisation yet",
                detail="Ask your organisation's administrator to give you a role; until then "
                "there is nothing for you to work on.",
                level="warning",
            )
        )
    if not two_factor_required(user) and not user_has_device(user, confirmed=True):
        items.append(
            AttentionItem(
                title="Protect your account with two-factor sign-in",
                detail="An authenticator app on your phone makes a stolen password useless.",
                url=reverse("accounts:two-factor-setup"),
            )
        )
    return items
