"""Permission policies for core's models (see waypoint.core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from waypoint.core.models import (
    DomainEvent,
    ImportJob,
    Organisation,
    RoleAssignment,
    RolePolicy,
    Team,
    User,
)
from waypoint.core.permissions import NOTHING, OrganisationScopedPolicy, register
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role


@register(Organisation)
class OrganisationPolicy(OrganisationScopedPolicy):
    """Anyone with a role sees the organisation; its administrators change it.

    Only superusers (platform operators) create or delete organisations.
    """

    organisation_field = "pk"

    def roles_for(self, action: str) -> frozenset[str] | None:
        if action in {"add", "delete"}:
            return frozenset()
        return super().roles_for(action)

    def scope(self, user: Any, action: str) -> Q:
        if action in {"add", "delete"}:
            return NOTHING
        return super().scope(user, action)


@register(Team)
class TeamPolicy(OrganisationScopedPolicy):
    change_roles = MANAGING_ROLES


@register(RoleAssignment)
class RoleAssignmentPolicy(OrganisationScopedPolicy):
    change_roles = frozenset({Role.ADMINISTRATOR})


@register(RolePolicy)
class RolePolicyPolicy(OrganisationScopedPolicy):
    view_roles = frozenset({Role.ADMINISTRATOR})
    change_roles = frozenset({Role.ADMINISTRATOR})
    audit_roles = frozenset({Role.ADMINISTRATOR})


@register(DomainEvent)
class DomainEventPolicy(OrganisationScopedPolicy):
    view_roles = MANAGING_ROLES
    change_roles = frozenset()


@register(ImportJob)
class ImportJobPolicy(OrganisationScopedPolicy):
    """An import is seen by the person who started it and by the organisation's administrators
    and service managers. Nobody changes it: the import pages create it, its task finishes it."""

    view_roles = MANAGING_ROLES
    change_roles = frozenset()

    def scope(self, user: Any, action: str) -> Q:
        condition = super().scope(user, action)
        if action != "view":
            return condition
        member_of = organisations_with_role(user)
        if not member_of:
            return condition
        own = Q(created_by=user, organisation_id__in=member_of)
        return own if condition == NOTHING else condition | own


@register(User)
class UserPolicy(OrganisationScopedPolicy):
    """People are seen by colleagues (anyone with a role in one of their organisations).

    Administrators change the people who hold roles in their organisation, but never a
    superuser. Everybody sees themselves.
    """

    def scope(self, user: Any, action: str) -> Q:
        organisations = organisations_with_role(user, self.roles_for(action))
        members = RoleAssignment.objects.filter(organisation_id__in=organisations).values("user_id")
        condition = Q(pk__in=members) if organisations else NOTHING
        if action == "view":
            return condition | Q(pk=user.pk)
        if condition == NOTHING:
            return NOTHING
        return condition & Q(is_superuser=False, is_system=False)
