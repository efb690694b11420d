"""Writes for diagnostics: templates (standard files and an organisation's own), diagnostics
carried out with a client, their findings, and findings turned into goals of the action plan.

001 E5.08 1.1: work with clients to analyse their business and decide the way forward; 2.1:
evaluate their readiness to change; 2.2: evaluate and prioritise changes; 3.1: devise an action
plan. A completed diagnostic is dated and attributed and is not changed afterwards: the next one
shows what changed since. Answer errors are raised as a ``ValidationError`` keyed by item key.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.periods import local_date
from waypoint.core.permissions import policy_for
from waypoint.core.services import require_permission
from waypoint.delivery.diagnostic_definitions import (
    DefinitionError,
    checksum,
    clean_answers,
    compute_results,
    parse_definition,
)
from waypoint.delivery.models import (
    Diagnostic,
    DiagnosticTemplate,
    Engagement,
    Finding,
    Goal,
)
from waypoint.delivery.services import action_plans
from waypoint.delivery.services.agreements import save_record

STANDARD_TEMPLATES = Path(__file__).resolve().parent.parent / "diagnostic_templates"
CLOSED = "This engagement is closed: no new diagnostics."


# Templates -------------------------------------------------------------------------------------


def _fields_from(definition: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_definition(definition)
    return {
        "key": parsed.key,
        "version": parsed.version,
        "name": parsed.name,
        "kind": parsed.kind,
        "audience": parsed.audience,
        "description": parsed.description,
        "definition": definition,
        "checksum": checksum(definition),
    }


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_standard_files(directory: Path = STANDARD_TEMPLATES) -> list[tuple[str, dict[str, Any]]]:
    """Every standard template file as (file name, definition), checked; a file whose name
    does not match its key and version, or that does not parse, stops the load."""
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            parsed = parse_definition(data)
        except json.JSONDecodeError as error:
            raise DefinitionError([f"{path.name}: not valid JSON ({error})"]) from None
        except DefinitionError as error:
            raise DefinitionError([f"{path.name}: {problem}" for problem in error.errors]) from None
        expected = f"{parsed.key}.v{parsed.version}.json"
        if path.name != expected:
            raise DefinitionError([f"{path.name}: a file with this key and version is {expected}"])
        found.append((path.name, data))
    return found


def load_standard_templates(
    model: Any = DiagnosticTemplate, directory: Path = STANDARD_TEMPLATES
) -> LoadReport:
    """Load the standard template files not yet in the database (idempotent). A file changed
    after it was loaded is refused: a change is a new version. Older versions are retired.

    ``model`` is the historical model when called from a migration.
    """
    report = LoadReport()
    with transaction.atomic():
        for name, data in read_standard_files(directory):
            fields = _fields_from(data)
            existing = model.objects.filter(
                organisation__isnull=True, key=fields["key"], version=fields["version"]
            ).first()
            if existing is not None:
                if existing.checksum != fields["checksum"]:
                    raise DefinitionError(
                        [
                            f"{name} was changed after it was loaded; saved versions never "
                            f"change: add {fields['key']}.v{fields['version'] + 1}.json instead"
                        ]
                    )
                report.unchanged.append(name)
                continue
            # Files sort by name ("x.v10.json" before "x.v2.json"): a version loaded after a
            # newer one starts retired.
            newer = model.objects.filter(
                organisation__isnull=True, key=fields["key"], version__gt=fields["version"]
            ).exists()
            obj = model(organisation=None, source=name, is_active=not newer, **fields)
            obj.full_clean()
            obj.save()
            model.objects.filter(
                organisation__isnull=True, key=fields["key"], version__lt=fields["version"]
            ).update(is_active=False)
            report.created.append(name)
    return report


def _definition_error(error: DefinitionError) -> ValidationError:
    return ValidationError({"definition": error.errors})


@transaction.atomic
def template_create(
    *, organisation: Organisation, definition: Any, acting_user: Any
) -> DiagnosticTemplate:
    """Add an organisation's template, or the next version of one it has (which retires the
    previous version). A standard template's key cannot be reused."""
    if not policy_for(DiagnosticTemplate).can_add(acting_user, organisation.pk):
        raise PermissionDenied(f"You may not add a diagnostic template to {organisation}.")
    try:
        fields = _fields_from(definition)
    except DefinitionError as error:
        raise _definition_error(error) from None
    key, version = fields["key"], fields["version"]
    if DiagnosticTemplate.objects.filter(organisation__isnull=True, key=key).exists():
        raise ValidationError(
            {"definition": [f"key: {key!r} is a standard template's key; choose another key."]}
        )
    latest = (
        DiagnosticTemplate.objects.filter(organisation=organisation, key=key)
        .select_for_update()
        .aggregate(latest=Max("version"))["latest"]
    )
    expected = (latest or 0) + 1
    if version != expected:
        what = "a new template" if latest is None else f"the version after {latest}"
        raise ValidationError(
            {"definition": [f"version: {what} must be version {expected}, not {version}."]}
        )
    template = DiagnosticTemplate(organisation=organisation, created_by=acting_user, **fields)
    save_record(template)
    for older in DiagnosticTemplate.objects.filter(
        organisation=organisation, key=key, version__lt=version, is_active=True
    ):
        older.is_active = False
        save_record(older)
    record_event(
        verb="diagnostic_template.created",
        obj=template,
        actor=acting_user,
        data={"key": key, "version": version},
    )
    return template


