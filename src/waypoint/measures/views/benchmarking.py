"""Pages: benchmarking (issue 6 item 6; 000 knowledge points on benchmarking against others and
on how the type of client affects performance).

- ``/performance/benchmarking/?compare=advisers:organisation:3&measure=reviews_on_time&period=
  2026/27&casemix=sector&casemix=size_band``: units (advisers, teams or providers) compared on a
  measure as a league table and, for rates, a funnel plot (an SVG drawn on the server, with the
  same figures in a table in words below it); case-mix adjustment by the client attributes
  chosen; published results of others shown beside ours.
- ``/performance/benchmarking/figures/``: those published results, kept by managers (add,
  change, delete after confirming).

Who may compare what: ``waypoint.measures.selectors_benchmarking``.
"""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from waypoint.core.models import Organisation
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.measures import benchmarking as bm
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures import selectors_benchmarking as sel
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.models import BenchmarkFigure, Measure
from waypoint.measures.services import benchmarks as services
from waypoint.measures.views.dashboards import (
    RAG_CLASSES,
    format_value,
    period_groups,
    urlencode,
)

D = decimal.Decimal
DEFAULT_MEASURE = "reviews_on_time"
POSITION_CLASSES = {
    bm.Position.BETTER: "text-bg-success",
    bm.Position.POSSIBLY_BETTER: "text-bg-light border border-success text-success-emphasis",
    bm.Position.AS_EXPECTED: "text-bg-light border",
    bm.Position.POSSIBLY_WORSE: "text-bg-light border border-danger text-danger-emphasis",
    bm.Position.WORSE: "text-bg-danger",
}
POSITION_SYMBOLS = {
    bm.Position.BETTER: "▲",
    bm.Position.POSSIBLY_BETTER: "△",
    bm.Position.AS_EXPECTED: "●",
    bm.Position.POSSIBLY_WORSE: "▽",
    bm.Position.WORSE: "▼",
}
SOURCE_NOUNS = {
    "engagements": "engagements",
    "contacts": "contacts",
    "reviews": "reviews",
    "actions": "actions",
    "goals": "goals",
    "referrals": "referrals",
    "outcomes": "outcomes",
    "concerns": "concerns",
    "costs": "costs",
}


def _dim_label(name: str) -> str:
    return defs.CLIENT_DIMS.get(name, name).split(" (")[0]


def _float(value: D | None) -> float | None:
    return None if value is None else float(value)


def _d(value: float | None) -> D | None:
    return None if value is None else D(str(round(value, 4)))


def _pct(value: float | None) -> str:
    return "No data" if value is None else f"{value:,.1f}%"


# The comparison page ---------------------------------------------------------------------------


