"""API resource for outcomes and impact (000 req 4: the effect of the support on a client's
business).

``/api/v1/outcomes/``: outcome values of the engagements the caller may see (filter by
engagement, measure, follow-up, or baselines only), retrieve, and create: without a follow-up
the value is the client's baseline for that measure (one per measure); with one, it is the
figure at that follow-up (with attribution, deadweight and displacement), and the follow-up is
marked completed. ``GET /api/v1/outcomes/impact/?engagement=<id>`` gives, per measure, the
baseline, the latest follow-up figure, the gross change and the net additional impact.
Through the same selectors, services and policies as the pages.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.core.viewkit import get_object_for
from waypoint.delivery.models import Engagement
from waypoint.monitoring.models import OutcomeFollowUp, OutcomeMeasure, OutcomeValue
from waypoint.monitoring.selectors_outcomes import impact_for
from waypoint.monitoring.services import outcomes as services


def _restricted(model: Any, request: Any, action: str = "view") -> Any:
    if request is None:
        return model.objects.none()
    return model.objects.restrict(request.user, action)


class OutcomeValueSerializer(serializers.ModelSerializer):
    engagement = IdField(queryset=Engagement.objects.none())
    measure = IdField(queryset=OutcomeMeasure.objects.none())
    follow_up = IdField(
        queryset=OutcomeFollowUp.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Empty for the baseline; the follow-up the figure was taken at otherwise.",
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="The figure; 1 for yes and 0 for no on yes/no measures.",
    )
    recorded_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The date of the figures (today if not given).",
    )

    class Meta:
        model = OutcomeValue
        fields = [
            "id",
            "engagement",
            "measure",
            "follow_up",
            "value",
            "recorded_on",
            "evidence",
            "attribution",
            "deadweight",
            "displacement",
            "notes",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at", "updated_at"]
        validators: list[Any] = []  # one baseline per measure: the service says so, by name

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _restricted(Engagement, request, "change")
        cast(IdField, fields["measure"]).queryset = _restricted(OutcomeMeasure, request)
        cast(IdField, fields["follow_up"]).queryset = _restricted(
            OutcomeFollowUp, request, "change"
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        follow_up = attrs.get("follow_up")
        if follow_up is not None and follow_up.engagement_id != attrs["engagement"].pk:
            raise serializers.ValidationError(
                {"follow_up": "This follow-up belongs to another engagement."}
            )
        return attrs


class OutcomeValueFilterSet(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    measure = django_filters.NumberFilter(field_name="measure_id")
    follow_up = django_filters.NumberFilter(field_name="follow_up_id")
    baseline = django_filters.BooleanFilter(
        field_name="follow_up", lookup_expr="isnull", label="Baselines only (true) or not"
    )

    class Meta:
        model = OutcomeValue
        fields = ["engagement", "measure", "follow_up", "baseline", "evidence"]


IMPACT_SCHEMA = inline_serializer(
    name="MeasureImpact",
    many=True,
    fields={
        "measure": serializers.IntegerField(),
        "key": serializers.CharField(),
        "name": serializers.CharField(),
        "kind": serializers.CharField(),
        "unit": serializers.CharField(),
        "baseline": serializers.CharField(allow_null=True),
        "latest": serializers.CharField(allow_null=True),
        "latest_follow_up": serializers.IntegerField(allow_null=True),
        "latest_recorded_on": serializers.DateField(allow_null=True),
        "attribution": serializers.IntegerField(allow_null=True),
        "deadweight": serializers.IntegerField(allow_null=True),
        "displacement": serializers.IntegerField(allow_null=True),
        "gross": serializers.CharField(allow_null=True),
        "net": serializers.CharField(allow_null=True),
        "explanation": serializers.CharField(),
    },
)


class OutcomeValueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Outcome figures of the engagements the caller may see: baselines and follow-ups."""

    model = OutcomeValue
    serializer_class = OutcomeValueSerializer
    filterset_class = OutcomeValueFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["measure__name", "engagement__client__name"]
    ordering_fields = ["recorded_on", "created_at"]

    def get_queryset(self) -> Any:
        return (
            OutcomeValue.objects.restrict(self.request.user, "view")
            .select_related("measure", "follow_up")
            .order_by("engagement_id", "measure__position", "follow_up__due_on", "pk")
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        follow_up = data.pop("follow_up", None)
        if follow_up is None:
            serializer.instance = services.baseline_record(
                engagement=data["engagement"],
                measure=data["measure"],
                value=data["value"],
                evidence=data.get("evidence", ""),
                recorded_on=data.get("recorded_on"),
                notes=data.get("notes", ""),
                acting_user=self.request.user,
            )
            return
        item = {
            key: data[key]
            for key in ("measure", "value", "evidence", *services.SHARES, "notes")
            if key in data
        }
        rows = services.follow_up_record(
            follow_up=follow_up,
            values=[item],
            completed_on=data.get("recorded_on"),
            acting_user=self.request.user,
        )
        serializer.instance = rows[0]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "engagement", OpenApiTypes.INT, required=True, description="The engagement."
            )
        ],
        responses={200: IMPACT_SCHEMA, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    @action(detail=False, methods=["get"])
    def impact(self, request: Request) -> Response:
        """Per measure: baseline, latest follow-up figure, gross change and net additional
        impact (gross change x attribution x (1 - deadweight) x (1 - displacement))."""
        pk = request.query_params.get("engagement", "")
        if not pk.isdigit():
            raise APIValidationError({"engagement": ["Give the engagement's id."]})
        engagement: Engagement = get_object_for(request.user, Engagement, "view", pk=int(pk))
        return Response([row.as_dict() for row in impact_for(engagement)])


def register(router: SimpleRouter) -> None:
    """Add the outcomes resources to the API router."""
    router.register("outcomes", OutcomeValueViewSet, basename="outcome")
