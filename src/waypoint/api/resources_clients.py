"""API resources for clients and the people linked to them.

Reads start from the clients app's restricted selectors; writes go through its services, so
the API keeps the pages' rules (404 out of scope, 403 wrong role, 400 naming the field).
Equality-monitoring answers are never exposed.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.serializers import IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients import selectors, services
from waypoint.clients.models import Client, Person
from waypoint.clients.reference import SIC_SECTION_CHOICES, Region, SizeBand, TradingStatus
from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for

# Serializers -----------------------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    organisation = IdField(queryset=Organisation.objects.none())

    class Meta:
        model = Client
        fields = [
            "id",
            "organisation",
            *services.CLIENT_FIELDS,
            "sic_section",
            "created_by",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "sic_section",
            "created_by",
            "merged_into",
            "created_at",
            "updated_at",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        organisation = cast(IdField, fields["organisation"])
        request = self.context.get("request")
        if request is not None:
            allowed = policy_for(Client).organisations_for_add(request.user)  # type: ignore[attr-defined]
            organisations = Organisation.objects.filter(is_active=True)
            organisation.queryset = (
                organisations if allowed is None else organisations.filter(pk__in=allowed)
            )
        if self.instance is not None and not isinstance(self.instance, list):
            organisation.read_only = True  # a client stays with its organisation
        return fields


class PersonSerializer(serializers.ModelSerializer):
    client = IdField(queryset=Client.objects.none())

    class Meta:
        model = Person
        fields = ["id", "client", *services.PERSON_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        client = cast(IdField, fields["client"])
        request = self.context.get("request")
        if request is not None:
            # Only clients the caller may change are accepted (others look non-existent).
            client.queryset = selectors.clients_for(user=request.user, action="change")
        if self.instance is not None and not isinstance(self.instance, list):
            client.read_only = True
        return fields


class DuplicateQuerySerializer(serializers.Serializer):
    organisation = IdField(queryset=Organisation.objects.none())
    name = serializers.CharField(max_length=200)
    registered_number = serializers.CharField(max_length=20, required=False, default="")
    postcode = serializers.CharField(max_length=10, required=False, default="")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            organisation = cast(IdField, fields["organisation"])
            organisation.queryset = Organisation.objects.restrict(request.user, "view")
        return fields


class DuplicateSerializer(serializers.Serializer):
    results = ClientSerializer(many=True)
    hidden = serializers.IntegerField(help_text="Likely duplicates the caller cannot see.")


# Filters ---------------------------------------------------------------------------------------


def _visible_organisations(request: Any) -> Any:
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user, "view")


class ClientApiFilterSet(django_filters.FilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)
    kind = django_filters.ChoiceFilter(choices=Client.Kind.choices)
    sic_section = django_filters.ChoiceFilter(choices=SIC_SECTION_CHOICES)
    region = django_filters.ChoiceFilter(choices=Region.choices)
    trading_status = django_filters.ChoiceFilter(choices=TradingStatus.choices)
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices)
    postcode = django_filters.CharFilter(method="by_postcode")
    registered_number = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Client
        fields = [
            "organisation",
            "kind",
            "sic_section",
            "region",
            "trading_status",
            "size_band",
            "postcode",
            "registered_number",
        ]

    def by_postcode(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        return selectors.client_search(queryset, value)


class PersonApiFilterSet(django_filters.FilterSet):
    client = django_filters.NumberFilter(field_name="client_id")

    class Meta:
        model = Person
        fields = ["client", "is_main_contact"]


# Viewsets --------------------------------------------------------------------------------------


class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """Clients the caller may see (merged-away records left out of the list)."""

    model = Client
    serializer_class = ClientSerializer
    filterset_class = ClientApiFilterSet
    search_fields = ["name", "trading_name", "registered_number", "postcode", "email"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self) -> Any:
        return selectors.clients_for(user=self.request.user).order_by("name", "pk")

    @extend_schema(
        summary="Likely duplicates of a client about to be created",
        parameters=[DuplicateQuerySerializer],
        responses={200: DuplicateSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request: Request) -> Response:
        """Same registered number, or a similar name at the same postcode. Only the clients
        the caller may see are returned; the others are counted."""
        query = DuplicateQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        found = selectors.likely_duplicates(**query.validated_data)
        visible = self.get_queryset().filter(pk__in=[c.pk for c in found])
        data = self.get_serializer(visible, many=True).data
        return Response({"results": data, "hidden": len(found) - len(data)})

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        serializer.instance = services.client_create(
            organisation=organisation, acting_user=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organisation", None)
        serializer.instance = services.client_update(
            client=serializer.instance, acting_user=self.request.user, **data
        )


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """People linked to the clients the caller may see."""

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonApiFilterSet
    search_fields = ["first_name", "last_name", "email"]
    ordering_fields = ["last_name", "created_at"]

    def get_queryset(self) -> Any:
        return Person.objects.restrict(self.request.user, "view").order_by(
            "last_name", "first_name", "pk"
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = services.person_add(
            client=client, acting_user=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("client", None)
        serializer.instance = services.person_update(
            person=serializer.instance, acting_user=self.request.user, **data
        )


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("clients", ClientViewSet, basename="client")
    router.register("people", PersonViewSet, basename="person")
