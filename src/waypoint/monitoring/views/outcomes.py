"""Pages for outcomes and impact (000 req 4: identify the effect of the support programme on a
client's business).

- the engagement's outcomes page: the baseline for every active measure of the client's kind
  at once, the follow-ups after closure with a form each, and the impact table (gross change
  and net additional impact, explained);
- a programme's measures: the defaults added in one go, the programme's own added, retired and
  brought back (never deleted);
- the impact summary over everything the user may see, by programme and financial year, and
  the follow-ups coming due.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Engagement, Programme
from waypoint.monitoring.models import (
    Evidence,
    MeasureKind,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
)
from waypoint.monitoring.selectors_outcomes import (
    follow_ups_due,
    impact_for,
    impact_totals,
    measures_for,
)
from waypoint.monitoring.selectors_settings import settings_for
from waypoint.monitoring.services import outcomes as services

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PER_PAGE = 25
YEARS_SHOWN = 6
AUDIENCES = [("business", "Businesses"), ("individual", "Individuals")]
YES_NO_CHOICES = [("", "Not recorded"), ("1", "Yes"), ("0", "No")]
# From this many measures, each measure's part of a follow-up form is folded away (a
# <details> that opens on its name), so that the page scans easily.
FOLD_MEASURES_FROM = 4
# The three shares that turn the gross change into net additional impact (000 req 4), explained
# once at the top of the outcomes page; each share's field points at its explanation
# (aria-describedby) rather than repeating it for every measure.
HELP = {
    "attribution": "The share of the change the client puts down to the support (100% if "
    "it was all the support's doing).",
    "deadweight": "The share that would have happened anyway, without the support.",
    "displacement": "The share taken from other local businesses (e.g. customers won from a "
    "competitor nearby), which is not new to the area.",
}


def term_id(share: str) -> str:
    """The id of a share's explanation at the top of the outcomes page."""
    return f"term-{share}"


def outcomes_url(engagement: Engagement | int) -> str:
    pk = engagement if isinstance(engagement, int) else engagement.pk
    return reverse("monitoring:engagement-outcomes", args=[pk])


def _value_field(measure: OutcomeMeasure, *, required: bool = False) -> forms.Field:
    unit = f" ({measure.unit})" if measure.unit and measure.unit != "£" else ""
    money = " (£)" if measure.kind == MeasureKind.MONEY else ""
    label = f"{measure.name}{money}{unit}"
    if measure.kind == MeasureKind.YES_NO:
        return forms.ChoiceField(label=label, choices=YES_NO_CHOICES, required=required)
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=0 if measure.kind == MeasureKind.NUMBER else None,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


def _evidence_field(measure: OutcomeMeasure) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"Evidence for {measure.name.lower()}",
        choices=Evidence.choices,
        initial=Evidence.SELF_DECLARED,
        required=False,
    )


def _require_evidence(form: forms.Form, measures: list[OutcomeMeasure]) -> None:
    """A figure needs its evidence; a measure left blank needs none."""
    data = form.cleaned_data
    for m in measures:
        given = data.get(f"m{m.pk}_value") not in (None, "")
        if given and not data.get(f"m{m.pk}_evidence"):
            form.add_error(f"m{m.pk}_evidence", "Say what the figure rests on.")


# Forms -----------------------------------------------------------------------------------------


