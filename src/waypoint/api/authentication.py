"""Token authentication that accepts both ``Authorization: Token <key>`` and ``Bearer <key>``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import HTTP_HEADER_ENCODING, exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` or ``Authorization: Bearer <key>`` (either case).

    DRF reads the header through ``request.headers``, which Django caches, so the header is
    parsed here rather than rewritten in ``request.META``.
    """

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(HTTP_HEADER_ENCODING) not in self.keywords:
            return None
        if len(parts) == 1:
            raise exceptions.AuthenticationFailed(_("Invalid token header: no key after it."))
        if len(parts) > 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: the key has spaces."))
        try:
            key = parts[1].decode(HTTP_HEADER_ENCODING)
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: the key has characters that are not allowed.")
            ) from None
        return self.authenticate_credentials(key)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
