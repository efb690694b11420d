"""Shared permission checks for every page and API endpoint (NetBox's ViewTestCases idea).

``check_access`` tries one request as: anonymous, a person whose role does not allow it, a
person for whom the record is out of scope, and a person who is allowed, in that order. The
refused attempts must change nothing (no audit entry); the allowed one must write exactly the
audit entries named in ``audited``.

    check_access(
        cast, url, method="post", data={...},
        allowed=cast.mary, wrong_role=cast.alice, out_of_scope=cast.pat,
        expect=302, audited=[(Team, "update")],
    )
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpResponse
from django.test import Client
from rest_framework.test import APIClient

from waypoint.core.models import User

_ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
    "access": LogEntry.Action.ACCESS,
}


def _client(user: User | None, api: bool) -> Client:
    client: Client = APIClient() if api else Client()
    if user is not None:
        client.force_login(user)
    return client


def request_as(
    user: User | None, url: str, *, method: str = "get", data: Any = None, api: bool = False
) -> HttpResponse:
    client = _client(user, api)
    call = getattr(client, method.lower())
    if api and method.lower() in {"post", "put", "patch"}:
        return call(url, data=json.dumps(data or {}), content_type="application/json")
    return call(url, data=data or {})


@contextmanager
def assert_audited(expected: Sequence[tuple[type[models.Model], str]]) -> Iterator[None]:
    """Exactly these audit entries (model, action) are written inside the block, no others."""
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    written = [
        (entry.content_type.model_class(), entry.action)
        for entry in LogEntry.objects.filter(pk__gt=before).select_related("content_type")
    ]
    wanted = [(model, _ACTIONS[action]) for model, action in expected]
    assert sorted(written, key=repr) == sorted(wanted, key=repr), (
        f"audit entries written: {written}, expected: {wanted}"
    )


def assert_no_audit() -> Any:
    return assert_audited([])


def check_access(
    cast: Any,
    url: str,
    *,
    allowed: User,
    wrong_role: User | None,
    out_of_scope: User | None,
    method: str = "get",
    data: Any = None,
    api: bool = False,
    expect: int = 200,
    audited: Sequence[tuple[type[models.Model], str]] = (),
) -> HttpResponse:
    """Run the four checks; return the allowed response for further assertions."""
    with assert_no_audit():
        anonymous = request_as(None, url, method=method, data=data, api=api)
    if api:
        assert anonymous.status_code == 401, f"anonymous got {anonymous.status_code}, wanted 401"
    else:
        assert anonymous.status_code == 302, f"anonymous got {anonymous.status_code}, wanted 302"
        assert "/accounts/login/" in anonymous["Location"], anonymous["Location"]

    if wrong_role is not None:
        with assert_no_audit():
            refused = request_as(wrong_role, url, method=method, data=data, api=api)
        assert refused.status_code == 403, (
            f"{wrong_role} (wrong role) got {refused.status_code}, wanted 403"
        )

    if out_of_scope is not None:
        with assert_no_audit():
            hidden = request_as(out_of_scope, url, method=method, data=data, api=api)
        assert hidden.status_code == 404, (
            f"{out_of_scope} (out of scope) got {hidden.status_code}, wanted 404"
        )

    with assert_audited(audited):
        response = request_as(allowed, url, method=method, data=data, api=api)
    assert response.status_code == expect, (
        f"{allowed} (allowed) got {response.status_code}, wanted {expect}: "
        f"{response.content[:500]!r}"
    )
    return response


def audit_entries_for(obj: models.Model) -> Any:
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)
    )
