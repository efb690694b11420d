"""The roles a person holds in an organisation, and the cached look-ups every policy uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from waypoint.core.models import User


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    SERVICE_MANAGER = "service_manager", "Service manager"
    ADVISER = "adviser", "Adviser"
    MENTOR = "mentor", "Mentor"
    CONTRACT_MANAGER = "contract_manager", "Contract manager"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    ASSESSOR = "assessor", "Assessor"
    IQA = "iqa", "Internal quality assurer"
    VIEWER = "viewer", "Viewer"


MANAGING_ROLES = frozenset({Role.ADMINISTRATOR, Role.SERVICE_MANAGER})
ALL_ROLES = frozenset(Role)

_CACHE_ATTR = "_waypoint_role_map"


def role_map(user: User | Any) -> dict[int, frozenset[str]]:
    """Organisation id -> the roles the user holds there. Cached on the user object.

    One query per request at most; ``forget_roles`` clears it after a change.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from waypoint.core.models import RoleAssignment

    found: dict[int, set[str]] = {}
    rows = RoleAssignment.objects.filter(user=user, organisation__is_active=True).values_list(
        "organisation_id", "role"
    )
    for organisation_id, role in rows:
        found.setdefault(organisation_id, set()).add(role)
    result = {org: frozenset(roles) for org, roles in found.items()}
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def organisations_with_role(user: Any, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of the organisations where the user holds any of ``roles`` (any role when None)."""
    wanted = None if roles is None else frozenset(roles)
    return {org for org, held in role_map(user).items() if wanted is None or held & wanted}


def has_role(user: Any, organisation_id: int | None, roles: Iterable[str] | None = None) -> bool:
    if organisation_id is None:
        return False
    held = role_map(user).get(organisation_id, frozenset())
    return bool(held) if roles is None else bool(held & frozenset(roles))


def roles_anywhere(user: Any) -> frozenset[str]:
    result: set[str] = set()
    for held in role_map(user).values():
        result |= held
    return frozenset(result)
