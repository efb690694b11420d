"""Request id, organisation time zone and the two-factor gate."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from waypoint.core.request_context import client_address, new_request_id, request_id_context
from waypoint.core.security import two_factor_required

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (or keep a well-formed ``X-Request-ID`` from the proxy).

    The id goes into every audit entry made during the request and back in the response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _VALID_REQUEST_ID.match(offered) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_id_context(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ClientAddressMiddleware:
    """Leave in X-Forwarded-For only the client address the trusted proxies vouch for.

    django-auditlog records the left-most X-Forwarded-For address; without this a client could
    write any address it liked into the audit log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_address(request)
        request.META.pop("HTTP_X_FORWARDED_FOR", None)
        if address and address != request.META.get("REMOTE_ADDR"):
            request.META["HTTP_X_FORWARDED_FOR"] = address
        request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
        return self.get_response(request)


class TwoFactorMiddleware:
    """Send people whose role requires two-factor authentication to set it up or confirm it.

    Also shows pages in the time zone of the person's organisation.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # The organisation's time zone is for this request only, even one turned away here.
        try:
            if user.is_authenticated:
                organisation = getattr(user, "home_organisation", None)
                if organisation is not None:
                    timezone.activate(zoneinfo.ZoneInfo(organisation.time_zone))
                if (
                    not request.path.startswith(self.EXEMPT_PREFIXES)
                    and two_factor_required(user)
                    and not getattr(user, "is_verified", lambda: False)()
                ):
                    target = (
                        "accounts:two-factor-verify"
                        if _has_confirmed_device(user)
                        else "accounts:two-factor-setup"
                    )
                    return HttpResponseRedirect(
                        f"{reverse(target)}?{urlencode({'next': request.path})}"
                    )
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _has_confirmed_device(user: object) -> bool:
    from django_otp import user_has_device

    return bool(user_has_device(user, confirmed=True))
