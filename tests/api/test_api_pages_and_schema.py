"""Pagination, unknown addresses, the OpenAPI document and the Swagger UI page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import assert_json_error, results, token_client
from waypoint.core.models import Team

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/teams/"
SCHEMA = "/api/v1/schema/"
DOCS = "/api/v1/docs/"


@pytest.fixture
def many_teams(cast):
    """205 more teams at hub (206 with Start-up), and one at pathways."""
    Team.objects.bulk_create(Team(organisation=cast.hub, name=f"Team {n:03d}") for n in range(205))
    Team.objects.create(organisation=cast.pathways, name="Pathways team")
    return 206


def test_default_page_size_and_links(cast, many_teams):
    body = token_client(cast.mary).get(TEAMS).json()
    assert body["count"] == many_teams
    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_page_and_page_size_are_honoured(cast, many_teams):
    client = token_client(cast.mary)
    first = [row["name"] for row in results(client.get(TEAMS, {"page_size": 10}))]
    third = [row["name"] for row in results(client.get(TEAMS, {"page_size": 10, "page": 3}))]
    assert len(first) == len(third) == 10
    everything = [row["name"] for row in results(client.get(TEAMS, {"page_size": 200}))]
    assert third == everything[20:30]
    assert not set(first) & set(third)


def test_page_size_is_capped_at_200(cast, many_teams):
    client = token_client(cast.mary)
    assert len(results(client.get(TEAMS, {"page_size": 10_000}))) == 200
    last = client.get(TEAMS, {"page_size": 10_000, "page": 2}).json()
    assert len(last["results"]) == many_teams - 200
    assert last["next"] is None


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", "1e3", ""])
def test_odd_page_sizes_fall_back_to_the_default(cast, many_teams, page_size):
    assert len(results(token_client(cast.mary).get(TEAMS, {"page_size": page_size}))) == 50


@pytest.mark.parametrize("page", ["6", "0", "-1", "abc", "99999999999999999999999999"])
def test_pages_out_of_range_are_json_404(cast, many_teams, page):
    response = token_client(cast.mary).get(TEAMS, {"page": page})
    assert "Invalid page" in assert_json_error(response, 404)["detail"]


def test_page_last_is_the_last_page(cast, many_teams):
    body = token_client(cast.mary).get(TEAMS, {"page": "last", "page_size": 200}).json()
    assert len(body["results"]) == many_teams - 200


def test_count_is_scoped(cast, many_teams):
    assert token_client(cast.pat).get(TEAMS).json()["count"] == 1


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v1/teams/1.5/", "/api/v1/teams/1/x/"]
)
def test_unknown_addresses_are_json_404(cast, path):
    for method in ("get", "post", "delete"):
        response = getattr(token_client(cast.mary), method)(path)
        assert "no API endpoint" in assert_json_error(response, 404)["detail"]


def test_missing_slash_is_pointed_out(cast):
    response = token_client(cast.mary).get("/api/v1/teams")
    assert "/api/v1/teams/" in assert_json_error(response, 404)["detail"]
    nowhere = token_client(cast.mary).get("/api/v1/nowhere")
    assert "Did you mean" not in assert_json_error(nowhere, 404)["detail"]


# The OpenAPI document --------------------------------------------------------------------------


@pytest.fixture
def schema(db):
    response = APIClient().get(SCHEMA, {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    assert "json" in response["Content-Type"]
    return json.loads(response.content)


def test_schema_is_openapi_json_with_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Waypoint API"
    assert {
        "/api/v1/auth/token",
        "/api/v1/organisations/",
        "/api/v1/organisations/{id}/",
        "/api/v1/teams/",
        "/api/v1/teams/{id}/",
        "/api/v1/users/",
        "/api/v1/users/{id}/",
        "/api/v1/users/me/",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/teams/{id}/"]) >= {"get", "put", "patch", "delete"}
    assert set(schema["paths"]["/api/v1/organisations/{id}/"]) == {"get", "put", "patch"}


def test_schema_describes_bearer_tokens_and_an_open_token_endpoint(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    token = schema["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in schema  # no document-wide requirement to fall back on
    assert token.get("security", []) in ([], [{}])
    assert {"200", "400", "403"} <= set(token["responses"])
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/teams/"]["get"]["security"]


def test_schema_me_is_one_person_not_a_page(schema):
    me = schema["paths"]["/api/v1/users/me/"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/User"
    }
    assert not [p for p in me.get("parameters", []) if p["name"] in {"page", "search"}]


def test_schema_default_format_is_yaml(db):
    response = APIClient().get(SCHEMA)
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


# The Swagger UI page ---------------------------------------------------------------------------


class _PageAssets(HTMLParser):
    """Every URL a page loads, and anything inline that a strict CSP would block."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "style":
            self.inline.append("<style>")
        if any(name.startswith("on") for name in found) or "style" in found:
            self.inline.append(f"<{tag}> attribute")
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "script":
            self._in_script = True
            if not found.get("src"):
                self.inline.append("<script> without src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script body")


def test_docs_page_loads_only_local_files_and_nothing_inline(db):
    response = APIClient().get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert not re.search(r"https?://", page), "the docs page names another host"

    assets = _PageAssets()
    assets.feed(page)
    assert assets.inline == []
    assert any("swagger-ui-bundle.js" in url for url in assets.urls)
    client = APIClient()
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        loaded = client.get(url)
        assert loaded.status_code == 200, url
        if url.startswith("/static/"):
            loaded.close()


def test_docs_start_up_script_is_a_separate_javascript_file(db):
    response = APIClient().get(DOCS, {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert "SwaggerUIBundle(" in script
    assert '"/api/v1/schema/"' in script


def test_docs_page_is_served_under_the_strict_csp(db):
    policy = APIClient().get(DOCS)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
