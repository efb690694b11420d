"""Writes for service evaluations (000 reqs 9, 10; 001 E5.05 LO4: review the service with
performance monitoring techniques and identify opportunities to improve it).

- ``evaluation_create``: an evaluation of a scope the manager may see (an organisation, a
  programme, a team or an adviser) for a month, a financial quarter or a financial year;
- ``evaluation_update``: its narrative (limits, priorities, the SWOT, feedback themes,
  conclusions), while it is a draft;
- ``evaluation_finalise``: a final evaluation is kept as it was: the figures of the moment are
  stored in the ``evaluation.finalised`` event and the report reads them back from there;
- ``recommendation_create``: a recommendation is an improvement in the register raised from the
  evaluation (source "evaluation"), to be planned, done, checked and acted on (000 req 10).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation, User
from waypoint.core.periods import Period
from waypoint.core.permissions import policy_for
from waypoint.core.roles import organisations_with_role
from waypoint.core.services import require_add, require_permission
from waypoint.delivery.models import Programme
from waypoint.delivery.services.agreements import save_record
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures import selectors_evaluations as report
from waypoint.measures.models import ROLLUP_PERIODS, Evaluation, Improvement, Measure, ScopeKind

PERIOD_HELP = (
    "Use 2026-11 (a month), 2026/27 Q3 (a financial quarter) or 2026/27 (a financial year)."
)
NARRATIVE = (
    "limits",
    "priorities",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
    "feedback_themes",
    "conclusions",
)


def parse_period(label: Any) -> Period:
    text = str(label or "").strip()
    if not text:
        raise ValueError(f"Give the period. {PERIOD_HELP}")
    try:
        period = Period.parse(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a period. {PERIOD_HELP}") from None
    if period.kind not in ROLLUP_PERIODS:
        raise ValueError(f"{text!r} is a calendar period. {PERIOD_HELP}")
    return period


def _organisation_for(user: Any, scope: dash.DashboardScope) -> Organisation | None:
    """Whose evaluation it is: the scope's organisation the person manages (for a programme,
    its owner first, then the delivering organisation they manage)."""
    roles = policy_for(Evaluation).roles_for("add")  # type: ignore[attr-defined]
    mine = (
        set(scope.organisation_ids)
        if user.is_superuser
        else set(scope.organisation_ids) & organisations_with_role(user, roles)
    )
    if not mine:
        return None
    if scope.kind == ScopeKind.PROGRAMME:
        owner = Programme.objects.filter(pk=scope.id).values_list("organisation_id", flat=True)
        for pk in owner:
            if pk in mine:
                return Organisation.objects.get(pk=pk)
    return Organisation.objects.filter(pk__in=mine).order_by("name").first()


def _event_data(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "scope": f"{evaluation.scope_kind}:{evaluation.scope_id}",
        "period": report.evaluation_period(evaluation).label,
        "status": evaluation.status,
    }


@transaction.atomic
def evaluation_create(
    *,
    acting_user: Any,
    title: str,
    scope_kind: str,
    scope_id: Any,
    period: Any,
    **narrative: str,
) -> Evaluation:
    """Start a draft evaluation of a scope for a period. Problems name their field."""
    errors: dict[str, list[str]] = {}
    unknown = set(narrative) - set(NARRATIVE)
    if unknown:
        raise ValueError(f"An evaluation has no fields {sorted(unknown)}.")
    scope = None
    if scope_kind not in ScopeKind.values:
        errors["scope"] = [
            f"{scope_kind!r} is not a kind of scope: choose an organisation, a programme, a "
            "team or an adviser."
        ]
    else:
        try:
            pk = int(scope_id)
        except (TypeError, ValueError):
            errors["scope"] = [f"{scope_id!r} does not name a {scope_kind}."]
        else:
            access, scope = dash.scope_access(acting_user, scope_kind, pk)
            if access is not dash.Access.ALLOWED or scope is None:
                scope = None
                errors["scope"] = [
                    "You may evaluate only a scope whose figures you may see: your "
                    "organisation, its programmes, teams and advisers."
                ]
    organisation = None
    if scope is not None:
        organisation = _organisation_for(acting_user, scope)
        if organisation is None:
            raise PermissionDenied(
                f"You may not evaluate {scope.title}: only its organisation's managers may."
            )
        require_add(acting_user, Evaluation, organisation)
    try:
        found = parse_period(period)
    except ValueError as error:
        errors["period"] = [str(error)]
        found = None
    title = (title or "").strip()
    if not title and scope is not None and found is not None:
        title = f"Service evaluation: {scope.name}, {found.label}"
    if not title:
        errors.setdefault("title", []).append("Give the evaluation a title.")
    if errors:
        raise ValidationError(errors)
    assert scope is not None and found is not None and organisation is not None
    evaluation = Evaluation(
        organisation=organisation,
        title=title,
        scope_kind=scope.kind,
        scope_id=scope.id,
        period_kind=found.kind.value,
        period_start=found.start,
        created_by=acting_user,
        **{name: (narrative.get(name) or "").strip() for name in NARRATIVE},
    )
    save_record(evaluation)
    record_event(
        verb="evaluation.created", obj=evaluation, actor=acting_user, data=_event_data(evaluation)
    )
    return evaluation


def _require_draft(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.DRAFT:
        raise ValidationError(
            "This evaluation is final: it is kept as it was. Start a new evaluation instead."
        )


@transaction.atomic
def evaluation_update(
    *, evaluation: Evaluation, acting_user: Any, title: str | None = None, **narrative: str
) -> Evaluation:
    """Change a draft's title and narrative sections (the scope and period stay)."""
    require_permission(acting_user, "change", evaluation)
    _require_draft(evaluation)
    unknown = set(narrative) - set(NARRATIVE)
    if unknown:
        raise ValueError(f"An evaluation has no fields {sorted(unknown)}.")
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": ["Give the evaluation a title."]})
        evaluation.title = title.strip()
    for name, text in narrative.items():
        setattr(evaluation, name, (text or "").strip())
    save_record(evaluation)
    record_event(
        verb="evaluation.updated",
        obj=evaluation,
        actor=acting_user,
        data={**_event_data(evaluation), "fields": sorted(narrative)},
    )
    return evaluation