class BaselineForm(forms.Form):
    """A figure and its evidence for each measure still without a baseline; blanks are left
    for later."""

    recorded_on = forms.DateField(
        label="Figures as at",
        widget=DATE_INPUT,
        help_text="Usually the date the agreement was made.",
    )

    def __init__(self, *args: Any, measures: list[OutcomeMeasure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        self.fields["recorded_on"].initial = timezone.localdate()
        for measure in measures:
            self.fields[f"m{measure.pk}_value"] = _value_field(measure)
            self.fields[f"m{measure.pk}_evidence"] = _evidence_field(measure)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _require_evidence(self, self.measures)
        return cleaned

    def rows(self) -> list[tuple[OutcomeMeasure, Any, Any]]:
        return [(m, self[f"m{m.pk}_value"], self[f"m{m.pk}_evidence"]) for m in self.measures]

    def values(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "measure": m,
                "value": data[f"m{m.pk}_value"],
                "evidence": data[f"m{m.pk}_evidence"],
            }
            for m in self.measures
            if data.get(f"m{m.pk}_value") not in (None, "")
        ]


class FollowUpForm(forms.Form):
    """The figures at one follow-up: for each measure, the figure, its evidence and the three
    shares that turn the gross change into net additional impact."""

    completed_on = forms.DateField(label="Figures as at", widget=DATE_INPUT)

    def __init__(
        self,
        *args: Any,
        follow_up: OutcomeFollowUp,
        measures: list[OutcomeMeasure],
        existing: dict[int, OutcomeValue] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"fu{follow_up.pk}")
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.measures = measures
        existing = existing or {}
        self.fields["completed_on"].initial = follow_up.completed_on or timezone.localdate()
        for measure in measures:
            name = measure.name.lower()
            before = existing.get(measure.pk)
            value = _value_field(measure)
            evidence = _evidence_field(measure)
            if before is not None:
                value.initial = (
                    str(int(before.value)) if measure.kind == MeasureKind.YES_NO else before.value
                )
                evidence.initial = before.evidence
            self.fields[f"m{measure.pk}_value"] = value
            self.fields[f"m{measure.pk}_evidence"] = evidence
            for share, default in services.SHARE_DEFAULTS.items():
                self.fields[f"m{measure.pk}_{share}"] = forms.IntegerField(
                    label=f"{share.capitalize()} for {name} (%)",
                    min_value=0,
                    max_value=100,
                    initial=getattr(before, share) if before is not None else default,
                    required=False,
                    widget=forms.NumberInput(attrs={"aria-describedby": term_id(share)}),
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _require_evidence(self, self.measures)
        return cleaned

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for m in self.measures:
            names = [f"m{m.pk}_{part}" for part in ("value", "evidence", *services.SHARES)]
            value = self[f"m{m.pk}_value"]
            rows.append(
                {
                    "measure": m,
                    "value": value,
                    "evidence": self[f"m{m.pk}_evidence"],
                    "shares": [self[f"m{m.pk}_{share}"] for share in services.SHARES],
                    "given": value.value() not in (None, ""),
                    "has_errors": any(self.has_error(name) for name in names),
                }
            )
        return rows

    def values(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        found = []
        for m in self.measures:
            if data.get(f"m{m.pk}_value") in (None, ""):
                continue
            item = {"measure": m, "value": data[f"m{m.pk}_value"]}
            item["evidence"] = data[f"m{m.pk}_evidence"]
            for share in services.SHARES:
                item[share] = data.get(f"m{m.pk}_{share}")
            found.append(item)
        return found


class MeasureForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Kind of figure", choices=MeasureKind.choices)
    audience = forms.ChoiceField(label="Measured for", choices=AUDIENCES)
    unit = forms.CharField(
        max_length=30, required=False, help_text='e.g. "FTE", "hours a week"; blank for money.'
    )
    key = forms.SlugField(
        max_length=40,
        required=False,
        help_text="A short code for exports and the API; made from the name if left blank.",
    )


class MeasureEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.CharField(max_length=30, required=False)
    position = forms.IntegerField(
        label="Order", min_value=0, help_text="Measures are listed in this order."
    )


class MeasureFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name", field_name="name", lookup_expr="icontains")
    audience = django_filters.ChoiceFilter(
        label="Measured for",
        choices=AUDIENCES,
        empty_label="Businesses and individuals",
    )
    is_active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(
            choices=[("", "Active and retired"), ("true", "Active"), ("false", "Retired")]
        ),
    )

    class Meta:
        model = OutcomeMeasure
        fields = ["q", "audience", "is_active"]


def _year_choices() -> list[tuple[str, str]]:
    current = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
    years = [current]
    for _ in range(YEARS_SHOWN - 1):
        years.append(years[-1].previous())
    return [("", "All years")] + [(p.label, p.title) for p in years]


class ImpactFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(), required=False, empty_label="All programmes"
    )
    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        help_text="Counts the latest follow-up figures recorded in the year.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Programme.objects.restrict(user, "view").order_by("name")
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = _year_choices()


class FollowUpFilterForm(forms.Form):
    mine = forms.BooleanField(label="Only my caseload", required=False)
    within = forms.TypedChoiceField(
        label="Due",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(0, "Due now or overdue"), (14, "Within two weeks"), (31, "Within a month")],
        initial=14,
    )


