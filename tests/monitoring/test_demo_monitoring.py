"""The monitoring demo: concerns, the compliance report and the grant go through the services, so
their timelines and the audit log show their history; loaded once."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from waypoint.core.audit import SYSTEM_USERNAME
from waypoint.core.models import DomainEvent, Organisation, User
from waypoint.monitoring.models import (
    ComplianceReport,
    Concern,
    Grant,
    OutcomeFollowUp,
    OutcomeValue,
    ProgrammeChange,
)
from waypoint.monitoring.selectors_concerns import (
    concern_deadlines,
    concern_timeline,
    concerns_referred_to,
    overdue_condition,
)
from waypoint.monitoring.selectors_subsidy import support_value

pytestmark = pytest.mark.django_db
Status = Concern.Status


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _events(obj: object, prefix: str) -> list[str]:
    return list(
        DomainEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),  # type: ignore[attr-defined]
            verb__startswith=prefix,
        )
        .order_by("occurred_at", "pk")
        .values_list("verb", flat=True)
    )


def test_demo_concerns_have_their_history_in_the_timeline_and_audit_log() -> None:
    output = _demo()
    assert "7 concerns" in output
    concerns = list(Concern.objects.order_by("pk"))
    assert {c.status for c in concerns} == set(Status)
    for concern in concerns:
        timeline = concern_timeline(concern)
        assert timeline, f"{concern} has no timeline"
        assert timeline[0].verb == "concern.raised"
        entries = LogEntry.objects.get_for_object(concern)
        assert entries.exists(), f"{concern} is not audited"
        assert set(entries.values_list("actor__username", flat=True)) == {SYSTEM_USERNAME}
    closed = Concern.objects.get(status=Status.CLOSED)
    assert [e.verb for e in concern_timeline(closed)][-1] == "concern.closed"
    assert closed.client_told_on is not None and closed.client_satisfaction is not None
    change = ProgrammeChange.objects.get(concern=closed)
    assert change.recorded_by == closed.engagement.lead_adviser
    assert _events(change, "programme_change.") == ["programme_change.recorded"]
    resolved = Concern.objects.get(status=Status.RESOLVED)
    assert resolved.client_told_how and resolved.client_satisfaction == 4
    assert "concern.client_told" in _events(resolved, "concern.")


def test_demo_concerns_cover_referral_actions_overdue_and_self_review() -> None:
    _demo()
    referred = Concern.objects.get(status=Status.REFERRED)
    commissioner = Organisation.objects.get(kind=Organisation.Kind.COMMISSIONER)
    assert referred.referred_to_organisation == commissioner
    assert commissioner.name in referred.referred_to
    assert referred.referral_reason and referred.referral_response
    carl = User.objects.get(username="carl.evans")
    assert referred in concerns_referred_to(carl)
    responded = DomainEvent.objects.get(verb="concern.response_recorded")
    assert responded.object_id == str(referred.pk) and responded.actor == carl

    investigating = Concern.objects.get(status=Status.INVESTIGATING)
    assert investigating.investigation and investigating.cause
    actions = list(investigating.actions.order_by("due_on"))
    assert len(actions) == 2
    assert all(a.owner is not None and a.due_on is not None for a in actions)
    assert [a.done_on is not None for a in actions] == [True, False]

    overdue = Concern.objects.filter(overdue_condition(), status=Status.RAISED)
    assert overdue.count() == 1
    assert concern_deadlines(overdue.get()).acknowledge_overdue
    raised = Concern.objects.filter(status=Status.RAISED)
    assert sum(concern_deadlines(c).acknowledge_overdue for c in raised) == 1

    from_client = Concern.objects.get(self_review__isnull=False)
    assert from_client.source == Concern.Source.CLIENT and from_client.raised_by is None
    assert from_client.raised_by_name == from_client.engagement.client.name
    assert from_client.status == Status.RAISED


def test_demo_compliance_report_and_grant_go_through_the_services() -> None:
    _demo()
    report = ComplianceReport.objects.get(category=ComplianceReport.Category.DATA_PROTECTION)
    assert report.status == ComplianceReport.Status.UNDER_REVIEW
    assert report.concern is not None and report.concern.about == Concern.About.DATA
    assert report.engagement == report.concern.engagement
    assert report.client == report.concern.engagement.client
    assert report.reported_by == User.objects.get(username="mary.shaw")
    assert LogEntry.objects.get_for_object(report).exists()
    assert _events(report, "compliance_report.") == [
        "compliance_report.made",
        "compliance_report.status_changed",
    ]

    grant = Grant.objects.get()
    value = support_value(grant.engagement.client)
    assert value.near_limit and not value.over_limit
    assert _events(grant, "grant.") == ["grant.recorded"]
    assert LogEntry.objects.get_for_object(grant).exists()
    assert not ComplianceReport.objects.filter(
        category=ComplianceReport.Category.SUBSIDY_CONTROL
    ).exists()


def test_demo_follow_ups_record_every_outcome_against_a_baseline() -> None:
    from django.utils import timezone

    from waypoint.core.periods import PeriodKind, period_of
    from waypoint.measures.models import Measure
    from waypoint.measures.selectors import Scope, values

    _demo()
    today = timezone.localdate()
    follow_ups = OutcomeFollowUp.objects.all()
    assert follow_ups.filter(completed_on__isnull=False).exists()
    assert follow_ups.filter(completed_on__isnull=True).exists()  # not done, or not due yet
    assert not follow_ups.filter(completed_on__gt=today).exists()
    for follow_up in follow_ups.filter(completed_on__isnull=False):
        assert follow_up.due_on <= today and follow_up.completed_on >= follow_up.due_on
        assert follow_up.engagement.closed_on is not None
    assert set(follow_ups.values_list("months_after", flat=True)) == {3, 6, 12}
    recorded = OutcomeValue.objects.filter(follow_up__isnull=False)
    keys = set(recorded.values_list("measure__key", flat=True))
    assert {
        "jobs_created", "jobs_safeguarded", "investment_raised", "business_started",
        "new_products", "new_markets", "job_start", "in_work_13_weeks", "in_work_26_weeks",
        "qualification_gained", "turnover", "employees",
    } <= keys  # fmt: skip
    assert recorded.filter(measure__key="jobs_created", value__gt=0).exists()
    assert recorded.filter(measure__key="in_work_26_weeks", value=1).exists()
    assert recorded.filter(measure__key="investment_raised", value__gt=0).exists()
    assert len(set(recorded.values_list("attribution", "deadweight", "displacement"))) > 10
    # Every follow-up figure has its baseline, so the gross change counts.
    baselines = set(
        OutcomeValue.objects.filter(follow_up__isnull=True).values_list(
            "engagement_id", "measure_id"
        )
    )
    assert set(recorded.values_list("engagement_id", "measure_id")) <= baselines
    started = OutcomeValue.objects.filter(measure__key="business_started")
    assert set(started.filter(follow_up__isnull=True).values_list("value", flat=True)) == {0}
    assert set(
        started.filter(follow_up__isnull=True).values_list(
            "engagement__client__trading_status", flat=True
        )
    ) == {"pre_start"}
    for value in recorded[:50]:
        value.full_clean()

    # The dashboards' figures: outcomes in this financial year and the last.
    year = period_of(today, PeriodKind.FINANCIAL_YEAR)
    codes = ["jobs_created_gross", "job_starts", "in_work_26_weeks", "investment_raised"]
    measures = list(Measure.objects.filter(organisation=None, code__in=codes))
    scopes = [
        Scope("organisation", Organisation.objects.get(name=name).pk)
        for name in ("Enterprise Hub Ltd", "Pathways Employment CIC")
    ]
    figures = values(measures, scopes, [year, year.previous()])
    totals = {
        m.code: sum(
            figures[(m.pk, s, p)].value or 0 for s in scopes for p in (year, year.previous())
        )
        for m in measures
    }
    assert all(total > 0 for total in totals.values()), totals
    assert totals["in_work_26_weeks"] <= totals["job_starts"]


def test_demo_monitoring_is_loaded_once() -> None:
    _demo()
    counts = (Concern.objects.count(), DomainEvent.objects.count(), Grant.objects.count())
    output = _demo()
    assert "Monitoring demo data is already loaded." in output
    assert (Concern.objects.count(), DomainEvent.objects.count(), Grant.objects.count()) == counts