@transaction.atomic
def template_set_active(
    *, template: DiagnosticTemplate, active: bool, acting_user: Any
) -> DiagnosticTemplate:
    """Retire an organisation's template (it stays for the diagnostics that used it), or bring
    it back."""
    if template.is_standard:
        raise PermissionDenied("Standard templates change only through their files.")
    require_permission(acting_user, "change", template)
    template.is_active = active
    save_record(template)
    record_event(
        verb="diagnostic_template.activated" if active else "diagnostic_template.retired",
        obj=template,
        actor=acting_user,
    )
    return template


# Diagnostics -----------------------------------------------------------------------------------


def _today(organisation: Organisation) -> dt.date:
    return local_date(timezone.now(), organisation.time_zone)


def _check_template_fits(template: DiagnosticTemplate, engagement: Engagement) -> None:
    if not template.is_active:
        raise ValidationError({"template": f"{template} is retired: choose its latest version."})
    if template.organisation_id not in (None, engagement.organisation_id):
        raise ValidationError({"template": "That template belongs to another organisation."})
    client = engagement.client
    audience = template.audience
    if audience != DiagnosticTemplate.Audience.ANY and audience != client.kind:
        wanted = "businesses" if audience == DiagnosticTemplate.Audience.BUSINESS else "individuals"
        raise ValidationError(
            {"template": f"{template.name} is for {wanted}; {client} is not one."}
        )


def _check_draft(diagnostic: Diagnostic) -> None:
    if diagnostic.is_completed:
        raise ValidationError(
            "This diagnostic was completed and is kept as it was: start a new one to record "
            "what has changed."
        )


def _clean(diagnostic: Diagnostic, answers: Any, *, complete: bool) -> dict[str, Any]:
    definition = parse_definition(diagnostic.template.definition)
    cleaned, errors = clean_answers(definition, answers, complete=complete)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def diagnostic_start(
    *, engagement: Engagement, template: DiagnosticTemplate, acting_user: Any
) -> Diagnostic:
    """Start a diagnostic with the client: a draft until it is completed."""
    require_permission(acting_user, "change", engagement)
    if not engagement.is_open:
        raise ValidationError(CLOSED)
    _check_template_fits(template, engagement)
    diagnostic = Diagnostic(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        template=template,
        created_by=acting_user,
    )
    save_record(diagnostic)
    record_event(
        verb="diagnostic.started",
        obj=diagnostic,
        actor=acting_user,
        data={"engagement": engagement.pk, "template": template.key, "version": template.version},
    )
    return diagnostic


@transaction.atomic
def diagnostic_save(
    *, diagnostic: Diagnostic, answers: Any, summary: str | None = None, acting_user: Any
) -> Diagnostic:
    """Save a draft's answers (replacing the earlier ones); nothing is required yet."""
    require_permission(acting_user, "change", diagnostic)
    _check_draft(diagnostic)
    cleaned = _clean(diagnostic, answers, complete=False)
    diagnostic.answers = cleaned
    diagnostic.results = compute_results(parse_definition(diagnostic.template.definition), cleaned)
    if summary is not None:
        diagnostic.summary = summary.strip()
    save_record(diagnostic)
    return diagnostic


