"""Template tags for the improvement register's section on other modules' pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from waypoint.measures import selectors_improvements as selectors

register = template.Library()


@register.simple_tag
def improvements_from_concern(concern: Any, user: Any) -> dict[str, Any]:
    """The improvements raised from the concern that the person may see, and where to raise
    another when they may (the concern page has already checked they may see the concern)."""
    rows = list(selectors.from_concern(user, concern))
    raise_url = ""
    if selectors.may_raise_from(user, concern):
        raise_url = reverse("measures:improvement-create") + f"?concern={concern.pk}"
    return {"rows": rows, "raise_url": raise_url}
