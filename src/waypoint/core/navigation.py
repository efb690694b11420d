"""The main navigation and the home page's "needs your attention" list.

Each app adds its own entries in its ``AppConfig.ready`` with ``add_nav_item`` and
``add_attention_source``, so that core never imports the apps above it.

The menu is a few groups (Clients, Support, Monitoring, ...), each a drop-down list of links,
so that it stays on one line however many modules add entries. A group is placed by its order in
the group registry (``add_nav_group``); a group no one registered comes after the known ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

# The menu's groups, in the order they are shown. Apps may add their own with ``add_nav_group``.
CLIENTS = "Clients"
SUPPORT = "Support"
MONITORING = "Monitoring"
PERFORMANCE = "Performance"
ORGANISATION = "Organisation"
_DEFAULT_GROUPS = {CLIENTS: 10, SUPPORT: 20, MONITORING: 30, PERFORMANCE: 40, ORGANISATION: 90}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Shown to people for whom this returns True (e.g. a policy's ``can_any``).
    visible: Callable[[Any], bool]
    order: int = 100
    # The menu group it is listed in; None puts it on the top level, beside Home.
    group: str | None = None


@dataclass(frozen=True)
class NavLink:
    """One link of the menu as a person sees it."""

    label: str
    url: str
    url_name: str


@dataclass(frozen=True)
class NavEntry:
    """One place on the menu bar: a plain link, or a group (a drop-down list of links).

    A group with a single link visible to the person is shown as that plain link.
    """

    label: str
    links: tuple[NavLink, ...]
    group: str | None = None

    @property
    def is_menu(self) -> bool:
        return len(self.links) > 1

    @property
    def url(self) -> str:
        return self.links[0].url

    @property
    def url_name(self) -> str:
        return self.links[0].url_name

    @property
    def url_names(self) -> list[str]:
        """The view names of its links: the template marks the group of the current page."""
        return [link.url_name for link in self.links]


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
    groups: dict[str, int] = field(default_factory=lambda: dict(_DEFAULT_GROUPS))
    attention: list[Callable[[Any], list[AttentionItem]]] = field(default_factory=list)


_registry = _Registry()
_LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}


def add_nav_item(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _registry.nav):
        _registry.nav.append(item)


def add_nav_group(name: str, order: int) -> None:
    """Place a menu group among the others (Clients 10, Support 20, Monitoring 30,
    Performance 40, Organisation 90). The first registration of a name wins."""
    _registry.groups.setdefault(name, order)


def add_attention_source(source: Callable[[Any], list[AttentionItem]]) -> None:
    if source not in _registry.attention:
        _registry.attention.append(source)


def nav_for(user: Any) -> list[NavEntry]:
    """The menu bar for this person: the top-level links first, then the groups (in the group
    registry's order, unknown groups after the known ones by name); links in their items'
    order; without the items they may not see, and without groups left empty."""
    visible = sorted((i for i in _registry.nav if i.visible(user)), key=lambda i: i.order)
    entries: list[NavEntry] = []
    grouped: dict[str, list[NavLink]] = {}
    for item in visible:
        link = NavLink(label=item.label, url=reverse(item.url_name), url_name=item.url_name)
        if item.group is None:
            entries.append(NavEntry(label=item.label, links=(link,)))
        else:
            grouped.setdefault(item.group, []).append(link)

    def group_position(name: str) -> tuple[int, int, str]:
        if name in _registry.groups:
            return (0, _registry.groups[name], name)
        return (1, 0, name)

    for name in sorted(grouped, key=group_position):
        links = tuple(grouped[name])
        label = name if len(links) > 1 else links[0].label
        entries.append(NavEntry(label=label, links=links, group=name))
    return entries


def nav_links_for(user: Any) -> list[NavLink]:
    """Every link of this person's menu, in the order shown, groups opened."""
    return [link for entry in nav_for(user) for link in entry.links]


def attention_for(user: Any) -> list[AttentionItem]:
    found: list[AttentionItem] = []
    for source in _registry.attention:
        found.extend(source(user))
    return sorted(found, key=lambda item: _LEVEL_ORDER.get(item.level, 3))
