"""API resources for programmes, services and engagements, on the pages' policies and services.

- ``/api/v1/programmes/``: list, retrieve, create and update (the owner's managers);
- ``/api/v1/services/``: the service directory, the same way (managers);
- ``/api/v1/engagements/``: list (filter, search, order), retrieve, open (create), change the
  lead adviser or the other advisers (update), and ``POST {id}/move/`` through the lifecycle.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.exceptions import PermissionDenied
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients.models import Client
from waypoint.clients.selectors import clients_for
from waypoint.core.models import Organisation, User
from waypoint.core.permissions import policy_for
from waypoint.delivery import selectors
from waypoint.delivery.models import (
    EligibilityCondition,
    Engagement,
    Programme,
    ProgrammeBudget,
    ReviewDepth,
    ReviewUnit,
    Service,
)
from waypoint.delivery.services import engagements as engagement_services
from waypoint.delivery.services import programmes as programme_services

# Serializers -----------------------------------------------------------------------------------


def _request_user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _is_update(serializer: serializers.Serializer) -> bool:
    return serializer.instance is not None and not isinstance(serializer.instance, list)


class ConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityCondition
        fields = ["id", "text", "position"]
        read_only_fields = fields


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeBudget
        fields = ["id", "period", "amount"]
        read_only_fields = fields


def _inline_choices(choices: Any, enum_id: str) -> type[serializers.ChoiceField]:
    """A choice field with its own enum in the schema: the agreement's review unit and depth
    take the same choices under other names, which drf-spectacular would warn about."""

    @extend_schema_field(
        {"type": "string", "enum": list(choices.values), "x-spec-enum-id": enum_id}
    )
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField


ReviewUnitField = _inline_choices(ReviewUnit, "programme-default-review-unit")
ReviewDepthField = _inline_choices(ReviewDepth, "programme-default-review-depth")


class ProgrammeSerializer(serializers.ModelSerializer):
    organisation = IdField(queryset=Organisation.objects.none())
    default_review_unit = ReviewUnitField(choices=ReviewUnit.choices, required=False)
    default_review_depth = ReviewDepthField(choices=ReviewDepth.choices, required=False)
    delivering_organisations = IdField(
        many=True, queryset=Organisation.objects.filter(is_active=True), required=False
    )
    eligibility_conditions = ConditionSerializer(many=True, read_only=True)
    budgets = BudgetSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "organisation",
            "name",
            "code",
            "description",
            "funding_source",
            "priorities",
            "delivering_organisations",
            "default_review_every",
            "default_review_unit",
            "default_review_depth",
            "start_date",
            "end_date",
            "is_active",
            "eligibility_conditions",
            "budgets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []  # the service validates (it names the field at fault)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        organisation = cast(IdField, fields["organisation"])
        user = _request_user(self)
        if user is not None:
            allowed = policy_for(Programme).organisations_for_add(user)  # type: ignore[attr-defined]
            owners = Organisation.objects.filter(is_active=True)
            organisation.queryset = owners if allowed is None else owners.filter(pk__in=allowed)
        if _is_update(self):
            organisation.read_only = True
        return fields


class ServiceSerializer(serializers.ModelSerializer):
    organisation = IdField(queryset=Organisation.objects.none())

    class Meta:
        model = Service
        fields = [
            "id",
            "organisation",
            "kind",
            "name",
            "provider_name",
            "offer",
            "audience",
            "cost",
            "contact_name",
            "email",
            "phone",
            "website",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        organisation = cast(IdField, fields["organisation"])
        if not _is_update(self):
            fields["is_active"].read_only = True  # a new service is active
        user = _request_user(self)
        if user is not None:
            allowed = policy_for(Service).organisations_for_add(user)  # type: ignore[attr-defined]
            owners = Organisation.objects.filter(is_active=True)
            organisation.queryset = owners if allowed is None else owners.filter(pk__in=allowed)
        if _is_update(self):
            organisation.read_only = True
        return fields


class EngagementSerializer(serializers.ModelSerializer):
    client = IdField(queryset=Client.objects.none())
    programme = IdField(queryset=Programme.objects.none())
    lead_adviser = IdField(queryset=User.objects.filter(is_active=True))
    advisers = IdField(many=True, queryset=User.objects.filter(is_active=True), required=False)
    client_name = serializers.CharField(source="client.name", read_only=True)
    first_contact_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_contact_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "organisation",
            "client",
            "client_name",
            "programme",
            "lead_adviser",
            "advisers",
            "status",
            "end_reason",
            "enquiry_date",
            "eligibility_checked_on",
            "closed_on",
            "first_contact_at",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "organisation",
            "status",
            "end_reason",
            "eligibility_checked_on",
            "closed_on",
            "created_at",
            "updated_at",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        user = _request_user(self)
        if user is not None:
            cast(IdField, fields["client"]).queryset = clients_for(user=user)
            cast(IdField, fields["programme"]).queryset = selectors.programmes_for(user=user)
        if _is_update(self):
            for name in ("client", "programme", "enquiry_date"):
                fields[name].read_only = True
        return fields


class MoveSerializer(serializers.Serializer):
    # Nothing moves back to an enquiry; the narrower set also gives the schema its own enum.
    to_status = serializers.ChoiceField(
        choices=[c for c in Engagement.Status.choices if c[0] != Engagement.Status.ENQUIRY]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    end_reason = serializers.ChoiceField(
        choices=Engagement.EndReason.choices, required=False, allow_blank=True, default=""
    )


class AnswerSerializer(serializers.Serializer):
    condition = serializers.IntegerField(min_value=1)
    met = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class EligibilitySerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True)

    def validate_answers(self, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        conditions = [a["condition"] for a in answers]
        if len(set(conditions)) != len(conditions):
            raise serializers.ValidationError("Answer each condition once.")
        return answers


# Filters ---------------------------------------------------------------------------------------


def _visible_programmes(request: Any) -> Any:
    if request is None:
        return Programme.objects.none()
    return selectors.programmes_for(user=request.user)


def _visible_advisers(request: Any) -> Any:
    if request is None:
        return User.objects.none()
    return selectors.advisers_visible_to(user=request.user)


def _programme_owners(request: Any) -> Any:
    if request is None:
        return Organisation.objects.none()
    visible = selectors.programmes_for(user=request.user)
    return Organisation.objects.filter(pk__in=visible.values("organisation_id"))


class ProgrammeFilterSet(django_filters.FilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=_programme_owners)

    class Meta:
        model = Programme
        fields = ["organisation", "is_active"]


class ServiceFilterSet(django_filters.FilterSet):
    class Meta:
        model = Service
        fields = ["kind", "is_active"]


def _delivering_organisations(request: Any) -> Any:
    """Organisations delivering engagements the caller may see (a commissioner's providers)."""
    if request is None:
        return Organisation.objects.none()
    visible = Engagement.objects.restrict(request.user, "view")
    return Organisation.objects.filter(pk__in=visible.values("organisation_id"))


def _visible_clients(request: Any) -> Any:
    if request is None:
        return Client.objects.none()
    return clients_for(user=request.user)


class EngagementFilterSet(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=_visible_clients)
    programme = django_filters.ModelChoiceFilter(queryset=_visible_programmes)
    organisation = django_filters.ModelChoiceFilter(queryset=_delivering_organisations)
    lead_adviser = django_filters.ModelChoiceFilter(queryset=_visible_advisers)

    class Meta:
        model = Engagement
        fields = ["status", "programme", "organisation", "lead_adviser", "client"]


# Viewsets --------------------------------------------------------------------------------------


class ProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """Programmes the caller's organisation owns or delivers; the owner's managers change them."""

    model = Programme
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["name", "start_date", "created_at"]

    def get_queryset(self) -> Any:
        return (
            selectors.programmes_for(user=self.request.user)
            .prefetch_related("delivering_organisations", "eligibility_conditions", "budgets")
            .order_by("name", "pk")
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        delivering = data.pop("delivering_organisations", [])
        serializer.instance = programme_services.programme_create(
            organisation=organisation,
            delivering_organisations=delivering,
            acting_user=self.request.user,
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        delivering = data.pop("delivering_organisations", None)
        serializer.instance = programme_services.programme_update(
            programme=serializer.instance,
            delivering_organisations=delivering,
            acting_user=self.request.user,
            **data,
        )


class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """The service and referral directory of the caller's organisations."""

    model = Service
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    search_fields = ["name", "offer", "provider_name", "audience"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.services_for(user=self.request.user).order_by("name", "pk")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        serializer.instance = programme_services.service_create(
            organisation=organisation, acting_user=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        active = data.pop("is_active", None)
        with transaction.atomic():
            service = programme_services.service_update(
                service=serializer.instance, acting_user=self.request.user, **data
            )
            if active is not None:
                service = programme_services.service_set_active(
                    service=service, active=active, acting_user=self.request.user
                )
        serializer.instance = service


class EngagementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """Engagements the caller may see: advisers their own, managers their organisation's,
    commissioners' contract managers those on their programmes (read-only)."""

    model = Engagement
    serializer_class = EngagementSerializer
    filterset_class = EngagementFilterSet
    search_fields = ["client__name"]
    ordering_fields = ["enquiry_date", "status", "client__name", "created_at"]

    def get_queryset(self) -> Any:
        return (
            selectors.engagements_for(user=self.request.user)
            .prefetch_related("advisers")
            .order_by("-enquiry_date", "-pk")
        )

    def _fresh(self, pk: int) -> Engagement:
        return selectors.engagements_for(user=self.request.user).get(pk=pk)

    def get_object(self) -> Any:
        """The policy's 404/403, then the record with its derived contact dates."""
        return self._fresh(super().get_object().pk)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        client = data["client"]
        engagement = engagement_services.engagement_open(
            client=client,
            programme=data["programme"],
            organisation=client.organisation,
            lead_adviser=data["lead_adviser"],
            enquiry_date=data["enquiry_date"],
            acting_user=self.request.user,
        )
        if data.get("advisers"):
            engagement_services.engagement_assign_advisers(
                engagement=engagement, advisers=data["advisers"], acting_user=self.request.user
            )
        serializer.instance = self._fresh(engagement.pk)

    def perform_update(self, serializer: Any) -> None:
        engagement = serializer.instance
        data = serializer.validated_data
        if "lead_adviser" in data:
            engagement_services.engagement_change_lead(
                engagement=engagement,
                lead_adviser=data["lead_adviser"],
                acting_user=self.request.user,
            )
        if "advisers" in data:
            engagement_services.engagement_assign_advisers(
                engagement=engagement, advisers=data["advisers"], acting_user=self.request.user
            )
        serializer.instance = self._fresh(engagement.pk)

    @extend_schema(
        request=MoveSerializer,
        responses={
            200: EngagementSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="The lifecycle does not allow it."),
        },
        summary="Move the engagement through its lifecycle",
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        engagement = self.get_object()
        if not policy_for(Engagement).allows(request.user, "change", engagement):
            raise PermissionDenied("Your role does not let you move this engagement.")
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        engagement_services.engagement_move(
            engagement=engagement,
            to_status=data["to_status"],
            reason=data["reason"],
            end_reason=data["end_reason"] or None,
            acting_user=request.user,
        )
        return Response(
            EngagementSerializer(self._fresh(engagement.pk), context={"request": request}).data
        )

    @extend_schema(
        request=EligibilitySerializer,
        responses={
            200: EngagementSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="Not every condition answered."),
        },
        summary="Record the eligibility check (all met: eligible; any not met: closed)",
    )
    @action(detail=True, methods=["post"])
    def eligibility(self, request: Request, pk: str | None = None) -> Response:
        engagement = self.get_object()
        if not policy_for(Engagement).allows(request.user, "change", engagement):
            raise PermissionDenied("Your role does not let you check this engagement.")
        serializer = EligibilitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = {
            a["condition"]: (a["met"], a["note"]) for a in serializer.validated_data["answers"]
        }
        engagement_services.eligibility_check(
            engagement=engagement, answers=answers, acting_user=request.user
        )
        return Response(
            EngagementSerializer(self._fresh(engagement.pk), context={"request": request}).data
        )


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("services", ServiceViewSet, basename="service")
    router.register("engagements", EngagementViewSet, basename="engagement")