# The engagement's outcomes ---------------------------------------------------------------------


class OutcomesViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement, 404 out of scope.
    policy_model = Engagement


def _page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    baseline_form: BaselineForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_change = policy_for(Engagement).allows(request.user, "change", engagement)
    impact = impact_for(engagement)
    measures = list(measures_for(engagement))
    with_baseline = {row.measure.pk for row in impact if row.baseline is not None}
    missing = [m for m in measures if m.pk not in with_baseline]
    if can_change and baseline_form is None and missing:
        baseline_form = BaselineForm(measures=missing)
    follow_ups = list(engagement.outcome_follow_ups.order_by("due_on", "pk"))
    values = OutcomeValue.objects.filter(follow_up__in=follow_ups).select_related("measure")
    by_follow_up: dict[int, dict[int, OutcomeValue]] = {}
    for value in values:
        assert value.follow_up_id is not None
        by_follow_up.setdefault(value.follow_up_id, {})[value.measure_id] = value
    today = timezone.localdate()
    entries = []
    for follow_up in follow_ups:
        recorded = by_follow_up.get(follow_up.pk, {})
        form = None
        if can_change:
            if follow_up_form is not None and follow_up_form.follow_up.pk == follow_up.pk:
                form = follow_up_form
            else:
                form = FollowUpForm(follow_up=follow_up, measures=measures, existing=recorded)
        entries.append(
            {
                "follow_up": follow_up,
                "overdue": follow_up.completed_on is None and follow_up.due_on < today,
                "values": sorted(recorded.values(), key=lambda v: (v.measure.position, v.pk)),
                "form": form,
            }
        )
    settings = settings_for(engagement.programme)
    return render(
        request,
        "monitoring/outcomes.html",
        {
            "engagement": engagement,
            "impact": impact,
            "baselines": [row for row in impact if row.baseline is not None],
            "measures": measures,
            "baseline_form": baseline_form if can_change and missing else None,
            "follow_ups": entries,
            "follow_up_months": settings.follow_ups,
            "can_change": can_change,
            "can_schedule": can_change
            and not engagement.is_open
            and set(settings.follow_ups) - {f.months_after for f in follow_ups},
            "can_manage_measures": policy_for(Programme).allows(
                request.user, "change", engagement.programme
            ),
            "has_impact": any(row.net is not None for row in impact),
            "terms": [
                (term_id(share), share.capitalize(), HELP[share]) for share in services.SHARES
            ],
            "fold_measures": len(measures) >= FOLD_MEASURES_FROM,
        },
        status=status,
    )


class EngagementOutcomesView(OutcomesViewMixin, View):
    """The client's outcomes: baseline, follow-ups and the impact of the support."""

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement: Engagement = get_object_for(request.user, Engagement, "view", pk=engagement_pk)
        return _page(request, engagement)


