"""The API for programmes, services and engagements: same rules as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients.factories import ClientFactory
from tests.delivery.factories import ProgrammeFactory, ServiceFactory
from tests.permissions import check_access, request_as
from waypoint.delivery.models import (
    Engagement,
    EngagementTransition,
    Programme,
    Service,
)

pytestmark = pytest.mark.django_db

PROGRAMMES = "/api/v1/programmes/"
SERVICES = "/api/v1/services/"
ENGAGEMENTS = "/api/v1/engagements/"


def hub_programme(cast):
    programme = ProgrammeFactory(organisation=cast.northshire, name="Hub only")
    programme.delivering_organisations.set([cast.hub])
    return programme


def api(user, url, method="get", data=None):
    return request_as(user, url, method=method, data=data, api=True)


# Programmes ------------------------------------------------------------------------------------


def test_programme_list_and_retrieve(cast, desk):
    response = check_access(
        cast, PROGRAMMES, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [p["name"] for p in response.json()["results"]] == ["Northshire Growth"]
    hub_only = hub_programme(cast)
    check_access(
        cast,
        f"{PROGRAMMES}{hub_only.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=None,
        out_of_scope=cast.pat,
    )


def test_programme_create(cast):
    data = {
        "organisation": cast.northshire.pk,
        "name": "Green Growth",
        "start_date": "2026-04-01",
        "delivering_organisations": [cast.hub.pk],
    }
    response = check_access(
        cast,
        PROGRAMMES,
        method="post",
        data=data,
        api=True,
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Programme, "create")],
    )
    assert response.json()["delivering_organisations"] == [cast.hub.pk]


def test_programme_create_bad_input_is_400_with_field_errors(cast):
    bad = {"organisation": cast.hub.pk, "name": "", "start_date": "yesterday"}
    body = api(cast.carl, PROGRAMMES, "post", bad).json()
    assert set(body["errors"]) >= {"organisation", "name", "start_date"}
    backwards = {
        "organisation": cast.northshire.pk,
        "name": "Backwards",
        "start_date": "2026-04-01",
        "end_date": "2025-01-01",
    }
    response = api(cast.carl, PROGRAMMES, "post", backwards)
    assert response.status_code == 400 and "end_date" in response.json()["errors"]
    assert api(cast.carl, PROGRAMMES, "post", {"organisation": "x"}).status_code == 400


def test_programme_update(cast, desk):
    hub_only = hub_programme(cast)
    check_access(
        cast,
        f"{PROGRAMMES}{hub_only.pk}/",
        method="patch",
        data={"funding_source": "UKSPF"},
        api=True,
        allowed=cast.carl,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(Programme, "update")],
    )


# Services --------------------------------------------------------------------------------------


def test_service_list_search_and_create(cast):
    ServiceFactory(organisation=cast.hub, name="Export clinic", offer="Exporting.")
    ServiceFactory(organisation=cast.hub, name="Legal helpline", offer="Contracts.")
    response = check_access(
        cast, SERVICES, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert response.json()["count"] == 2
    found = api(cast.alice, SERVICES + "?search=export").json()
    assert [s["name"] for s in found["results"]] == ["Export clinic"]
    check_access(
        cast,
        SERVICES,
        method="post",
        data={"organisation": cast.hub.pk, "kind": "internal", "name": "Cafe", "offer": "Tea"},
        api=True,
        allowed=cast.mary,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Service, "create")],
    )


def test_service_update_out_of_scope_is_404(cast):
    service = ServiceFactory(organisation=cast.hub, name="Export clinic")
    check_access(
        cast,
        f"{SERVICES}{service.pk}/",
        method="patch",
        data={"cost": "Free"},
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(Service, "update")],
    )


# Engagements -----------------------------------------------------------------------------------


def test_engagement_list_is_restricted_filtered_and_searched(cast, desk):
    response = check_access(
        cast, ENGAGEMENTS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [e["id"] for e in response.json()["results"]] == [desk.alice_engagement.pk]
    carl = api(cast.carl, ENGAGEMENTS + f"?organisation={cast.pathways.pk}").json()
    assert [e["id"] for e in carl["results"]] == [desk.pathways_engagement.pk]
    mary = api(cast.mary, ENGAGEMENTS + "?search=zenith").json()
    assert [e["client_name"] for e in mary["results"]] == ["Zenith Bakery"]
    assert api(cast.mary, ENGAGEMENTS + "?status=nonsense").status_code == 400
    assert api(cast.alice, ENGAGEMENTS + f"?organisation={cast.pathways.pk}").status_code == 400


def test_engagement_retrieve_has_the_derived_first_contact(cast, desk):
    response = check_access(
        cast,
        f"{ENGAGEMENTS}{desk.alice_engagement.pk}/",
        api=True,
        allowed=cast.carl,
        wrong_role=None,
        out_of_scope=desk.bob,
    )
    assert response.json()["first_contact_at"] is not None


def nova(cast):
    return ClientFactory(organisation=cast.hub, name="Nova Ltd", created_by=cast.alice)


def test_engagement_open(cast, desk):
    data = {
        "client": nova(cast).pk,
        "programme": desk.growth.pk,
        "lead_adviser": cast.alice.pk,
        "enquiry_date": timezone.localdate().isoformat(),
    }
    response = check_access(
        cast,
        ENGAGEMENTS,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Engagement, "create"), (EngagementTransition, "create")],
    )
    assert response.json()["status"] == "enquiry"
    assert response.json()["organisation"] == cast.hub.pk


def test_engagement_open_refuses_inconsistent_input(cast, desk):
    base = {
        "client": nova(cast).pk,
        "programme": desk.growth.pk,
        "lead_adviser": cast.ada.pk,
        "enquiry_date": timezone.localdate().isoformat(),
    }
    response = api(cast.mary, ENGAGEMENTS, "post", base)
    assert response.status_code == 400 and "lead_adviser" in response.json()["errors"]
    response = api(cast.alice, ENGAGEMENTS, "post", {**base, "client": desk.zenith.pk})
    assert response.status_code == 400 and "client" in response.json()["errors"]
    response = api(cast.mary, ENGAGEMENTS, "post", {**base, "client": [1], "enquiry_date": 5})
    assert response.status_code == 400
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = api(
        cast.mary,
        ENGAGEMENTS,
        "post",
        {**base, "lead_adviser": cast.alice.pk, "enquiry_date": future},
    )
    assert response.status_code == 400 and "enquiry_date" in response.json()["errors"]


def test_engagement_update_assigns_advisers(cast, desk):
    response = check_access(
        cast,
        f"{ENGAGEMENTS}{desk.mary_engagement.pk}/",
        method="patch",
        data={"advisers": [desk.bob.pk]},
        api=True,
        allowed=cast.mary,
        wrong_role=cast.carl,
        out_of_scope=cast.alice,
    )
    assert response.json()["advisers"] == [desk.bob.pk]
    bad = api(
        cast.mary, f"{ENGAGEMENTS}{desk.mary_engagement.pk}/", "patch", {"advisers": [cast.pat.pk]}
    )
    assert bad.status_code == 400 and "advisers" in bad.json()["errors"]


def test_engagement_move(cast, desk):
    url = f"{ENGAGEMENTS}{desk.alice_engagement.pk}/move/"
    response = check_access(
        cast,
        url,
        method="post",
        data={"to_status": "paused", "reason": "Owner on leave"},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        audited=[(Engagement, "update"), (EngagementTransition, "create")],
    )
    assert response.json()["status"] == "paused"


def test_engagement_move_refusals_are_400_naming_the_field(cast, desk):
    url = f"{ENGAGEMENTS}{desk.alice_engagement.pk}/move/"
    refused = api(cast.alice, url, "post", {"to_status": "eligible"})
    assert refused.status_code == 400
    assert "from here it can move to" in refused.json()["errors"]["to_status"][0]
    no_reason = api(cast.alice, url, "post", {"to_status": "closed", "reason": ""})
    assert set(no_reason.json()["errors"]) == {"reason", "end_reason"}
    assert api(cast.alice, url, "post", {"to_status": "won"}).status_code == 400
    assert api(cast.alice, url, "post", {"to_status": ["closed"]}).status_code == 400
    assert api(cast.alice, f"{ENGAGEMENTS}abc/move/", "post", {}).status_code == 404
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.status == Engagement.Status.ACTIVE


def test_engagement_eligibility_check(cast, desk):
    from waypoint.delivery.models import EligibilityCheck, EligibilityCondition
    from waypoint.delivery.services.engagements import engagement_open

    condition = EligibilityCondition.objects.create(
        programme=desk.growth, organisation=cast.northshire, text="Trading", position=1
    )
    engagement = engagement_open(
        client=nova(cast),
        programme=desk.growth,
        organisation=cast.hub,
        lead_adviser=cast.alice,
        enquiry_date=timezone.localdate(),
        acting_user=cast.alice,
    )
    url = f"{ENGAGEMENTS}{engagement.pk}/eligibility/"
    assert api(cast.alice, url, "post", {"answers": []}).status_code == 400
    assert api(cast.alice, url, "post", {"answers": "yes"}).status_code == 400
    response = check_access(
        cast,
        url,
        method="post",
        data={"answers": [{"condition": condition.pk, "met": False, "note": "Not trading"}]},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        audited=[
            (EligibilityCheck, "create"),
            (Engagement, "update"),
            (EngagementTransition, "create"),
        ],
    )
    assert (response.json()["status"], response.json()["end_reason"]) == ("closed", "not_eligible")


def test_schema_describes_the_delivery_endpoints(cast):
    response = request_as(cast.alice, "/api/v1/schema/", api=False)
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/engagements/{id}/move/" in body
    assert "/api/v1/programmes/" in body and "/api/v1/services/" in body


def test_engagement_filters_do_not_reveal_records_out_of_view(cast, desk):
    hidden = api(cast.alice, ENGAGEMENTS + f"?client={desk.zenith.pk}")
    missing = api(cast.alice, ENGAGEMENTS + "?client=999999")
    assert hidden.status_code == missing.status_code == 400
    mine = api(cast.alice, ENGAGEMENTS + f"?client={desk.acme.pk}").json()
    assert [e["id"] for e in mine["results"]] == [desk.alice_engagement.pk]


def test_programme_filter_by_owner(cast, desk):
    found = api(cast.pat, PROGRAMMES + f"?organisation={cast.northshire.pk}").json()
    assert [p["name"] for p in found["results"]] == ["Northshire Growth"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=5,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "to_status": JSON_VALUES | st.sampled_from(Engagement.Status.values),
            "reason": JSON_VALUES,
            "end_reason": JSON_VALUES | st.sampled_from(Engagement.EndReason.values),
            "client": JSON_VALUES,
            "programme": JSON_VALUES,
            "lead_adviser": JSON_VALUES,
            "advisers": JSON_VALUES,
            "enquiry_date": JSON_VALUES,
            "answers": JSON_VALUES,
        },
    )
)
def test_no_server_error_on_malformed_input(cast, desk, body):
    pk = desk.alice_engagement.pk
    for method, url in [
        ("post", f"{ENGAGEMENTS}{pk}/move/"),
        ("post", f"{ENGAGEMENTS}{pk}/eligibility/"),
        ("post", ENGAGEMENTS),
        ("patch", f"{ENGAGEMENTS}{pk}/"),
        ("post", PROGRAMMES),
    ]:
        response = api(cast.alice, url, method, body)
        assert response.status_code < 500, (url, body, response.content[:300])


def test_service_withdrawn_through_the_api(cast):
    service = ServiceFactory(organisation=cast.hub, name="Export clinic")
    response = api(cast.mary, f"{SERVICES}{service.pk}/", "patch", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    created = api(
        cast.mary,
        SERVICES,
        "post",
        {
            "organisation": cast.hub.pk,
            "kind": "internal",
            "name": "Cafe",
            "offer": "Tea",
            "is_active": False,
        },
    )
    assert created.status_code == 201 and created.json()["is_active"] is True
