from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from waypoint.core.models import Organisation, Team, User
from waypoint.core.roles import Role


class TeamFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name contains", field_name="name", lookup_expr="icontains")
    organisation = django_filters.ModelChoiceFilter(
        label="Organisation", queryset=Organisation.objects.none(), empty_label="Any organisation"
    )

    class Meta:
        model = Team
        fields = ["q", "organisation"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = Organisation.objects.restrict(user, "view")


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name, username or email", method="search")
    organisation = django_filters.ModelChoiceFilter(
        label="Organisation",
        queryset=Organisation.objects.none(),
        method="in_organisation",
        empty_label="Any organisation",
    )
    role = django_filters.ChoiceFilter(
        label="Role", choices=Role.choices, method="with_role", empty_label="Any role"
    )

    class Meta:
        model = User
        fields = ["q", "organisation", "role"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = Organisation.objects.restrict(user, "view")

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(username__icontains=value)
            | Q(email__icontains=value)
        )

    def in_organisation(
        self, queryset: QuerySet[User], name: str, value: Organisation
    ) -> QuerySet[User]:
        return queryset.filter(role_assignments__organisation=value).distinct()

    def with_role(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(role_assignments__role=value).distinct()