class BenchmarkView(LoginRequiredMixin, View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not sel.may_benchmark(request.user):
            raise PermissionDenied("Benchmarking is for managers and contract managers.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        choices = sel.comparisons_for(user)
        key = request.GET.get("compare", "")
        if key:
            access, comparison = sel.comparison_access(user, key)
            if access is dash.Access.FORBIDDEN:
                raise PermissionDenied("Your role does not let you compare within this scope.")
            if access is not dash.Access.ALLOWED or comparison is None:
                raise Http404("No such comparison.")
        elif choices:
            comparison = choices[0]
        else:
            return render(request, "measures/benchmark_none.html", {})
        if all(c.key != comparison.key for c in choices):
            choices.insert(0, comparison)
        today = timezone.localdate()
        period, problem = dash.read_period(
            request.GET.get("period"), request.GET.get("kind"), today
        )
        problems = [problem] if problem else []
        measures = sel.benchmarkable_measures(user, comparison)
        code = request.GET.get("measure") or DEFAULT_MEASURE
        matching = sorted(
            (m for m in measures if m.code == code), key=lambda m: m.organisation_id is None
        )
        if not matching:
            if request.GET.get("measure"):
                problems.append(f"measure: there is no measure {code!r} to compare on.")
            matching = [m for m in measures if m.code == DEFAULT_MEASURE] or measures[:1]
        if not matching:
            raise Http404("No measures to compare on.")
        measure = matching[0]
        wanted = request.GET.getlist("casemix")
        unknown = [d for d in wanted if d not in bm.CASE_MIX_DIMS]
        if unknown:
            problems.append(
                "casemix: " + ", ".join(repr(d) for d in unknown) + " cannot form segments."
            )
        case_mix = [d for d in bm.CASE_MIX_DIMS if d in wanted]
        benchmark = sel.gather(comparison, measure, period, case_mix=case_mix, today=today)
        figures = sel.benchmark_figures(user, measure, period)
        context = self.build(benchmark, figures)
        context.update(
            {
                "comparison": comparison,
                "choices": choices,
                "measures": measures,
                "measure": measure,
                "period": period,
                "period_groups": period_groups(period),
                "problems": problems,
                "case_mix_choices": [(d, _dim_label(d), d in case_mix) for d in bm.CASE_MIX_DIMS],
                "case_mix_on": bool(benchmark.case_mix),
                "case_mix_asked": bool(case_mix),
                "case_mix_labels": [_dim_label(d) for d in benchmark.case_mix],
                "is_rate": benchmark.is_rate,
                "today": today,
                "can_manage_figures": policy_for(BenchmarkFigure).can_any(user, "change"),
                "figures_url": reverse("measures:benchmark-figure-list"),
            }
        )
        return render(request, "measures/benchmark.html", context)

    def build(self, benchmark: sel.Benchmark, figures: list[BenchmarkFigure]) -> dict[str, Any]:
        measure = benchmark.measure
        unit = measure.unit
        noun = SOURCE_NOUNS.get(benchmark.definition.source, "records")
        adjusted = bool(benchmark.case_mix)
        if benchmark.is_rate:
            overall = benchmark.case_mix_overall if adjusted else _float(benchmark.overall.value)
        else:
            overall = None
        # The figure each unit is ranked and plotted by: the adjusted rate with case-mix on.
        shown: dict[int, float | None] = {}
        counts: dict[int, int] = {}
        for u in benchmark.units:
            if adjusted:
                st = u.standardised
                shown[u.id] = st.adjusted_rate if st is not None else None
                counts[u.id] = st.n if st is not None else 0
            else:
                shown[u.id] = _float(u.figure.value)
                counts[u.id] = (
                    int(u.figure.denominator)
                    if benchmark.is_rate and u.figure.denominator is not None
                    else u.figure.records
                )
        ranked = bm.league([(u.id, shown[u.id]) for u in benchmark.units], measure.direction)
        by_id = {u.id: u for u in benchmark.units}
        rows = []
        points = []
        for place in ranked:
            u = by_id[int(place.key)]  # type: ignore[call-overload]
            placed = None
            if benchmark.is_rate and overall is not None and place.value is not None:
                placed = bm.place_rate(place.value, counts[u.id], overall, measure.direction)
                points.append(bm.Point(u.name, counts[u.id], place.value, placed))
            st = u.standardised
            rows.append(
                {
                    "rank": place.rank,
                    "tied": place.tied,
                    "unit": u,
                    "value": format_value(u.figure.value, unit),
                    "n": counts[u.id],
                    "parts": (
                        f"{u.figure.numerator:,.0f} of {u.figure.denominator:,.0f}"
                        if benchmark.is_rate
                        and u.figure.numerator is not None
                        and u.figure.denominator is not None
                        else ""
                    ),
                    "target": format_value(u.target_due, unit) if u.target is not None else "",
                    "rag_label": rag.label(u.rag),
                    "rag_class": RAG_CLASSES[u.rag],
                    "rag_symbol": rag.symbol(u.rag),
                    "expected": f"{st.expected:,.1f}" if st is not None else "",
                    "observed": st.observed if st is not None else None,
                    "ratio": f"{st.ratio:.2f}" if st is not None and st.ratio is not None else "",
                    "adjusted": _pct(st.adjusted_rate) if st is not None else "No data",
                    "placed": placed,
                    "position_label": placed.position.label if placed else "",
                    "position_detail": placed.detail if placed else "",
                    "position_class": POSITION_CLASSES[placed.position] if placed else "",
                    "position_symbol": POSITION_SYMBOLS[placed.position] if placed else "",
                }
            )
        benchmark_rows = [
            {
                "figure": f,
                "period": Period(f.period_start, PeriodKind(f.period_kind)),
                "value": format_value(f.value, unit),
            }
            for f in figures
        ]
        chart = ""
        summary = ""
        if benchmark.is_rate and overall is not None and points:
            tally: dict[bm.Position, int] = {}
            for p in points:
                tally[p.placed.position] = tally.get(p.placed.position, 0) + 1
            words = ", ".join(
                f"{count} {position.label.lower()}"
                for position in bm.Position
                if (count := tally.get(position))
            )
            label = benchmark.comparison.label
            summary = (
                f"Funnel plot of {measure.name.lower()}"
                f"{' adjusted for case-mix' if adjusted else ''}, "
                f"{label[:1].lower()}{label[1:]}"
                f", {benchmark.period.title}: overall {overall:.1f}%; {words}."
            )
            chart = bm.funnel_chart(
                points,
                overall,
                benchmarks=[(f.source, float(f.value)) for f in figures if 0 <= f.value <= 100],
                summary=summary,
                x_label=f"Number of {noun}",
                y_label=f"{measure.name}{' (adjusted)' if adjusted else ''} (%)",
            )
        totals = sum((c for c in benchmark.population.values()), bm.Counts())
        return {
            "benchmark": benchmark,
            "rows": rows,
            "overall_value": (
                _pct(overall) if benchmark.is_rate else format_value(benchmark.overall.value, unit)
            ),
            "overall_n": (
                totals.n
                if adjusted
                else int(benchmark.overall.denominator)
                if benchmark.is_rate and benchmark.overall.denominator is not None
                else benchmark.overall.records
            ),
            "noun": noun,
            # Built from numbers and escaped text only (benchmarking.funnel_chart).
            "chart": mark_safe(chart),  # noqa: S308
            "chart_summary": summary,
            "benchmark_rows": benchmark_rows,
            "segments": len(benchmark.population),
            "limits_example": self.limits_example(overall, rows),
        }

    def limits_example(self, overall: float | None, rows: list[dict[str, Any]]) -> str:
        """The limits at the median volume, in words, to explain the funnel."""
        volumes = sorted(r["n"] for r in rows if r["placed"] is not None)
        if overall is None or not volumes:
            return ""
        n = volumes[len(volumes) // 2]
        low95, high95 = bm.proportion_limits(overall, n, bm.Z95)
        low998, high998 = bm.proportion_limits(overall, n, bm.Z998)
        return (
            f"For a unit with {n:,} records the 95% limits are {low95:.1f}% to {high95:.1f}% and "
            f"the 99.8% limits {low998:.1f}% to {high998:.1f}%."
        )


# Benchmark figures --------------------------------------------------------------------------------


def _organisations_for_add(user: Any) -> QuerySet[Organisation]:
    ids = policy_for(BenchmarkFigure).organisations_for_add(user)  # type: ignore[attr-defined]
    if ids is None:
        return Organisation.objects.filter(is_active=True).order_by("name")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def _period_label(figure: BenchmarkFigure) -> str:
    return Period(figure.period_start, PeriodKind(figure.period_kind)).label


class BenchmarkFigureForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(), help_text="The measure the published figure compares with."
    )
    source = forms.CharField(
        label="Published by",
        max_length=200,
        help_text="Who published it, e.g. a national survey or another provider's annual report.",
    )
    period = forms.CharField(
        max_length=12,
        help_text="The period it covers: a financial year (2025/26), a financial quarter "
        "(2025/26 Q3) or a month (2025-11).",
    )
    value = forms.CharField(
        label="Figure",
        max_length=24,
        help_text="In the measure's unit: 72.5 for 72.5%, 1250 for £1,250.",
    )
    url = forms.URLField(
        label="Link to the source", required=False, max_length=200, assume_scheme="https"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, user: Any, organisations: QuerySet[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        ids = list(organisations.values_list("pk", flat=True))
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["measure"].queryset = (  # type: ignore[attr-defined]
            Measure.objects.restrict(user, "view")
            .filter(is_active=True)
            .order_by("position", "name")
        )


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "measure": data.get("measure"),
        "source": data.get("source", ""),
        "period": data.get("period", ""),
        "value": data.get("value", ""),
        "url": data.get("url", ""),
        "notes": data.get("notes", ""),
    }


class BenchmarkFigureListView(PolicyViewMixin, View):
    policy_model = BenchmarkFigure

    def get(self, request: HttpRequest) -> HttpResponse:
        policy = policy_for(BenchmarkFigure)
        figures = (
            BenchmarkFigure.objects.restrict(request.user, "view")
            .select_related("measure", "organisation")
            .order_by("measure__position", "measure__name", "-period_start", "source")
        )
        rows = [
            {
                "figure": f,
                "period": Period(f.period_start, PeriodKind(f.period_kind)),
                "value": format_value(f.value, f.measure.unit),
                "can_change": policy.allows(request.user, "change", f),
                "compare_url": reverse("measures:benchmarking")
                + "?"
                + urlencode({"measure": f.measure.code}),
            }
            for f in figures
        ]
        return render(
            request,
            "measures/benchmark_figures.html",
            {"rows": rows, "can_add": policy.can_add(request.user)},
        )


class BenchmarkFigureCreateView(PolicyViewMixin, View):
    policy_model = BenchmarkFigure
    policy_action = "add"

    def _form(self, request: HttpRequest, **kwargs: Any) -> BenchmarkFigureForm:
        return BenchmarkFigureForm(
            user=request.user, organisations=_organisations_for_add(request.user), **kwargs
        )

    def _render(self, request: HttpRequest, form: BenchmarkFigureForm) -> HttpResponse:
        return render(
            request,
            "measures/benchmark_figure_form.html",
            {
                "form": form,
                "title": "Add a benchmark figure",
                "cancel_url": reverse("measures:benchmark-figure-list"),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {}
        if code := request.GET.get("measure"):
            found = Measure.objects.restrict(request.user, "view").filter(code=code).first()
            if found is not None:
                initial["measure"] = found.pk
        return self._render(request, self._form(request, initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, data=request.POST)
        if not form.is_valid():
            return self._render(request, form)
        try:
            services.benchmark_create(
                organisation=form.cleaned_data["organisation"],
                acting_user=request.user,
                **_fields(form.cleaned_data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form)
        messages.success(request, "Benchmark figure added.")
        return redirect("measures:benchmark-figure-list")


class BenchmarkFigureEditView(PolicyViewMixin, View):
    policy_model = BenchmarkFigure
    policy_action = "change"

    def _form(self, request: HttpRequest, figure: BenchmarkFigure, **kwargs: Any) -> Any:
        return BenchmarkFigureForm(
            user=request.user,
            organisations=Organisation.objects.filter(pk=figure.organisation_id),
            **kwargs,
        )

    def _render(
        self, request: HttpRequest, form: BenchmarkFigureForm, figure: BenchmarkFigure
    ) -> HttpResponse:
        return render(
            request,
            "measures/benchmark_figure_form.html",
            {
                "form": form,
                "figure": figure,
                "title": f"Change a benchmark figure: {figure.source}, {_period_label(figure)}",
                "cancel_url": reverse("measures:benchmark-figure-list"),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = get_object_for(request.user, BenchmarkFigure, "change", pk=pk)
        form = self._form(
            request,
            figure,
            initial={
                "organisation": figure.organisation_id,
                "measure": figure.measure_id,
                "source": figure.source,
                "period": _period_label(figure),
                "value": f"{figure.value.normalize():f}",
                "url": figure.url,
                "notes": figure.notes,
            },
        )
        return self._render(request, form, figure)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = get_object_for(request.user, BenchmarkFigure, "change", pk=pk)
        data = request.POST.copy()
        data["organisation"] = str(figure.organisation_id)  # a figure stays with its organisation
        form = self._form(request, figure, data=data)
        if not form.is_valid():
            return self._render(request, form, figure)
        try:
            services.benchmark_update(
                figure=figure, acting_user=request.user, **_fields(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, figure)
        messages.success(request, "Benchmark figure saved.")
        return redirect("measures:benchmark-figure-list")


class BenchmarkFigureDeleteView(PolicyViewMixin, View):
    policy_model = BenchmarkFigure
    policy_action = "delete"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = get_object_for(request.user, BenchmarkFigure, "delete", pk=pk)
        return render(
            request,
            "measures/benchmark_figure_confirm_delete.html",
            {
                "figure": figure,
                "period": Period(figure.period_start, PeriodKind(figure.period_kind)),
                "value": format_value(figure.value, figure.measure.unit),
                "cancel_url": reverse("measures:benchmark-figure-list"),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = get_object_for(request.user, BenchmarkFigure, "delete", pk=pk)
        services.benchmark_delete(figure=figure, acting_user=request.user)
        messages.success(request, "Benchmark figure deleted.")
        return redirect("measures:benchmark-figure-list")


urlpatterns: list[URLPattern] = [
    path("benchmarking/", BenchmarkView.as_view(), name="benchmarking"),
    path("benchmarking/figures/", BenchmarkFigureListView.as_view(), name="benchmark-figure-list"),
    path(
        "benchmarking/figures/add/",
        BenchmarkFigureCreateView.as_view(),
        name="benchmark-figure-create",
    ),
    path(
        "benchmarking/figures/<int:pk>/edit/",
        BenchmarkFigureEditView.as_view(),
        name="benchmark-figure-edit",
    ),
    path(
        "benchmarking/figures/<int:pk>/delete/",
        BenchmarkFigureDeleteView.as_view(),
        name="benchmark-figure-delete",
    ),
]


def register_nav() -> None:
    """The menu's "Benchmarking" link, for managers and contract managers (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Benchmarking",
            "measures:benchmarking",
            sel.may_benchmark,
            order=40,
            group="Performance",
        )
    )
