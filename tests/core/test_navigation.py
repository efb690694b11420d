"""The main menu: items grouped into drop-down menus, ordered, hidden by role; the HTML it makes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.permissions import request_as
from waypoint.core import navigation
from waypoint.core.navigation import NavEntry, NavItem, add_nav_group, add_nav_item, nav_for

pytestmark = pytest.mark.django_db


def _always(user: object) -> bool:
    return True


def _never(user: object) -> bool:
    return False


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> navigation._Registry:
    """An empty menu registry for the test (the apps' own items are put back afterwards)."""
    fresh = navigation._Registry()
    monkeypatch.setattr(navigation, "_registry", fresh)
    return fresh


def _shape(entries: list[NavEntry]) -> list[object]:
    return [(e.label, [link.label for link in e.links]) if e.is_menu else e.label for e in entries]


def test_items_are_grouped_and_groups_follow_the_registry_order(registry, cast):
    add_nav_item(NavItem("People", "core:person-list", _always, order=920, group="Organisation"))
    add_nav_item(NavItem("Teams", "core:team-list", _always, order=910, group="Organisation"))
    add_nav_item(NavItem("My profile", "core:me", _always, order=5, group="Clients"))
    add_nav_item(NavItem("Organisations", "core:organisation-list", _always, 1, "Clients"))
    add_nav_item(NavItem("Home", "core:home", _always, order=0))

    entries = nav_for(cast.alice)

    # Home stays a plain link, first; Clients (10) before Organisation (90), each in item order.
    assert _shape(entries) == [
        "Home",
        ("Clients", ["Organisations", "My profile"]),
        ("Organisation", ["Teams", "People"]),
    ]
    assert entries[1].url_names == ["core:organisation-list", "core:me"]
    assert entries[2].links[0].url == reverse("core:team-list")


def test_unknown_groups_come_after_the_known_ones_and_can_be_placed(registry, cast):
    add_nav_item(NavItem("Teams", "core:team-list", _always, group="Zeta"))
    add_nav_item(NavItem("People", "core:person-list", _always, group="Zeta"))
    add_nav_item(NavItem("Home", "core:home", _always, group="Organisation"))
    add_nav_item(NavItem("My profile", "core:me", _always, group="Organisation"))
    add_nav_item(NavItem("Organisations", "core:organisation-list", _always, group="Alpha"))
    add_nav_item(NavItem("Change password", "accounts:password-change", _always, group="Alpha"))

    assert [e.label for e in nav_for(cast.alice)] == ["Organisation", "Alpha", "Zeta"]

    # A later module (performance dashboards) places its group among the known ones.
    add_nav_group("Zeta", 40)
    add_nav_group("Zeta", 95)  # the first registration wins
    assert [e.label for e in nav_for(cast.alice)] == ["Zeta", "Organisation", "Alpha"]


def test_a_group_with_one_visible_item_is_a_plain_link(registry, cast):
    add_nav_item(NavItem("Teams", "core:team-list", _always, order=1, group="Organisation"))
    add_nav_item(NavItem("People", "core:person-list", _never, order=2, group="Organisation"))

    [entry] = nav_for(cast.alice)

    assert not entry.is_menu
    assert entry.label == "Teams"  # the item's own label, not the group's
    assert entry.url == reverse("core:team-list")
    assert entry.url_name == "core:team-list"


def test_a_group_with_nothing_visible_is_left_out(registry, cast):
    add_nav_item(NavItem("Home", "core:home", _always, order=0))
    add_nav_item(NavItem("Teams", "core:team-list", _never, group="Organisation"))
    add_nav_item(NavItem("People", "core:person-list", _never, group="Organisation"))

    assert _shape(nav_for(cast.alice)) == ["Home"]


def test_the_apps_menus_follow_roles(cast):
    mary = {e.label: [link.label for link in e.links] for e in nav_for(cast.mary)}
    alice = {e.label: [link.label for link in e.links] for e in nav_for(cast.alice)}
    oscar = nav_for(cast.oscar)

    assert next(iter(mary)) == "Home"
    known = ["Clients", "Support", "Monitoring", "Organisation"]
    assert [label for label in mary if label in known] == known
    assert {"My caseload", "Clients", "Engagements", "Referrals"} <= set(mary["Clients"])
    assert {"Reviews due", "Concerns", "Compliance", "Impact"} <= set(mary["Monitoring"])
    assert {"Organisations", "Teams", "People"} <= set(mary["Organisation"])
    # Compliance reports are for managers: the adviser's Monitoring menu has the rest.
    assert "Compliance" not in alice["Monitoring"] and "Reviews due" in alice["Monitoring"]
    # Someone with no role sees only what every signed-in person may: no menus with one link.
    assert all(not entry.is_menu for entry in oscar)
    assert oscar[0].label == "Home"
    assert "Clients" not in [entry.label for entry in oscar]


class _MenuParser(HTMLParser):
    """The main navigation's toggles and links, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.in_nav = False
        self.toggles: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self._text_of: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and found.get("aria-label") == "Main":
            self.in_nav = True
        if not self.in_nav:
            return
        if tag == "button" and found.get("data-bs-toggle") == "dropdown":
            self.toggles.append(found)
            self._text_of = found
        elif tag == "a" and "dropdown-item" in (found.get("class") or ""):
            self.links.append(found)
            self._text_of = found

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_nav = False
        if tag in {"a", "button"}:
            self._text_of = None

    def handle_data(self, data: str) -> None:
        if self._text_of is not None and data.strip():
            self._text_of["text"] = (self._text_of.get("text") or "") + data.strip()


def _menu(body: str) -> _MenuParser:
    parser = _MenuParser()
    parser.feed(body)
    return parser


def test_the_menus_are_buttons_and_the_current_page_is_marked(cast):
    menu = _menu(request_as(cast.mary, reverse("core:team-list")).content.decode())

    labels = [toggle["text"] for toggle in menu.toggles]
    assert {"Clients", "Monitoring", "Organisation"} <= set(labels)
    for toggle in menu.toggles:
        assert toggle["type"] == "button" and toggle["aria-expanded"] == "false"
    active = [t["text"] for t in menu.toggles if "active" in (t.get("class") or "").split()]
    assert active == ["Organisation"]
    current = [link for link in menu.links if link.get("aria-current") == "page"]
    assert [(link["text"], link["href"]) for link in current] == [
        ("Teams", reverse("core:team-list"))
    ]


def test_a_single_link_is_shown_without_a_menu(cast):
    body = request_as(cast.oscar, reverse("core:person-list")).content.decode()
    menu = _menu(body)

    assert menu.toggles == []
    assert f'<a class="nav-link active" href="{reverse("core:person-list")}"' in body
    assert 'aria-current="page">People</a>' in body
