"""API resources for concerns."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Add the concerns resources to the API router."""
