"""API resources for diagnostic templates and diagnostics (001 E5.08 1.1, 2.1, 2.2, 3.1).

``/api/v1/diagnostic-templates/``: list (filter by kind, key, active, organisation, standard),
retrieve (with the full ``definition``), create (an organisation's administrators:
``{"organisation": id, "definition": {...}}``; a problem with the definition is reported under
``definition``, each message naming where it is, e.g. ``sections[0].items[1].scale: ...``),
``POST {id}/retire/`` and ``POST {id}/reactivate/``. A saved version never changes: there is no
update or delete (405); a change is a new version (create with the same key and the next
version).

``/api/v1/diagnostics/``: list (filter by engagement, client, status, template and template_key),
retrieve (answers, results, findings, and what changed since the client's previous diagnostic of
the same template), create (``{"engagement", "template"}``, optionally with ``answers`` and
``summary`` saved as a draft in the same transaction), ``PATCH`` a draft's answers and summary,
``POST {id}/complete/``, ``DELETE`` a draft, ``POST {id}/findings/`` (on a completed diagnostic)
and ``POST {id}/findings/{finding_id}/goal/``, which turns a finding into a SMART goal of the
engagement's action plan (starting the plan when there is none) and answers with the goal.

Answer errors are reported by item key: ``{"errors": {"answers": {"<item key>": "message"}}}``.
A completed diagnostic is kept as it was: changing or deleting it answers 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings

from waypoint.api.resources_action_plans import GoalSerializer
from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients.models import Client
from waypoint.core.models import Organisation
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.core.viewkit import get_object_for
from waypoint.delivery import selectors_diagnostics as selectors
from waypoint.delivery.models import Diagnostic, DiagnosticTemplate, Engagement, Finding, Goal
from waypoint.delivery.services import action_plans
from waypoint.delivery.services import diagnostics as services

# Errors of a diagnostic's own fields; every other key a service reports is an item's key.
_FIELD_ERRORS = {"completed_on", "summary", "template", "engagement", NON_FIELD_ERRORS}


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


def _clients(request: Any) -> Any:
    if request is None:
        return Client.objects.none()
    return Client.objects.restrict(request.user, "view")


def _organisations(request: Any) -> Any:
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user, "view")


def _templates(request: Any) -> Any:
    if request is None:
        return DiagnosticTemplate.objects.none()
    return DiagnosticTemplate.objects.restrict(request.user, "view")


def _answer_errors(
    error: DjangoValidationError,
) -> DjangoValidationError | serializers.ValidationError:
    """A service's answer errors (keyed by item key) gathered under ``answers``; errors of the
    diagnostic's own fields stay where they are."""
    if not hasattr(error, "error_dict"):
        return error
    messages = error.message_dict
    answers: dict[str, str] = {}
    rest: dict[str, Any] = {}
    for key, texts in messages.items():
        if key in _FIELD_ERRORS:
            name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key
            rest[name] = texts
        elif key == "answers":
            answers[api_settings.NON_FIELD_ERRORS_KEY] = " ".join(texts)
        else:
            answers[key] = " ".join(texts)
    if not answers:
        return error
    return serializers.ValidationError({**rest, "answers": answers})


