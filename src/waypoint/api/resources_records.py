"""API resources for agreements and interactions (the contact log).

``/api/v1/agreements/`` and ``/api/v1/interactions/``: list (filter by engagement, search,
pagination), retrieve, create and update, through the same selectors, services and policies as
the pages. Confidential notes are never exposed here (DESIGN.md; 004 k): they are opened only
on their audited page.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients.models import Person
from waypoint.core.models import RoleAssignment, User
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import get_object_for
from waypoint.delivery import selectors
from waypoint.delivery.models import Agreement, Engagement, FollowUp, Interaction
from waypoint.delivery.services import agreements as agreement_services
from waypoint.delivery.services import interactions as interaction_services


def _request_user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return None if request is None else request.user


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


class _RecordSerializer(serializers.ModelSerializer):
    """The engagement is chosen among those the caller may change, and fixed afterwards."""

    engagement = IdField(queryset=Engagement.objects.none())

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        engagement = cast(IdField, fields["engagement"])
        engagement.queryset = _engagements(self.context.get("request"), "change")
        if self.instance is not None and not isinstance(self.instance, list):
            engagement.read_only = True
        return fields


class AgreementSerializer(_RecordSerializer):
    review_frequency = serializers.CharField(source="review_frequency_text", read_only=True)
    review_depth_covers = serializers.CharField(read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "engagement",
            "version",
            "status",
            *agreement_services.AGREEMENT_FIELDS,
            "review_frequency",
            "review_depth_covers",
            "accepted_at",
            "accepted_by_name",
            "accepted_via",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "version",
            "status",
            "accepted_at",
            "accepted_by_name",
            "accepted_via",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "review_every": {"required": False},
            "review_unit": {"required": False},
            "review_depth": {"required": False},
        }
        validators: list[Any] = []  # the service numbers versions and validates the whole


class AcceptanceSerializer(serializers.Serializer):
    accepted_by_name = serializers.CharField(max_length=200)
    via = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in Agreement.AcceptedVia.choices
            if value != Agreement.AcceptedVia.LINK  # the client's link records its own
        ]
    )


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "description", "owner", "due_on", "done_on"]
        read_only_fields = fields


class InteractionSerializer(_RecordSerializer):
    staff = IdField(many=True, queryset=User.objects.none(), required=False)
    client_people = IdField(many=True, queryset=Person.objects.none(), required=False)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "engagement",
            *interaction_services.INTERACTION_FIELDS,
            "staff",
            "client_people",
            "advice_in_mentoring",
            "recorded_by",
            "follow_ups",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "advice_in_mentoring", "recorded_by", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        user = _request_user(self)
        if user is not None and user.is_authenticated:
            # Only people the caller could know of are accepted; others look non-existent.
            colleagues = RoleAssignment.objects.filter(
                organisation__in=RoleAssignment.objects.filter(user=user).values("organisation")
            ).values("user_id")
            staff = cast(serializers.ManyRelatedField, fields["staff"])
            people = cast(serializers.ManyRelatedField, fields["client_people"])
            cast(IdField, staff.child_relation).queryset = User.objects.filter(pk__in=colleagues)
            cast(IdField, people.child_relation).queryset = Person.objects.restrict(user, "view")
        return fields


class AgreementFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)

    class Meta:
        model = Agreement
        fields = ["engagement", "status", "type"]


class InteractionFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Interaction
        fields = ["engagement", "mode", "support_type", "advice_in_mentoring"]


class EngagementAccess(BasePermission):
    """403 for a caller who sees (or, to create, may add) no engagement at all: records of an
    engagement follow it, so their own policy would only ever answer with an empty list."""

    message = "Your role does not give you access to these records."

    def has_permission(self, request: Request, view: Any) -> bool:
        action = "add" if getattr(view, "action", None) == "create" else "view"
        return policy_for(Engagement).can_any(request.user, action)


class _RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]


class AgreementViewSet(_RecordViewSet):
    """Agreements of the engagements the caller may see; versions are drafted, changed while
    draft or offered, and never changed once accepted."""

    model = Agreement
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    search_fields = ["engagement__client__name", "engagement__programme__name"]
    ordering_fields = ["version", "created_at", "accepted_at"]

    def get_queryset(self) -> Any:
        return selectors.agreements_for(user=self.request.user).order_by("engagement", "-version")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement")
        serializer.instance = agreement_services.agreement_draft(
            engagement=engagement, acting_user=self.request.user, **data
        )

    def _changed(self, agreement: Agreement, status_code: int = 200) -> Response:
        return Response(self.get_serializer(agreement).data, status=status_code)

    @extend_schema(request=None, responses={200: AgreementSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def offer(self, request: Request, pk: Any = None) -> Response:
        """Offer a draft to the client."""
        agreement = self._object_to_change()
        return self._changed(
            agreement_services.agreement_offer(agreement=agreement, acting_user=request.user)
        )

    @extend_schema(
        request=AcceptanceSerializer, responses={200: AgreementSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """Record the client's acceptance in person, by phone or by email."""
        agreement = self._object_to_change()
        data = AcceptanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._changed(
            agreement_services.agreement_accept(
                agreement=agreement, acting_user=request.user, **data.validated_data
            )
        )

    @extend_schema(request=None, responses={201: AgreementSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: Any = None) -> Response:
        """Start a new draft copying this version's terms."""
        agreement = self._object_to_change()
        return self._changed(
            agreement_services.agreement_new_version(agreement=agreement, acting_user=request.user),
            201,
        )

    def _object_to_change(self) -> Agreement:
        agreement: Agreement = get_object_for(
            self.request.user, Agreement, "change", pk=self.kwargs["pk"]
        )
        return agreement

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = agreement_services.agreement_update(
            agreement=serializer.instance,
            acting_user=self.request.user,
            **serializer.validated_data,
        )


class InteractionViewSet(_RecordViewSet):
    """The contact log of the engagements the caller may see (confidential notes excluded)."""

    model = Interaction
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilterSet
    search_fields = ["summary", "engagement__client__name"]
    ordering_fields = ["occurred_at", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.interactions_for(user=self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = interaction_services.interaction_record(
            acting_user=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = interaction_services.interaction_update(
            interaction=serializer.instance,
            acting_user=self.request.user,
            staff=data.pop("staff", None),
            client_people=data.pop("client_people", None),
            **data,
        )


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("agreements", AgreementViewSet, basename="agreement")
    router.register("interactions", InteractionViewSet, basename="interaction")
