"""API resources for concerns (000 reqs 5, 6) and programme changes (000 req 8).

``/api/v1/concerns/``: list (filter by engagement, status, severity, about, overdue, referred to
the caller's organisation; search; pagination), retrieve, create (raise), and the steps as
``POST {id}/acknowledge/``, ``{id}/refer/``, ``{id}/resolve/`` and ``{id}/tell-client/``.
``/api/v1/programme-changes/``: list, retrieve, create. Both through the same selectors,
services and policies as the pages.
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

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.core.models import Organisation
from waypoint.core.viewkit import get_object_for
from waypoint.delivery.models import Engagement, Programme
from waypoint.monitoring import selectors_concerns as selectors
from waypoint.monitoring.models import Concern, ProgrammeChange, Review
from waypoint.monitoring.services import concerns as services
from waypoint.monitoring.services.programme_changes import programme_change_record


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


# Concerns --------------------------------------------------------------------------------------


class ConcernSerializer(serializers.ModelSerializer):
    engagement = IdField(queryset=Engagement.objects.none(), required=False, allow_null=True)
    programme = IdField(queryset=Programme.objects.none(), required=False, allow_null=True)
    raised_on = serializers.DateField(required=False, help_text="Today if not given.")
    acknowledge_by = serializers.SerializerMethodField()
    resolve_by = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Concern
        fields = [
            "id",
            "engagement",
            "programme",
            "source",
            "raised_by",
            "raised_by_name",
            "raised_on",
            "about",
            "severity",
            "summary",
            "owner",
            "status",
            "acknowledged_on",
            "acknowledge_by",
            "resolve_by",
            "is_overdue",
            "within_responsibility",
            "referred_to",
            "referred_to_organisation",
            "referred_on",
            "referral_reason",
            "referral_response",
            "investigation",
            "cause",
            "resolution",
            "resolved_on",
            "client_told_on",
            "client_told_how",
            "client_satisfaction",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in {
                "engagement",
                "programme",
                "source",
                "raised_by_name",
                "raised_on",
                "about",
                "severity",
                "summary",
            }
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _engagements(request, "change")
        if request is not None:
            cast(IdField, fields["programme"]).queryset = selectors.programmes_for_concerns(
                request.user
            )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("engagement") and not attrs.get("programme"):
            raise serializers.ValidationError(
                {"engagement": ["Give the engagement, or (managers) the programme."]}
            )
        return attrs

    def _deadlines(self, concern: Concern) -> selectors.ConcernDeadlines:
        # One settings read per programme for a whole page of concerns.
        cache = self.context.setdefault("concern_settings", {})
        if concern.programme_id not in cache:
            cache[concern.programme_id] = selectors.settings_for(concern.programme)
        return selectors.concern_deadlines(concern, settings=cache[concern.programme_id])

    def get_acknowledge_by(self, concern: Concern) -> str:
        return self._deadlines(concern).acknowledge_by.isoformat()

    def get_resolve_by(self, concern: Concern) -> str:
        return self._deadlines(concern).resolve_by.isoformat()

    def get_is_overdue(self, concern: Concern) -> bool:
        return self._deadlines(concern).is_overdue


class AcknowledgeSerializer(serializers.Serializer):
    acknowledged_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferSerializer(serializers.Serializer):
    referred_to = serializers.CharField(help_text="The named person, role or organisation.")
    reason = serializers.CharField(help_text="Why it is beyond the owner's responsibility.")
    referred_to_organisation = IdField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The programme's commissioning organisation, to let it see and respond.",
    )
    referred_on = serializers.DateField(required=False, allow_null=True, default=None)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None)


class TellClientSerializer(serializers.Serializer):
    told_on = serializers.DateField()
    how = serializers.CharField()
    satisfaction = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=5
    )


class ConcernFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)
    overdue = django_filters.BooleanFilter(method="filter_flag")
    referred_to_us = django_filters.BooleanFilter(method="filter_flag")

    class Meta:
        model = Concern
        fields = ["engagement", "status", "severity", "about", "source"]

    def filter_flag(self, queryset: QuerySet[Concern], name: str, value: bool) -> Any:
        if not value:
            return queryset
        return selectors.filter_concerns(queryset, self.request.user, {name: True})


class ConcernViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Concerns the caller may see; raised on an engagement (or, by managers, a programme)
    and taken through their steps in order."""

    model = Concern
    serializer_class = ConcernSerializer
    filterset_class = ConcernFilterSet
    search_fields = ["summary", "engagement__client__name", "referred_to", "raised_by_name"]
    ordering_fields = ["raised_on", "severity", "status"]

    def get_queryset(self) -> Any:
        return selectors.concerns_for(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.concern_raise(
            acting_user=self.request.user, **serializer.validated_data
        )

    def _step(self, request: Request, serializer_class: type[serializers.Serializer]) -> Any:
        concern: Concern = get_object_for(request.user, Concern, "change", pk=self.kwargs["pk"])
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return concern, data.validated_data

    def _answer(self, concern: Concern) -> Response:
        concern.refresh_from_db()
        return Response(self.get_serializer(concern).data)

    @extend_schema(
        request=AcknowledgeSerializer, responses={200: ConcernSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        """Acknowledge a newly raised concern."""
        concern, data = self._step(request, AcknowledgeSerializer)
        services.concern_acknowledge(concern=concern, acting_user=request.user, **data)
        return self._answer(concern)

    @extend_schema(request=ReferSerializer, responses={200: ConcernSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def refer(self, request: Request, pk: Any = None) -> Response:
        """Refer the concern beyond the owner's responsibility."""
        concern, data = self._step(request, ReferSerializer)
        services.concern_refer(concern=concern, acting_user=request.user, **data)
        return self._answer(concern)

    @extend_schema(request=ResolveSerializer, responses={200: ConcernSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """Record how the concern was resolved."""
        concern, data = self._step(request, ResolveSerializer)
        services.concern_resolve(concern=concern, acting_user=request.user, **data)
        return self._answer(concern)

    @extend_schema(
        request=TellClientSerializer, responses={200: ConcernSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"], url_path="tell-client")
    def tell_client(self, request: Request, pk: Any = None) -> Response:
        """Record when and how the client was told, and their satisfaction (1 to 5)."""
        concern, data = self._step(request, TellClientSerializer)
        services.concern_tell_client(concern=concern, acting_user=request.user, **data)
        return self._answer(concern)


# Programme changes -----------------------------------------------------------------------------


class ProgrammeChangeSerializer(serializers.ModelSerializer):
    engagement = IdField(queryset=Engagement.objects.none())
    review = IdField(queryset=Review.objects.none(), required=False, allow_null=True)
    concern = IdField(queryset=Concern.objects.none(), required=False, allow_null=True)

    class Meta:
        model = ProgrammeChange
        fields = [
            "id",
            "engagement",
            "what_changed",
            "why",
            "effective_from",
            "agreed_with_client",
            "review",
            "concern",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _engagements(request, "change")
        if request is not None:
            cast(IdField, fields["review"]).queryset = Review.objects.restrict(request.user, "view")
            cast(IdField, fields["concern"]).queryset = Concern.objects.restrict(
                request.user, "view"
            )
        return fields


class ProgrammeChangeFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)

    class Meta:
        model = ProgrammeChange
        fields = ["engagement", "review", "concern"]


class ProgrammeChangeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Changes to clients' programmes of support agreed with them, of the engagements the
    caller may see."""

    model = ProgrammeChange
    serializer_class = ProgrammeChangeSerializer
    filterset_class = ProgrammeChangeFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["what_changed", "why", "engagement__client__name"]
    ordering_fields = ["effective_from", "created_at"]

    def get_queryset(self) -> Any:
        return (
            ProgrammeChange.objects.restrict(self.request.user, "view")
            .select_related("engagement")
            .order_by("-effective_from", "-pk")
        )

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = programme_change_record(
            acting_user=self.request.user, **serializer.validated_data
        )


def register(router: SimpleRouter) -> None:
    """Add the concerns and programme-changes resources to the API router."""
    router.register("concerns", ConcernViewSet, basename="concern")
    router.register("programme-changes", ProgrammeChangeViewSet, basename="programme-change")
