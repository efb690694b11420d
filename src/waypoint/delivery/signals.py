"""Domain events delivery sends for the modules above it (DESIGN.md: a lower layer never imports
an upper one; it sends a signal after commit that the upper layer subscribes to)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that closed an engagement commits, with ``engagement`` and
# ``acting_user`` (monitoring schedules the outcome follow-ups).
engagement_closed = Signal()
