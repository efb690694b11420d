"""Account security rules that depend on roles: which people must use two-factor sign-in."""

from __future__ import annotations

from typing import Any

from waypoint.core.roles import role_map


def two_factor_required(user: Any) -> bool:
    """True when any role the person holds, in any organisation, requires two-factor sign-in.

    Superusers need it when ``WAYPOINT_SUPERUSER_TWO_FACTOR`` is set (the default in production).
    """
    from django.conf import settings

    from waypoint.core.models import RolePolicy

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and getattr(settings, "WAYPOINT_SUPERUSER_TWO_FACTOR", False):
        return True
    cached = getattr(user, "_waypoint_two_factor_required", None)
    if cached is not None:
        return bool(cached)
    held = role_map(user)
    required = False
    if held:
        conditions = RolePolicy.objects.filter(
            organisation_id__in=list(held), require_two_factor=True
        ).values_list("organisation_id", "role")
        required = any(role in held.get(org, ()) for org, role in conditions)
    user._waypoint_two_factor_required = required
    return required
