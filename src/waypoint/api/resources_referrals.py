"""API resource for referrals (001 E5.07 2.2: direct clients to other services; 004 j).

``/api/v1/referrals/``: list (filter by engagement and status, search, pagination), retrieve,
create (suggested, or made when the client consents to sharing data with referral partners),
``POST {id}/status/`` to move a referral on and ``POST {id}/outcome/`` to record what came of
it, through the same selectors, services and policies as the pages.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.core.viewkit import get_object_for
from waypoint.delivery import selectors
from waypoint.delivery.models import Engagement, Referral, Service
from waypoint.delivery.services import referrals as services

CREATE_STATUSES = (Referral.Status.SUGGESTED, Referral.Status.MADE)


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


class ReferralSerializer(serializers.ModelSerializer):
    engagement = IdField(queryset=Engagement.objects.none())
    service = IdField(queryset=Service.objects.none(), required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=Referral.Status.choices,
        default=Referral.Status.SUGGESTED,
        help_text="On creation: suggested (the default) or made. Afterwards, use the status "
        "action.",
    )
    referred_to = serializers.CharField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "engagement",
            "service",
            "specialist_name",
            "specialist_contact",
            "referred_to",
            "reason",
            "needs_data_sharing",
            "status",
            "made_on",
            "follow_up_on",
            "outcome",
            "usefulness_client",
            "usefulness_adviser",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "outcome",
            "usefulness_client",
            "usefulness_adviser",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _engagements(request, "change")
        if request is not None:
            cast(IdField, fields["service"]).queryset = Service.objects.restrict(
                request.user, "view"
            )
        return fields

    def validate_status(self, value: str) -> str:
        if value not in CREATE_STATUSES:
            raise serializers.ValidationError(
                "A new referral is suggested or made; move it on with the status action."
            )
        return value


class ReferralStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(allow_blank=True)
    usefulness_client = serializers.ChoiceField(
        choices=Referral.Usefulness.choices, required=False, allow_blank=True, default=""
    )
    usefulness_adviser = serializers.ChoiceField(
        choices=Referral.Usefulness.choices, required=False, allow_blank=True, default=""
    )
    follow_up_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)
    follow_up_before = django_filters.DateFilter(field_name="follow_up_on", lookup_expr="lt")

    class Meta:
        model = Referral
        fields = ["engagement", "status", "needs_data_sharing"]


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Referrals of the engagements the caller may see."""

    model = Referral
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["reason", "specialist_name", "service__name", "engagement__client__name"]
    ordering_fields = ["created_at", "made_on", "follow_up_on"]

    def get_queryset(self) -> Any:
        return selectors.referrals_for(user=self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        create = (
            services.referral_make
            if data.pop("status") == Referral.Status.MADE
            else services.referral_suggest
        )
        serializer.instance = create(acting_user=self.request.user, **data)

    def _object_to_change(self) -> Referral:
        referral: Referral = get_object_for(
            self.request.user, Referral, "change", pk=self.kwargs["pk"]
        )
        return referral

    @extend_schema(
        request=ReferralStatusSerializer, responses={200: ReferralSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: Any = None) -> Response:
        """Move the referral on: suggested → made or declined; made → accepted, declined or
        no response; accepted → attended, declined or no response."""
        referral = self._object_to_change()
        data = ReferralStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_update_status(
            referral=referral, acting_user=request.user, **data.validated_data
        )
        return Response(self.get_serializer(referral).data)

    @extend_schema(
        request=ReferralOutcomeSerializer, responses={200: ReferralSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: Any = None) -> Response:
        """Record what came of the referral and how useful it was, by both accounts."""
        referral = self._object_to_change()
        data = ReferralOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_record_outcome(
            referral=referral, acting_user=request.user, **data.validated_data
        )
        return Response(self.get_serializer(referral).data)


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("referrals", ReferralViewSet, basename="referral")
