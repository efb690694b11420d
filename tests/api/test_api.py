"""Every API endpoint: anonymous, wrong role, out of scope, allowed, audited when it writes."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_json_error, names, results, token_client
from tests.factories import TeamFactory
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.core.models import Organisation, Team

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/api/v1/organisations/"
TEAMS = "/api/v1/teams/"
USERS = "/api/v1/users/"


def organisation_url(organisation: Organisation) -> str:
    return f"{ORGANISATIONS}{organisation.pk}/"


def team_url(team: Team) -> str:
    return f"{TEAMS}{team.pk}/"


# Organisations ---------------------------------------------------------------------------------


def test_organisation_list_shows_only_own_organisations(cast):
    response = check_access(
        cast, ORGANISATIONS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert names(response) == {"Enterprise Hub"}
    assert names(request_as(cast.carl, ORGANISATIONS, api=True)) == {
        "Northshire Combined Authority"
    }


def test_superuser_sees_every_organisation(cast):
    assert len(results(request_as(cast.root, ORGANISATIONS, api=True))) == 3


def test_organisation_detail_is_404_out_of_scope(cast):
    response = check_access(
        cast,
        organisation_url(cast.hub),
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["name"] == "Enterprise Hub"
    assert body["kind"] == Organisation.Kind.PROVIDER


def test_organisation_update_is_for_administrators_and_audited(cast):
    data = {"name": "Enterprise Hub CIC", "short_name": "Hub"}
    response = check_access(
        cast,
        organisation_url(cast.hub),
        method="patch",
        data=data,
        api=True,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(Organisation, "update")],
    )
    assert response.json()["name"] == "Enterprise Hub CIC"
    cast.hub.refresh_from_db()
    assert (cast.hub.name, cast.hub.short_name) == ("Enterprise Hub CIC", "Hub")


def test_organisation_full_update_ignores_read_only_fields(cast):
    data = {
        "name": "Enterprise Hub",
        "short_name": "EH",
        "registered_number": "01234567",
        "time_zone": "Europe/London",
        "kind": Organisation.Kind.COMMISSIONER,
        "is_active": False,
    }
    response = request_as(cast.ada, organisation_url(cast.hub), method="put", data=data, api=True)
    assert response.status_code == 200, response.content
    cast.hub.refresh_from_db()
    assert cast.hub.registered_number == "01234567"
    assert cast.hub.kind == Organisation.Kind.PROVIDER
    assert cast.hub.is_active


def test_organisation_update_names_the_bad_field(cast):
    with assert_no_audit():
        response = request_as(
            cast.ada,
            organisation_url(cast.hub),
            method="patch",
            data={"time_zone": "Mars/Olympus"},
            api=True,
        )
    body = assert_json_error(response, 400)
    assert list(body["errors"]) == ["time_zone"]
    cast.hub.refresh_from_db()
    assert cast.hub.time_zone == "Europe/London"


def test_organisation_name_must_stay_unique(cast):
    response = request_as(
        cast.ada,
        organisation_url(cast.hub),
        method="patch",
        data={"name": "Pathways Employment"},
        api=True,
    )
    assert "name" in assert_json_error(response, 400)["errors"]


def test_organisations_cannot_be_created_or_deleted_through_the_api(cast):
    assert request_as(cast.root, ORGANISATIONS, method="post", data={}, api=True).status_code == 405
    deleted = request_as(cast.ada, organisation_url(cast.hub), method="delete", api=True)
    assert deleted.status_code == 405
    assert Organisation.objects.filter(pk=cast.hub.pk).exists()


# Teams -----------------------------------------------------------------------------------------


def test_team_list_is_scoped(cast):
    TeamFactory(organisation=cast.pathways, name="Pathways team")
    response = check_access(
        cast, TEAMS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert names(response) == {"Start-up"}
    assert names(request_as(cast.pat, TEAMS, api=True)) == {"Pathways team"}


def test_team_list_filter_and_search(cast):
    TeamFactory(organisation=cast.hub, name="Growth")
    client = token_client(cast.mary)
    assert names(client.get(TEAMS, {"organisation": cast.hub.pk, "search": "grow"})) == {"Growth"}
    ordered = [row["name"] for row in results(client.get(TEAMS, {"ordering": "-name"}))]
    assert ordered == ["Start-up", "Growth"]


def test_team_filter_does_not_reveal_other_organisations(cast):
    """A hidden organisation's id is refused exactly like one that does not exist."""
    client = token_client(cast.mary)
    hidden = assert_json_error(client.get(TEAMS, {"organisation": cast.pathways.pk}), 400)
    missing = assert_json_error(client.get(TEAMS, {"organisation": 999_999}), 400)
    assert hidden["errors"] == missing["errors"]


