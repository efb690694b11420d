"""Restricted querysets: every list, detail, export, report and API query starts here.

``Model.objects.restrict(user, "view")`` narrows a queryset to what the user may do; the
rules for each model live in its policy (waypoint.core.permissions), never in views.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet[_M]:
        from waypoint.core.permissions import policy_for

        return policy_for(self.model).restrict(self, user, action)


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass
