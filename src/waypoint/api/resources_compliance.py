"""API resources for compliance."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Add the compliance resources to the API router."""
