"""Programmes (checklist, budgets, delivering organisations) and the service directory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.delivery.factories import ProgrammeFactory, ServiceFactory
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import (
    EligibilityCheck,
    EligibilityCondition,
    Programme,
    ProgrammeBudget,
    Service,
)
from waypoint.delivery.services import programmes as services

pytestmark = pytest.mark.django_db


def programme_data(cast, **overrides):
    data = {
        "organisation": cast.northshire.pk,
        "name": "Green Growth",
        "code": "GG1",
        "description": "",
        "funding_source": "UK Shared Prosperity Fund",
        "priorities": "Rural businesses",
        "delivering_organisations": [cast.hub.pk],
        "default_review_every": 6,
        "default_review_unit": "weeks",
        "default_review_depth": "light",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# Services --------------------------------------------------------------------------------------


def test_programme_create_sets_delivering_organisations_and_records_an_event(cast):
    programme = services.programme_create(
        organisation=cast.northshire,
        delivering_organisations=[cast.hub, cast.pathways],
        name="Green Growth",
        start_date=dt.date(2026, 4, 1),
        acting_user=cast.carl,
    )
    assert set(programme.delivering_organisations.all()) == {cast.hub, cast.pathways}
    assert DomainEvent.objects.filter(verb="programme.created").count() == 1


def test_programme_create_is_for_the_owners_managers(cast):
    with pytest.raises(PermissionDenied):
        services.programme_create(
            organisation=cast.northshire,
            name="X",
            start_date=dt.date(2026, 4, 1),
            acting_user=cast.mary,  # a manager, but at hub
        )


def test_programme_dates_are_validated(cast):
    with pytest.raises(ValidationError) as error:
        services.programme_create(
            organisation=cast.northshire,
            name="Backwards",
            start_date=dt.date(2026, 4, 1),
            end_date=dt.date(2026, 1, 1),
            acting_user=cast.carl,
        )
    assert "end_date" in error.value.message_dict


def test_programme_update_records_a_change_of_providers(cast, desk):
    services.programme_update(
        programme=desk.growth, delivering_organisations=[cast.hub], acting_user=cast.carl
    )
    event = DomainEvent.objects.get(verb="programme.delivery_changed")
    assert event.data["after"] == ["Enterprise Hub"]


def test_checklist_add_edit_remove(cast, desk):
    first = services.eligibility_condition_add(
        programme=desk.growth, text=" Trading in Northshire ", acting_user=cast.carl
    )
    second = services.eligibility_condition_add(
        programme=desk.growth, text="Fewer than 250 employees", acting_user=cast.carl
    )
    assert (first.text, first.position, second.position) == ("Trading in Northshire", 1, 2)
    services.eligibility_condition_update(
        condition=second, text="Fewer than 250 staff", position=0, acting_user=cast.carl
    )
    assert list(desk.growth.eligibility_conditions.values_list("text", flat=True)) == [
        "Fewer than 250 staff",
        "Trading in Northshire",
    ]
    services.eligibility_condition_remove(condition=second, acting_user=cast.carl)
    assert list(desk.growth.eligibility_conditions.all()) == [first]


def test_an_answered_condition_cannot_be_removed(cast, desk):
    condition = services.eligibility_condition_add(
        programme=desk.growth, text="Trading", acting_user=cast.carl
    )
    EligibilityCheck.objects.create(
        engagement=desk.alice_engagement, organisation=cast.hub, condition=condition, met=True
    )
    with pytest.raises(ValidationError):
        services.eligibility_condition_remove(condition=condition, acting_user=cast.carl)


def test_checklist_is_changed_only_by_the_owner(cast, desk):
    with pytest.raises(PermissionDenied):
        services.eligibility_condition_add(programme=desk.growth, text="x", acting_user=cast.mary)


def test_budget_per_period_normalised_and_replaced(cast, desk):
    budget = services.programme_budget_set(
        programme=desk.growth, period=" 2026/27 ", amount=Decimal("100000"), acting_user=cast.carl
    )
    assert budget.period == "2026/27"
    services.programme_budget_set(
        programme=desk.growth, period="2026/27", amount=Decimal("120000"), acting_user=cast.carl
    )
    services.programme_budget_set(
        programme=desk.growth, period="2026/27 Q3", amount=Decimal("30000"), acting_user=cast.carl
    )
    assert dict(desk.growth.budgets.values_list("period", "amount")) == {
        "2026/27": Decimal("120000"),
        "2026/27 Q3": Decimal("30000"),
    }
    with pytest.raises(ValidationError) as error:
        services.programme_budget_set(
            programme=desk.growth, period="next year", amount=Decimal(1), acting_user=cast.carl
        )
    assert "period" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.programme_budget_set(
            programme=desk.growth, period="2027/28", amount=Decimal(-1), acting_user=cast.carl
        )
    assert "amount" in error.value.message_dict


def test_service_create_update_deactivate(cast):
    service = services.service_create(
        organisation=cast.hub,
        kind=Service.Kind.EXTERNAL,
        name="Export clinic",
        offer="One-to-one export advice.",
        acting_user=cast.mary,
    )
    services.service_update(service=service, cost="Free", acting_user=cast.mary)
    services.service_set_active(service=service, active=False, acting_user=cast.mary)
    service.refresh_from_db()
    assert (service.cost, service.is_active) == ("Free", False)
    with pytest.raises(PermissionDenied):
        services.service_update(service=service, cost="£5", acting_user=cast.alice)


# Programme pages -------------------------------------------------------------------------------


def test_programme_list(cast, desk):
    ProgrammeFactory(organisation=cast.pathways, name="Pathways only")
    response = check_access(
        cast,
        reverse("delivery:programme-list"),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )
    body = response.content.decode()
    assert "Northshire Growth" in body and "Pathways only" not in body


def test_programme_detail(cast, desk):
    other = ProgrammeFactory(organisation=cast.pathways, name="Pathways only")
    services.eligibility_condition_add(programme=desk.growth, text="Trading", acting_user=cast.carl)
    url = reverse("delivery:programme-detail", args=[desk.growth.pk])
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=None, out_of_scope=cast.oscar
    ).content.decode()
    assert "Trading" in body and "Enterprise Hub" in body
    assert reverse("delivery:programme-edit", args=[desk.growth.pk]) not in body
    carl_page = request_as(cast.carl, url).content.decode()
    assert reverse("delivery:programme-edit", args=[desk.growth.pk]) in carl_page
    assert request_as(cast.alice, other.get_absolute_url()).status_code == 404


def test_programme_create_page(cast):
    check_access(
        cast,
        reverse("delivery:programme-create"),
        method="post",
        data=programme_data(cast),
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Programme, "create")],
    )
    programme = Programme.objects.get(name="Green Growth")
    assert list(programme.delivering_organisations.all()) == [cast.hub]
    assert programme.default_review_depth == "light"


def test_programme_create_page_names_the_bad_field(cast):
    response = request_as(
        cast.carl,
        reverse("delivery:programme-create"),
        method="post",
        data=programme_data(cast, end_date="2026-01-01"),
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()


def test_programme_edit_page(cast, desk):
    url = reverse("delivery:programme-edit", args=[desk.growth.pk])
    data = programme_data(cast, name="Northshire Growth 2", delivering_organisations=[cast.hub.pk])
    del data["organisation"]
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(Programme, "update")],
    )
    desk.growth.refresh_from_db()
    assert desk.growth.name == "Northshire Growth 2"


def test_condition_pages(cast, desk):
    url = reverse("delivery:condition-create", args=[desk.growth.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"text": "Trading in Northshire", "position": ""},
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(EligibilityCondition, "create")],
    )
    condition = EligibilityCondition.objects.get()
    check_access(
        cast,
        reverse("delivery:condition-edit", args=[condition.pk]),
        method="post",
        data={"text": "Based in Northshire", "position": 3},
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(EligibilityCondition, "update")],
    )
    check_access(
        cast,
        reverse("delivery:condition-delete", args=[condition.pk]),
        method="post",
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(EligibilityCondition, "delete")],
    )
    assert not EligibilityCondition.objects.exists()


def test_budget_pages(cast, desk):
    url = reverse("delivery:budget-set", args=[desk.growth.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"period": "2026/27 Q3", "amount": "25000"},
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(ProgrammeBudget, "create")],
    )
    budget = ProgrammeBudget.objects.get()
    assert "2026/27 Q3" in request_as(cast.alice, desk.growth.get_absolute_url()).content.decode()
    bad = request_as(cast.carl, url, method="post", data={"period": "Q3", "amount": "1"})
    assert "is not a period" in bad.content.decode()
    check_access(
        cast,
        reverse("delivery:budget-delete", args=[budget.pk]),
        method="post",
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.oscar,
        expect=302,
        audited=[(ProgrammeBudget, "delete")],
    )


# Service directory pages -----------------------------------------------------------------------


def test_service_list_searches(cast):
    ServiceFactory(organisation=cast.hub, name="Export clinic", offer="Exporting to the EU.")
    ServiceFactory(organisation=cast.hub, name="Legal helpline", offer="Contracts.")
    ServiceFactory(organisation=cast.pathways, name="Pathways CV clinic", offer="CVs.")
    url = reverse("delivery:service-list")
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    ).content.decode()
    assert "Export clinic" in body and "Pathways CV clinic" not in body
    body = request_as(cast.alice, url, data={"q": "eu"}).content.decode()
    assert "Export clinic" in body and "Legal helpline" not in body


def test_service_detail(cast):
    service = ServiceFactory(organisation=cast.hub, name="Export clinic")
    check_access(
        cast,
        service.get_absolute_url(),
        allowed=cast.alice,
        wrong_role=None,
        out_of_scope=cast.pat,
    )


def test_service_create_page(cast):
    data = {
        "organisation": cast.hub.pk,
        "kind": "internal",
        "name": "Finance workshop",
        "offer": "Cash-flow forecasting.",
        "website": "",
    }
    check_access(
        cast,
        reverse("delivery:service-create"),
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Service, "create")],
    )
    bad = request_as(cast.mary, reverse("delivery:service-create"), method="post", data={})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()


def test_service_edit_and_deactivate_pages(cast):
    service = ServiceFactory(organisation=cast.hub, name="Export clinic")
    data = {"kind": "external", "name": "Export clinic", "offer": "Exporting.", "cost": "Free"}
    check_access(
        cast,
        reverse("delivery:service-edit", args=[service.pk]),
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Service, "update")],
    )
    check_access(
        cast,
        reverse("delivery:service-deactivate", args=[service.pk]),
        method="post",
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Service, "update")],
    )
    service.refresh_from_db()
    assert (service.cost, service.is_active) == ("Free", False)
    assert "withdrawn" in request_as(cast.alice, service.get_absolute_url()).content.decode()


def test_programme_and_service_form_pages_open_for_those_allowed(cast, desk):
    service = ServiceFactory(organisation=cast.hub, name="Export clinic")
    for url, allowed, wrong, hidden in [
        (reverse("delivery:programme-create"), cast.carl, cast.alice, None),
        (
            reverse("delivery:programme-edit", args=[desk.growth.pk]),
            cast.carl,
            cast.alice,
            cast.oscar,
        ),
        (
            reverse("delivery:condition-create", args=[desk.growth.pk]),
            cast.carl,
            cast.alice,
            cast.oscar,
        ),
        (reverse("delivery:budget-set", args=[desk.growth.pk]), cast.carl, cast.alice, cast.oscar),
        (reverse("delivery:service-create"), cast.mary, cast.alice, None),
        (reverse("delivery:service-edit", args=[service.pk]), cast.mary, cast.alice, cast.pat),
        (
            reverse("delivery:service-deactivate", args=[service.pk]),
            cast.mary,
            cast.alice,
            cast.pat,
        ),
    ]:
        check_access(cast, url, allowed=allowed, wrong_role=wrong, out_of_scope=hidden)
