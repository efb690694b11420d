"""Navigation, home-page attention and timeline entries for reviews."""

from __future__ import annotations


def register() -> None:
    """Register reviews's navigation, attention and timeline sources."""
