"""Template tags for the engagement page's "Reviews" section."""

from __future__ import annotations

from typing import Any

from django import template

from waypoint.monitoring.selectors_reviews import Schedule, review_schedule

register = template.Library()


@register.simple_tag
def review_schedule_for(engagement: Any) -> Schedule:
    """The engagement's review schedule (the page has already checked the user may see it)."""
    return review_schedule(engagement)
