"""Diagnostics' hooks into shared pages (home attention, client timeline); called from apps."""

from __future__ import annotations


def register() -> None:
    """Register diagnostics' navigation, attention and timeline sources."""
