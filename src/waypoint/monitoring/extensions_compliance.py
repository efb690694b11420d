"""Navigation, home-page attention and timeline entries for compliance."""

from __future__ import annotations


def register() -> None:
    """Register compliance's navigation, attention and timeline sources."""
