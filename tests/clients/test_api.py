"""/api/v1/clients/ and /api/v1/people/: the pages' rules, through the services."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_json_error, names, results
from tests.clients.factories import ClientFactory, PersonFactory
from tests.factories import person
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.clients.models import Client, EqualityMonitoring, Person
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"
PEOPLE = "/api/v1/people/"


@pytest.fixture
def viewer(cast):
    return person("vic", "Vic", role=Role.VIEWER, organisation=cast.hub)


@pytest.fixture
def acme(cast):
    return ClientFactory(
        organisation=cast.hub, name="Acme Widgets Ltd", created_by=cast.alice, region="TLC"
    )


def test_client_list_is_restricted_filtered_and_searchable(cast, acme):
    ClientFactory(organisation=cast.hub, name="Mary's Client", created_by=cast.mary, region="TLI")
    ClientFactory(organisation=cast.pathways, name="Pathways Client")
    response = check_access(
        cast, CLIENTS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert names(response) == {"Acme Widgets Ltd"}
    assert names(request_as(cast.mary, CLIENTS, api=True)) == {"Acme Widgets Ltd", "Mary's Client"}
    assert names(request_as(cast.mary, CLIENTS, data={"region": "TLI"}, api=True)) == {
        "Mary's Client"
    }
    assert names(request_as(cast.mary, CLIENTS, data={"search": "acme"}, api=True)) == {
        "Acme Widgets Ltd"
    }
    assert len(results(request_as(cast.mary, CLIENTS, data={"page_size": 1}, api=True))) == 1


def test_client_retrieve_never_shows_equality_answers(cast, acme):
    EqualityMonitoring.objects.create(client=acme, organisation=cast.hub, ethnicity="mixed")
    response = check_access(
        cast,
        f"{CLIENTS}{acme.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=None,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["name"] == "Acme Widgets Ltd" and body["sic_section"] == "J"
    assert "equality" not in body and "mixed" not in response.content.decode()


def test_client_create_through_the_service(cast):
    data = {"organisation": cast.hub.pk, "kind": "business", "name": "Blue Fern Ltd"}
    response = check_access(
        cast,
        CLIENTS,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Client, "create")],
    )
    client = Client.objects.get(pk=response.json()["id"])
    assert client.created_by == cast.alice


def test_client_create_bad_input_names_the_field(cast):
    data = {
        "organisation": cast.hub.pk,
        "kind": "individual",
        "name": "Jo",
        "registered_number": "123",
        "postcode": "nope",
    }
    with assert_no_audit():
        response = request_as(cast.alice, CLIENTS, method="post", data=data, api=True)
    body = assert_json_error(response, 400)
    assert {"registered_number", "postcode"} <= set(body["errors"])
    assert not Client.objects.exists()


def test_client_create_in_another_organisation_is_refused(cast):
    data = {"organisation": cast.pathways.pk, "kind": "business", "name": "X"}
    body = assert_json_error(
        request_as(cast.alice, CLIENTS, method="post", data=data, api=True), 400
    )
    assert "organisation" in body["errors"]


def test_client_update(cast, acme, viewer):
    response = check_access(
        cast,
        f"{CLIENTS}{acme.pk}/",
        method="patch",
        data={"name": "Acme Widgets (North)", "organisation": cast.pathways.pk},
        api=True,
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        audited=[(Client, "update")],
    )
    assert response.json()["name"] == "Acme Widgets (North)"
    acme.refresh_from_db()
    assert acme.organisation == cast.hub


def test_client_update_bad_division(cast, acme):
    response = request_as(
        cast.alice, f"{CLIENTS}{acme.pk}/", method="patch", data={"sic_division": "04"}, api=True
    )
    assert "sic_division" in assert_json_error(response, 400)["errors"]


def test_people_list_retrieve_create_update(cast, acme, viewer):
    PersonFactory(client=ClientFactory(organisation=cast.pathways), first_name="Hidden")
    ann = PersonFactory(client=acme, first_name="Ann", last_name="Lee")
    response = check_access(
        cast, PEOPLE, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert names(response, "first_name") == {"Ann"}
    check_access(
        cast,
        f"{PEOPLE}{ann.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=None,
        out_of_scope=cast.pat,
    )
    check_access(
        cast,
        PEOPLE,
        method="post",
        data={"client": acme.pk, "first_name": "Bo", "last_name": "Day"},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Person, "create")],
    )
    check_access(
        cast,
        f"{PEOPLE}{ann.pk}/",
        method="patch",
        data={"role": "Director"},
        api=True,
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        audited=[(Person, "update")],
    )
    assert Person.objects.get(pk=ann.pk).role == "Director"


def test_person_create_for_a_client_out_of_scope_is_refused(cast):
    theirs = ClientFactory(organisation=cast.pathways)
    data = {"client": theirs.pk, "first_name": "Bo", "last_name": "Day"}
    response = request_as(cast.alice, PEOPLE, method="post", data=data, api=True)
    assert "client" in assert_json_error(response, 400)["errors"]
    response = request_as(cast.alice, PEOPLE, method="post", data={"client": ""}, api=True)
    assert {"client", "first_name", "last_name"} <= set(assert_json_error(response, 400)["errors"])


def test_duplicates_lists_visible_matches_and_counts_the_rest(cast, acme):
    ClientFactory(
        organisation=cast.hub, name="Secret", registered_number="999", created_by=cast.mary
    )
    url = f"{CLIENTS}duplicates/"
    query = {
        "organisation": cast.hub.pk,
        "name": "ACME widgets limited",
        "postcode": "ne1 4st",
        "registered_number": "999",
    }
    response = check_access(
        cast,
        url,
        data=query,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )
    body = response.json()
    assert [c["name"] for c in body["results"]] == ["Acme Widgets Ltd"]
    assert body["hidden"] == 1
    missing = request_as(cast.alice, url, data={"organisation": cast.pathways.pk}, api=True)
    assert {"organisation", "name"} <= set(assert_json_error(missing, 400)["errors"])
