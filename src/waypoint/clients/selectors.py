"""Reads for clients."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from waypoint.clients.models import Client


def clients_for(*, user: Any, action: str = "view") -> QuerySet[Client]:
    """Clients the user may see, merged-away records left out."""
    return Client.objects.restrict(user, action).filter(merged_into__isnull=True)
