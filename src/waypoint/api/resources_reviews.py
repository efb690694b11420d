"""API resources for reviews."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Add the reviews resources to the API router."""
