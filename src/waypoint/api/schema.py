"""OpenAPI extensions: describe the API's own authentication to drf-spectacular."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "waypoint.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"
    priority = 1  # ahead of drf-spectacular's own extension for TokenAuthentication

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token, sent as "
            "`Authorization: Bearer <token>` (or `Authorization: Token <token>`).",
        }
