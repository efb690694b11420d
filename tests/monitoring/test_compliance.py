"""Compliance reports (000 req 7) and the programme's monitoring settings: the services, the
permissions, the pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import OrganisationFactory, person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.core.navigation import nav_links_for
from waypoint.core.roles import Role
from waypoint.monitoring.models import ComplianceReport, Concern, MonitoringSettings
from waypoint.monitoring.services.compliance import (
    compliance_report,
    compliance_update,
    monitoring_settings_update,
)
from waypoint.monitoring.services.concerns import concern_raise

pytestmark = pytest.mark.django_db
API = "/api/v1/compliance-reports/"
Category = ComplianceReport.Category


def _today() -> dt.date:
    return timezone.localdate()


def _report(cast, desk, **fields) -> ComplianceReport:
    values = {
        "organisation": cast.hub,
        "category": Category.DATA_PROTECTION,
        "what_happened": "A client's accounts were emailed to the wrong address.",
        "occurred_on": _today() - dt.timedelta(days=3),
        "acting_user": cast.alice,
        "engagement": desk.alice_engagement,
    }
    values.update(fields)
    return compliance_report(**values)


# Services --------------------------------------------------------------------------------------


def test_report_links_the_engagement_client_and_writes_an_event(cast, desk):
    report = _report(cast, desk, reported_to="Data Protection Officer", reported_on=_today())
    assert report.client == desk.acme and report.reported_by == cast.alice
    assert report.status == ComplianceReport.Status.OPEN and report.organisation == cast.hub
    event = DomainEvent.objects.get(verb="compliance_report.made")
    assert event.data["category"] == "data_protection" and event.data["client"] == desk.acme.pk


def test_report_refuses_bad_input_naming_each_field(cast, desk):
    other_concern = concern_raise(
        engagement=desk.mary_engagement,
        acting_user=cast.mary,
        summary="Slow replies.",
        source=Concern.Source.CLIENT,
        about=Concern.About.DELAY,
    )
    with pytest.raises(ValidationError) as error:
        _report(
            cast,
            desk,
            acting_user=cast.mary,
            what_happened="  ",
            occurred_on=_today() + dt.timedelta(days=1),
            client=desk.zenith,
            concern=other_concern,
            reported_on=_today(),
        )
    assert {"what_happened", "occurred_on", "client", "concern", "reported_to"} <= set(
        error.value.message_dict
    )
    assert not ComplianceReport.objects.exists()


def test_report_permissions(cast, desk):
    for outsider in (cast.carl, cast.pat, cast.oscar):
        with pytest.raises(PermissionDenied):
            _report(cast, desk, acting_user=outsider)
    # Bob advises at hub but cannot see alice's engagement: it cannot be linked.
    with pytest.raises(ValidationError) as error:
        _report(cast, desk, acting_user=desk.bob)
    assert "engagement" in error.value.message_dict
    # Without the engagement, anyone advising at hub may report.
    assert _report(cast, desk, acting_user=desk.bob, engagement=None).reported_by == desk.bob


def test_update_by_manager_or_reporter_only(cast, desk):
    report = _report(cast, desk)
    with pytest.raises(PermissionDenied):
        compliance_update(report=report, acting_user=desk.bob, status="under_review")
    with pytest.raises(ValidationError) as error:
        compliance_update(report=report, acting_user=cast.mary, status="closed")
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        compliance_update(report=report, acting_user=cast.mary, category="equality")
    assert "category" in error.value.message_dict
    compliance_update(
        report=report,
        acting_user=cast.mary,
        status="closed",
        outcome="The recipient deleted the email; the client was told.",
        lessons="Check the address before sending.",
    )
    report.refresh_from_db()
    assert report.status == "closed" and report.lessons.startswith("Check")
    assert DomainEvent.objects.filter(verb="compliance_report.status_changed").count() == 1
    compliance_update(report=report, acting_user=cast.alice, lessons="Double-check addresses.")
    report.refresh_from_db()
    assert report.lessons == "Double-check addresses."


def test_visibility_reporter_and_managers(cast, desk):
    report = _report(cast, desk)
    mine = _report(cast, desk, acting_user=desk.bob, engagement=None)
    assert set(ComplianceReport.objects.restrict(cast.mary, "view")) == {report, mine}
    assert set(ComplianceReport.objects.restrict(cast.alice, "view")) == {report}
    assert set(ComplianceReport.objects.restrict(desk.bob, "view")) == {mine}
    for outsider in (cast.carl, cast.pat, cast.oscar):
        assert not ComplianceReport.objects.restrict(outsider, "view").exists()
    assert not ComplianceReport.objects.restrict(cast.mary, "delete").exists()


def test_settings_update_by_the_programme_owner(cast, desk):
    with pytest.raises(PermissionDenied):
        monitoring_settings_update(
            programme=desk.growth, acting_user=cast.mary, adviser_hourly_rate=Decimal("90")
        )
    saved = monitoring_settings_update(
        programme=desk.growth, acting_user=cast.carl, adviser_hourly_rate=Decimal("90")
    )
    assert saved.pk is not None and saved.organisation == cast.northshire
    with pytest.raises(ValidationError) as error:
        monitoring_settings_update(
            programme=desk.growth, acting_user=cast.carl, follow_up_months="6,six"
        )
    assert "follow_up_months" in error.value.message_dict
    assert MonitoringSettings.objects.get().follow_up_months == "6,12"


# Pages -----------------------------------------------------------------------------------------


def test_list_page_filters(cast, desk):
    data = _report(cast, desk)
    equality = _report(
        cast, desk, category=Category.EQUALITY, what_happened="Venue had no step-free access."
    )
    url = reverse("monitoring:compliance-list")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.carl, out_of_scope=None)
    body = response.content.decode()
    assert data.get_absolute_url() in body and equality.get_absolute_url() in body
    filtered = request_as(cast.mary, url, data={"category": "equality"}).content.decode()
    assert equality.get_absolute_url() in filtered and data.get_absolute_url() not in filtered
    searched = request_as(cast.mary, url, data={"q": "step-free"}).content.decode()
    assert equality.get_absolute_url() in searched and data.get_absolute_url() not in searched
    assert equality.get_absolute_url() not in request_as(desk.bob, url).content.decode()


def test_create_page_from_an_engagement(cast, desk):
    url = reverse("monitoring:compliance-create") + f"?engagement={desk.alice_engagement.pk}"
    page = check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=desk.bob)
    assert "What was infringed" in page.content.decode()
    data = {
        "organisation": cast.hub.pk,
        "category": Category.ADVISORY_REGULATION,
        "what_happened": "Advice on a pension transfer, which is regulated.",
        "occurred_on": _today().isoformat(),
        "reported_to": "",
        "reported_on": "",
    }
    response = check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        expect=302,
        audited=[(ComplianceReport, "create")],
    )
    report = ComplianceReport.objects.get()
    assert response["Location"] == report.get_absolute_url()
    assert report.engagement == desk.alice_engagement and report.client == desk.acme


def test_create_page_names_the_bad_field(cast, desk):
    url = reverse("monitoring:compliance-create")
    data = {
        "organisation": cast.hub.pk,
        "category": Category.GUIDELINES,
        "what_happened": "Gifts accepted.",
        "occurred_on": _today().isoformat(),
        "reported_on": _today().isoformat(),
    }
    response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    assert "Reported to: Say who it was reported to." in response.content.decode()
    assert not ComplianceReport.objects.exists()


def test_detail_page_and_update(cast, desk):
    report = _report(cast, desk)
    url = reverse("monitoring:compliance-detail", args=[report.pk])
    page = check_access(cast, url, allowed=cast.mary, wrong_role=cast.carl, out_of_scope=desk.bob)
    assert "Move the report on" in page.content.decode()
    data = {
        "status": "under_review",
        "reported_to": "Data Protection Officer",
        "reported_on": _today().isoformat(),
        "outcome": "",
        "lessons": "",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        expect=302,
        audited=[(ComplianceReport, "update")],
    )
    report.refresh_from_db()
    assert report.status == "under_review" and report.reported_to == "Data Protection Officer"
    refused = request_as(cast.mary, url, method="post", data={**data, "status": "closed"})
    assert refused.status_code == 200
    assert "Say how it ended before closing the report." in refused.content.decode()
    report.refresh_from_db()
    assert report.status == "under_review"


def test_nav_and_attention_for_managers(cast, desk):
    _report(cast, desk)
    assert "Compliance" in [item.label for item in nav_links_for(cast.mary)]
    assert "Compliance" not in [item.label for item in nav_links_for(cast.alice)]
    home = request_as(cast.mary, reverse("core:home")).content.decode()
    assert "1 open compliance report" in home
    assert (
        "open compliance report"
        not in request_as(cast.alice, reverse("core:home")).content.decode()
    )


def test_settings_page_view_and_edit(cast, desk):
    url = reverse("monitoring:programme-settings", args=[desk.growth.pk])
    stranger = person(
        "sam",
        "Sam",
        role=Role.SERVICE_MANAGER,
        organisation=OrganisationFactory(name="Elsewhere Ltd"),
    )
    page = check_access(cast, url, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=stranger)
    body = page.content.decode()
    assert "Minimal Financial Assistance" in body and "£315,000.00" in body
    assert 'name="adviser_hourly_rate"' not in body  # a delivering provider only reads them
    data = {
        "review_mode": "agreement",
        "calendar_every_months": "3",
        "calendar_starts_on": "",
        "on_time_days": "7",
        "remind_days_before": "3",
        "acknowledge_concern_days": "5",
        "resolve_concern_days": "20",
        "adviser_hourly_rate": "85.50",
        "subsidy_limit": "100000",
        "follow_up_months": "6,12",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.carl,
        wrong_role=cast.mary,
        out_of_scope=stranger,
        expect=302,
        audited=[(MonitoringSettings, "create")],
    )
    saved = MonitoringSettings.objects.get(programme=desk.growth)
    assert saved.adviser_hourly_rate == Decimal("85.50") and saved.subsidy_limit == 100000
    bad = request_as(cast.carl, url, method="post", data={**data, "review_mode": "calendar"})
    assert "Say when the calendar starts." in bad.content.decode()
    assert MonitoringSettings.objects.get().review_mode == "agreement"


# API -------------------------------------------------------------------------------------------


def test_api_create_list_retrieve(cast, desk):
    data = {
        "category": "code_of_ethics",
        "what_happened": "A conflict of interest was not declared.",
        "occurred_on": _today().isoformat(),
        "engagement": desk.alice_engagement.pk,
    }
    created = check_access(
        cast,
        API,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(ComplianceReport, "create")],
    )
    body = created.json()
    assert body["organisation"] == cast.hub.pk and body["client"] == desk.acme.pk
    assert body["reported_by"] == cast.alice.pk and body["status"] == "open"
    refused = request_as(desk.bob, API, method="post", data=data, api=True)
    assert refused.status_code == 400 and "engagement" in refused.json()["errors"]
    bad = request_as(cast.alice, API, method="post", data={**data, "category": "x"}, api=True)
    assert bad.status_code == 400 and "category" in bad.json()["errors"]
    assert ComplianceReport.objects.count() == 1
    listed = check_access(
        cast, API, api=True, allowed=cast.mary, wrong_role=cast.carl, out_of_scope=None
    )
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    assert request_as(desk.bob, API, api=True).json()["results"] == []
    check_access(
        cast,
        f"{API}{body['id']}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
    )


def test_api_partial_update(cast, desk):
    report = _report(cast, desk)
    url = f"{API}{report.pk}/"
    response = check_access(
        cast,
        url,
        method="patch",
        data={"status": "closed", "outcome": "Reported to the ICO; no action."},
        api=True,
        allowed=cast.mary,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        audited=[(ComplianceReport, "update")],
    )
    assert response.json()["status"] == "closed"
    fixed = request_as(cast.mary, url, method="patch", data={"category": "equality"}, api=True)
    assert fixed.status_code == 400 and "category" in fixed.json()["errors"]
    assert request_as(cast.mary, url, method="put", data={}, api=True).status_code == 405
    assert request_as(cast.mary, url, method="delete", api=True).status_code == 405
