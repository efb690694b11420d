"""Navigation, home-page attention and timeline entries for concerns."""

from __future__ import annotations


def register() -> None:
    """Register concerns's navigation, attention and timeline sources."""