@transaction.atomic
def diagnostic_complete(
    *,
    diagnostic: Diagnostic,
    acting_user: Any,
    answers: Any = None,
    summary: str | None = None,
    completed_on: dt.date | None = None,
) -> Diagnostic:
    """Complete the diagnostic: required items answered, dated and attributed to the user."""
    require_permission(acting_user, "change", diagnostic)
    _check_draft(diagnostic)
    engagement = diagnostic.engagement
    today = _today(engagement.organisation)
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": "A diagnostic cannot be completed in the future."})
    if completed_on < engagement.enquiry_date:
        raise ValidationError(
            {"completed_on": "A diagnostic cannot be completed before the engagement began."}
        )
    cleaned = _clean(diagnostic, diagnostic.answers if answers is None else answers, complete=True)
    diagnostic.answers = cleaned
    diagnostic.results = compute_results(parse_definition(diagnostic.template.definition), cleaned)
    if summary is not None:
        diagnostic.summary = summary.strip()
    diagnostic.status = Diagnostic.Status.COMPLETED
    diagnostic.completed_on = completed_on
    diagnostic.completed_by = acting_user
    save_record(diagnostic)
    record_event(
        verb="diagnostic.completed",
        obj=diagnostic,
        actor=acting_user,
        data={"engagement": engagement.pk, "template": diagnostic.template.key},
    )
    return diagnostic


@transaction.atomic
def diagnostic_discard(*, diagnostic: Diagnostic, acting_user: Any) -> None:
    """Throw away a draft (a completed diagnostic is kept)."""
    require_permission(acting_user, "change", diagnostic)
    _check_draft(diagnostic)
    record_event(
        verb="diagnostic.discarded",
        obj=diagnostic,
        actor=acting_user,
        data={"engagement": diagnostic.engagement_id},
    )
    diagnostic.delete()


# Findings --------------------------------------------------------------------------------------


def _check_completed(diagnostic: Diagnostic) -> None:
    if not diagnostic.is_completed:
        raise ValidationError("Complete the diagnostic before recording its findings.")


@transaction.atomic
def finding_add(
    *,
    diagnostic: Diagnostic,
    text: str,
    acting_user: Any,
    priority: str = Finding.Priority.MEDIUM,
    item_key: str = "",
) -> Finding:
    """Record a finding the client wants to act on, with its priority (001 E5.08 2.2)."""
    require_permission(acting_user, "change", diagnostic)
    _check_completed(diagnostic)
    if not text.strip():
        raise ValidationError({"text": "Say what was found."})
    position = (diagnostic.findings.aggregate(last=Max("position"))["last"] or 0) + 1
    finding = Finding(
        diagnostic=diagnostic,
        organisation_id=diagnostic.organisation_id,
        text=text.strip(),
        priority=priority,
        item_key=item_key,
        position=position,
    )
    save_record(finding)
    return finding


@transaction.atomic
def finding_update(
    *, finding: Finding, acting_user: Any, text: str | None = None, priority: str | None = None
) -> Finding:
    require_permission(acting_user, "change", finding)
    if text is not None:
        if not text.strip():
            raise ValidationError({"text": "Say what was found."})
        finding.text = text.strip()
    if priority is not None:
        finding.priority = priority
    save_record(finding)
    return finding


@transaction.atomic
def finding_remove(*, finding: Finding, acting_user: Any) -> None:
    """Remove a finding that has not become a goal."""
    require_permission(acting_user, "change", finding)
    if finding.goal_id is not None:
        raise ValidationError("This finding has become a goal of the plan: it is kept.")
    finding.delete()


@transaction.atomic
def finding_to_goal(*, finding: Finding, acting_user: Any, **goal_fields: Any) -> Goal:
    """Turn a finding into a SMART goal of the engagement's action plan, starting the plan if
    there is none (001 E5.08 3.1). All or nothing: a goal refused as not SMART starts no plan."""
    require_permission(acting_user, "change", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.goal_id is not None:
        raise ValidationError("This finding is already a goal of the plan.")
    diagnostic = finding.diagnostic
    engagement = diagnostic.engagement
    plan = getattr(engagement, "action_plan", None)
    if plan is None:
        plan = action_plans.plan_start(engagement=engagement, title="", acting_user=acting_user)
    goal_fields.setdefault("statement", finding.text)
    goal_fields.setdefault("priority", finding.priority)
    when = f" of {diagnostic.completed_on:%d %b %Y}" if diagnostic.completed_on else ""
    goal = action_plans.goal_add(
        plan=plan,
        acting_user=acting_user,
        reason=f"From the {diagnostic.template.name}{when}: {finding.text}",
        **goal_fields,
    )
    finding.goal = goal
    save_record(finding)
    return goal
