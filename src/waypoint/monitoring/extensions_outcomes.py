"""Navigation, home-page attention and timeline entries for outcomes."""

from __future__ import annotations


def register() -> None:
    """Register outcomes's navigation, attention and timeline sources."""
