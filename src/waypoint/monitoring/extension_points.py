"""Extension points of monitoring's pages, for the modules above monitoring (measures...).

A module adds a section to the concern page with ``add_concern_section("app/_partial.html",
order)``; the page includes each partial, in order, after the concern's actions and changes,
with ``concern`` and ``user`` in the context (the page has already checked the user may see the
concern; a section checks what it shows itself). Monitoring never imports the modules that add
sections here.
"""

from __future__ import annotations

from waypoint.delivery.extensions import EngagementSection

_concern_sections: list[EngagementSection] = []


def add_concern_section(template: str, order: int = 100) -> None:
    section = EngagementSection(order, template)
    if section not in _concern_sections:
        _concern_sections.append(section)
        _concern_sections.sort()


def concern_sections() -> list[str]:
    return [section.template for section in _concern_sections]
