"""Helpers for the API tests: clients signed in by token, and page contents."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waypoint.core.models import User

TOKEN_URL = "/api/v1/auth/token"


def token_client(user: User, keyword: str = "Token") -> APIClient:
    """An API client that sends ``Authorization: <keyword> <key>`` for ``user``."""
    key = Token.objects.get_or_create(user=user)[0].key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def results(response: Any) -> list[dict[str, Any]]:
    """The records on one page of a list, after checking the page's shape."""
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}, body
    return list(body["results"])


def names(response: Any, key: str = "name") -> set[str]:
    return {row[key] for row in results(response)}


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    """The response is a JSON error with a ``detail`` message; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    return dict(body)
