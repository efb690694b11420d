"""The measures demo: every performance page has something to show a newcomer. Appraisals,
the improvement register at every stage and the evaluations go through the services (their
timelines name the people) while the audit log names the system account; loaded once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from waypoint.core.audit import SYSTEM_USERNAME
from waypoint.core.models import DomainEvent, Organisation, User
from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.models import Evaluation, Improvement, SelfAppraisal, Target
from waypoint.measures.selectors_improvements import overdue_of
from waypoint.monitoring.models import Concern

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(standard_templates: Any, standard_measures: Any) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        SelfAppraisal.objects.count(),
        Improvement.objects.count(),
        Evaluation.objects.count(),
        Target.objects.count(),
        DomainEvent.objects.count(),
    )


def test_demo_appraisals_cover_two_quarters_and_alice_rates_herself_high(demo: str) -> None:
    assert "self-appraisals" in demo
    quarter = period_of(timezone.localdate(), PeriodKind.QUARTER)
    appraisals = SelfAppraisal.objects.all()
    advisers = set(appraisals.values_list("adviser__username", flat=True))
    assert advisers == {"alice.moss", "ben.ali", "chris.doyle", "tom.hughes"}
    assert set(appraisals.values_list("period_start", flat=True)) == {
        quarter.start,
        quarter.previous().start,
    }
    assert set(appraisals.values_list("period_kind", flat=True)) == {PeriodKind.QUARTER.value}
    assert set(
        appraisals.filter(adviser__username="alice.moss").values_list("rating", flat=True)
    ) == {5}
    pathways = Organisation.objects.get(name="Pathways Employment CIC")
    assert appraisals.filter(organisation=pathways).count() == 2
    alice = User.objects.get(username="alice.moss")
    assert DomainEvent.objects.filter(verb="self_appraisal.created", actor=alice).count() == 2


def test_demo_improvements_are_at_every_stage_from_every_source(demo: str) -> None:
    improvements = Improvement.objects.all()
    assert set(improvements.values_list("status", flat=True)) == set(Improvement.Status.values)
    sources = set(improvements.values_list("source", flat=True))
    assert {"review", "concern", "benchmark", "swot", "reflection", "evaluation"} <= sources
    assert set(improvements.values_list("owner__username", flat=True)) == {
        "mary.shaw",
        "alice.moss",
        "ben.ali",
    }
    checked = improvements.filter(status=Improvement.Status.CHECK).get()
    assert checked.measure is not None and checked.before_period and checked.after_period
    closed = improvements.get(status=Improvement.Status.CLOSED)
    assert closed.decision == Improvement.Decision.ADOPT and closed.decision_notes
    acting = improvements.get(status=Improvement.Status.ACT)
    assert acting.check_notes
    concern = improvements.get(source="concern")
    hub = Organisation.objects.get(name="Enterprise Hub Ltd")
    summary = Concern.objects.filter(organisation=hub).order_by("raised_on", "pk").first()
    assert summary is not None and summary.summary in concern.detail
    assert concern.concern == summary  # linked, so the concern's page lists it
    today = timezone.localdate()
    assert list(overdue_of(User.objects.get(username="mary.shaw"), today)) == [concern]
    assert not overdue_of(User.objects.get(username="alice.moss"), today).exists()
    moved = DomainEvent.objects.filter(verb="improvement.moved", object_id=str(closed.pk))
    assert [e.actor.username for e in moved] == ["alice.moss"] * 4  # type: ignore[union-attr]
    # The audit log names the system account, as for the rest of the demo.
    for improvement in improvements:
        actors = LogEntry.objects.get_for_object(improvement).values_list(
            "actor__username", flat=True
        )
        assert set(actors) == {SYSTEM_USERNAME}


def test_demo_evaluations_one_final_one_draft_with_recommendations(demo: str) -> None:
    year = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
    hub = Organisation.objects.get(name="Enterprise Hub Ltd")
    final = Evaluation.objects.get(status=Evaluation.Status.FINAL)
    draft = Evaluation.objects.get(status=Evaluation.Status.DRAFT)
    assert (final.scope_kind, final.scope_id) == ("organisation", hub.pk)
    assert (draft.scope_kind, draft.scope_id) == ("organisation", hub.pk)
    assert final.period_start == year.previous().start
    assert draft.period_start == year.start
    assert final.conclusions and final.strengths and final.threats
    assert draft.strengths and draft.weaknesses and draft.opportunities and draft.threats
    assert draft.improvements.count() == 2
    assert DomainEvent.objects.filter(verb="evaluation.finalised", object_id=str(final.pk)).exists()


def test_demo_targets_make_a_red_figure_on_the_hub_dashboard(demo: str) -> None:
    mary = User.objects.get(username="mary.shaw")
    hub = Organisation.objects.get(name="Enterprise Hub Ltd")
    today = timezone.localdate()
    access, scope = dash.scope_access(mary, "organisation", hub.pk)
    assert access is dash.Access.ALLOWED and scope is not None
    rows = dash.dashboard_rows(
        dash.measures_for(mary, scope), scope, dash.current_period(today=today), today
    )
    assert "red" in {row.rag for row in rows}


def test_demo_measures_load_once(demo: str) -> None:
    counts = _counts()
    output = io.StringIO()
    call_command("demo", stdout=output)
    assert "already loaded" in output.getvalue()
    assert _counts() == counts
