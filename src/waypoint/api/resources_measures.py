"""API resources for measures, their figures and targets, the improvement register and service
evaluations (issue 6 item 10; 000 reqs 2, 9, 10).

``/api/v1/measures/``: the measure library the caller may see (filter by category, source,
standard, active, organisation; search by name or code). A measure is addressed by its code
(``/api/v1/measures/clients_supported/``): the caller's organisation's own measure first, then
the standard one, as on the library's pages. Managers add their organisation's own measures
(``POST``), change them (``PATCH``; not the code), and ``POST {code}/retire/`` and
``{code}/reactivate/`` them; standard measures are never changed (403). Problems with a
definition are reported under ``definition``, each naming its place (``where.status: ...``).

``/api/v1/measures/{code}/values/?scope=organisation:12&period=2026/27``: the measure's figure
in a scope (``organisation``, ``programme``, ``team`` or ``adviser`` and its id) for one or more
periods (``period`` repeated, e.g. ``period=2026-10&period=2026-11``; or the last few:
``last=8&kind=month``; the current financial year when neither is given): its value,
numerator and denominator (for means, medians, rates, scores and ratios), how many records it
counts, the target with what is due of it to date (profiled targets), red/amber/green and the
variance. Read from the rollups, exactly as the dashboards; the same people may read them
(404 for a scope that is none of the caller's business, 403 for one they know of but whose
figures their role does not show).

``/api/v1/targets/``: targets of the scopes the caller may see (filter by measure code,
``scope``, ``scope_kind`` and ``period``); managers set (``POST``), change (``PATCH``: value,
amber margin, profile, notes) and delete them, through ``services.targets``.

``/api/v1/evaluations/``: service evaluations (list, retrieve; managers create, change a draft
and ``POST {id}/finalise/``), through ``services.evaluations``.
``/api/v1/improvements/``: the improvement register (list and retrieve); managers add
(``POST``) and change (``PATCH``) improvements, the owner changes theirs, and
``POST {id}/move/`` moves one through plan, do, check and act to closed (with what each stage
needs: the plan, the measure and periods before and after, what the check found, the
decision); ``DELETE`` only while still a plan (400 once under way), through
``services.improvements``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.core.roles import organisations_with_role
from waypoint.core.viewkit import get_object_for
from waypoint.delivery.models import Programme
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.describe import describe
from waypoint.measures.models import (
    Category,
    Evaluation,
    Improvement,
    Measure,
    ScopeKind,
    Target,
)
from waypoint.measures.selectors import counting_in, last_periods, parsed, values
from waypoint.measures.services import library as library_services
from waypoint.measures.services import targets as target_services
from waypoint.measures.views.library import measure_for_code
from waypoint.monitoring.models import Concern

D = decimal.Decimal
# At most this many periods in one request for figures (three years of months).
MAX_PERIODS = 36
SCOPE_HELP = (
    "Give the scope as kind:id, e.g. organisation:12; the kinds are organisation, programme, "
    "team and adviser."
)
PERIOD_HELP = (
    "Use 2026-11 (a month), 2026/27 Q3 (a financial quarter) or 2026/27 (a financial year)."
)
KIND_HELP = "Use month, quarter or financial_year."
PERIOD_KIND_CHOICES = [(kind.value, kind.value) for kind in dash.DASHBOARD_PERIODS]
# A measure's own fields: any other place a service names is a place in its definition.
MEASURE_FIELDS = {
    "organisation",
    "code",
    "name",
    "category",
    "unit",
    "direction",
    "definition",
    "description",
    "validity",
    "data_source",
    "is_active",
}


def _organisations(request: Any) -> Any:
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user, "view")


def _period(kind: str, start: dt.date) -> Period:
    return Period(start, PeriodKind(kind))


def read_scope(text: str | None, field: str = "scope") -> tuple[str, int]:
    """``"organisation:12"`` -> ("organisation", 12); a ValidationError naming ``field``."""
    kind, sep, ident = (text or "").strip().partition(":")
    if not text or not text.strip():
        raise serializers.ValidationError({field: [f"Give the scope. {SCOPE_HELP}"]})
    if not sep or kind not in ScopeKind.values or not (ident.isascii() and ident.isdigit()):
        raise serializers.ValidationError({field: [f"{text!r} is not a scope. {SCOPE_HELP}"]})
    return kind, int(ident)


def read_period(label: str, field: str = "period") -> Period:
    """A month, financial quarter or financial year from its label; ValidationError naming
    ``field`` otherwise."""
    try:
        period = Period.parse(label)
    except ValueError:
        raise serializers.ValidationError(
            {field: [f"{label!r} is not a period. {PERIOD_HELP}"]}
        ) from None
    if period.kind not in dash.DASHBOARD_PERIODS:
        raise serializers.ValidationError(
            {field: [f"{label!r} is a calendar period. {PERIOD_HELP}"]}
        )
    return period


def _scope_form_validator(value: str) -> None:
    try:
        read_scope(value)
    except serializers.ValidationError:
        raise DjangoValidationError(f"{value!r} is not a scope. {SCOPE_HELP}") from None


def _period_form_validator(value: str) -> None:
    try:
        read_period(value)
    except serializers.ValidationError:
        raise DjangoValidationError(
            f"{value!r} is not a month, financial quarter or financial year. {PERIOD_HELP}"
        ) from None


class _ScopeNames:
    """Scopes' names for a page of rows, each scope looked up once."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, int], str | None] = {}

    def name(self, kind: str, scope_id: int | None) -> str | None:
        if not kind or scope_id is None:
            return None
        key = (kind, scope_id)
        if key not in self.found:
            scope = dash.find_scope(kind, scope_id)
            self.found[key] = scope.name if scope is not None else None
        return self.found[key]