class BaselineRecordView(OutcomesViewMixin, View):
    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        with_baseline = OutcomeValue.objects.filter(
            engagement=engagement, follow_up__isnull=True
        ).values("measure_id")
        missing = list(measures_for(engagement).exclude(pk__in=with_baseline))
        form = BaselineForm(request.POST, measures=missing)
        if form.is_valid():
            try:
                rows = services.baselines_record(
                    engagement=engagement,
                    values=form.values(),
                    recorded_on=form.cleaned_data["recorded_on"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                plural = "s" if len(rows) != 1 else ""
                messages.success(request, f"Baseline recorded for {len(rows)} measure{plural}.")
                return redirect(outcomes_url(engagement))
        return _page(request, engagement, baseline_form=form)


class FollowUpScheduleView(OutcomesViewMixin, View):
    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        try:
            created = services.follow_ups_schedule(engagement=engagement, acting_user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if created:
                months = " and ".join(str(f.months_after) for f in created)
                messages.success(request, f"Follow-ups scheduled at {months} months.")
            else:
                messages.info(request, "The follow-ups were already scheduled.")
        return redirect(outcomes_url(engagement))


class FollowUpRecordView(OutcomesViewMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        follow_up: OutcomeFollowUp = get_object_for(request.user, OutcomeFollowUp, "change", pk=pk)
        engagement = follow_up.engagement
        form = FollowUpForm(
            request.POST, follow_up=follow_up, measures=list(measures_for(engagement))
        )
        if form.is_valid():
            try:
                services.follow_up_record(
                    follow_up=follow_up,
                    values=form.values(),
                    completed_on=form.cleaned_data["completed_on"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"The {follow_up} is recorded.")
                return redirect(outcomes_url(engagement))
        return _page(request, engagement, follow_up_form=form)


# A programme's measures ------------------------------------------------------------------------


class MeasuresViewMixin(PolicyViewMixin):
    policy_model = OutcomeMeasure


def _programme(request: HttpRequest, pk: int, action: str = "view") -> Programme:
    programme: Programme = get_object_for(request.user, Programme, action, pk=pk)
    return programme


def measures_url(programme: Programme | int) -> str:
    pk = programme if isinstance(programme, int) else programme.pk
    return reverse("monitoring:outcome-measures", args=[pk])


class MeasureListView(MeasuresViewMixin, View):
    """The programme's outcome measures, with the defaults added in one go."""

    def get(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme = _programme(request, programme_pk)
        measures = OutcomeMeasure.objects.restrict(request.user, "view").filter(programme=programme)
        filterset = MeasureFilterSet(request.GET or None, queryset=measures.order_by("position"))
        queryset: QuerySet[OutcomeMeasure] = (
            filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        )
        page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "monitoring/outcome_measures.html",
            {
                "programme": programme,
                "filter": filterset,
                "page_obj": page,
                "measures": page.object_list,
                "can_change": policy_for(Programme).allows(request.user, "change", programme),
                "missing_defaults": _missing_defaults(programme),
                "query": _query_without_page(request),
            },
        )


def _missing_defaults(programme: Programme) -> int:
    from waypoint.monitoring.outcome_defaults import DEFAULT_MEASURES

    keys = set(OutcomeMeasure.objects.filter(programme=programme).values_list("key", flat=True))
    return sum(1 for default in DEFAULT_MEASURES if default.key not in keys)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class MeasureDefaultsView(MeasuresViewMixin, View):
    def post(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme = _programme(request, programme_pk, "change")
        created = services.measures_ensure_defaults(programme=programme, acting_user=request.user)
        if created:
            messages.success(request, f"{len(created)} default measures added.")
        else:
            messages.info(request, "The programme already has every default measure.")
        return redirect(measures_url(programme))


class MeasureCreateView(MeasuresViewMixin, View):
    def _render(self, request: HttpRequest, programme: Programme, form: Any) -> HttpResponse:
        return render(
            request,
            "core/form.html",
            {
                "form": form,
                "title": f"Add an outcome measure to {programme}",
                "intro": "A result of the support this programme wants to measure for each "
                "client, at the baseline and at each follow-up.",
                "cancel_url": measures_url(programme),
            },
        )

    def get(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme = _programme(request, programme_pk, "change")
        return self._render(request, programme, MeasureForm())

    def post(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme = _programme(request, programme_pk, "change")
        form = MeasureForm(request.POST)
        if form.is_valid():
            try:
                measure = services.measure_add(
                    programme=programme, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{measure} added.")
                return redirect(measures_url(programme))
        return self._render(request, programme, form)


class MeasureEditView(MeasuresViewMixin, View):
    def _measure(self, request: HttpRequest, pk: int) -> OutcomeMeasure:
        measure: OutcomeMeasure = get_object_for(request.user, OutcomeMeasure, "change", pk=pk)
        return measure

    def _render(self, request: HttpRequest, measure: OutcomeMeasure, form: Any) -> HttpResponse:
        return render(
            request,
            "core/form.html",
            {
                "form": form,
                "title": f"Change the measure {measure}",
                "intro": "Its kind and key stay as they are: figures were recorded in them.",
                "cancel_url": measures_url(measure.programme_id),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        measure = self._measure(request, pk)
        form = MeasureEditForm(
            initial={"name": measure.name, "unit": measure.unit, "position": measure.position}
        )
        return self._render(request, measure, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        measure = self._measure(request, pk)
        form = MeasureEditForm(request.POST)
        if form.is_valid():
            try:
                services.measure_update(
                    measure=measure, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{measure} saved.")
                return redirect(measures_url(measure.programme_id))
        return self._render(request, measure, form)


class MeasureActiveView(MeasuresViewMixin, View):
    """Retire a measure (it is no longer asked for; its figures stay) or bring it back."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        measure: OutcomeMeasure = get_object_for(request.user, OutcomeMeasure, "change", pk=pk)
        active = request.POST.get("is_active") == "true"
        services.measure_update(measure=measure, acting_user=request.user, is_active=active)
        messages.success(request, f"{measure} {'brought back' if active else 'retired'}.")
        return redirect(measures_url(measure.programme_id))


# Impact over a caseload ------------------------------------------------------------------------


class ImpactView(OutcomesViewMixin, View):
    """Impact added up over every engagement the user may see, per measure."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ImpactFilterForm(request.GET or None, user=request.user)
        programme, period = None, None
        if form.is_bound and form.is_valid():
            programme = form.cleaned_data["programme"]
            if year := form.cleaned_data["year"]:
                period = Period.parse(year)
        totals = impact_totals(request.user, programme=programme, period=period)
        return render(
            request,
            "monitoring/impact.html",
            {
                "form": form,
                "totals": totals,
                "programme": programme,
                "period": period,
                "due_count": follow_ups_due(request.user, within_days=14).count(),
            },
        )


class FollowUpsDueView(OutcomesViewMixin, View):
    """Outcome follow-ups coming due or overdue, soonest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FollowUpFilterForm(request.GET or None)
        mine, within = False, 14
        if form.is_bound and form.is_valid():
            mine = form.cleaned_data["mine"]
            within = form.cleaned_data["within"] if form.cleaned_data["within"] is not None else 14
        found = follow_ups_due(request.user, within_days=within, mine=mine)
        page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        today = timezone.localdate()
        return render(
            request,
            "monitoring/outcome_follow_ups.html",
            {
                "form": form,
                "page_obj": page,
                "rows": [
                    (follow_up, follow_up.due_on < today, outcomes_url(follow_up.engagement_id))
                    for follow_up in page.object_list
                ],
                "query": _query_without_page(request),
                "today": today,
            },
        )


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/outcomes/",
        EngagementOutcomesView.as_view(),
        name="engagement-outcomes",
    ),
    path(
        "engagements/<int:engagement_pk>/outcomes/baseline/",
        BaselineRecordView.as_view(),
        name="outcome-baseline",
    ),
    path(
        "engagements/<int:engagement_pk>/outcomes/schedule/",
        FollowUpScheduleView.as_view(),
        name="outcome-follow-ups-schedule",
    ),
    path(
        "outcomes/follow-ups/",
        FollowUpsDueView.as_view(),
        name="outcome-follow-ups",
    ),
    path(
        "outcomes/follow-ups/<int:pk>/record/",
        FollowUpRecordView.as_view(),
        name="outcome-follow-up-record",
    ),
    path(
        "programmes/<int:programme_pk>/outcome-measures/",
        MeasureListView.as_view(),
        name="outcome-measures",
    ),
    path(
        "programmes/<int:programme_pk>/outcome-measures/defaults/",
        MeasureDefaultsView.as_view(),
        name="outcome-measures-defaults",
    ),
    path(
        "programmes/<int:programme_pk>/outcome-measures/new/",
        MeasureCreateView.as_view(),
        name="outcome-measure-create",
    ),
    path("outcome-measures/<int:pk>/edit/", MeasureEditView.as_view(), name="outcome-measure-edit"),
    path(
        "outcome-measures/<int:pk>/active/",
        MeasureActiveView.as_view(),
        name="outcome-measure-active",
    ),
    path("impact/", ImpactView.as_view(), name="impact"),
]