def _with_answer_errors(call: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        raise _answer_errors(error) from None


def _listed(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A choice in a list's rows, as text naming its values. The detail component has the
    enum: one enum in both components would get a hashed name in the OpenAPI document
    (``kind`` and ``status`` are the names of other choice sets too)."""
    values = ", ".join(value for value, _ in choices)
    return serializers.CharField(help_text=f"One of: {values}.", **kwargs)


# Templates -------------------------------------------------------------------------------------


class DiagnosticTemplateSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(
        source="organisation_id", read_only=True, allow_null=True, help_text="Empty: standard."
    )
    is_standard = serializers.BooleanField(read_only=True)
    kind: serializers.Field = _listed(DiagnosticTemplate.Kind.choices, read_only=True)

    class Meta:
        model = DiagnosticTemplate
        fields = [
            "id",
            "organisation",
            "is_standard",
            "key",
            "version",
            "name",
            "kind",
            "audience",
            "description",
            "is_active",
            "source",
            "checksum",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DiagnosticTemplateDetailSerializer(DiagnosticTemplateSerializer):
    kind = serializers.ChoiceField(choices=DiagnosticTemplate.Kind.choices, read_only=True)
    definition = serializers.JSONField(read_only=True)

    class Meta(DiagnosticTemplateSerializer.Meta):
        fields = [*DiagnosticTemplateSerializer.Meta.fields, "definition"]
        read_only_fields = fields


class DiagnosticTemplateCreateSerializer(serializers.Serializer):
    organisation = IdField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="The organisation whose template it is; may be left out by an administrator "
        "of a single organisation.",
    )
    definition = serializers.JSONField(
        help_text="The template (see docs/diagnostic-templates.md): key, version, name, kind, "
        "audience, scales, sections with their items, ratios."
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        cast(IdField, fields["organisation"]).queryset = _organisations(self.context.get("request"))
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "organisation" not in attrs:
            user = self.context["request"].user
            policy = cast(OrganisationScopedPolicy, policy_for(DiagnosticTemplate))
            allowed = policy.organisations_for_add(user)
            if allowed is None or len(allowed) != 1:
                raise serializers.ValidationError(
                    {"organisation": ["Say which organisation the template belongs to."]}
                )
            attrs["organisation"] = Organisation.objects.get(pk=next(iter(allowed)))
        return attrs


class DiagnosticTemplateFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="is_active")
    standard = django_filters.BooleanFilter(
        field_name="organisation", lookup_expr="isnull", label="Standard templates only"
    )
    organisation = django_filters.ModelChoiceFilter(queryset=_organisations)

    class Meta:
        model = DiagnosticTemplate
        fields = ["kind", "key", "audience", "active", "standard", "organisation"]


class DiagnosticTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """Standard diagnostic templates and the caller's organisations' own. Versions never
    change; administrators add new ones and retire or reactivate their organisation's."""

    model = DiagnosticTemplate
    serializer_class = DiagnosticTemplateSerializer
    filterset_class = DiagnosticTemplateFilterSet
    search_fields = ["name", "key", "description"]
    ordering_fields = ["name", "key", "version", "created_at"]

    def get_queryset(self) -> Any:
        return _templates(self.request).order_by("name", "-version", "pk")

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return DiagnosticTemplateSerializer
        return DiagnosticTemplateDetailSerializer

    @extend_schema(
        request=DiagnosticTemplateCreateSerializer,
        responses={201: DiagnosticTemplateDetailSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Add an organisation's template, or the next version of one (which retires the
        previous version)."""
        data = DiagnosticTemplateCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        template = services.template_create(acting_user=request.user, **data.validated_data)
        return Response(
            DiagnosticTemplateDetailSerializer(template).data, status=status.HTTP_201_CREATED
        )

    def _set_active(self, request: Request, active: bool) -> Response:
        template = get_object_for(request.user, DiagnosticTemplate, "change", pk=self.kwargs["pk"])
        template = services.template_set_active(
            template=template, active=active, acting_user=request.user
        )
        return Response(DiagnosticTemplateDetailSerializer(template).data)

    @extend_schema(
        request=None, responses={200: DiagnosticTemplateDetailSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: Any = None) -> Response:
        """Retire the template: no new diagnostics with it (those that used it keep it)."""
        return self._set_active(request, False)

    @extend_schema(
        request=None, responses={200: DiagnosticTemplateDetailSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: Any = None) -> Response:
        """Offer a retired template again."""
        return self._set_active(request, True)


# Diagnostics -----------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "text", "item_key", "priority", "goal", "position", "created_at"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    before = serializers.CharField()
    after = serializers.CharField()
    direction = serializers.ChoiceField(choices=["better", "worse", "changed", "new", "gone"])


class PreviousSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    completed_on = serializers.DateField()


class SuggestionSerializer(serializers.Serializer):
    item_key = serializers.CharField()
    text = serializers.CharField()


class DiagnosticSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="engagement.client_id", read_only=True)
    template_key = serializers.CharField(source="template.key", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    template_kind = serializers.CharField(source="template.kind", read_only=True)
    status: serializers.Field = _listed(Diagnostic.Status.choices, read_only=True)

    class Meta:
        model = Diagnostic
        fields = [
            "id",
            "engagement",
            "client",
            "template",
            "template_key",
            "template_version",
            "template_name",
            "template_kind",
            "status",
            "summary",
            "completed_on",
            "completed_by",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DiagnosticDetailSerializer(DiagnosticSerializer):
    """One diagnostic with its answers, results and findings, and what changed since the
    client's previous diagnostic of the same template (items matched by key)."""

    status = serializers.ChoiceField(choices=Diagnostic.Status.choices, read_only=True)
    answers = serializers.JSONField(read_only=True)
    results = serializers.JSONField(read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    suggested_findings = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()
    changes_since_previous = serializers.SerializerMethodField()

    class Meta(DiagnosticSerializer.Meta):
        fields = [
            *DiagnosticSerializer.Meta.fields,
            "answers",
            "results",
            "findings",
            "suggested_findings",
            "previous",
            "changes_since_previous",
        ]
        read_only_fields = fields

    def _changes(self, diagnostic: Diagnostic) -> tuple[Diagnostic | None, list[Any]]:
        cache = self.context.setdefault("_changes", {})
        if diagnostic.pk not in cache:
            request = self.context.get("request")
            user = request.user if request is not None else None
            cache[diagnostic.pk] = selectors.changes_from_previous(diagnostic=diagnostic, user=user)
        return cast(tuple[Diagnostic | None, list[Any]], cache[diagnostic.pk])

    @extend_schema_field(PreviousSerializer(allow_null=True))
    def get_previous(self, diagnostic: Diagnostic) -> dict[str, Any] | None:
        previous, _ = self._changes(diagnostic)
        if previous is None:
            return None
        return {"id": previous.pk, "completed_on": previous.completed_on}

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes_since_previous(self, diagnostic: Diagnostic) -> list[dict[str, str]]:
        _, changes = self._changes(diagnostic)
        return [
            {
                "label": change.label,
                "before": change.before,
                "after": change.after,
                "direction": change.direction,
            }
            for change in changes
        ]

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggested_findings(self, diagnostic: Diagnostic) -> list[dict[str, str]]:
        if not diagnostic.is_completed:
            return []
        return [
            {"item_key": key, "text": text}
            for key, text in selectors.finding_suggestions(diagnostic)
        ]


class DiagnosticCreateSerializer(serializers.Serializer):
    engagement = IdField(queryset=Engagement.objects.none())
    template = IdField(queryset=DiagnosticTemplate.objects.none())
    answers = serializers.JSONField(
        required=False, help_text="Answers by item key, saved as a draft (nothing required yet)."
    )
    summary = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _engagements(request, "change")
        cast(IdField, fields["template"]).queryset = _templates(request)
        return fields


class DiagnosticSaveSerializer(serializers.Serializer):
    answers = serializers.JSONField(
        required=False,
        help_text="Answers by item key; they replace the earlier ones. Left out: kept.",
    )
    summary = serializers.CharField(required=False, allow_blank=True)


class DiagnosticCompleteSerializer(DiagnosticSaveSerializer):
    completed_on = serializers.DateField(
        required=False, help_text="When it was carried out (today when left out)."
    )


class FindingWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["text", "priority", "item_key"]


class FindingGoalSerializer(serializers.ModelSerializer):
    """A SMART goal from a finding: the statement and priority default to the finding's."""

    statement = serializers.CharField(required=False)

    class Meta:
        model = Goal
        fields = list(action_plans.NEW_GOAL_FIELDS)


class DiagnosticFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)
    client = django_filters.ModelChoiceFilter(field_name="engagement__client", queryset=_clients)
    template_key = django_filters.CharFilter(field_name="template__key")

    class Meta:
        model = Diagnostic
        fields = ["engagement", "client", "status", "template", "template_key"]


class DiagnosticViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Diagnostics of the engagements the caller may see."""

    model = Diagnostic
    serializer_class = DiagnosticSerializer
    filterset_class = DiagnosticFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["summary", "template__name", "engagement__client__name"]
    ordering_fields = ["completed_on", "created_at"]

    def get_queryset(self) -> Any:
        return (
            Diagnostic.objects.restrict(self.request.user, "view")
            .select_related("template", "engagement", "completed_by")
            .prefetch_related("findings")
            .order_by("status", "-completed_on", "-pk")
        )

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return DiagnosticSerializer
        return DiagnosticDetailSerializer

    def _to_change(self) -> Diagnostic:
        diagnostic: Diagnostic = get_object_for(
            self.request.user, Diagnostic, "change", pk=self.kwargs["pk"]
        )
        return diagnostic

    def _answer(self, diagnostic: Diagnostic, status_code: int = 200) -> Response:
        diagnostic = Diagnostic.objects.select_related("template", "engagement").get(
            pk=diagnostic.pk
        )
        return Response(
            DiagnosticDetailSerializer(diagnostic, context=self.get_serializer_context()).data,
            status=status_code,
        )

    @extend_schema(
        request=DiagnosticCreateSerializer,
        responses={201: DiagnosticDetailSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Start a diagnostic with the client (a draft), with any answers given so far."""
        data = DiagnosticCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        with transaction.atomic():
            diagnostic = services.diagnostic_start(
                engagement=fields["engagement"],
                template=fields["template"],
                acting_user=request.user,
            )
            if "answers" in fields or "summary" in fields:
                diagnostic = _with_answer_errors(
                    services.diagnostic_save,
                    diagnostic=diagnostic,
                    answers=fields.get("answers", {}),
                    summary=fields.get("summary"),
                    acting_user=request.user,
                )
        return self._answer(diagnostic, status.HTTP_201_CREATED)

    @extend_schema(
        request=DiagnosticSaveSerializer,
        responses={200: DiagnosticDetailSerializer, 400: ERROR_SCHEMA},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Save a draft's answers (they replace the earlier ones) and summary."""
        diagnostic = self._to_change()
        data = DiagnosticSaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        diagnostic = _with_answer_errors(
            services.diagnostic_save,
            diagnostic=diagnostic,
            answers=fields.get("answers", diagnostic.answers),
            summary=fields.get("summary"),
            acting_user=request.user,
        )
        return self._answer(diagnostic)

    @extend_schema(responses={204: None, 400: ERROR_SCHEMA})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        """Throw away a draft; a completed diagnostic is kept (400)."""
        services.diagnostic_discard(diagnostic=self._to_change(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=DiagnosticCompleteSerializer,
        responses={200: DiagnosticDetailSerializer, 400: ERROR_SCHEMA},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """Complete the diagnostic: every required item answered; dated (today unless
        ``completed_on`` says otherwise, never in the future) and attributed to the caller."""
        diagnostic = self._to_change()
        data = DiagnosticCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        diagnostic = _with_answer_errors(
            services.diagnostic_complete,
            diagnostic=diagnostic,
            acting_user=request.user,
            **data.validated_data,
        )
        return self._answer(diagnostic)

    @extend_schema(
        request=FindingWriteSerializer,
        responses={201: DiagnosticDetailSerializer, 400: ERROR_SCHEMA},
    )
    @action(detail=True, methods=["post"])
    def findings(self, request: Request, pk: Any = None) -> Response:
        """Record a finding of a completed diagnostic, with its priority."""
        diagnostic = self._to_change()
        data = FindingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.finding_add(diagnostic=diagnostic, acting_user=request.user, **data.validated_data)
        return self._answer(diagnostic, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("finding_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=FindingGoalSerializer,
        responses={201: GoalSerializer, 400: ERROR_SCHEMA},
    )
    @action(detail=True, methods=["post"], url_path=r"findings/(?P<finding_id>[0-9]+)/goal")
    def finding_goal(self, request: Request, pk: Any = None, finding_id: Any = None) -> Response:
        """Turn one of the diagnostic's findings into a SMART goal of the engagement's action
        plan (started when there is none); answers with the goal. All or nothing: a goal that
        is not SMART (no measure, target value, unit or deadline) changes nothing."""
        finding: Finding = get_object_for(
            request.user, Finding, "change", pk=finding_id, diagnostic_id=pk
        )
        data = FindingGoalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = services.finding_to_goal(
            finding=finding, acting_user=request.user, **data.validated_data
        )
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


def register(router: SimpleRouter) -> None:
    """Add the diagnostics resources to the API router."""
    router.register(
        "diagnostic-templates", DiagnosticTemplateViewSet, basename="diagnostic-template"
    )
    router.register("diagnostics", DiagnosticViewSet, basename="diagnostic")