def _scope_name(serializer: serializers.Serializer, kind: str, scope_id: int | None) -> str | None:
    names = serializer.context.setdefault("scope_names", _ScopeNames())
    return cast(_ScopeNames, names).name(kind, scope_id)


def _listed(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A choice as text naming its values (``kind``, ``status`` and ``source`` are the names
    of other choice sets too: one enum name for two sets would be hashed in the schema)."""
    values_text = ", ".join(value for value, _ in choices)
    return serializers.CharField(help_text=f"One of: {values_text}.", **kwargs)


class _ScopedPeriodSerializer(serializers.ModelSerializer):
    """The scope and period of a target or an evaluation, as the API writes them."""

    scope = serializers.SerializerMethodField(help_text="kind:id, e.g. organisation:12.")
    scope_kind: serializers.Field = _listed(ScopeKind.choices, read_only=True)
    scope_name = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField(help_text="2026-11, 2026/27 Q3 or 2026/27.")
    period_kind: serializers.Field = _listed(PERIOD_KIND_CHOICES, read_only=True)

    def get_scope(self, row: Target | Evaluation) -> str:
        return f"{row.scope_kind}:{row.scope_id}"

    def get_scope_name(self, row: Target | Evaluation) -> str | None:
        return _scope_name(self, row.scope_kind, row.scope_id)

    def get_period(self, row: Target | Evaluation) -> str:
        return _period(row.period_kind, row.period_start).label


class _ScopedPeriodFilterSet(django_filters.FilterSet):
    """``scope=kind:id`` and ``period=<label>`` filters of targets and evaluations."""

    scope = django_filters.CharFilter(
        method="filter_scope",
        validators=[_scope_form_validator],
        help_text="kind:id, e.g. organisation:12.",
    )
    period = django_filters.CharFilter(
        method="filter_period",
        validators=[_period_form_validator],
        help_text="2026-11, 2026/27 Q3 or 2026/27.",
    )

    def filter_scope(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        kind, scope_id = read_scope(value)
        return queryset.filter(scope_kind=kind, scope_id=scope_id)

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        period = read_period(value)
        return queryset.filter(period_kind=period.kind.value, period_start=period.start)


class _DetailResponses:
    """A written row answered as its read serializer shows it, read again with what the
    serializer follows."""

    detail_serializer: type[serializers.Serializer]
    detail_related: tuple[str, ...] = ()

    def _detail(self, row: Any, status_code: int = status.HTTP_200_OK) -> Response:
        row = type(row).objects.select_related(*self.detail_related).get(pk=row.pk)
        context = cast(PolicyViewSet, self).get_serializer_context()
        return Response(self.detail_serializer(row, context=context).data, status=status_code)


def measure_used_by(user: Any, code: str, organisation_ids: Any, where: str) -> Measure:
    """The measure of this code that the organisations use: their own first (the lowest
    organisation id when several), then the standard one; a ValidationError naming
    ``measure`` when there is none (``where`` ends its message)."""
    found = list(
        Measure.objects.restrict(user, "view")
        .filter(code=code)
        .filter(Q(organisation__isnull=True) | Q(organisation_id__in=organisation_ids))
    )
    if not found:
        raise serializers.ValidationError({"measure": [f"No measure {code!r} {where}."]})
    found.sort(key=lambda m: (m.organisation_id is None, m.organisation_id or 0))
    return found[0]


# Measures --------------------------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(
        source="organisation_id",
        read_only=True,
        allow_null=True,
        help_text="Empty for a standard measure.",
    )
    is_standard = serializers.BooleanField(read_only=True)
    category: serializers.Field = _listed(Category.choices, read_only=True)
    unit: serializers.Field = _listed(Measure.Unit.choices, read_only=True)
    direction: serializers.Field = _listed(Measure.Direction.choices, read_only=True)
    definition = serializers.JSONField(read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "code",
            "name",
            "organisation",
            "is_standard",
            "category",
            "unit",
            "direction",
            "definition",
            "description",
            "validity",
            "data_source",
            "position",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasureDetailSerializer(MeasureSerializer):
    in_words = serializers.SerializerMethodField(help_text="What the definition counts, in words.")

    class Meta(MeasureSerializer.Meta):
        fields = [*MeasureSerializer.Meta.fields, "in_words"]
        read_only_fields = fields

    def get_in_words(self, measure: Measure) -> str:
        try:
            definition = defs.parse(measure.definition)
        except defs.DefinitionError:
            return "This definition cannot be read; ask a manager to correct it."
        names = dict(
            library_services.measures_for_ratio(measure.organisation_id).values_list("code", "name")
        )
        return describe(definition, names)


class MeasureWriteSerializer(serializers.Serializer):
    organisation = IdField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Whose measure it is; may be left out by a manager of a single organisation.",
    )
    code = serializers.CharField(max_length=60, help_text="Short and stable, e.g. phone_contacts.")
    name = serializers.CharField(max_length=200)
    # Choices as text (checked by the service, naming the field): their enums would clash
    # with other records' ``category`` and ``direction`` in the OpenAPI document.
    category = _listed(Category.choices)
    unit = _listed(Measure.Unit.choices)
    direction = _listed(Measure.Direction.choices)
    definition = serializers.JSONField(
        help_text='How it is computed from records, e.g. {"source": "contacts", "aggregate": '
        '"count", "where": {"mode": ["phone", "video"]}} (see docs/measures.md).'
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    validity = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why it is valid and useful."
    )
    data_source = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        cast(IdField, fields["organisation"]).queryset = _organisations(self.context.get("request"))
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "organisation" not in attrs:
            policy = cast(OrganisationScopedPolicy, policy_for(Measure))
            allowed = policy.organisations_for_add(self.context["request"].user)
            if allowed is None or len(allowed) != 1:
                raise serializers.ValidationError(
                    {"organisation": ["Say which organisation the measure belongs to."]}
                )
            attrs["organisation"] = Organisation.objects.get(pk=next(iter(allowed)))
        return attrs


class MeasureUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    category = _listed(Category.choices, required=False)
    unit = _listed(Measure.Unit.choices, required=False)
    direction = _listed(Measure.Direction.choices, required=False)
    definition = serializers.JSONField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    validity = serializers.CharField(required=False, allow_blank=True)
    data_source = serializers.CharField(required=False, allow_blank=True, max_length=300)


def _definition_errors(error: DjangoValidationError) -> Exception:
    """A service's problems with the definition's places gathered under ``definition``, each
    message naming its place; problems of the measure's own fields stay where they are."""
    if not hasattr(error, "error_dict"):
        return error
    found: dict[str, list[str]] = {}
    for place, messages in error.message_dict.items():
        if place in MEASURE_FIELDS or place == "__all__":
            found.setdefault(place, []).extend(messages)
        else:
            found.setdefault("definition", []).extend(f"{place}: {m}" for m in messages)
    if "__all__" in found:
        found["non_field_errors"] = found.pop("__all__")
    return serializers.ValidationError(found)


def _with_definition_errors(call: Callable[..., Measure], **kwargs: Any) -> Measure:
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        raise _definition_errors(error) from None


SOURCE_CHOICES = [
    *((key, source.label) for key, source in defs.SOURCES.items()),
    ("ratio", "A ratio of two measures"),
]


class MeasureFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    source = django_filters.ChoiceFilter(choices=SOURCE_CHOICES, method="filter_source")
    standard = django_filters.BooleanFilter(
        field_name="organisation", lookup_expr="isnull", label="Standard measures only"
    )
    active = django_filters.BooleanFilter(field_name="is_active")
    organisation = django_filters.ModelChoiceFilter(queryset=_organisations)

    class Meta:
        model = Measure
        fields = ["category", "source", "standard", "active", "organisation", "unit", "direction"]

    def filter_source(self, queryset: QuerySet[Measure], name: str, value: str) -> Any:
        if value == "ratio":
            return queryset.filter(definition__aggregate="ratio")
        return queryset.filter(definition__source=value)


# Figures ---------------------------------------------------------------------------------------


class ValueMeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    aggregate = serializers.CharField()


class ValueScopeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    counted_organisations = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="When the figures count only part of the scope's work (an adviser who also "
        "works for an organisation you do not manage), the organisations whose work they "
        "count; null when they count all of it.",
    )


