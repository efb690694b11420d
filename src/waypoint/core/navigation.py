"""The main navigation and the home page's "needs your attention" list.

Each app adds its own entries in its ``AppConfig.ready`` with ``add_nav_item`` and
``add_attention_source``, so that core never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Shown to people for whom this returns True (e.g. a policy's ``can_any``).
    visible: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class AttentionItem:
    """Something a person should look at: shown on their home page, most urgent first."""

    title: str
    detail: str = ""
    url: str = ""
    level: str = "info"  # info, warning or danger
    count: int | None = None


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    attention: list[Callable[[Any], list[AttentionItem]]] = field(default_factory=list)


_registry = _Registry()
_LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}


def add_nav_item(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _registry.nav):
        _registry.nav.append(item)


def add_attention_source(source: Callable[[Any], list[AttentionItem]]) -> None:
    if source not in _registry.attention:
        _registry.attention.append(source)


def nav_for(user: Any) -> list[dict[str, str]]:
    items = sorted((i for i in _registry.nav if i.visible(user)), key=lambda i: i.order)
    return [{"label": i.label, "url": reverse(i.url_name), "url_name": i.url_name} for i in items]


def attention_for(user: Any) -> list[AttentionItem]:
    found: list[AttentionItem] = []
    for source in _registry.attention:
        found.extend(source(user))
    return sorted(found, key=lambda item: _LEVEL_ORDER.get(item.level, 3))
