"""Filters for the delivery lists; every choice is limited to what the user may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from waypoint.core.models import Organisation, User
from waypoint.delivery import selectors
from waypoint.delivery.models import Engagement, Programme, Service


class ProgrammeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or code", method="search")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Programme
        fields = ["q", "is_active"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def search(self, queryset: QuerySet[Programme], name: str, value: str) -> QuerySet[Programme]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class ServiceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search the directory", method="search")
    kind = django_filters.ChoiceFilter(choices=Service.Kind.choices, empty_label="Any kind")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Service
        fields = ["q", "kind", "is_active"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def search(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(offer__icontains=value)
            | Q(provider_name__icontains=value)
            | Q(audience__icontains=value)
        )


class EngagementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Client name", field_name="client__name", lookup_expr="icontains"
    )
    status = django_filters.ChoiceFilter(
        choices=Engagement.Status.choices, empty_label="Any status"
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.none(), empty_label="Any programme"
    )
    lead_adviser = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), empty_label="Any adviser", label="Lead adviser"
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(), empty_label="Any organisation"
    )

    class Meta:
        model = Engagement
        fields = ["q", "status", "programme", "lead_adviser", "organisation"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = Engagement.objects.restrict(user, "view")
        self.filters["programme"].queryset = Programme.objects.filter(
            pk__in=visible.values("programme_id")
        )
        self.filters["lead_adviser"].queryset = selectors.advisers_visible_to(user=user)
        self.filters["organisation"].queryset = Organisation.objects.filter(
            pk__in=visible.values("organisation_id")
        )


# The client list's extra filters (registered in DeliveryConfig.ready) ---------------------------


def client_programme_filter(user: Any) -> django_filters.Filter:
    """Clients with an engagement on a programme (among those the user sees engagements on)."""
    visible = Engagement.objects.restrict(user, "view")
    return django_filters.ModelChoiceFilter(
        label="Programme",
        field_name="engagements__programme",
        queryset=Programme.objects.filter(pk__in=visible.values("programme_id")),
        empty_label="Any programme",
        distinct=True,
    )


def client_adviser_filter(user: Any) -> django_filters.Filter:
    """Clients with an engagement led by an adviser (among those the user may see)."""
    return django_filters.ModelChoiceFilter(
        label="Adviser",
        field_name="engagements__lead_adviser",
        queryset=selectors.advisers_visible_to(user=user),
        empty_label="Any adviser",
        distinct=True,
    )
