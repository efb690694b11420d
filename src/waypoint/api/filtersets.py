"""Filters for the API lists. Organisation choices are only those the caller can see, so a
filter value never reveals whether another organisation exists."""

from __future__ import annotations

from typing import Any

import django_filters

from waypoint.core.models import Organisation, Team, User


def _visible_organisations(request: Any) -> Any:
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user, "view")


class OrganisationFilterSet(django_filters.FilterSet):
    class Meta:
        model = Organisation
        fields = ["kind", "is_active"]


class TeamFilterSet(django_filters.FilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)

    class Meta:
        model = Team
        fields = ["organisation"]


class UserFilterSet(django_filters.FilterSet):
    home_organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)

    class Meta:
        model = User
        fields = ["home_organisation", "is_active"]
