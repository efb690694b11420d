"""How upper layers (delivery, monitoring...) add to client pages without clients importing them.

- ``add_timeline_source(fn)``: ``fn(client, user) -> list[TimelineEntry]``; the client page
  shows every source's entries, newest first (each source restricts to what ``user`` may see).
- ``add_action_source(fn)``: ``fn(client, user) -> list[ClientAction]``; buttons on the client
  page (delivery adds "Open an engagement").
- ``add_list_filter(name, factory)``: ``factory(user) -> django_filters.Filter``; the client
  list's filter set gains the filter (e.g. by programme or adviser, from delivery).
Registered in the upper app's ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime
    kind: str  # short label, e.g. "Contact", "Engagement", "Consent"
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class ClientAction:
    label: str
    url: str


TimelineSource = Callable[[Any, Any], list[TimelineEntry]]
ActionSource = Callable[[Any, Any], list[ClientAction]]
FilterFactory = Callable[[Any], Any]

timeline_sources: list[TimelineSource] = []
list_filters: dict[str, FilterFactory] = {}
action_sources: list[ActionSource] = []


def add_action_source(source: ActionSource) -> None:
    """``source(client, user) -> list[ClientAction]``: buttons on the client page."""
    if source not in action_sources:
        action_sources.append(source)


def actions_for(client: Any, user: Any) -> list[ClientAction]:
    return [action for source in action_sources for action in source(client, user)]


def add_timeline_source(source: TimelineSource) -> None:
    if source not in timeline_sources:
        timeline_sources.append(source)


def add_list_filter(name: str, factory: FilterFactory) -> None:
    list_filters[name] = factory


def timeline_for(client: Any, user: Any, limit: int = 200) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in timeline_sources:
        entries.extend(source(client, user))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]