def _decimal(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=4, **kwargs)


class ValueTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    value = _decimal(help_text="The target for the whole period.")
    due = _decimal(
        help_text="What is due of it to date: for counts and totals over a quarter or a year, "
        "by the target's cumulative profile (even when it has none); the whole target otherwise."
    )
    amber_within = _decimal(help_text="Amber within this per cent of the target.")
    profiled = serializers.BooleanField()


class ValueVarianceSerializer(serializers.Serializer):
    difference = _decimal(help_text="The value less what is due of the target.")
    percent = _decimal(allow_null=True, help_text="Of the target; empty for a target of 0.")


class PeriodValueSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="2026-11, 2026/27 Q3 or 2026/27.")
    period_kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The period's last day.")
    value = _decimal(allow_null=True, help_text="Empty when there is nothing to compute from.")
    numerator = _decimal(allow_null=True, help_text="For means, rates, scores and ratios.")
    denominator = _decimal(allow_null=True, help_text="For means, rates, scores and ratios.")
    records = serializers.IntegerField(help_text="How many records the figure counts.")
    target = ValueTargetSerializer(allow_null=True)
    rag = serializers.CharField(allow_null=True, help_text="green, amber, red; empty: no target.")
    rag_label = serializers.CharField()
    variance = ValueVarianceSerializer(allow_null=True)


class MeasureValuesSerializer(serializers.Serializer):
    measure = ValueMeasureSerializer()
    scope = ValueScopeSerializer()
    values = PeriodValueSerializer(many=True)


VALUES_PARAMETERS = [
    OpenApiParameter(
        "scope",
        OpenApiTypes.STR,
        required=True,
        description="kind:id, e.g. organisation:12 "
        "(kinds: organisation, programme, team, adviser).",
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        many=True,
        description="A month (2026-11), financial quarter (2026/27 Q3) or financial year "
        "(2026/27); repeat it for several. Without it (and without last): the current "
        "financial year.",
    ),
    OpenApiParameter(
        "last",
        OpenApiTypes.INT,
        description=f"The last N periods of ``kind``, up to the current one (1 to {MAX_PERIODS}).",
    ),
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        enum=[k.value for k in dash.DASHBOARD_PERIODS],
        description="With last (month unless given), or alone for the current period of a kind.",
    ),
]


