"""The id of the request (or command run) in progress, for audit entries and log lines.

Kept free of model imports so that logging can use it before Django's apps are loaded.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("waypoint_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


@contextlib.contextmanager
def request_id_context(request_id: str) -> Iterator[str]:
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def client_address(request: object) -> str | None:
    """The address of the person making the request, trusting only configured proxies.

    With ``WAYPOINT_PROXY_COUNT`` = N proxies in front of Waypoint, each appending to
    X-Forwarded-For, the client is the N-th address from the right; anything to its left was
    written by the client and may be forged. With 0 (the default) the header is ignored.
    """
    from django.conf import settings

    meta = getattr(request, "META", {})
    count = getattr(settings, "WAYPOINT_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [
            a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return meta.get("REMOTE_ADDR")
