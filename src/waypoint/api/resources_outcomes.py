"""API resources for outcomes."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Add the outcomes resources to the API router."""