@transaction.atomic
def evaluation_finalise(
    *, evaluation: Evaluation, acting_user: Any, today: dt.date | None = None
) -> Evaluation:
    """Make the evaluation final: no more changes, and its figures kept as they are now."""
    require_permission(acting_user, "change", evaluation)
    _require_draft(evaluation)
    missing = [
        str(getattr(Evaluation._meta.get_field(name), "verbose_name", name))
        for name in ("strengths", "weaknesses", "opportunities", "threats", "conclusions")
        if not getattr(evaluation, name).strip()
    ]
    if missing:
        raise ValidationError(
            "Write the " + ", ".join(missing) + " before finalising: a final evaluation "
            "cannot be changed."
        )
    figures = report.figures(evaluation, today or timezone.localdate())
    evaluation.status = Evaluation.Status.FINAL
    save_record(evaluation)
    record_event(
        verb=report.FINALISED,
        obj=evaluation,
        actor=acting_user,
        data={**_event_data(evaluation), "figures": figures},
    )
    return evaluation


# Recommendations -------------------------------------------------------------------------------


@transaction.atomic
def recommendation_create(
    *,
    evaluation: Evaluation,
    acting_user: Any,
    title: str,
    owner: User | None,
    plan: str = "",
    due_on: dt.date | None = None,
    measure: Measure | None = None,
) -> Improvement:
    """A recommendation of the evaluation: an improvement in the register, at its plan stage,
    checked on the evaluation's scope (a final evaluation still takes recommendations)."""
    require_permission(acting_user, "change", evaluation)
    organisation = evaluation.organisation
    require_add(acting_user, Improvement, organisation)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = ["Say what to improve."]
    if owner is None:
        errors["owner"] = ["Choose who owns the improvement."]
    elif (
        not owner.is_active or not owner.role_assignments.filter(organisation=organisation).exists()
    ):
        errors["owner"] = [f"{owner} does not work for {organisation}: choose one of its people."]
    if measure is not None and not (
        measure.organisation_id is None or measure.organisation_id == organisation.pk
    ):
        errors["measure"] = [f"{measure} is not a measure {organisation} uses."]
    if measure is not None and not measure.is_active:
        errors["measure"] = [f"{measure} is retired: choose an active measure."]
    if due_on is not None and due_on < evaluation.created_at.date():
        errors["due_on"] = ["The due date cannot come before the evaluation was started."]
    if errors:
        raise ValidationError(errors)
    period = report.evaluation_period(evaluation)
    improvement = Improvement(
        organisation=organisation,
        source=Improvement.Source.EVALUATION,
        title=title,
        owner=owner,
        plan=(plan or "").strip(),
        status=Improvement.Status.PLAN,
        measure=measure,
        scope_kind=evaluation.scope_kind,
        scope_id=evaluation.scope_id,
        before_period=period.label if measure is not None else "",
        due_on=due_on,
        evaluation=evaluation,
        created_by=acting_user,
    )
    save_record(improvement)
    record_event(
        verb="improvement.created",
        obj=improvement,
        actor=acting_user,
        data={
            "source": improvement.source,
            "evaluation": evaluation.pk,
            "owner": owner.pk if owner else None,
            "measure": measure.code if measure else None,
        },
    )
    return improvement
