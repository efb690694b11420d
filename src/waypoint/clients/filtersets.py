"""Filters for the client list. Upper apps add theirs through ``extensions.list_filters``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from waypoint.clients import extensions, selectors
from waypoint.clients.models import Client
from waypoint.clients.reference import SIC_SECTION_CHOICES, Region, SizeBand, TradingStatus


class ClientFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name, number, postcode or email", method="search", max_length=200
    )
    kind = django_filters.ChoiceFilter(choices=Client.Kind.choices, empty_label="Any kind")
    sic_section = django_filters.ChoiceFilter(
        label="Sector (SIC section)", choices=SIC_SECTION_CHOICES, empty_label="Any sector"
    )
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    trading_status = django_filters.ChoiceFilter(
        choices=TradingStatus.choices, empty_label="Any trading status"
    )
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices, empty_label="Any size")

    class Meta:
        model = Client
        fields = ["q", "kind", "sic_section", "region", "trading_status", "size_band"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        return selectors.client_search(queryset, value)


def client_filterset_for(user: Any) -> type[ClientFilterSet]:
    """The client filter set with every filter upper apps registered, built for ``user``."""
    extra = {name: factory(user) for name, factory in extensions.list_filters.items()}
    if not extra:
        return ClientFilterSet
    return type("ClientFilterSet", (ClientFilterSet,), extra)
