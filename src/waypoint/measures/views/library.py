"""Pages of the measure library (issue 6 item 1; 000 req 9 and its knowledge points: valid and
useful measures of economy, efficiency, effectiveness, value for money and quality).

- the list: every measure the person may see, by category, with search and filters;
- a measure's page: what it counts in words, why it is valid and useful, its data source and
  the targets set on it;
- managers add their organisation's own measures from the same building blocks as the standard
  ones, with no code: a form of choices and "where ... is ..." rows, checked by
  ``definitions.parse`` with each problem beside its field and a preview in words. Standard
  measures are copied as one's own, never edited.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views import View

from waypoint.core.models import Organisation, Team, User
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.permissions import policy_for
from waypoint.core.roles import organisations_with_role
from waypoint.core.viewkit import PolicyViewMixin
from waypoint.delivery.models import Programme
from waypoint.measures import definitions as defs
from waypoint.measures.describe import describe, period_words
from waypoint.measures.models import Category, Direction, Measure, Target, Unit
from waypoint.measures.services import library as services

TEXTAREA = forms.Textarea(attrs={"rows": 3})
MAX_ROWS = 10
AGGREGATE_CHOICES = [
    ("count", "Count the records"),
    ("distinct", "Count distinct clients or engagements among the records"),
    ("sum", "Total of a figure"),
    ("mean", "Mean (average) of a figure"),
    ("median", "Median of a figure"),
    ("rate", "Share of the records meeting conditions (a rate, %)"),
    ("nps", "Net promoter score of a 0-10 figure"),
    ("ratio", "One measure divided by another (a ratio)"),
]
SOURCE_FILTER_CHOICES = [
    ("", "Any source"),
    *((key, source.label) for key, source in defs.SOURCES.items()),
    ("ratio", "A ratio of two measures"),
]


# Reading ----------------------------------------------------------------------------------------


def _names(measures: Any) -> dict[str, str]:
    return {m.code: m.name for m in measures}


def measure_for_code(user: Any, code: str, action: str = "view") -> Measure:
    """The measure a code names for this person: their organisation's own first, then the
    standard one (then, for a superuser, another organisation's). 404 when they can see none;
    403 when they can see it but not ``action`` it."""
    visible = list(Measure.objects.restrict(user, "view").filter(code=code))
    if not visible:
        raise Http404("No measure found.")
    mine = organisations_with_role(user)

    def rank(measure: Measure) -> tuple[int, int]:
        if measure.organisation_id in mine:
            return (0, measure.organisation_id or 0)
        return (1 if measure.organisation_id is None else 2, measure.organisation_id or 0)

    measure = min(visible, key=rank)
    if action != "view" and not policy_for(Measure).allows(user, action, measure):
        raise PermissionDenied(
            "Standard measures cannot be changed: copy it as your own."
            if measure.is_standard
            else f"Your role does not let you {action} this measure."
        )
    return measure


def _filtered(queryset: QuerySet[Measure], data: Mapping[str, Any]) -> QuerySet[Measure]:
    if q := data.get("q"):
        queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if category := data.get("category"):
        queryset = queryset.filter(category=category)
    source = data.get("source")
    if source == "ratio":
        queryset = queryset.filter(definition__aggregate="ratio")
    elif source:
        queryset = queryset.filter(definition__source=source)
    kind = data.get("kind")
    if kind == "standard":
        queryset = queryset.filter(organisation__isnull=True)
    elif kind == "own":
        queryset = queryset.filter(organisation__isnull=False)
    status = data.get("status") or "active"
    if status != "all":
        queryset = queryset.filter(is_active=status == "active")
    return queryset


def _words(measure: Measure, names: Mapping[str, str]) -> str:
    try:
        return describe(defs.parse(measure.definition), names)
    except defs.DefinitionError:
        return "This definition cannot be read; ask a manager to correct it."


# The list ---------------------------------------------------------------------------------------


class MeasureFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Name or code.")
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *Category.choices])
    source = forms.ChoiceField(label="Data", required=False, choices=SOURCE_FILTER_CHOICES)
    kind = forms.ChoiceField(
        label="Standard or own",
        required=False,
        choices=[("", "Both"), ("standard", "Standard"), ("own", "Our own")],
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("active", "In use"), ("retired", "Retired"), ("all", "In use and retired")],
    )


class MeasureListView(PolicyViewMixin, View):
    policy_model = Measure

    def get(self, request: HttpRequest) -> HttpResponse:
        form = MeasureFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        visible = Measure.objects.restrict(request.user, "view")
        names = _names(visible)
        measures = list(
            _filtered(visible, data).select_related("organisation").order_by("position", "name")
        )
        groups = []
        for value, label in Category.choices:
            rows = [(m, _words(m, names)) for m in measures if m.category == value]
            if rows:
                groups.append({"key": value, "label": label, "rows": rows})
        return render(
            request,
            "measures/library_list.html",
            {
                "filter": SimpleNamespace(form=form),
                "groups": groups,
                "count": len(measures),
                "can_add": policy_for(Measure).can_add(request.user),
            },
        )


# A measure's page -------------------------------------------------------------------------------


def _scope_names(targets: list[Target]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {}
    for target in targets:
        wanted.setdefault(target.scope_kind, set()).add(target.scope_id)
    models: dict[str, Any] = {
        "organisation": Organisation,
        "programme": Programme,
        "team": Team,
        "adviser": User,
    }
    found: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        for obj in models[kind]._default_manager.filter(pk__in=ids):
            found[(kind, obj.pk)] = str(obj)
    return found


def _period_label(kind: str, start: Any) -> str:
    try:
        return Period(start, PeriodKind(kind)).label
    except ValueError:
        return str(start)


class MeasureDetailView(PolicyViewMixin, View):
    policy_model = Measure

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        user = request.user
        measure = measure_for_code(user, code)
        policy = policy_for(Measure)
        visible = Measure.objects.restrict(user, "view")
        definition: defs.Definition | None
        try:
            definition = defs.parse(measure.definition)
        except defs.DefinitionError:
            definition = None
        parts: list[Measure] = []
        if definition is not None and definition.is_ratio:
            codes = [definition.numerator_code, definition.denominator_code]
            found = {m.code: m for m in visible.filter(code__in=codes)}
            parts = [found[c] for c in codes if c in found]
        used_by = [
            m
            for m in visible.filter(definition__aggregate="ratio", is_active=True)
            if code in (m.definition.get("numerator"), m.definition.get("denominator"))
        ]
        targets = list(
            Target.objects.restrict(user, "view")
            .filter(measure=measure)
            .order_by("-period_start", "scope_kind")[:50]
        )
        scope_names = _scope_names(targets)
        target_rows = [
            {
                "target": t,
                "scope": scope_names.get((t.scope_kind, t.scope_id), f"#{t.scope_id}"),
                "period": _period_label(t.period_kind, t.period_start),
            }
            for t in targets
        ]
        can_change = not measure.is_standard and policy.allows(user, "change", measure)
        return render(
            request,
            "measures/library_detail.html",
            {
                "measure": measure,
                "words": _words(measure, _names(visible)),
                "period_words": period_words(definition) if definition else "",
                "source": defs.SOURCES.get(definition.source) if definition else None,
                "parts": parts,
                "used_by": used_by,
                "target_rows": target_rows,
                "can_change": can_change,
                "can_copy": policy.can_add(user),
                "can_audit": policy.allows(user, "audit", measure),
            },
        )


# The form ---------------------------------------------------------------------------------------


def _dim_choices() -> list[tuple[str, str]]:
    """Every attribute records can be filtered on, once, saying which records have it."""
    holders: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for source in defs.SOURCES.values():
        for dim, label in source.dims.items():
            labels.setdefault(dim, label)
            holders.setdefault(dim, []).append(source.label.split(" (")[0].lower())
    choices = [("", "Choose an attribute")]
    for dim, label in labels.items():
        which = "any record about a client" if dim in defs.CLIENT_DIMS else ", ".join(holders[dim])
        choices.append((dim, f"{label} — {which}"))
    return choices


def _field_choices() -> list[tuple[str, str]]:
    choices = [("", "None (not a total, mean, median or score)")]
    for source in defs.SOURCES.values():
        for key, label in source.values.items():
            choices.append((key, f"{label} — {source.label.split(' (')[0].lower()}"))
    return choices


def _parse_values(text: str) -> Any:
    """``"open, achieved"`` -> ["open", "achieved"]; ``"true"`` -> True."""
    items: list[Any] = []
    for part in text.split(","):
        word = part.strip()
        if not word:
            continue
        lowered = word.lower()
        items.append(True if lowered == "true" else False if lowered == "false" else word)
    return items[0] if len(items) == 1 else items


def _values_text(wanted: Any) -> str:
    values = wanted if isinstance(wanted, list) else [wanted]
    return ", ".join(("true" if v else "false") if isinstance(v, bool) else str(v) for v in values)


# The rows of conditions: the form's prefix for each part of a definition.
CONDITION_PARTS = {"where": "where", "numerator": "num"}


class MeasureForm(forms.Form):
    """The building blocks of a measure, as choices. Condition rows are ``where_dim_0``,
    ``where_values_0``... and ``num_dim_0``...; "Add a condition" asks for one more row."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    name = forms.CharField(max_length=200)
    code = forms.SlugField(
        max_length=60,
        help_text="Short and stable, with letters, numbers and underscores: e.g. "
        "mentoring_hours. It cannot be changed later.",
    )
    category = forms.ChoiceField(choices=Category.choices)
    unit = forms.ChoiceField(choices=Unit.choices)
    direction = forms.ChoiceField(label="Better when", choices=Direction.choices)
    aggregate = forms.ChoiceField(label="How it is computed", choices=AGGREGATE_CHOICES)
    source = forms.ChoiceField(
        label="Records",
        required=False,
        choices=[("", "None (a ratio)"), *((k, s.label) for k, s in defs.SOURCES.items())],
    )
    field = forms.ChoiceField(
        label="Figure", required=False, help_text="For a total, mean, median or score."
    )
    of = forms.ChoiceField(
        label="Distinct",
        required=False,
        choices=[
            ("", "Not counting distinct"),
            ("client", "Clients"),
            ("engagement", "Engagements"),
        ],
    )
    ratio_numerator = forms.ChoiceField(label="Divide", required=False)
    ratio_denominator = forms.ChoiceField(label="By", required=False)
    per = forms.DecimalField(
        label="Times",
        required=False,
        min_value=decimal.Decimal("0.0001"),
        help_text="e.g. 100 for “per 100 clients”. Empty: 1.",
    )
    description = forms.CharField(label="What it counts, in words", required=False, widget=TEXTAREA)
    validity = forms.CharField(
        label="Why it is valid and useful",
        required=False,
        widget=TEXTAREA,
        help_text="What it tells you about the service, and its limits.",
    )
    data_source = forms.CharField(max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        ratio_measures: list[Measure],
        editing: Measure | None = None,
        rows: Mapping[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = organisations
        if editing is not None or organisations.count() == 1:
            del self.fields["organisation"]
        if editing is not None:
            del self.fields["code"]
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _field_choices()
        codes = [("", "Choose a measure")] + [
            (m.code, f"{m.name} ({m.code})") for m in ratio_measures
        ]
        for name in ("ratio_numerator", "ratio_denominator"):
            choice = self.fields[name]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = codes
        self.rows = dict(rows or {})
        dims = _dim_choices()
        for part, prefix in CONDITION_PARTS.items():
            count = self.rows.setdefault(part, 2)
            for i in range(count):
                self.fields[f"{prefix}_dim_{i}"] = forms.ChoiceField(
                    label=f"Condition {i + 1}: where", required=False, choices=dims
                )
                self.fields[f"{prefix}_values_{i}"] = forms.CharField(
                    label=f"Condition {i + 1}: is",
                    required=False,
                    help_text="One value, or several separated by commas (any of them).",
                )

    def condition_rows(self, part: str) -> list[tuple[Any, Any]]:
        prefix = CONDITION_PARTS[part]
        return [
            (self[f"{prefix}_dim_{i}"], self[f"{prefix}_values_{i}"])
            for i in range(self.rows[part])
        ]

    def where_rows(self) -> list[tuple[Any, Any]]:
        return self.condition_rows("where")

    def numerator_rows(self) -> list[tuple[Any, Any]]:
        return self.condition_rows("numerator")

    def _conditions(self, part: str) -> dict[str, Any]:
        prefix = CONDITION_PARTS[part]
        found: dict[str, Any] = {}
        for i in range(self.rows[part]):
            dim = self.cleaned_data.get(f"{prefix}_dim_{i}") or ""
            text = self.cleaned_data.get(f"{prefix}_values_{i}") or ""
            values = _parse_values(text)
            if dim and values in ([], ""):
                self.add_error(f"{prefix}_values_{i}", "Give one or more values.")
            elif values not in ([], "") and not dim:
                self.add_error(f"{prefix}_dim_{i}", "Choose what the values are of.")
            elif dim in found:
                self.add_error(f"{prefix}_dim_{i}", "Already used above: put all its values there.")
            elif dim:
                found[dim] = values
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        aggregate = cleaned.get("aggregate")
        where = self._conditions("where")
        numerator = self._conditions("numerator")
        raw: dict[str, Any]
        if aggregate == "ratio":
            raw = {
                "aggregate": "ratio",
                "numerator": cleaned.get("ratio_numerator") or "",
                "denominator": cleaned.get("ratio_denominator") or "",
            }
            per = cleaned.get("per")
            if per is not None and per != 1:
                raw["per"] = int(per) if per == per.to_integral_value() else str(per)
        else:
            raw = {"source": cleaned.get("source") or "", "aggregate": aggregate}
            if cleaned.get("field"):
                raw["field"] = cleaned["field"]
            if aggregate == "distinct" or cleaned.get("of"):
                raw["of"] = cleaned.get("of") or ""
            if where:
                raw["where"] = where
            if numerator or aggregate == "rate":
                raw["numerator"] = numerator
        cleaned["definition"] = raw
        return cleaned

    def field_for(self, place: str) -> str | None:
        """The form field beside which a problem with this place is shown."""
        top, _, dim = place.partition(".")
        if top in CONDITION_PARTS:
            prefix = CONDITION_PARTS[top]
            rows = range(self.rows[top])
            if dim:
                for i in rows:
                    if self.data.get(f"{prefix}_dim_{i}") == dim:
                        return f"{prefix}_dim_{i}"
            if top == "numerator" and self.data.get("aggregate") == "ratio":
                return "ratio_numerator"
            return f"{prefix}_dim_0"
        if top == "denominator":
            return "ratio_denominator"
        if top == "is_active":
            return None
        return top if top in self.fields else None

    def add_problems(self, errors: Mapping[str, list[str]]) -> None:
        for place, problems in errors.items():
            target = self.field_for(place)
            for problem in problems:
                message = problem[:1].upper() + problem[1:]
                if target is None and place not in ("definition", "__all__"):
                    message = f"{place}: {problem}"
                self.add_error(target, message)


def initial_from(measure: Measure) -> tuple[dict[str, Any], dict[str, int]]:
    """The form's initial values for a measure (to edit it, or copy it as one's own)."""
    raw = measure.definition
    initial: dict[str, Any] = {
        name: getattr(measure, name)
        for name in ("name", "category", "unit", "direction", "description", "validity")
    }
    initial["data_source"] = measure.data_source
    initial["aggregate"] = raw.get("aggregate", "")
    rows = {"where": 2, "numerator": 2}
    if raw.get("aggregate") == "ratio":
        initial["ratio_numerator"] = raw.get("numerator", "")
        initial["ratio_denominator"] = raw.get("denominator", "")
        initial["per"] = raw.get("per", 1)
    else:
        for key in ("source", "field", "of"):
            initial[key] = raw.get(key, "")
        for part, prefix in CONDITION_PARTS.items():
            conditions = raw.get(part) or {}
            rows[part] = min(MAX_ROWS, max(2, len(conditions) + 1))
            for i, (dim, wanted) in enumerate(conditions.items()):
                initial[f"{prefix}_dim_{i}"] = dim
                initial[f"{prefix}_values_{i}"] = _values_text(wanted)
    return initial, rows


def _rows_from(data: Mapping[str, Any]) -> dict[str, int]:
    """How many condition rows the submitted form had, and one more when asked."""
    rows = {}
    for part in CONDITION_PARTS:
        try:
            count = int(data.get(f"{part}_rows", 2))
        except (TypeError, ValueError):
            count = 2
        if f"add_{part}" in data:
            count += 1
        rows[part] = max(1, min(MAX_ROWS, count))
    return rows


class MeasureFormView(PolicyViewMixin, View):
    """Shared by adding and editing: the form, "Add a condition", "Preview" and saving."""

    policy_model = Measure
    template_name = "measures/library_form.html"

    def organisations(self, request: HttpRequest) -> QuerySet[Organisation]:
        ids = policy_for(Measure).organisations_for_add(request.user)  # type: ignore[attr-defined]
        if ids is None:
            return Organisation.objects.order_by("name")
        return Organisation.objects.filter(pk__in=ids).order_by("name")

    def ratio_measures(self, organisation_ids: list[int]) -> list[Measure]:
        return list(
            Measure.objects.filter(
                Q(organisation__isnull=True) | Q(organisation_id__in=organisation_ids),
                is_active=True,
            ).exclude(definition__aggregate="ratio")
        )

    def render_form(
        self,
        request: HttpRequest,
        form: MeasureForm,
        *,
        title: str,
        cancel_url: str,
        preview: str = "",
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": title,
                "cancel_url": cancel_url,
                "preview": preview,
                "editing": form.editing,
            },
        )

    def check(self, form: MeasureForm, organisation_id: int | None) -> str:
        """Words for the definition, or "" with its problems put on the form."""
        code = form.editing.code if form.editing else form.cleaned_data.get("code", "")
        raw = form.cleaned_data["definition"]
        errors = services.definition_errors(raw, organisation_id=organisation_id, code=code)
        if errors:
            form.add_problems(errors)
            return ""
        names = _names(self.ratio_measures([organisation_id] if organisation_id else []))
        return describe(defs.parse(raw), names)


def _fields(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    return {name: cleaned.get(name, "") for name in services.EDITABLE_FIELDS}


class MeasureCreateView(MeasureFormView):
    def _require(self, request: HttpRequest) -> QuerySet[Organisation]:
        organisations = self.organisations(request)
        if not policy_for(Measure).can_add(request.user) or not organisations.exists():
            raise PermissionDenied("Only managers add their organisation's own measures.")
        return organisations

    def _form(self, request: HttpRequest, **kwargs: Any) -> MeasureForm:
        organisations = self._require(request)
        return MeasureForm(
            organisations=organisations,
            ratio_measures=self.ratio_measures(list(organisations.values_list("pk", flat=True))),
            **kwargs,
        )

    def _render(self, request: HttpRequest, form: MeasureForm, preview: str = "") -> HttpResponse:
        return self.render_form(
            request,
            form,
            title="Add a measure of your own",
            cancel_url=reverse("measures:measure-list"),
            preview=preview,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self._require(request)
        initial: dict[str, Any] = {"aggregate": "count"}
        rows = None
        if copy := request.GET.get("copy"):
            original = measure_for_code(request.user, copy)
            initial, rows = initial_from(original)
            initial["name"] = f"{original.name} (our own)"
            initial["code"] = f"{original.code}_own"[:60]
        return self._render(request, self._form(request, initial=initial, rows=rows))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, data=request.POST, rows=_rows_from(request.POST))
        if not form.is_valid() or any(f"add_{p}" in request.POST for p in CONDITION_PARTS):
            return self._render(request, form)
        organisation = form.cleaned_data.get("organisation") or self._require(request).first()
        assert organisation is not None
        preview = self.check(form, organisation.pk)
        if not preview or "preview" in request.POST:
            return self._render(request, form, preview)
        try:
            measure = services.measure_create(
                organisation=organisation,
                acting_user=request.user,
                code=form.cleaned_data["code"],
                **_fields(form.cleaned_data),
            )
        except ValidationError as error:
            form.add_problems(error.message_dict)
            return self._render(request, form)
        messages.success(request, "Measure added. Its figures are being computed from records.")
        return redirect(measure)


class MeasureEditView(MeasureFormView):
    def _measure(self, request: HttpRequest, code: str) -> Measure:
        return measure_for_code(request.user, code, "change")

    def _form(self, request: HttpRequest, measure: Measure, **kwargs: Any) -> MeasureForm:
        assert measure.organisation_id is not None
        return MeasureForm(
            organisations=Organisation.objects.filter(pk=measure.organisation_id),
            ratio_measures=[
                m for m in self.ratio_measures([measure.organisation_id]) if m.pk != measure.pk
            ],
            editing=measure,
            **kwargs,
        )

    def _render(
        self, request: HttpRequest, form: MeasureForm, measure: Measure, preview: str = ""
    ) -> HttpResponse:
        return self.render_form(
            request,
            form,
            title=f"Change {measure.name}",
            cancel_url=measure.get_absolute_url(),
            preview=preview,
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        measure = self._measure(request, code)
        initial, rows = initial_from(measure)
        form = self._form(request, measure, initial=initial, rows=rows)
        return self._render(request, form, measure)

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        measure = self._measure(request, code)
        form = self._form(request, measure, data=request.POST, rows=_rows_from(request.POST))
        if not form.is_valid() or any(f"add_{p}" in request.POST for p in CONDITION_PARTS):
            return self._render(request, form, measure)
        preview = self.check(form, measure.organisation_id)
        if not preview or "preview" in request.POST:
            return self._render(request, form, measure, preview)
        try:
            services.measure_update(
                measure=measure, acting_user=request.user, **_fields(form.cleaned_data)
            )
        except ValidationError as error:
            form.add_problems(error.message_dict)
            return self._render(request, form, measure)
        messages.success(request, "Measure saved.")
        return redirect(measure)


class MeasureStateView(PolicyViewMixin, View):
    """Retire an organisation's own measure, or bring it back (POST only)."""

    policy_model = Measure
    retire = True

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        measure = measure_for_code(request.user, code, "change")
        change = services.measure_retire if self.retire else services.measure_reactivate
        try:
            change(measure=measure, acting_user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, "Measure retired." if self.retire else "Measure in use again."
            )
        return redirect(measure)


def register_nav() -> None:
    """The "Measures" item of the Performance menu, for anyone who may see some measure."""
    from waypoint.core.navigation import PERFORMANCE, NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Measures",
            "measures:measure-list",
            lambda user: policy_for(Measure).can_any(user, "view"),
            order=48,
            group=PERFORMANCE,
        )
    )


urlpatterns: list[URLPattern] = [
    path("measures/", MeasureListView.as_view(), name="measure-list"),
    path("measures/new/", MeasureCreateView.as_view(), name="measure-create"),
    path("measures/<slug:code>/", MeasureDetailView.as_view(), name="measure-detail"),
    path("measures/<slug:code>/edit/", MeasureEditView.as_view(), name="measure-edit"),
    path(
        "measures/<slug:code>/retire/",
        MeasureStateView.as_view(retire=True),
        name="measure-retire",
    ),
    path(
        "measures/<slug:code>/reactivate/",
        MeasureStateView.as_view(retire=False),
        name="measure-reactivate",
    ),
]
