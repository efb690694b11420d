from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from waypoint.core.navigation import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    return {"nav_items": nav_for(user), "nav_current": current}