def test_team_detail_is_404_out_of_scope(cast):
    response = check_access(
        cast,
        team_url(cast.startup_team),
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert response.json()["organisation"] == cast.hub.pk


def test_team_create_is_for_managers_and_audited(cast):
    data = {"organisation": cast.hub.pk, "name": "Growth", "description": "Scale-ups"}
    response = check_access(
        cast,
        TEAMS,
        method="post",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Team, "create")],
    )
    team = Team.objects.get(organisation=cast.hub, name="Growth")
    assert response.json()["id"] == team.pk
    assert team.description == "Scale-ups"


def test_team_create_refuses_provider_staff(cast):
    data = {"organisation": cast.pathways.pk, "name": "Own team"}
    with assert_no_audit():
        response = request_as(cast.pat, TEAMS, method="post", data=data, api=True)
    assert_json_error(response, 403)
    assert not Team.objects.filter(name="Own team").exists()


@pytest.mark.parametrize("organisation", ["pathways", "northshire", 999_999])
def test_team_create_into_another_organisation_is_a_bad_field(cast, organisation):
    organisation_id = (
        getattr(cast, organisation).pk if isinstance(organisation, str) else organisation
    )
    data = {"organisation": organisation_id, "name": "Sneaky"}
    with assert_no_audit():
        response = request_as(cast.mary, TEAMS, method="post", data=data, api=True)
    body = assert_json_error(response, 400)
    assert list(body["errors"]) == ["organisation"]
    assert not Team.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("organisation", [True, 2.0, "2.5", [2], {"id": 2}, None, ""])
def test_team_create_wants_a_whole_number_for_organisation(cast, organisation):
    data = {"organisation": organisation, "name": "Odd"}
    body = assert_json_error(request_as(cast.ada, TEAMS, method="post", data=data, api=True), 400)
    assert list(body["errors"]) == ["organisation"]
    assert not Team.objects.filter(name="Odd").exists()


def test_team_create_accepts_an_id_as_a_string(cast):
    data = {"organisation": str(cast.hub.pk), "name": "Growth"}
    response = request_as(cast.mary, TEAMS, method="post", data=data, api=True)
    assert response.status_code == 201, response.content
    assert Team.objects.filter(organisation=cast.hub, name="Growth").exists()


@pytest.mark.parametrize("name", ["Start-up", "START-UP", "  start-up  "])
def test_duplicate_team_name_is_explained(cast, name):
    data = {"organisation": cast.hub.pk, "name": name}
    with assert_no_audit():
        response = request_as(cast.mary, TEAMS, method="post", data=data, api=True)
    body = assert_json_error(response, 400)
    messages = [message for field in body["errors"].values() for message in field]
    assert "This organisation already has a team with that name." in messages
    assert Team.objects.filter(organisation=cast.hub).count() == 1


def test_team_missing_name_is_named(cast):
    response = request_as(
        cast.mary, TEAMS, method="post", data={"organisation": cast.hub.pk}, api=True
    )
    assert assert_json_error(response, 400)["errors"] == {"name": ["This field is required."]}


def test_team_update_is_for_managers_and_audited(cast):
    response = check_access(
        cast,
        team_url(cast.startup_team),
        method="patch",
        data={"name": "Start-ups"},
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(Team, "update")],
    )
    assert response.json()["name"] == "Start-ups"
    cast.startup_team.refresh_from_db()
    assert cast.startup_team.name == "Start-ups"


