"""Template tags for outcomes: figures as people read them, and the engagement page's
"Outcomes and impact" section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from waypoint.monitoring.models import OutcomeFollowUp, OutcomeValue
from waypoint.monitoring.selectors_outcomes import format_figure, measures_for

register = template.Library()


@register.simple_tag
def figure(measure: Any, value: Any) -> str:
    """£1,234.50, 3.5 FTE, Yes; "Not recorded" for none."""
    return format_figure(measure, value if value != "" else None)


@dataclass
class OutcomeSummary:
    measures: int
    baselines: int
    next_follow_up: OutcomeFollowUp | None
    follow_ups: int
    completed: int


@register.simple_tag
def outcome_summary(engagement: Any) -> OutcomeSummary:
    """How far the engagement's outcomes are recorded (the page has already checked the user
    may see the engagement). Four small queries."""
    follow_ups = OutcomeFollowUp.objects.filter(engagement=engagement)
    return OutcomeSummary(
        measures=measures_for(engagement).count(),
        baselines=OutcomeValue.objects.filter(
            engagement=engagement, follow_up__isnull=True
        ).count(),
        next_follow_up=follow_ups.filter(completed_on__isnull=True).order_by("due_on").first(),
        follow_ups=follow_ups.count(),
        completed=follow_ups.filter(completed_on__isnull=False).count(),
    )
