"""Extension points of delivery's pages, for the modules above delivery (monitoring...).

A module adds a section with ``add_engagement_section("app/_partial.html", order)``; the
engagement page includes each partial, in order, after its own sections, with ``engagement``
and ``user`` in the context. ``add_programme_section`` does the same for the programme page
(``programme``, ``can_change`` and ``user`` in the context). Delivery never imports the modules
that register here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


_programme_sections: list[EngagementSection] = []


def add_programme_section(template: str, order: int = 100) -> None:
    section = EngagementSection(order, template)
    if section not in _programme_sections:
        _programme_sections.append(section)
        _programme_sections.sort()


def programme_sections() -> list[str]:
    return [section.template for section in _programme_sections]


# Warnings on the contact log -------------------------------------------------------------------
#
# A module adds ``fn(engagement, minutes, on)`` with ``add_contact_warning(fn)``; it returns the
# warnings that logging ``minutes`` of contact on the date ``on`` would raise (monitoring: the
# client's support would go over its subsidy limit). The contact form shows them and asks the
# person to confirm they have seen them before it saves the contact.

ContactWarning = Callable[[Any, int, "dt.date | None"], list[str]]
_contact_warnings: list[ContactWarning] = []


def add_contact_warning(fn: ContactWarning) -> None:
    if fn not in _contact_warnings:
        _contact_warnings.append(fn)


def contact_warnings(engagement: Any, minutes: int, on: dt.date | None = None) -> list[str]:
    return [warning for fn in _contact_warnings for warning in fn(engagement, minutes, on)]
