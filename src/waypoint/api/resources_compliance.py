"""API resource for compliance reports (000 req 7).

``/api/v1/compliance-reports/``: list (filter by category, status, engagement, client; search;
pagination), retrieve, create (report an infringement) and ``PATCH`` to move one on (status,
outcome, lessons, who it was reported to and when), through the same services and policies as
the pages.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from rest_framework import mixins, serializers
from rest_framework.routers import SimpleRouter

from waypoint.api.serializers import IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients.models import Client
from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for
from waypoint.delivery.models import Engagement
from waypoint.monitoring.models import ComplianceReport, Concern
from waypoint.monitoring.services import compliance as services

CREATE_FIELDS = (
    "organisation",
    "category",
    "what_happened",
    "occurred_on",
    "engagement",
    "client",
    "concern",
    "reported_to",
    "reported_on",
)


class ComplianceReportSerializer(serializers.ModelSerializer):
    organisation = IdField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Defaults to the engagement's organisation, or your only one.",
    )
    engagement = IdField(queryset=Engagement.objects.none(), required=False, allow_null=True)
    client = IdField(queryset=Client.objects.none(), required=False, allow_null=True)
    concern = IdField(queryset=Concern.objects.none(), required=False, allow_null=True)

    class Meta:
        model = ComplianceReport
        fields = [
            "id",
            *CREATE_FIELDS,
            "status",
            "outcome",
            "lessons",
            "reported_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reported_by", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            user = request.user
            allowed = policy_for(ComplianceReport).organisations_for_add(user)  # type: ignore[attr-defined]
            organisations = Organisation.objects.all()
            if allowed is not None:
                organisations = organisations.filter(pk__in=allowed)
            cast(IdField, fields["organisation"]).queryset = organisations
            cast(IdField, fields["engagement"]).queryset = Engagement.objects.restrict(user, "view")
            cast(IdField, fields["client"]).queryset = Client.objects.restrict(user, "view")
            cast(IdField, fields["concern"]).queryset = Concern.objects.restrict(user, "view")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            fixed = sorted(set(attrs) & (set(CREATE_FIELDS) - services.UPDATABLE))
            if fixed:
                raise serializers.ValidationError(
                    {name: ["This cannot be changed once reported."] for name in fixed}
                )
            return attrs
        if attrs.get("organisation") is None:
            if attrs.get("engagement") is not None:
                attrs["organisation"] = attrs["engagement"].organisation
            else:
                queryset: Any = cast(IdField, self.fields["organisation"]).queryset
                choices = list(queryset.all()[:2])
                if len(choices) != 1:
                    raise serializers.ValidationError(
                        {"organisation": ["Say which organisation the report is about."]}
                    )
                attrs["organisation"] = choices[0]
        if "status" in attrs or "outcome" in attrs or "lessons" in attrs:
            raise serializers.ValidationError(
                {"status": ["A new report is open; move it on with PATCH afterwards."]}
            )
        return attrs


class ComplianceReportFilterSet(django_filters.FilterSet):
    class Meta:
        model = ComplianceReport
        fields = ["category", "status", "engagement", "client", "organisation"]


class ComplianceReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """Compliance reports of the caller's organisations (managers) or made by the caller."""

    model = ComplianceReport
    serializer_class = ComplianceReportSerializer
    filterset_class = ComplianceReportFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ["what_happened", "reported_to", "client__name"]
    ordering_fields = ["occurred_on", "reported_on", "created_at"]

    def get_queryset(self) -> Any:
        return ComplianceReport.objects.restrict(self.request.user, "view").order_by(
            "-occurred_on", "-pk"
        )

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.compliance_report(
            acting_user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.compliance_update(
            report=serializer.instance,
            acting_user=self.request.user,
            **serializer.validated_data,
        )


def register(router: SimpleRouter) -> None:
    """Add the compliance resources to the API router."""
    router.register("compliance-reports", ComplianceReportViewSet, basename="compliance-report")
