"""Reads for diagnostics: the templates a user may use, a diagnostic's previous one and what
changed since, and the findings a completed diagnostic suggests."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from waypoint.delivery.diagnostic_definitions import (
    Change,
    Definition,
    changes_since,
    parse_definition,
    suggested_findings,
)
from waypoint.delivery.models import Diagnostic, DiagnosticTemplate, Engagement


def definition_of(template: DiagnosticTemplate) -> Definition:
    """The parsed definition (checked when the template was saved)."""
    return parse_definition(template.definition)


def templates_for(*, user: Any, engagement: Engagement | None = None) -> QuerySet[Any]:
    """Active templates the user may use: standard ones and their organisations' own; for an
    engagement, those of its organisation that suit its client (business or individual)."""
    templates = DiagnosticTemplate.objects.restrict(user, "view").filter(is_active=True)
    if engagement is not None:
        templates = templates.filter(
            Q(organisation__isnull=True) | Q(organisation_id=engagement.organisation_id)
        ).filter(audience__in=[DiagnosticTemplate.Audience.ANY, engagement.client.kind])
    return templates.order_by("name", "-version")


def previous_diagnostic(*, diagnostic: Diagnostic, user: Any) -> Diagnostic | None:
    """The client's latest completed diagnostic of the same template (any version), before
    this one, among those the user may see."""
    earlier = (
        Diagnostic.objects.restrict(user, "view")
        .filter(
            engagement__client_id=diagnostic.engagement.client_id,
            template__key=diagnostic.template.key,
            template__organisation_id=diagnostic.template.organisation_id,
            status=Diagnostic.Status.COMPLETED,
        )
        .exclude(pk=diagnostic.pk)
        .select_related("template", "completed_by")
    )
    if diagnostic.completed_on is not None:
        earlier = earlier.filter(
            Q(completed_on__lt=diagnostic.completed_on)
            | Q(completed_on=diagnostic.completed_on, pk__lt=diagnostic.pk)
        )
    return earlier.order_by("-completed_on", "-pk").first()


def changes_from_previous(
    *, diagnostic: Diagnostic, user: Any
) -> tuple[Diagnostic | None, list[Change]]:
    """The previous diagnostic and what changed since it (empty when there is none)."""
    previous = previous_diagnostic(diagnostic=diagnostic, user=user)
    if previous is None:
        return None, []
    changes = changes_since(
        definition_of(diagnostic.template),
        diagnostic.answers,
        diagnostic.results,
        previous.answers,
        previous.results,
    )
    return previous, changes


def finding_suggestions(diagnostic: Diagnostic) -> list[tuple[str, str]]:
    """Suggested findings not yet recorded (same text), as (item key, text)."""
    recorded = set(diagnostic.findings.values_list("text", flat=True))
    return [
        (key, text)
        for key, text in suggested_findings(
            definition_of(diagnostic.template), diagnostic.answers, diagnostic.results
        )
        if text not in recorded
    ]


def engagement_diagnostics(*, engagement: Engagement, user: Any) -> QuerySet[Any]:
    return (
        Diagnostic.objects.restrict(user, "view")
        .filter(engagement=engagement)
        .select_related("template", "completed_by")
        .order_by("status", "-completed_on", "-pk")
    )