def test_team_cannot_be_moved_to_another_organisation(cast):
    data = {"organisation": cast.pathways.pk, "name": "Start-up", "description": "Moved?"}
    response = request_as(cast.mary, team_url(cast.startup_team), method="put", data=data, api=True)
    assert response.status_code == 200, response.content
    cast.startup_team.refresh_from_db()
    assert cast.startup_team.organisation == cast.hub
    assert cast.startup_team.description == "Moved?"


def test_team_rename_to_an_existing_name_is_refused(cast):
    TeamFactory(organisation=cast.hub, name="Growth")
    with assert_no_audit():
        response = request_as(
            cast.mary,
            team_url(cast.startup_team),
            method="patch",
            data={"name": "growth"},
            api=True,
        )
    assert_json_error(response, 400)
    cast.startup_team.refresh_from_db()
    assert cast.startup_team.name == "Start-up"


def test_team_delete_is_for_managers_and_audited(cast):
    team = TeamFactory(organisation=cast.hub, name="Old team")
    check_access(
        cast,
        team_url(team),
        method="delete",
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=204,
        audited=[(Team, "delete")],
    )
    assert not Team.objects.filter(pk=team.pk).exists()


@pytest.mark.parametrize("pk", ["abc", "1.5", "99999999999999999999999", "0"])
def test_team_detail_with_a_bad_id_is_404(cast, pk):
    for method in ("get", "patch", "delete"):
        response = request_as(cast.mary, f"{TEAMS}{pk}/", method=method, data={}, api=True)
        assert_json_error(response, 404)
    assert Team.objects.filter(pk=cast.startup_team.pk).exists()


# People ----------------------------------------------------------------------------------------


def test_user_list_shows_colleagues_only(cast):
    response = check_access(
        cast, USERS, api=True, allowed=cast.alice, wrong_role=None, out_of_scope=None
    )
    assert names(response, "username") == {"ada", "mary", "alice"}
    assert names(request_as(cast.pat, USERS, api=True), "username") == {"pat"}
    assert names(request_as(cast.oscar, USERS, api=True), "username") == {"oscar"}


def test_user_list_never_shows_password_hashes(cast):
    for row in results(request_as(cast.root, USERS, api=True)):
        assert "password" not in row
        assert set(row) >= {"id", "username", "full_name", "home_organisation"}


def test_user_list_filters_by_visible_home_organisation(cast):
    client = token_client(cast.ada)
    assert names(client.get(USERS, {"home_organisation": cast.hub.pk}), "username") == {
        "ada",
        "mary",
        "alice",
    }
    assert_json_error(client.get(USERS, {"home_organisation": cast.pathways.pk}), 400)


def test_user_detail_is_404_out_of_scope(cast):
    response = check_access(
        cast,
        f"{USERS}{cast.alice.pk}/",
        api=True,
        allowed=cast.mary,
        wrong_role=None,
        out_of_scope=cast.pat,
    )
    assert response.json()["full_name"] == "Alice Tester"


def test_users_are_read_only(cast):
    url = f"{USERS}{cast.alice.pk}/"
    for method in ("put", "patch", "delete"):
        assert (
            request_as(cast.ada, url, method=method, data={"first_name": "X"}, api=True).status_code
            == 405
        )
    assert (
        request_as(cast.ada, USERS, method="post", data={"username": "x"}, api=True).status_code
        == 405
    )
    cast.alice.refresh_from_db()
    assert cast.alice.first_name == "Alice"


@pytest.mark.parametrize("person", ["alice", "pat", "oscar", "root"])
def test_me_is_the_signed_in_person(cast, person):
    user = getattr(cast, person)
    response = check_access(
        cast, f"{USERS}me/", api=True, allowed=user, wrong_role=None, out_of_scope=None
    )
    body = response.json()
    assert (body["id"], body["username"]) == (user.pk, person)
    assert "results" not in body
