"""Diagnostics' service rules: templates (standard files and an organisation's own), diagnostics
from draft to completed, findings and findings turned into goals, and the selectors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.delivery.factories import EngagementFactory
from tests.factories import person
from waypoint.core.models import DomainEvent
from waypoint.core.periods import local_date
from waypoint.core.roles import Role
from waypoint.delivery import selectors_diagnostics as selectors
from waypoint.delivery.diagnostic_definitions import DefinitionError
from waypoint.delivery.models import (
    ActionPlan,
    Diagnostic,
    DiagnosticTemplate,
    Engagement,
    Finding,
    Goal,
    PlanChange,
)
from waypoint.delivery.services import diagnostics as services

pytestmark = pytest.mark.django_db

KEY = "hub-health"  # not a standard template's key


def definition(key: str = KEY, version: int = 1, audience: str = "any", **extra: Any) -> dict:
    """A small template: a required score on a 1-5 scale (1 and 2 a concern), an optional
    score, a list whose lines are findings and a free-text item."""
    return {
        "key": key,
        "version": version,
        "name": extra.pop("name", "Hub health check"),
        "kind": "health_check",
        "audience": audience,
        "scales": {
            "health": {
                "min": 1,
                "max": 5,
                "labels": {"1": "Serious weakness", "3": "Adequate", "5": "A real strength"},
                "concern": [1, 2],
                "better": "higher",
            }
        },
        "sections": [
            {
                "key": "finance",
                "title": "Finance",
                "items": [
                    {"key": "cash_flow", "type": "score", "scale": "health", "label": "Cash flow"},
                    {
                        "key": "pricing",
                        "type": "score",
                        "scale": "health",
                        "label": "Pricing",
                        "required": False,
                    },
                    {
                        "key": "weaknesses",
                        "type": "list",
                        "label": "Weaknesses",
                        "finding": True,
                        "finding_prefix": "Weakness",
                    },
                    {"key": "notes", "type": "text", "label": "Notes"},
                ],
            }
        ],
        **extra,
    }


def hub_template(cast: Any, version: int = 1, **extra: Any) -> DiagnosticTemplate:
    return services.template_create(
        organisation=cast.hub, definition=definition(version=version, **extra), acting_user=cast.ada
    )


def today(engagement: Engagement) -> dt.date:
    return local_date(timezone.now(), engagement.organisation.time_zone)


def completed(
    desk: Any,
    template: DiagnosticTemplate,
    *,
    engagement: Engagement | None = None,
    user: Any = None,
    score: int = 2,
    on: dt.date | None = None,
    weaknesses: tuple[str, ...] = (),
) -> Diagnostic:
    """A diagnostic of ``template`` completed with the client on ``on`` (default today)."""
    engagement = engagement or desk.alice_engagement
    user = user or engagement.lead_adviser
    diagnostic = services.diagnostic_start(
        engagement=engagement, template=template, acting_user=user
    )
    answers: dict[str, Any] = {"cash_flow": {"score": score, "notes": ""}}
    if weaknesses:
        answers["weaknesses"] = {"lines": list(weaknesses)}
    return services.diagnostic_complete(
        diagnostic=diagnostic, answers=answers, completed_on=on, acting_user=user
    )


def write(directory: Path, name: str, data: dict) -> Path:
    path = directory / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def messages(error: Any) -> dict[str, list[str]]:
    """The messages by field of a ``pytest.raises(ValidationError)``."""
    return dict(error.value.message_dict)


# Standard templates ----------------------------------------------------------------------------


def test_loading_standard_files_is_idempotent(tmp_path):
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    first = services.load_standard_templates(directory=tmp_path)
    assert first.created == ["test-check.v1.json"] and first.unchanged == []
    template = DiagnosticTemplate.objects.get(key="test-check")
    assert template.is_standard and template.is_active
    assert template.source == "test-check.v1.json" and template.version == 1
    again = services.load_standard_templates(directory=tmp_path)
    assert again.created == [] and again.unchanged == ["test-check.v1.json"]
    assert DiagnosticTemplate.objects.filter(key="test-check").count() == 1


def test_a_standard_file_changed_after_loading_is_refused(tmp_path):
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    write(tmp_path, "test-check.v1.json", definition("test-check", name="Renamed check"))
    with pytest.raises(DefinitionError) as error:
        services.load_standard_templates(directory=tmp_path)
    assert "changed after it was loaded" in str(error.value)
    assert "test-check.v2.json" in str(error.value)
    assert DiagnosticTemplate.objects.get(key="test-check").name == "Hub health check"


def test_a_newer_standard_version_retires_the_older(tmp_path):
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    write(tmp_path, "test-check.v2.json", definition("test-check", version=2))
    report = services.load_standard_templates(directory=tmp_path)
    assert report.created == ["test-check.v2.json"]
    assert report.unchanged == ["test-check.v1.json"]
    active = dict(
        DiagnosticTemplate.objects.filter(key="test-check").values_list("version", "is_active")
    )
    assert active == {1: False, 2: True}


def test_only_the_latest_standard_version_is_active_whatever_the_file_order(tmp_path):
    # "test-check.v10.json" sorts before "test-check.v2.json".
    write(tmp_path, "test-check.v2.json", definition("test-check", version=2))
    write(tmp_path, "test-check.v10.json", definition("test-check", version=10))
    services.load_standard_templates(directory=tmp_path)
    active = dict(
        DiagnosticTemplate.objects.filter(key="test-check").values_list("version", "is_active")
    )
    assert active == {2: False, 10: True}


def test_a_standard_file_is_named_after_its_key_and_version(tmp_path):
    write(tmp_path, "test-check.json", definition("test-check"))
    with pytest.raises(DefinitionError) as error:
        services.load_standard_templates(directory=tmp_path)
    assert "a file with this key and version is test-check.v1.json" in str(error.value)
    assert not DiagnosticTemplate.objects.filter(key="test-check").exists()


def test_a_broken_standard_file_names_the_file_and_the_path(tmp_path):
    broken = definition("test-check")
    broken["sections"][0]["items"][0]["scale"] = "nope"
    write(tmp_path, "test-check.v1.json", broken)
    with pytest.raises(DefinitionError) as error:
        services.load_standard_templates(directory=tmp_path)
    assert error.value.errors == [
        "test-check.v1.json: sections[0].items[0].scale: 'nope' is not one of the template's scales"
    ]


# An organisation's templates -------------------------------------------------------------------


def test_an_administrator_adds_a_template(cast):
    template = hub_template(cast)
    assert (template.organisation, template.version, template.created_by) == (
        cast.hub,
        1,
        cast.ada,
    )
    assert template.is_active and not template.is_standard and template.kind == "health_check"
    assert DomainEvent.objects.filter(
        verb="diagnostic_template.created", object_id=str(template.pk)
    ).exists()


@pytest.mark.parametrize("who", ["alice", "mary", "pat", "oscar"])
def test_only_the_organisations_administrators_add_templates(cast, who):
    with pytest.raises(PermissionDenied):
        services.template_create(
            organisation=cast.hub, definition=definition(), acting_user=getattr(cast, who)
        )
    assert not DiagnosticTemplate.objects.filter(key=KEY).exists()


def test_an_administrator_adds_nothing_to_another_organisation(cast):
    with pytest.raises(PermissionDenied):
        services.template_create(
            organisation=cast.pathways, definition=definition(), acting_user=cast.ada
        )


def test_the_version_must_be_the_next(cast):
    with pytest.raises(ValidationError) as error:
        hub_template(cast, version=2)
    assert messages(error)["definition"] == ["version: a new template must be version 1, not 2."]
    hub_template(cast)
    for version in (1, 3):
        with pytest.raises(ValidationError) as error:
            hub_template(cast, version=version)
        assert messages(error)["definition"] == [
            f"version: the version after 1 must be version 2, not {version}."
        ]
    assert DiagnosticTemplate.objects.filter(key=KEY).count() == 1


def test_a_new_version_retires_the_previous(cast):
    first = hub_template(cast)
    second = hub_template(cast, version=2)
    first.refresh_from_db()
    assert not first.is_active and second.is_active


def test_a_standard_key_is_refused(cast, tmp_path):
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    with pytest.raises(ValidationError) as error:
        services.template_create(
            organisation=cast.hub, definition=definition("test-check"), acting_user=cast.ada
        )
    assert "is a standard template's key" in messages(error)["definition"][0]
    assert not DiagnosticTemplate.objects.filter(organisation=cast.hub).exists()


def test_a_bad_definition_names_every_problem_with_its_path(cast):
    bad = definition()
    bad["sections"][0]["items"][0]["scale"] = "nope"
    bad["kind"] = "horoscope"
    with pytest.raises(ValidationError) as error:
        services.template_create(organisation=cast.hub, definition=bad, acting_user=cast.ada)
    problems = messages(error)["definition"]
    assert any(p.startswith("kind: must be one of") for p in problems), problems
    assert "sections[0].items[0].scale: 'nope' is not one of the template's scales" in problems


def test_retire_and_reactivate(cast, tmp_path):
    template = hub_template(cast)
    services.template_set_active(template=template, active=False, acting_user=cast.ada)
    assert not DiagnosticTemplate.objects.get(pk=template.pk).is_active
    services.template_set_active(template=template, active=True, acting_user=cast.ada)
    assert DiagnosticTemplate.objects.get(pk=template.pk).is_active
    with pytest.raises(PermissionDenied):
        services.template_set_active(template=template, active=False, acting_user=cast.alice)
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    standard = DiagnosticTemplate.objects.get(key="test-check")
    with pytest.raises(PermissionDenied):
        services.template_set_active(template=standard, active=False, acting_user=cast.root)
    assert DiagnosticTemplate.objects.get(pk=standard.pk).is_active


# Starting a diagnostic -------------------------------------------------------------------------


def test_start_a_draft(cast, desk):
    template = hub_template(cast)
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=template, acting_user=cast.alice
    )
    assert diagnostic.status == Diagnostic.Status.DRAFT and diagnostic.created_by == cast.alice
    assert diagnostic.organisation == cast.hub
    assert diagnostic.completed_on is None and diagnostic.completed_by is None
    with pytest.raises(PermissionDenied):
        services.diagnostic_start(
            engagement=desk.alice_engagement, template=template, acting_user=cast.carl
        )


def test_a_retired_template_is_refused(cast, desk):
    template = hub_template(cast)
    hub_template(cast, version=2)
    template.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.diagnostic_start(
            engagement=desk.alice_engagement, template=template, acting_user=cast.alice
        )
    assert "is retired" in messages(error)["template"][0]
    assert not Diagnostic.objects.exists()


def test_another_organisations_template_is_refused(cast, desk):
    theirs = services.template_create(
        organisation=cast.pathways, definition=definition(), acting_user=cast.root
    )
    with pytest.raises(ValidationError) as error:
        services.diagnostic_start(
            engagement=desk.alice_engagement, template=theirs, acting_user=cast.alice
        )
    assert messages(error)["template"] == ["That template belongs to another organisation."]


def test_a_business_template_is_refused_for_an_individual(cast, desk):
    engagement = desk.pathways_engagement
    for_business = services.template_create(
        organisation=cast.pathways,
        definition=definition(audience="business"),
        acting_user=cast.root,
    )
    with pytest.raises(ValidationError) as error:
        services.diagnostic_start(
            engagement=engagement, template=for_business, acting_user=engagement.lead_adviser
        )
    assert "is for businesses" in messages(error)["template"][0]
    for_anyone = services.template_create(
        organisation=cast.pathways,
        definition=definition("anyone-check", audience="any"),
        acting_user=cast.root,
    )
    started = services.diagnostic_start(
        engagement=engagement, template=for_anyone, acting_user=engagement.lead_adviser
    )
    assert started.engagement == engagement


def test_a_closed_engagement_starts_no_diagnostic(cast, desk):
    template = hub_template(cast)
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, closed_on=dt.date(2026, 6, 1)
    )
    desk.alice_engagement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.diagnostic_start(
            engagement=desk.alice_engagement, template=template, acting_user=cast.alice
        )
    assert error.value.messages == [services.CLOSED]


# Saving and completing -------------------------------------------------------------------------


def test_a_draft_saves_answers_and_results(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    services.diagnostic_save(
        diagnostic=diagnostic,
        answers={"cash_flow": {"score": "4", "notes": " tight "}, "pricing": {"score": 2}},
        summary="  Cash is fine.  ",
        acting_user=cast.alice,
    )
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {
        "cash_flow": {"score": 4, "notes": "tight"},
        "pricing": {"score": 2, "notes": ""},
    }
    assert diagnostic.results["sections"] == {"finance": {"average": "3.0", "scored": 2}}
    assert diagnostic.summary == "Cash is fine." and diagnostic.status == "draft"
    # A draft needs nothing yet: saving no answers replaces the earlier ones.
    services.diagnostic_save(diagnostic=diagnostic, answers={}, acting_user=cast.alice)
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {} and diagnostic.summary == "Cash is fine."


def test_a_bad_answer_is_reported_by_its_item_key(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    with pytest.raises(ValidationError) as error:
        services.diagnostic_save(
            diagnostic=diagnostic,
            answers={"cash_flow": {"score": 9}, "turnover": {"value": "1"}},
            acting_user=cast.alice,
        )
    assert messages(error) == {
        "cash_flow": ["Cash flow: choose a score from 1 to 5."],
        "turnover": ["'turnover' is not an item of this template."],
    }
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {}


def test_completing_needs_the_required_items(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    with pytest.raises(ValidationError) as error:
        services.diagnostic_complete(
            diagnostic=diagnostic, answers={"pricing": {"score": 3}}, acting_user=cast.alice
        )
    assert messages(error) == {"cash_flow": ["Answer “Cash flow” to complete the diagnostic."]}
    diagnostic.refresh_from_db()
    assert diagnostic.status == "draft" and diagnostic.completed_on is None


def test_complete_dates_and_attributes_it(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    services.diagnostic_save(
        diagnostic=diagnostic, answers={"cash_flow": {"score": 2}}, acting_user=cast.alice
    )
    services.diagnostic_complete(diagnostic=diagnostic, summary="Cash.", acting_user=cast.mary)
    diagnostic.refresh_from_db()
    assert diagnostic.status == Diagnostic.Status.COMPLETED
    assert diagnostic.completed_on == today(desk.alice_engagement)
    assert diagnostic.completed_by == cast.mary and diagnostic.summary == "Cash."
    assert diagnostic.answers == {"cash_flow": {"score": 2, "notes": ""}}
    assert DomainEvent.objects.filter(
        verb="diagnostic.completed", object_id=str(diagnostic.pk), actor=cast.mary
    ).exists()


def test_complete_is_not_in_the_future_nor_before_the_engagement(cast, desk):
    engagement = desk.alice_engagement
    diagnostic = services.diagnostic_start(
        engagement=engagement, template=hub_template(cast), acting_user=cast.alice
    )
    answers = {"cash_flow": {"score": 3}}
    for when, message in [
        (today(engagement) + dt.timedelta(days=1), "in the future"),
        (engagement.enquiry_date - dt.timedelta(days=1), "before the engagement began"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.diagnostic_complete(
                diagnostic=diagnostic, answers=answers, completed_on=when, acting_user=cast.alice
            )
        assert message in messages(error)["completed_on"][0]
    services.diagnostic_complete(
        diagnostic=diagnostic,
        answers=answers,
        completed_on=engagement.enquiry_date,
        acting_user=cast.alice,
    )
    assert Diagnostic.objects.get(pk=diagnostic.pk).completed_on == engagement.enquiry_date


def test_a_completed_diagnostic_is_kept_as_it_was(cast, desk):
    diagnostic = completed(desk, hub_template(cast), score=2)
    with pytest.raises(ValidationError, match="was completed"):
        services.diagnostic_save(
            diagnostic=diagnostic, answers={"cash_flow": {"score": 5}}, acting_user=cast.alice
        )
    with pytest.raises(ValidationError, match="was completed"):
        services.diagnostic_complete(
            diagnostic=diagnostic, answers={"cash_flow": {"score": 5}}, acting_user=cast.alice
        )
    with pytest.raises(ValidationError, match="was completed"):
        services.diagnostic_discard(diagnostic=diagnostic, acting_user=cast.alice)
    kept = Diagnostic.objects.get(pk=diagnostic.pk)
    assert kept.answers == {"cash_flow": {"score": 2, "notes": ""}}
    assert kept.completed_by == cast.alice


def test_a_draft_is_discarded(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    with pytest.raises(PermissionDenied):
        services.diagnostic_discard(diagnostic=diagnostic, acting_user=cast.carl)
    services.diagnostic_discard(diagnostic=diagnostic, acting_user=cast.alice)
    assert not Diagnostic.objects.exists()
    assert DomainEvent.objects.filter(verb="diagnostic.discarded").exists()


# Findings --------------------------------------------------------------------------------------


def test_findings_only_on_a_completed_diagnostic(cast, desk):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=hub_template(cast), acting_user=cast.alice
    )
    with pytest.raises(ValidationError, match="Complete the diagnostic"):
        services.finding_add(diagnostic=diagnostic, text="Cash", acting_user=cast.alice)
    diagnostic = completed(desk, diagnostic.template)
    with pytest.raises(ValidationError) as error:
        services.finding_add(diagnostic=diagnostic, text="  ", acting_user=cast.alice)
    assert "text" in messages(error)
    first = services.finding_add(
        diagnostic=diagnostic, text=" Cash flow ", priority="high", acting_user=cast.alice
    )
    second = services.finding_add(diagnostic=diagnostic, text="Pricing", acting_user=cast.alice)
    assert (first.text, first.priority, first.position) == ("Cash flow", "high", 1)
    assert (second.priority, second.position) == ("medium", 2)
    assert first.organisation_id == cast.hub.pk


def test_suggested_findings_leave_out_those_recorded(cast, desk):
    diagnostic = completed(desk, hub_template(cast), score=1, weaknesses=("No forecast",))
    suggested = [text for _, text in selectors.finding_suggestions(diagnostic)]
    assert suggested == ["Cash flow: Serious weakness", "Weakness: No forecast"]
    services.finding_add(
        diagnostic=diagnostic, text="Weakness: No forecast", acting_user=cast.alice
    )
    assert selectors.finding_suggestions(diagnostic) == [
        ("cash_flow", "Cash flow: Serious weakness")
    ]


def smart_goal(**fields: Any) -> dict[str, Any]:
    return {
        "measure": "months of cash-flow forecast",
        "target_value": 12,
        "unit": "months",
        "deadline": dt.date(2027, 3, 31),
        **fields,
    }


def test_a_finding_becomes_a_goal_of_a_new_plan(cast, desk):
    diagnostic = completed(desk, hub_template(cast), on=dt.date(2026, 6, 2))
    finding = services.finding_add(
        diagnostic=diagnostic, text="No cash-flow forecast", priority="high", acting_user=cast.alice
    )
    assert not ActionPlan.objects.exists()
    goal = services.finding_to_goal(finding=finding, acting_user=cast.alice, **smart_goal())
    plan = ActionPlan.objects.get(engagement=desk.alice_engagement)
    assert goal.plan == plan
    assert (goal.statement, goal.priority, goal.unit) == ("No cash-flow forecast", "high", "months")
    finding.refresh_from_db()
    assert finding.goal == goal
    change = PlanChange.objects.get(plan=plan, kind=PlanChange.Kind.GOAL_ADDED)
    assert change.reason == "From the Hub health check of 02 Jun 2026: No cash-flow forecast"
    assert change.target_id == goal.pk
    with pytest.raises(ValidationError, match="already a goal"):
        services.finding_to_goal(finding=finding, acting_user=cast.alice, **smart_goal())
    assert Goal.objects.count() == 1


def test_a_finding_joins_the_existing_plan_with_its_own_statement(cast, desk):
    diagnostic = completed(desk, hub_template(cast))
    first = services.finding_add(diagnostic=diagnostic, text="Cash", acting_user=cast.alice)
    second = services.finding_add(diagnostic=diagnostic, text="Pricing", acting_user=cast.alice)
    services.finding_to_goal(finding=first, acting_user=cast.alice, **smart_goal())
    goal = services.finding_to_goal(
        finding=second,
        acting_user=cast.alice,
        **smart_goal(statement="Raise prices by 5%", priority="low"),
    )
    assert ActionPlan.objects.count() == 1
    assert (goal.statement, goal.priority, goal.position) == ("Raise prices by 5%", "low", 2)


def test_a_goal_that_is_not_smart_changes_nothing(cast, desk):
    diagnostic = completed(desk, hub_template(cast))
    finding = services.finding_add(diagnostic=diagnostic, text="Cash", acting_user=cast.alice)
    with pytest.raises(ValidationError) as error:
        services.finding_to_goal(
            finding=finding, acting_user=cast.alice, **smart_goal(deadline=None)
        )
    assert "deadline" in messages(error)
    assert not ActionPlan.objects.exists() and not PlanChange.objects.exists()
    assert not Goal.objects.exists()
    assert Finding.objects.get(pk=finding.pk).goal is None


def test_a_finding_that_became_a_goal_is_kept(cast, desk):
    diagnostic = completed(desk, hub_template(cast))
    kept = services.finding_add(diagnostic=diagnostic, text="Cash", acting_user=cast.alice)
    dropped = services.finding_add(diagnostic=diagnostic, text="Signs", acting_user=cast.alice)
    services.finding_to_goal(finding=kept, acting_user=cast.alice, **smart_goal())
    kept.refresh_from_db()
    with pytest.raises(ValidationError, match="become a goal"):
        services.finding_remove(finding=kept, acting_user=cast.alice)
    services.finding_remove(finding=dropped, acting_user=cast.alice)
    assert list(diagnostic.findings.values_list("text", flat=True)) == ["Cash"]


def test_finding_writes_follow_the_engagement(cast, desk):
    diagnostic = completed(desk, hub_template(cast))
    finding = services.finding_add(diagnostic=diagnostic, text="Cash", acting_user=cast.alice)
    for who in (cast.carl, cast.pat, desk.bob):
        with pytest.raises(PermissionDenied):
            services.finding_update(finding=finding, text="Changed", acting_user=who)
        with pytest.raises(PermissionDenied):
            services.finding_to_goal(finding=finding, acting_user=who, **smart_goal())
    updated = services.finding_update(finding=finding, priority="low", acting_user=cast.mary)
    assert (updated.text, updated.priority) == ("Cash", "low")
    assert not ActionPlan.objects.exists()


# Selectors -------------------------------------------------------------------------------------


def test_the_previous_diagnostic_is_the_clients_latest_earlier_one(cast, desk):
    first_version = hub_template(cast)
    earlier_engagement = EngagementFactory(
        organisation=cast.hub, client=desk.acme, programme=desk.growth, lead_adviser=cast.alice
    )
    oldest = completed(
        desk, first_version, engagement=earlier_engagement, score=1, on=dt.date(2026, 5, 10)
    )
    middle = completed(desk, first_version, score=2, on=dt.date(2026, 6, 10))
    # Not the same template, not the same client, or not completed: never "previous".
    other = services.template_create(
        organisation=cast.hub, definition=definition("other-check"), acting_user=cast.ada
    )
    completed(desk, other, on=dt.date(2026, 7, 1))
    completed(desk, first_version, engagement=desk.mary_engagement, on=dt.date(2026, 7, 1))
    services.diagnostic_start(
        engagement=desk.alice_engagement, template=first_version, acting_user=cast.alice
    )
    second_version = hub_template(cast, version=2)
    latest = completed(desk, second_version, score=4, on=dt.date(2026, 8, 1))

    assert selectors.previous_diagnostic(diagnostic=latest, user=cast.alice) == middle
    assert selectors.previous_diagnostic(diagnostic=middle, user=cast.alice) == oldest
    assert selectors.previous_diagnostic(diagnostic=oldest, user=cast.alice) is None
    draft = services.diagnostic_start(
        engagement=desk.alice_engagement, template=second_version, acting_user=cast.alice
    )
    assert selectors.previous_diagnostic(diagnostic=draft, user=cast.alice) == latest

    previous, changes = selectors.changes_from_previous(diagnostic=latest, user=cast.alice)
    assert previous == middle
    assert [(c.label, c.before, c.after, c.direction) for c in changes] == [
        ("Cash flow", "2 (2)", "4 (4)", "better")
    ]


def test_the_previous_diagnostic_is_one_the_user_may_see(cast, desk):
    template = hub_template(cast)
    marys_engagement = EngagementFactory(
        organisation=cast.hub, client=desk.acme, programme=desk.growth, lead_adviser=cast.mary
    )
    seen = completed(desk, template, on=dt.date(2026, 6, 1))
    hidden = completed(desk, template, engagement=marys_engagement, on=dt.date(2026, 7, 1))
    latest = completed(desk, template, on=dt.date(2026, 8, 1))
    assert selectors.previous_diagnostic(diagnostic=latest, user=cast.mary) == hidden
    assert selectors.previous_diagnostic(diagnostic=latest, user=cast.alice) == seen
    assert selectors.previous_diagnostic(diagnostic=latest, user=cast.pat) is None


def test_templates_for_an_engagement_suit_its_organisation_and_client(cast, desk):
    hubs = hub_template(cast)
    for_business = services.template_create(
        organisation=cast.pathways,
        definition=definition("pathways-business", audience="business"),
        acting_user=cast.root,
    )
    for_individuals = services.template_create(
        organisation=cast.pathways,
        definition=definition("pathways-individual", audience="individual"),
        acting_user=cast.root,
    )
    retired = services.template_create(
        organisation=cast.pathways, definition=definition("pathways-old"), acting_user=cast.root
    )
    services.template_set_active(template=retired, active=False, acting_user=cast.root)
    tom = desk.pathways_engagement.lead_adviser
    offered = set(selectors.templates_for(user=tom, engagement=desk.pathways_engagement))
    assert for_individuals in offered
    assert not {hubs, for_business, retired} & offered
    assert all(t.audience in {"any", "individual"} for t in offered)
    at_hub = set(selectors.templates_for(user=cast.alice, engagement=desk.alice_engagement))
    assert hubs in at_hub and not {for_business, for_individuals} & at_hub
    assert all(t.organisation_id in {None, cast.hub.pk} for t in at_hub)
    # Without an engagement: the standard templates and the user's organisations' own.
    pats = set(selectors.templates_for(user=cast.pat))
    assert {for_business, for_individuals} <= pats and hubs not in pats and retired not in pats
    assert not selectors.templates_for(user=cast.oscar).exists()


def test_a_pathways_administrator_sees_only_their_templates(cast):
    pia = person("pia", "Pia", role=Role.ADMINISTRATOR, organisation=cast.pathways)
    hubs = hub_template(cast)
    theirs = services.template_create(
        organisation=cast.pathways, definition=definition(), acting_user=pia
    )
    visible = set(DiagnosticTemplate.objects.restrict(pia, "view"))
    assert theirs in visible and hubs not in visible
    with pytest.raises(PermissionDenied):
        services.template_set_active(template=hubs, active=False, acting_user=pia)
