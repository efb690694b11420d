"""Measures' part of the daily scheduled jobs (``waypoint run-scheduled``)."""

from __future__ import annotations

import datetime as dt

from waypoint.measures import rollups, sources

OPEN_CONCERNS = "Open concerns brought up to date in the figures"


def refresh_with_time(today: dt.date | None = None) -> dict[str, int]:
    """Some facts change with time alone: an open concern passes its time limit and starts to
    count as not resolved in time. Read every open concern again."""
    ids = sources.open_concern_ids()
    changed = rollups.refresh({"concerns": ids}, today=today)
    return {OPEN_CONCERNS: changed}
