"""Who may call an endpoint at all; which records they may touch is the querysets' business.

The same rules as the pages: a person whose roles give no access to a kind of record is
refused (403), and a person whose role requires two-factor sign-in cannot use a session that
has not been confirmed with a code (the pages' ``TwoFactorMiddleware`` leaves ``/api/`` alone
because a token is only issued after the code has been checked).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from waypoint.core.permissions import policy_for
from waypoint.core.security import two_factor_required


class TwoFactorVerified(BasePermission):
    message = (
        "Your role requires two-factor sign-in: confirm your session with a code, "
        "or use a token from /api/v1/auth/token."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if request.auth is not None or not two_factor_required(user):
            return True
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified is not None and is_verified())


class PolicyAccess(BasePermission):
    """403 unless the caller's roles allow them to see (or, to create, add) some records.

    The view names its model in ``model``; actions in ``open_actions`` (such as ``me``) are
    for every signed-in person.
    """

    message = "Your role does not give you access to these records."

    def has_permission(self, request: Request, view: Any) -> bool:
        model = getattr(view, "model", None)
        action = getattr(view, "action", None)
        if model is None or action in getattr(view, "open_actions", ()):
            return True
        return policy_for(model).can_any(request.user, "add" if action == "create" else "view")