def read_periods(query: Any, today: dt.date) -> list[Period]:
    """The periods a request for figures names; a ValidationError naming the parameter."""
    labels = [label for label in query.getlist("period") if label.strip()]
    last = query.get("last", "").strip()
    kind_text = query.get("kind", "").strip()
    if labels and last:
        raise serializers.ValidationError(
            {"last": ["Give either period (one or more) or last with kind, not both."]}
        )
    if labels and kind_text:
        raise serializers.ValidationError(
            {"kind": ["kind goes with last; leave it out when naming periods."]}
        )
    kind = PeriodKind.MONTH if last else PeriodKind.FINANCIAL_YEAR
    if kind_text:
        try:
            kind = PeriodKind(kind_text)
        except ValueError:
            kind = PeriodKind.CALENDAR_YEAR  # refused just below
        if kind not in dash.DASHBOARD_PERIODS:
            raise serializers.ValidationError(
                {"kind": [f"{kind_text!r} is not a kind of period here. {KIND_HELP}"]}
            )
    if last:
        if not (last.isascii() and last.isdigit()) or not 1 <= int(last) <= MAX_PERIODS:
            raise serializers.ValidationError(
                {"last": [f"Give a whole number of periods from 1 to {MAX_PERIODS}."]}
            )
        return last_periods(kind, int(last), today)
    if not labels:
        return [period_of(today, kind)]
    errors: list[str] = []
    found: list[Period] = []
    for label in labels:
        try:
            period = read_period(label)
        except serializers.ValidationError as error:
            errors.extend(cast(dict[str, list[str]], error.detail)["period"])
            continue
        if period not in found:
            found.append(period)
    if errors:
        raise serializers.ValidationError({"period": errors})
    if len(found) > MAX_PERIODS:
        raise serializers.ValidationError(
            {"period": [f"Ask for at most {MAX_PERIODS} periods at a time."]}
        )
    return found


def _measure_by_code(user: Any, scope: dash.DashboardScope, code: str) -> Measure | None:
    found = list(
        Measure.objects.restrict(user, "view")
        .filter(code=code)
        .filter(
            Q(organisation__isnull=True) | Q(organisation_id__in=scope.measure_organisation_ids)
        )
    )
    found.sort(key=lambda m: (m.organisation_id is None, m.organisation_id or 0))
    return found[0] if found else None


def measure_in_scope(user: Any, scope: dash.DashboardScope, code: str) -> Measure | None:
    """The measure with this code that counts in the scope (the scope's organisations' own
    first, then the standard one), retired or not; None when there is none, or when its
    records cannot count in such a scope (costs for an adviser, directly or in a ratio)."""
    measure = _measure_by_code(user, scope, code)
    if measure is None:
        return None
    definition = parsed(measure)
    parts = [definition.numerator_code, definition.denominator_code] if definition.is_ratio else []
    counted = [measure, *(m for part in parts if (m := _measure_by_code(user, scope, part)))]
    return measure if len(counting_in(counted, scope.kind)) == len(counted) else None


def figures_for(
    measure: Measure, scope: dash.DashboardScope, periods: Sequence[Period], today: dt.date
) -> dict[str, Any]:
    """The measure's figures in the scope for each period, with target, RAG and variance: the
    dashboards' reading (``selectors.values``, ``selectors_dashboards.targets_for``, ``rag``)."""
    definition = defs.parse(measure.definition)
    figures = values([measure], [scope.scope], periods)
    targets = dash.targets_for([measure], scope.scope, periods)
    rows = []
    for period in periods:
        figure = figures[(measure.pk, scope.scope, period)]
        target = targets.get((measure.pk, period))
        row: dict[str, Any] = {
            "period": period.label,
            "period_kind": period.kind.value,
            "start": period.start,
            "end": period.last_day,
            "value": figure.value,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "records": figure.records,
            "target": None,
            "rag": None,
            "rag_label": rag.label(None),
            "variance": None,
        }
        if target is not None:
            due = rag.target_to_date(
                target.value, period, definition.aggregate, target.profile or {}, today
            )
            colour = rag.rag(figure.value, due, measure.direction, target.amber_within)
            variance = rag.variance(figure.value, due)
            row["target"] = {
                "id": target.pk,
                "value": target.value,
                "due": due,
                "amber_within": target.amber_within,
                "profiled": target_services.is_profiled(measure, period),
            }
            row["rag"] = colour
            row["rag_label"] = rag.label(colour)
            if variance is not None:
                row["variance"] = {"difference": variance.difference, "percent": variance.percent}
        rows.append(row)
    return {
        "measure": {
            "code": measure.code,
            "name": measure.name,
            "unit": measure.unit,
            "direction": measure.direction,
            "aggregate": definition.aggregate,
        },
        "scope": {
            "kind": scope.kind,
            "id": scope.id,
            "name": scope.name,
            "counted_organisations": (
                sorted(scope.counted_organisation_ids or ()) if scope.counts_part else None
            ),
        },
        "values": rows,
    }


class MeasureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """The measure library: standard measures and the caller's organisations' own, by code."""

    model = Measure
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    search_fields = ["name", "code", "description"]
    ordering_fields = ["position", "name", "code", "created_at"]
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> Any:
        return (
            Measure.objects.restrict(self.request.user, "view")
            .select_related("organisation")
            .order_by("position", "name", "pk")
        )

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return MeasureSerializer
        return MeasureDetailSerializer

    def get_object(self) -> Any:
        action_name = "view" if self.request.method == "GET" else "change"
        return measure_for_code(self.request.user, self.kwargs["code"], action_name)

    @extend_schema(
        request=MeasureWriteSerializer,
        responses={201: MeasureDetailSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Add a measure of the caller's organisation (managers), from the same building
        blocks as the standard ones; its figures are computed once it is saved."""
        data = MeasureWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        measure = _with_definition_errors(
            library_services.measure_create, acting_user=request.user, **data.validated_data
        )
        return Response(self._detail(measure), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MeasureUpdateSerializer,
        responses={200: MeasureDetailSerializer, 400: ERROR_SCHEMA},
    )
    def partial_update(self, request: Request, code: str | None = None) -> Response:
        """Change the organisation's own measure (not its code). Standard measures are never
        changed (403): add one of your own instead."""
        measure = self.get_object()
        data = MeasureUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measure = _with_definition_errors(
            library_services.measure_update,
            measure=measure,
            acting_user=request.user,
            **data.validated_data,
        )
        return Response(self._detail(measure))

    def _detail(self, measure: Measure) -> Any:
        return MeasureDetailSerializer(measure, context=self.get_serializer_context()).data

    def _set_active(self, request: Request, code: str, active: bool) -> Response:
        measure = measure_for_code(request.user, code, "change")
        if active:
            measure = library_services.measure_reactivate(measure=measure, acting_user=request.user)
        else:
            measure = library_services.measure_retire(measure=measure, acting_user=request.user)
        return Response(self._detail(measure))

    @extend_schema(request=None, responses={200: MeasureDetailSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, code: str | None = None) -> Response:
        """Stop offering the measure for targets and dashboards; its history stays."""
        return self._set_active(request, str(code), False)

    @extend_schema(request=None, responses={200: MeasureDetailSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, code: str | None = None) -> Response:
        """Offer a retired measure again."""
        return self._set_active(request, str(code), True)

    @extend_schema(
        parameters=VALUES_PARAMETERS,
        responses={
            200: MeasureValuesSerializer,
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def values(self, request: Request, code: str | None = None) -> Response:
        """The measure's figures in a scope for one or more periods, against their targets."""
        measure_for_code(request.user, str(code))  # 404 for a code the caller cannot see
        today = timezone.localdate()
        kind, scope_id = read_scope(request.query_params.get("scope"))
        periods = read_periods(request.query_params, today)
        access, scope = dash.scope_access(request.user, kind, scope_id)
        if access is dash.Access.HIDDEN or scope is None:
            raise Http404("No such scope.")
        if access is dash.Access.FORBIDDEN:
            raise PermissionDenied("Your role does not show this scope's figures.")
        measure = measure_in_scope(request.user, scope, str(code))
        if measure is None:
            raise Http404(f"No measure {code!r} counts in {scope.title}.")
        return Response(MeasureValuesSerializer(figures_for(measure, scope, periods, today)).data)


# Targets ---------------------------------------------------------------------------------------


def targets_visible_to(user: Any) -> QuerySet[Target]:
    """Targets of the scopes the person sees targets of, as on the targets pages: a scope's
    targets are seen by the readers of targets (managers, contract managers, viewers) of any
    organisation the scope belongs to, whoever set them."""
    base = Target.objects.select_related("measure")
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return base.none()
    if user.is_superuser:
        return base.all()
    roles = policy_for(Target).roles_for("view")  # type: ignore[attr-defined]
    reading = organisations_with_role(user, roles)
    if not reading:
        return base.none()
    programmes = Programme.objects.filter(
        Q(organisation_id__in=reading) | Q(delivering_organisations__in=reading)
    ).values("pk")
    teams = Team.objects.filter(organisation_id__in=reading).values("pk")
    advisers = RoleAssignment.objects.filter(organisation_id__in=reading).values("user_id")
    return base.filter(
        Q(organisation_id__in=reading)
        | Q(scope_kind=ScopeKind.ORGANISATION, scope_id__in=reading)
        | Q(scope_kind=ScopeKind.PROGRAMME, scope_id__in=programmes)
        | Q(scope_kind=ScopeKind.TEAM, scope_id__in=teams)
        | Q(scope_kind=ScopeKind.ADVISER, scope_id__in=advisers)
    )


class TargetSerializer(_ScopedPeriodSerializer):
    measure = serializers.CharField(source="measure.code", read_only=True)
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    thresholds = serializers.SerializerMethodField(help_text="The red, amber and green bands.")

    class Meta:
        model = Target
        fields = [
            "id",
            "measure",
            "measure_name",
            "organisation",
            "scope",
            "scope_kind",
            "scope_id",
            "scope_name",
            "period",
            "period_kind",
            "period_start",
            "value",
            "amber_within",
            "profile",
            "thresholds",
            "notes",
            "set_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_thresholds(self, target: Target) -> str:
        return target_services.thresholds_in_words(
            target.value, target.measure.direction, target.amber_within, target.measure.unit
        )


class TargetCreateSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="The measure's code.")
    scope = serializers.CharField(help_text="kind:id, e.g. organisation:12.")
    period = serializers.CharField(help_text="2026-11, 2026/27 Q3 or 2026/27.")
    value = serializers.DecimalField(max_digits=16, decimal_places=4)
    amber_within = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Per cent; 10 if not given."
    )
    profile = serializers.JSONField(
        required=False,
        help_text="For counts and totals over a quarter or a year: the cumulative per cent of "
        'the target due by the end of each month, e.g. {"2026-04": 5, "2026-05": 12}.',
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        kind, scope_id = read_scope(attrs["scope"])
        scope = target_services.find_scope(kind, scope_id)
        if scope is None or not target_services.organisations_for(user, scope, "view"):
            raise serializers.ValidationError(
                {"scope": ["There is no such scope among those you see targets for."]}
            )
        period = read_period(attrs["period"])
        measure = measure_used_by(
            user, attrs["measure"], scope.organisation_ids, f"counts in {scope.title}"
        )
        existing = Target.objects.filter(
            measure=measure,
            scope_kind=scope.kind,
            scope_id=scope.id,
            period_kind=period.kind.value,
            period_start=period.start,
        ).first()
        if existing is not None:
            raise serializers.ValidationError(
                {
                    "period": [
                        f"This scope already has a target for {measure.name} in {period.label} "
                        f"(target {existing.pk}): change that one instead."
                    ]
                }
            )
        return {
            **attrs,
            "measure": measure,
            "scope_kind": scope.kind,
            "scope_id": scope.id,
            "period": period,
        }


class TargetUpdateSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=4, required=False)
    amber_within = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    profile = serializers.JSONField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class TargetFilterSet(_ScopedPeriodFilterSet):
    measure = django_filters.CharFilter(field_name="measure__code", help_text="A measure's code.")
    scope_kind = django_filters.ChoiceFilter(choices=ScopeKind.choices)

    class Meta:
        model = Target
        fields = ["measure", "scope", "scope_kind", "period"]


class TargetViewSet(
    _DetailResponses,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """Targets of the scopes the caller may see; their organisation's managers set them."""

    model = Target
    serializer_class = detail_serializer = TargetSerializer
    detail_related = ("measure",)
    filterset_class = TargetFilterSet
    search_fields = ["measure__name", "measure__code", "notes"]
    ordering_fields = ["period_start", "created_at", "value"]

    def get_queryset(self) -> Any:
        return targets_visible_to(self.request.user).order_by(
            "measure__position", "measure__name", "scope_kind", "scope_id", "-period_start", "pk"
        )

    def get_object(self) -> Any:
        pk = self.kwargs["pk"]
        if not (str(pk).isascii() and str(pk).isdigit()):
            raise Http404("No target found.")
        target = self.get_queryset().filter(pk=pk).first()
        if target is None:
            raise Http404("No target found.")
        return target

    @extend_schema(
        request=TargetCreateSerializer, responses={201: TargetSerializer, 400: ERROR_SCHEMA}
    )
    def create(self, request: Request) -> Response:
        """Set a measure's target for a scope and period (managers of the scope's
        organisation); one target per measure, scope and period."""
        data = TargetCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("scope")
        target = target_services.target_set(acting_user=request.user, **fields)
        return self._detail(target, status.HTTP_201_CREATED)

    @extend_schema(
        request=TargetUpdateSerializer, responses={200: TargetSerializer, 400: ERROR_SCHEMA}
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Change the target's value, amber margin, profile or notes (its measure, scope and
        period stay: set another target for another)."""
        target: Target = self.get_object()
        data = TargetUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        target = target_services.target_set(
            acting_user=request.user,
            measure=target.measure,
            scope_kind=target.scope_kind,
            scope_id=target.scope_id,
            period=_period(target.period_kind, target.period_start),
            value=fields.get("value", target.value),
            amber_within=fields.get("amber_within", target.amber_within),
            profile=fields.get("profile", target.profile),
            notes=fields.get("notes", target.notes),
        )
        return self._detail(target)

    @extend_schema(responses={204: None, 403: ERROR_SCHEMA})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        """Remove the target (its organisation's managers)."""
        target_services.target_delete(target=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Evaluations -----------------------------------------------------------------------------------


class EvaluationSerializer(_ScopedPeriodSerializer):
    status: serializers.Field = _listed(Evaluation.Status.choices, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "organisation",
            "title",
            "scope",
            "scope_kind",
            "scope_id",
            "scope_name",
            "period",
            "period_kind",
            "period_start",
            "status",
            "limits",
            "priorities",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
            "feedback_themes",
            "conclusions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvaluationUpdateSerializer(serializers.Serializer):
    """An evaluation's title and narrative, each optional."""

    title = serializers.CharField(required=False, allow_blank=True)
    limits = serializers.CharField(required=False, allow_blank=True)
    priorities = serializers.CharField(required=False, allow_blank=True)
    strengths = serializers.CharField(required=False, allow_blank=True)
    weaknesses = serializers.CharField(required=False, allow_blank=True)
    opportunities = serializers.CharField(required=False, allow_blank=True)
    threats = serializers.CharField(required=False, allow_blank=True)
    feedback_themes = serializers.CharField(required=False, allow_blank=True)
    conclusions = serializers.CharField(required=False, allow_blank=True)


class EvaluationCreateSerializer(EvaluationUpdateSerializer):
    title = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Named after the scope if empty."
    )
    scope = serializers.CharField(help_text="kind:id, e.g. organisation:12.")
    period = serializers.CharField(help_text="2026-11, 2026/27 Q3 or 2026/27.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, scope_id = read_scope(attrs.pop("scope"))
        return {**attrs, "scope_kind": kind, "scope_id": scope_id}


class EvaluationFilterSet(_ScopedPeriodFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=_organisations)

    class Meta:
        model = Evaluation
        fields = ["status", "scope_kind", "scope", "period", "organisation"]


def _evaluation_services() -> Any:
    from waypoint.measures.services import evaluations

    return evaluations


class EvaluationViewSet(
    _DetailResponses,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """Service evaluations of a scope and period; its organisation's managers write them."""

    model = Evaluation
    serializer_class = detail_serializer = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    search_fields = ["title", "conclusions"]
    ordering_fields = ["period_start", "created_at", "title"]

    def get_queryset(self) -> Any:
        return Evaluation.objects.restrict(self.request.user, "view").order_by(
            "-period_start", "-created_at", "-pk"
        )

    @extend_schema(
        request=EvaluationCreateSerializer,
        responses={201: EvaluationSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Start a draft evaluation of a scope whose figures the caller may see, for a month,
        a financial quarter or a financial year."""
        data = EvaluationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        period = fields.pop("period")
        evaluation = _evaluation_services().evaluation_create(
            acting_user=request.user, period=period, **fields
        )
        return self._detail(evaluation, status.HTTP_201_CREATED)

    @extend_schema(
        request=EvaluationUpdateSerializer,
        responses={200: EvaluationSerializer, 400: ERROR_SCHEMA},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Change a draft's title and narrative; a final evaluation is kept as it was (400)."""
        evaluation = self.get_object()
        data = EvaluationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = _evaluation_services().evaluation_update(
            evaluation=evaluation, acting_user=request.user, **data.validated_data
        )
        return self._detail(evaluation)

    @extend_schema(request=None, responses={200: EvaluationSerializer, 400: ERROR_SCHEMA})
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk: Any = None) -> Response:
        """Make the evaluation final, keeping its figures as they are now."""
        evaluation = self.get_object()
        evaluation = _evaluation_services().evaluation_finalise(
            evaluation=evaluation, acting_user=request.user
        )
        return self._detail(evaluation)

    def get_object(self) -> Any:
        action_name = "view" if self.request.method == "GET" else "change"
        return get_object_for(self.request.user, Evaluation, action_name, pk=self.kwargs["pk"])


# Improvements ----------------------------------------------------------------------------------


class ImprovementSerializer(serializers.ModelSerializer):
    source = _listed(Improvement.Source.choices, read_only=True)  # type: ignore[assignment]
    status: serializers.Field = _listed(Improvement.Status.choices, read_only=True)
    decision: serializers.Field = _listed(Improvement.Decision.choices, read_only=True)
    measure = serializers.SerializerMethodField(help_text="The measure's code, to check it by.")
    scope = serializers.SerializerMethodField(help_text="kind:id; empty when none.")
    scope_name = serializers.SerializerMethodField()

    class Meta:
        model = Improvement
        fields = [
            "id",
            "organisation",
            "source",
            "title",
            "detail",
            "owner",
            "plan",
            "status",
            "measure",
            "scope",
            "scope_name",
            "before_period",
            "after_period",
            "due_on",
            "check_notes",
            "decision",
            "decision_notes",
            "evaluation",
            "concern",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_measure(self, improvement: Improvement) -> str | None:
        return improvement.measure.code if improvement.measure is not None else None

    def get_scope(self, improvement: Improvement) -> str | None:
        if not improvement.scope_kind or improvement.scope_id is None:
            return None
        return f"{improvement.scope_kind}:{improvement.scope_id}"

    def get_scope_name(self, improvement: Improvement) -> str | None:
        return _scope_name(self, improvement.scope_kind, improvement.scope_id)


class ImprovementFilterSet(django_filters.FilterSet):
    measure = django_filters.CharFilter(field_name="measure__code", help_text="A measure's code.")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Those the caller owns.")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="Open with their due date passed."
    )

    class Meta:
        model = Improvement
        fields = ["status", "source", "decision", "owner", "evaluation", "measure"]

    def filter_mine(self, queryset: QuerySet[Improvement], name: str, value: bool) -> Any:
        return queryset.filter(owner=self.request.user) if value else queryset

    def filter_overdue(self, queryset: QuerySet[Improvement], name: str, value: bool) -> Any:
        if not value:
            return queryset
        return queryset.filter(due_on__lt=timezone.localdate()).exclude(
            status=Improvement.Status.CLOSED
        )


def _improvement_services() -> Any:
    from waypoint.measures.services import improvements

    return improvements


def _measure_for(user: Any, organisation_id: int, code: str | None) -> Measure | None:
    """The measure of this code the organisation uses (its own first, then the standard one);
    None for no code; a ValidationError naming ``measure`` for an unknown one."""
    if not code:
        return None
    return measure_used_by(user, code, [organisation_id], "is one this organisation uses")


def _improvement_scope(text: str | None) -> tuple[str, int | None]:
    """``"team:4"`` -> ("team", 4); empty -> ("", None) (the whole organisation when a measure
    is given)."""
    if not text:
        return "", None
    return read_scope(text)


def _people(request: Any) -> Any:
    if request is None:
        return User.objects.none()
    return _improvement_services().people_for(_organisations(request).values("pk"))


class _ImprovementFields(serializers.Serializer):
    """What people write about an improvement; the stage moves only through ``move``."""

    source = _listed(Improvement.Source.choices, required=False)  # type: ignore[assignment]
    title = serializers.CharField(required=False, allow_blank=True)
    detail = serializers.CharField(required=False, allow_blank=True)
    owner = IdField(
        queryset=User.objects.none(), required=False, help_text="The id of the person who owns it."
    )
    plan = serializers.CharField(required=False, allow_blank=True)
    measure = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The code of the measure to check it by; empty for none.",
    )
    scope = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Where the measure is checked, kind:id, e.g. team:4; the whole organisation "
        "if empty.",
    )
    before_period = serializers.CharField(
        required=False, allow_blank=True, help_text="2026-11, 2026/27 Q3 or 2026/27."
    )
    after_period = serializers.CharField(
        required=False, allow_blank=True, help_text="2026-11, 2026/27 Q3 or 2026/27."
    )
    due_on = serializers.DateField(required=False, allow_null=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        cast(IdField, fields["owner"]).queryset = _people(self.context.get("request"))
        return fields


class ImprovementCreateSerializer(_ImprovementFields):
    organisation = IdField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Whose improvement it is; may be left out by a manager of a single organisation.",
    )
    source = _listed(Improvement.Source.choices)
    title = serializers.CharField(allow_blank=True)
    owner = IdField(queryset=User.objects.none(), help_text="The id of the person who owns it.")
    evaluation = IdField(
        queryset=Evaluation.objects.none(),
        required=False,
        allow_null=True,
        help_text="The service evaluation it came from, if any.",
    )
    concern = IdField(
        queryset=Concern.objects.none(),
        required=False,
        allow_null=True,
        help_text="The concern it was raised from, if any (one of the same organisation).",
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["organisation"]).queryset = _organisations(request)
        for name, model in (("evaluation", Evaluation), ("concern", Concern)):
            cast(IdField, fields[name]).queryset = (
                model.objects.restrict(request.user, "view")
                if request is not None
                else model.objects.none()
            )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if "organisation" not in attrs:
            policy = cast(OrganisationScopedPolicy, policy_for(Improvement))
            allowed = policy.organisations_for_add(user)
            if allowed is None or len(allowed) != 1:
                raise serializers.ValidationError(
                    {"organisation": ["Say which organisation the improvement belongs to."]}
                )
            attrs["organisation"] = Organisation.objects.get(pk=next(iter(allowed)))
        attrs["measure"] = _measure_for(user, attrs["organisation"].pk, attrs.get("measure"))
        attrs["scope_kind"], attrs["scope_id"] = _improvement_scope(attrs.pop("scope", None))
        return attrs


class ImprovementUpdateSerializer(_ImprovementFields):
    check_notes = serializers.CharField(required=False, allow_blank=True)
    decision = serializers.CharField(
        required=False, allow_blank=True, help_text="adopt, adjust or abandon."
    )
    decision_notes = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        improvement: Improvement = self.context["improvement"]
        if "measure" in attrs:
            attrs["measure"] = _measure_for(
                self.context["request"].user, improvement.organisation_id, attrs["measure"]
            )
        if "scope" in attrs:
            attrs["scope_kind"], attrs["scope_id"] = _improvement_scope(attrs.pop("scope"))
        return attrs


class ImprovementMoveSerializer(serializers.Serializer):
    to = serializers.CharField(
        help_text="The stage to move to: the next one (do, check, act or closed), or back "
        "from check to do."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why, going back to do."
    )
    before_period = serializers.CharField(
        required=False, help_text="Moving to check: the period before the change."
    )
    after_period = serializers.CharField(
        required=False, help_text="Moving to check: the period after the change."
    )
    check_notes = serializers.CharField(
        required=False, help_text="Moving to act: what the check found."
    )
    decision = serializers.CharField(required=False, help_text="Closing: adopt, adjust or abandon.")
    decision_notes = serializers.CharField(
        required=False, help_text="Closing: the reasons for the decision."
    )


def _move_errors(error: DjangoValidationError) -> Exception:
    """The service names the stage ``status``; the request names it ``to``."""
    if not hasattr(error, "error_dict"):
        return error
    found = {
        ("to" if place == "status" else place): messages
        for place, messages in error.message_dict.items()
    }
    if "__all__" in found:
        found["non_field_errors"] = found.pop("__all__")
    return serializers.ValidationError(found)


class ImprovementViewSet(
    _DetailResponses,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """The improvement register (plan, do, check, act): its organisation's managers, contract
    managers and viewers see it; an improvement's owner sees theirs."""

    model = Improvement
    serializer_class = detail_serializer = ImprovementSerializer
    detail_related = ("measure",)
    filterset_class = ImprovementFilterSet
    search_fields = ["title", "detail", "plan"]
    ordering_fields = ["created_at", "due_on", "status"]

    def get_queryset(self) -> Any:
        return (
            Improvement.objects.restrict(self.request.user, "view")
            .select_related("measure")
            .order_by("-created_at", "-pk")
        )

    def get_object(self) -> Any:
        action_name = {"GET": "view", "DELETE": "delete"}.get(self.request.method or "", "change")
        return get_object_for(self.request.user, Improvement, action_name, pk=self.kwargs["pk"])

    @extend_schema(
        request=ImprovementCreateSerializer,
        responses={201: ImprovementSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Put an improvement on the register, at its plan stage (its organisation's
        managers)."""
        data = ImprovementCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        improvement = _improvement_services().improvement_create(
            acting_user=request.user, **data.validated_data
        )
        return self._detail(improvement, status.HTTP_201_CREATED)

    @extend_schema(
        request=ImprovementUpdateSerializer,
        responses={200: ImprovementSerializer, 400: ERROR_SCHEMA},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Change what the improvement is, its plan, measure, periods and notes (managers and
        its owner; only a manager hands it to someone else). Its stage moves through
        ``move``; a closed improvement no longer changes (400)."""
        improvement: Improvement = self.get_object()
        data = ImprovementUpdateSerializer(
            data=request.data, context={"request": request, "improvement": improvement}
        )
        data.is_valid(raise_exception=True)
        improvement = _improvement_services().improvement_update(
            improvement=improvement, acting_user=request.user, **data.validated_data
        )
        return self._detail(improvement)

    @extend_schema(
        request=ImprovementMoveSerializer,
        responses={200: ImprovementSerializer, 400: ERROR_SCHEMA},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None) -> Response:
        """Move the improvement to its next stage, or back from check to do with a ``note``.
        To do it needs a plan; to check, its measure and the periods before and after (the
        one after begun); to act, what the check found; to close, the decision and its
        reasons. Refused (400, by field) unless all of it is there."""
        improvement: Improvement = self.get_object()
        data = ImprovementMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            improvement = _improvement_services().improvement_move(
                improvement=improvement, acting_user=request.user, **data.validated_data
            )
        except DjangoValidationError as error:
            raise _move_errors(error) from None
        return self._detail(improvement)

    @extend_schema(responses={204: None, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        """Delete an improvement still at its plan stage (its organisation's managers); once
        under way it stays on the register (400)."""
        _improvement_services().improvement_delete(
            improvement=self.get_object(), acting_user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: SimpleRouter) -> None:
    """Add the measures, targets, evaluations and improvements resources to the API router."""
    router.register("measures", MeasureViewSet, basename="measure")
    router.register("targets", TargetViewSet, basename="target")
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
    router.register("improvements", ImprovementViewSet, basename="improvement")
