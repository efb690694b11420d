"""Subsidy tracking (000 req 7): the value of a client's support over three UK financial years,
grants refused over the limit unless confirmed (and then reported), the contact form's
warning, and the support-value pages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.delivery.factories import EngagementFactory, InteractionFactory, ProgrammeFactory
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import Interaction
from waypoint.monitoring.models import ComplianceReport, Grant, MonitoringSettings
from waypoint.monitoring.selectors_subsidy import (
    clients_near_limit,
    support_value,
    with_support_totals,
)
from waypoint.monitoring.services.compliance import OVER_LIMIT, grant_record

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
ON = dt.date(2026, 6, 15)  # financial year 2026/27; the window is 2024/25 to 2026/27


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _settings(programme, **fields) -> MonitoringSettings:
    return MonitoringSettings.objects.create(
        programme=programme, organisation=programme.organisation, **fields
    )


def _grant(engagement, amount: str, on: dt.date) -> Grant:
    return Grant.objects.create(
        organisation=engagement.organisation,
        engagement=engagement,
        amount=Decimal(amount),
        awarded_on=on,
        description="Capital grant",
    )


@pytest.fixture
def zenith(cast, desk):
    """Zenith Bakery on two programmes: growth at £80 an hour (the default £315,000 limit) and
    export at £60 an hour with a £200,000 limit, with contacts and grants in and out of the
    window of ``ON``."""
    _settings(desk.growth, adviser_hourly_rate=Decimal("80.00"))
    export = ProgrammeFactory(organisation=cast.northshire, name="Export Ready")
    export_settings = _settings(
        export, adviser_hourly_rate=Decimal("60.00"), subsidy_limit=Decimal("200000.00")
    )
    growth = desk.mary_engagement
    exporting = EngagementFactory(
        organisation=cast.hub, client=desk.zenith, programme=export, lead_adviser=cast.mary
    )
    contacts = [
        (growth, _utc(2023, 6, 1, 10), 600),  # 2023/24: the fourth year back, not counted
        # 23:30 UTC on 31 March 2024 is 00:30 BST on 1 April: the new financial year.
        (growth, _utc(2024, 3, 31, 23, 30), 90),  # 2024/25: 90 min x £80 = £120
        (growth, _utc(2025, 1, 10, 14), 45),  # 2024/25: 45 min x £80 = £60
        (growth, _utc(2025, 7, 1, 9), 120),  # 2025/26: 120 min x £80 = £160
        (exporting, _utc(2026, 5, 1, 9), 50),  # 2026/27: 50 min x £60 = £50
        (exporting, _utc(2026, 9, 1, 9), 30),  # 2026/27 after ON: the whole year counts, £30
    ]
    for engagement, when, minutes in contacts:
        InteractionFactory(engagement=engagement, occurred_at=when, duration_minutes=minutes)
    _grant(growth, "5000.00", dt.date(2024, 3, 31))  # 2023/24: not counted
    _grant(growth, "1000.00", dt.date(2024, 4, 1))  # 2024/25
    _grant(exporting, "2500.50", dt.date(2026, 6, 1))  # 2026/27
    return export_settings


def test_support_value_over_three_financial_years(desk, zenith):
    value = support_value(desk.zenith, on=ON)
    assert [year.period.label for year in value.years] == ["2024/25", "2025/26", "2026/27"]
    assert [year.minutes for year in value.years] == [135, 120, 80]
    assert [year.adviser_time for year in value.years] == [
        Decimal("180.00"),
        Decimal("160.00"),
        Decimal("80.00"),
    ]
    assert [year.grants for year in value.years] == [
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("2500.50"),
    ]
    assert [year.total for year in value.years] == [
        Decimal("1180.00"),
        Decimal("160.00"),
        Decimal("2580.50"),
    ]
    assert value.total == Decimal("3920.50")
    # The strictest of the two programmes' limits applies.
    assert value.limit == Decimal("200000.00") and value.limit_programme == zenith.programme
    assert value.remaining == Decimal("196079.50")
    assert not value.near_limit and not value.over_limit


def test_support_value_counts_a_contact_by_its_local_date(desk, zenith):
    # On 31 March 2024 the window is 2022/23 to 2023/24: the 00:30 BST contact is not in it.
    value = support_value(desk.zenith, on=dt.date(2024, 3, 31))
    assert [year.minutes for year in value.years] == [0, 0, 600]
    assert value.total == Decimal("5800.00")  # 600 x £80 / 60 + the £5,000 grant


def test_near_limit_at_eighty_percent_in_python_and_sql(cast, desk, zenith):
    zenith.subsidy_limit = Decimal("4900.62")  # 3920.50 is just over 80% of it
    zenith.save()
    value = support_value(desk.zenith, on=ON)
    assert value.near_limit and not value.over_limit and value.percent == 80
    found = with_support_totals(type(desk.zenith).objects.filter(pk=desk.zenith.pk), ON).get()
    assert Decimal(found.support_total).quantize(Decimal("0.01")) == Decimal("3920.50")
    assert Decimal(found.support_limit) == Decimal("4900.62")
    assert list(clients_near_limit(cast.mary, ON)) == [desk.zenith]
    assert list(clients_near_limit(cast.pat, ON)) == []  # pathways cannot see zenith
    zenith.subsidy_limit = Decimal("4900.63")  # just under 80%
    zenith.save()
    assert not support_value(desk.zenith, on=ON).near_limit
    assert list(clients_near_limit(cast.mary, ON)) == []


# Grants ----------------------------------------------------------------------------------------


def test_grant_over_the_limit_is_refused_with_the_figures(cast, desk, zenith):
    zenith.subsidy_limit = Decimal("4000.00")
    zenith.save()
    with pytest.raises(ValidationError) as error:
        grant_record(
            engagement=desk.mary_engagement,
            amount=Decimal("200.00"),
            awarded_on=ON,
            description="Oven",
            acting_user=cast.mary,
        )
    [problem] = error.value.error_dict["amount"]
    assert problem.code == OVER_LIMIT
    assert "Zenith Bakery's support to £4,120.50" in problem.messages[0]
    assert "over the programme's £4,000 limit" in problem.messages[0]
    assert not Grant.objects.filter(description="Oven").exists()
    assert not ComplianceReport.objects.exists()


def test_grant_within_the_limit_is_recorded_without_a_report(cast, desk, zenith):
    grant = grant_record(
        engagement=desk.mary_engagement,
        amount=Decimal("200.00"),
        awarded_on=ON,
        description="Oven",
        acting_user=cast.mary,
    )
    assert grant.recorded_by == cast.mary and grant.organisation == cast.hub
    assert support_value(desk.zenith, on=ON).total == Decimal("4120.50")
    assert not ComplianceReport.objects.exists()
    assert DomainEvent.objects.filter(verb="grant.recorded").count() == 1


def test_confirmed_grant_over_the_limit_makes_a_subsidy_report(cast, desk, zenith):
    zenith.subsidy_limit = Decimal("4000.00")
    zenith.save()
    grant = grant_record(
        engagement=desk.mary_engagement,
        amount=Decimal("200.00"),
        awarded_on=ON,
        description="Oven",
        acting_user=cast.mary,
        confirm_over_limit=True,
    )
    report = ComplianceReport.objects.get()
    assert report.category == ComplianceReport.Category.SUBSIDY_CONTROL
    assert report.client == desk.zenith and report.engagement == desk.mary_engagement
    assert report.reported_by == cast.mary and report.organisation == cast.hub
    assert "£200" in report.what_happened and "£4,120.50" in report.what_happened
    assert report.occurred_on == ON
    assert grant.pk is not None


def test_grant_needs_the_engagement_and_good_figures(cast, desk):
    with pytest.raises(PermissionDenied):
        grant_record(
            engagement=desk.mary_engagement,
            amount=Decimal("10"),
            awarded_on=ON,
            description="x",
            acting_user=cast.alice,
        )
    with pytest.raises(ValidationError) as error:
        grant_record(
            engagement=desk.alice_engagement,
            amount=Decimal("-1"),
            awarded_on=ON,
            description=" ",
            acting_user=cast.alice,
        )
    assert {"amount", "description"} <= set(error.value.message_dict)
    assert not Grant.objects.exists()


# Contact form warning --------------------------------------------------------------------------


def _contact_form(**overrides):
    data = {
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "mode": Interaction.Mode.FACE_TO_FACE,
        "place": Interaction.Place.CLIENT_PREMISES,
        "place_detail": "",
        "duration_minutes": "90",
        "others_present": "",
        "consulting_mode": Interaction.ConsultingMode.CATALYTIC,
        "support_type": Interaction.SupportType.ADVICE,
        "summary": "Planned the new bakery.",
    }
    data.update(overrides)
    return data


def test_contact_over_the_limit_needs_the_warning_confirmed(cast, desk):
    # Acme already has one hour at £75 (desk.contact); 90 more minutes make £187.50.
    _settings(desk.growth, subsidy_limit=Decimal("150.00"))
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    first = request_as(cast.alice, url, method="post", data=_contact_form())
    assert first.status_code == 200
    body = first.content.decode()
    assert (
        "This contact would take Acme Widgets Ltd&#x27;s support to £187.50, over the "
        "programme&#x27;s £150 limit" in body
    )
    assert "I have seen the subsidy warning" in body
    assert not Interaction.objects.filter(summary="Planned the new bakery.").exists()

    second = request_as(cast.alice, url, method="post", data=_contact_form(warnings_seen="on"))
    assert second.status_code == 302
    assert Interaction.objects.filter(summary="Planned the new bakery.").count() == 1


def test_contact_within_the_limit_is_saved_at_once(cast, desk):
    _settings(desk.growth, subsidy_limit=Decimal("200.00"))
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    response = request_as(cast.alice, url, method="post", data=_contact_form())
    assert response.status_code == 302
    assert Interaction.objects.filter(summary="Planned the new bakery.").count() == 1


# Pages -----------------------------------------------------------------------------------------


def test_support_value_page(cast, desk, zenith):
    url = reverse("monitoring:support-value", args=[desk.zenith.pk])
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "2026/27" in body and "2025/26" in body and "2024/25" in body
    assert "Export Ready" in body  # the strictest limit's programme
    assert reverse("monitoring:grant-create", args=[desk.mary_engagement.pk]) in body


def test_grant_page_shows_the_support_value(cast, desk):
    url = reverse("monitoring:grant-create", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Support so far" in body and "£315,000" in body.replace("315,000.00", "315,000")


def test_grant_page_records_a_grant(cast, desk):
    url = reverse("monitoring:grant-create", args=[desk.alice_engagement.pk])
    data = {"amount": "500", "awarded_on": timezone.localdate().isoformat(), "description": "Kit"}
    response = check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Grant, "create")],
    )
    assert response["Location"] == reverse("monitoring:support-value", args=[desk.acme.pk])
    assert Grant.objects.get().amount == Decimal("500.00")


def test_grant_page_check_shows_what_it_would_make(cast, desk):
    url = reverse("monitoring:grant-create", args=[desk.alice_engagement.pk])
    data = {
        "amount": "500",
        "awarded_on": timezone.localdate().isoformat(),
        "description": "Kit",
        "check": "1",
    }
    response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    # £75 for the one-hour contact plus £500.
    assert "the support would be <strong>£575.00</strong>" in response.content.decode()
    assert not Grant.objects.exists()


def test_grant_page_over_the_limit_asks_to_confirm_and_reports(cast, desk):
    _settings(desk.growth, subsidy_limit=Decimal("400.00"))
    url = reverse("monitoring:grant-create", args=[desk.alice_engagement.pk])
    data = {"amount": "500", "awarded_on": timezone.localdate().isoformat(), "description": "Kit"}
    first = request_as(cast.alice, url, method="post", data=data)
    body = first.content.decode()
    assert first.status_code == 200 and "Record it anyway and report it" in body
    assert "over the programme&#x27;s £400 limit" in body
    assert not Grant.objects.exists()
    second = request_as(cast.alice, url, method="post", data={**data, "confirm_over_limit": "on"})
    assert second.status_code == 302
    assert Grant.objects.count() == 1
    report = ComplianceReport.objects.get()
    assert report.category == "subsidy_control" and report.reported_by == cast.alice


def test_clients_near_limit_page_and_attention(cast, desk):
    _settings(desk.growth, subsidy_limit=Decimal("90.00"))  # acme: £75 of £90
    url = reverse("monitoring:support-near-limit")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=None)
    assert "Acme Widgets Ltd" in response.content.decode()
    assert "Acme Widgets Ltd" not in request_as(cast.pat, url).content.decode()
    home = request_as(cast.alice, reverse("core:home")).content.decode()
    assert "1 client near the support limit" in home


def test_engagement_page_links_support_value_grants_and_reports(cast, desk):
    url = reverse("delivery:engagement-detail", args=[desk.alice_engagement.pk])
    grant_url = reverse("monitoring:grant-create", args=[desk.alice_engagement.pk])
    body = request_as(cast.alice, url).content.decode()
    assert reverse("monitoring:support-value", args=[desk.acme.pk]) in body
    assert grant_url in body and "Report an infringement" in body
    read_only = request_as(cast.carl, url).content.decode()
    assert "Support value and compliance" in read_only
    assert grant_url not in read_only and "Report an infringement" not in read_only
