"""Who sees and changes clients (waypoint.core.permissions).

- An organisation's administrators, service managers, provider staff and viewers see all its
  clients; advisers and mentors see the clients they created, and, through the extension that
  delivery registers, those whose engagements they lead or are assigned to. A commissioner's
  contract managers see, read-only, the clients on their programmes (also from delivery).
- Records belonging to a client (people, consents, barriers) follow the client.
- Equality-monitoring answers are never shown one by one (only counted, for managers).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from django.db.models import Q

from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.core.permissions import NOTHING, OrganisationScopedPolicy, policy_for, register
from waypoint.core.roles import Role, organisations_with_role, roles_anywhere

WHOLE_CASELOAD_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.SERVICE_MANAGER, Role.PROVIDER_STAFF, Role.VIEWER}
)
OWN_CASELOAD_ROLES = frozenset({Role.ADVISER, Role.MENTOR})
CLIENT_EDITING_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.SERVICE_MANAGER, Role.PROVIDER_STAFF, *OWN_CASELOAD_ROLES}
)

# Functions (user, action) -> Q that widen the client scope; upper layers add theirs.
ScopeExtension = Callable[[Any, str], Q]


@register(Client)
class ClientPolicy(OrganisationScopedPolicy):
    change_roles = CLIENT_EDITING_ROLES
    audit_roles = frozenset({Role.ADMINISTRATOR, Role.SERVICE_MANAGER})
    extensions: list[ScopeExtension] = []

    def roles_for(self, action: str) -> frozenset[str] | None:
        if action == "delete":
            return frozenset({Role.ADMINISTRATOR, Role.SERVICE_MANAGER})
        return super().roles_for(action)

    def scope(self, user: Any, action: str) -> Q:
        if action in {"add", "delete", "audit"}:
            return super().scope(user, action)
        whole = (
            WHOLE_CASELOAD_ROLES if action == "view" else CLIENT_EDITING_ROLES - OWN_CASELOAD_ROLES
        )
        conditions: list[Q] = []
        if organisations := organisations_with_role(user, whole):
            conditions.append(Q(organisation__in=organisations))
        if own := organisations_with_role(user, OWN_CASELOAD_ROLES):
            conditions.append(Q(organisation__in=own, created_by=user))
        # Extensions widen the scope of people with a role somewhere; someone with no role at
        # all sees no client, whatever an extension's filter would match.
        for extension in self.extensions if roles_anywhere(user) else []:
            if (extra := extension(user, action)) != NOTHING:
                conditions.append(extra)
        return reduce(operator.or_, conditions) if conditions else NOTHING


class ClientRecordPolicy(OrganisationScopedPolicy):
    """Records of a client: seen and changed by whoever sees and changes the client."""

    def scope(self, user: Any, action: str) -> Q:
        client_action = "view" if action == "view" else "change"
        if action == "audit":
            return super().scope(user, action)
        client_policy = policy_for(Client)
        if client_policy.scope(user, client_action) == NOTHING:
            return NOTHING
        clients = client_policy.restrict(Client.objects.all(), user, client_action)
        return Q(client__in=clients.values("pk"))

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return policy_for(Client).can_add(user, organisation_id)


register(Person)(type("PersonPolicy", (ClientRecordPolicy,), {}))
register(Consent)(type("ConsentPolicy", (ClientRecordPolicy,), {}))
register(ClientBarrier)(type("ClientBarrierPolicy", (ClientRecordPolicy,), {}))


@register(EqualityMonitoring)
class EqualityMonitoringPolicy(ClientRecordPolicy):
    """Recorded by those who can change the client; never read back one by one."""

    def scope(self, user: Any, action: str) -> Q:
        if action in {"view", "audit"}:
            return NOTHING
        return super().scope(user, action)


def equality_summary_organisations(user: Any) -> set[int]:
    """Organisations whose equality-monitoring counts the user may see: those where they are
    an administrator or service manager (counts only, never one client's answers)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return set()
    if user.is_superuser:
        from waypoint.core.models import Organisation

        return set(Organisation.objects.values_list("pk", flat=True))
    return organisations_with_role(user, frozenset({Role.ADMINISTRATOR, Role.SERVICE_MANAGER}))
