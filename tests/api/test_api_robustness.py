"""Whatever a caller sends, the API answers with a 2xx or a JSON 4xx, never a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import TOKEN_URL, assert_json_error, token_client
from tests.factories import PASSWORD
from waypoint.core.models import Team

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/teams/"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=12,
)


def plausible(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the endpoint's own field names, holding any JSON value."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, json_values))


def answer_is_sane(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert_json_error(response, response.status_code)


# Function-scoped fixtures are fine here: every example may share the same cast.
fuzz = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def team_bodies(cast: Any) -> st.SearchStrategy[Any]:
    """Any JSON, objects with a team's fields, and some that name a real organisation."""
    nearly_valid = st.fixed_dictionaries(
        {
            "organisation": st.sampled_from(
                [cast.hub.pk, str(cast.hub.pk), cast.pathways.pk, cast.northshire.pk]
            ),
            "name": st.text(min_size=1, max_size=130),
        },
        optional={"description": json_values},
    )
    return json_values | plausible(["organisation", "name", "description"]) | nearly_valid


@fuzz
@given(data=st.data())
def test_team_create_never_fails_with_a_server_error(cast, data):
    body = data.draw(team_bodies(cast))
    client = token_client(cast.mary)
    before = Team.objects.count()
    response = client.post(TEAMS, json.dumps(body), content_type="application/json")
    answer_is_sane(response)
    assert Team.objects.count() == before + (response.status_code == 201)
    if response.status_code == 201:
        assert Team.objects.get(pk=response.json()["id"]).organisation == cast.hub


@fuzz
@given(data=st.data())
def test_team_update_never_fails_with_a_server_error(cast, data):
    body = data.draw(team_bodies(cast))
    client = token_client(cast.mary)
    url = f"{TEAMS}{cast.startup_team.pk}/"
    for method in (client.put, client.patch):
        answer_is_sane(method(url, json.dumps(body), content_type="application/json"))
    cast.startup_team.refresh_from_db()
    assert cast.startup_team.organisation_id == cast.hub.pk


@fuzz
@given(body=json_values | plausible(["username", "password", "otp_token"]))
def test_token_request_never_fails_with_a_server_error(cast, body):
    cache.clear()  # or the throttle answers every example after the thirtieth
    response = token_client(cast.alice).post(
        TOKEN_URL, json.dumps(body), content_type="application/json"
    )
    answer_is_sane(response)
    assert response.status_code != 200 or body.get("password") == PASSWORD


@fuzz
@given(
    params=st.dictionaries(
        st.sampled_from(["page", "page_size", "ordering", "search", "organisation"]),
        st.text(max_size=40),
    )
)
def test_list_query_strings_never_fail_with_a_server_error(cast, params):
    answer_is_sane(token_client(cast.mary).get(TEAMS, params))


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[1, 2", b"\xff\xfe\x00", b'{"name": NaN}', b'{"name": "\\ud800"}', b"null", b"7"],
)
@pytest.mark.parametrize("url", [TEAMS, TOKEN_URL])
def test_malformed_bodies_are_json_400(cast, url, raw):
    response = token_client(cast.mary).post(url, raw, content_type="application/json")
    body = assert_json_error(response, 400)
    assert body["detail"]
    assert Team.objects.count() == 1


def test_unsupported_content_type_is_json_415(cast):
    response = token_client(cast.mary).post(TEAMS, "name=x", content_type="text/plain")
    assert "Unsupported media type" in assert_json_error(response, 415)["detail"]
