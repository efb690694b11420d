"""API resources for diagnostic templates and diagnostics."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Add the diagnostics resources to the API router."""
