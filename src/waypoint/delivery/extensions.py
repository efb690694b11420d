"""Extension points of the engagement page, for the modules above delivery (monitoring...).

A module adds a section with ``add_engagement_section("app/_partial.html", order)``; the
engagement page includes each partial, in order, after its own sections, with ``engagement``
and ``user`` in the context. Delivery never imports the modules that register here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class EngagementSection:
    order: int
    template: str


_sections: list[EngagementSection] = []


def add_engagement_section(template: str, order: int = 100) -> None:
    section = EngagementSection(order, template)
    if section not in _sections:
        _sections.append(section)
        _sections.sort()


def engagement_sections() -> list[str]:
    return [section.template for section in _sections]
