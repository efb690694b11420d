"""Pages: the service evaluation (issue 6 item 9; 000 reqs 9, 10; 001 E5.05 LO4).

- ``/performance/evaluations/``: the evaluations a person may see;
- ``new/``: start one for a scope (an organisation, programme, team or adviser whose figures
  the manager may see) and a period;
- ``<id>/``: the report: economy, efficiency, effectiveness, value for money, quality, client
  experience and equity against targets and the previous period; financial and time limits;
  local and regional priorities; the SWOT; benchmarks; client feedback; recommendations;
- ``<id>/edit/``: the narrative sections, while a draft; ``<id>/finalise/``: make it final (its
  figures are kept as they are then); ``<id>/recommendations/new/``: raise an improvement;
- ``<id>/report.pdf`` and ``<id>/report.xlsx``: the report to keep and share. It names no
  client: figures, counts and the manager's own words only.

Managers (administrators, service managers) write evaluations; contract managers and viewers of
the organisation read them (``ManagedRecordPolicy``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.models import User
from waypoint.core.periods import PeriodKind, period_of
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.measures import rag
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures import selectors_evaluations as report
from waypoint.measures.models import Evaluation, Improvement, Measure, ScopeKind, Unit
from waypoint.measures.services import evaluations as services
from waypoint.measures.views.dashboards import RAG_CLASSES, format_difference, format_value

D = decimal.Decimal
TEXTAREA = forms.Textarea(attrs={"rows": 4})
SWOT = (
    ("strengths", "Strengths"),
    ("weaknesses", "Weaknesses"),
    ("opportunities", "Opportunities"),
    ("threats", "Threats"),
)


def scope_choices(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scopes the person may evaluate, grouped by kind: those whose figures they see and
    whose organisation they manage."""
    groups = []
    for kind, scopes in dash.scopes_for(user).items():
        options = [
            (f"{s.kind}:{s.id}", s.name)
            for s in scopes
            if (found := dash.find_scope(s.kind, s.id)) is not None
            and services._organisation_for(user, found) is not None
        ]
        if options:
            groups.append((str(ScopeKind(kind).label), options))
    order = [ScopeKind.ORGANISATION.label, ScopeKind.PROGRAMME.label, ScopeKind.TEAM.label]
    groups.sort(key=lambda g: order.index(g[0]) if g[0] in order else len(order))
    return groups


# Presenting the report ------------------------------------------------------------------------


def _value(text: Any, unit: str) -> str:
    return format_value(report.number(text), unit)


def present(data: dict[str, Any]) -> dict[str, Any]:
    """The report's figures as people read them (the page and the PDF)."""
    if data.get("missing_scope"):
        return {"missing_scope": True}
    groups = []
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for category, lines in report.grouped(data["lines"]):
        items = []
        for line in lines:
            unit = line["unit"]
            change = report.number(line["change"])
            target = ""
            if line["target"] is not None:
                target = _value(line["target"], unit)
                if line["target_due"] not in (None, line["target"]):
                    target = f"{_value(line['target_due'], unit)} due (of {target})"
            trend = ""
            if change is not None and change != 0:
                better = (change > 0) == (line["direction"] == "higher")
                trend = "better" if better else "worse"
            elif change is not None:
                trend = "same"
            counts[line["rag"] or "none"] += 1
            items.append(
                {
                    "name": line["name"],
                    "value": _value(line["value"], unit),
                    "target": target or "Not set",
                    "rag": line["rag"],
                    "rag_label": rag.label(line["rag"]),
                    "rag_symbol": rag.symbol(line["rag"]),
                    "rag_class": RAG_CLASSES[line["rag"]],
                    "previous": _value(line["previous"], unit),
                    "change": format_difference(change, unit) if change is not None else "-",
                    "trend": trend,
                    "direction": "Higher is better"
                    if line["direction"] == "higher"
                    else "Lower is better",
                }
            )
        groups.append((category, items))
    limits = data["limits"]
    budgets = [
        {**b, "amount_text": format_value(D(b["amount"]), Unit.MONEY)} for b in data["budgets"]
    ]
    cost_total = report.number(data["cost_total"])
    return {
        "groups": groups,
        "counts": counts,
        "cost_total": format_value(cost_total, Unit.MONEY) if cost_total is not None else "",
        "costs_by_kind": [
            (label, format_value(D(amount), Unit.MONEY)) for label, amount in data["costs_by_kind"]
        ],
        "budgets": budgets,
        "budget_total": format_value(D(data["budget_total"]), Unit.MONEY)
        if data.get("budget_total")
        else "",
        "budget_used": data.get("budget_used"),
        "limits": {
            **limits,
            "start": dt.date.fromisoformat(limits["start"]),
            "end": dt.date.fromisoformat(limits["end"]),
            "as_of": dt.date.fromisoformat(limits["as_of"]),
            "programmes": [
                {
                    "programme": p["programme"],
                    "start": dt.date.fromisoformat(p["start"]),
                    "end": dt.date.fromisoformat(p["end"]) if p["end"] else None,
                }
                for p in limits["programmes"]
            ],
        },
        "priorities": data["priorities"],
        "benchmarks": [
            {
                **b,
                "value_text": _value(b["value"], b["unit"]),
                "ours_text": _value(b["ours"], b["unit"]),
                "difference_text": format_difference(D(b["difference"]), b["unit"])
                if b["difference"] is not None
                else "-",
                "verdict": "-"
                if b["better"] is None
                else ("Better than theirs" if b["better"] else "Worse than theirs"),
            }
            for b in data["benchmarks"]
        ],
        "feedback": data["feedback"],
        "period": data["period"],
        "previous": data["previous"],
        "as_of": dt.date.fromisoformat(data["as_of"]),
    }


def report_context(evaluation: Evaluation, user: Any, *, for_print: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    data = report.report_data(evaluation, today)
    period = report.evaluation_period(evaluation)
    scope = report.evaluation_scope(evaluation)
    context: dict[str, Any] = {
        "evaluation": evaluation,
        "period": period,
        "scope": scope,
        "data": data,
        "shown": present(data),
        "swot": [(label, getattr(evaluation, name)) for name, label in SWOT],
        "recommendations": report.recommendations(evaluation),
        "is_final": data.get("final", False),
        "finalised_at": data.get("finalised_at"),
        "finalised_by": data.get("finalised_by", ""),
    }
    if not for_print and evaluation.status == Evaluation.Status.DRAFT and scope is not None:
        context["quotes"] = report.feedback_quotes(user, scope, period)
    return context


# Pages ------------------------------------------------------------------------------------


class EvaluationListView(PolicyViewMixin, View):
    policy_model = Evaluation

    def get(self, request: HttpRequest) -> HttpResponse:
        evaluations = Evaluation.objects.restrict(request.user, "view").select_related(
            "organisation", "created_by"
        )
        rows = []
        for evaluation in evaluations.order_by("-period_start", "-created_at"):
            scope = report.evaluation_scope(evaluation)
            rows.append(
                {
                    "evaluation": evaluation,
                    "scope": scope.title if scope else "(no longer exists)",
                    "period": report.evaluation_period(evaluation),
                    "recommendations": evaluation.improvements.count(),
                }
            )
        return render(
            request,
            "measures/evaluation_list.html",
            {"rows": rows, "can_add": policy_for(Evaluation).can_add(request.user)},
        )


class EvaluationCreateForm(forms.Form):
    scope = forms.ChoiceField(help_text="What is evaluated: the whole organisation or a part.")
    period = forms.CharField(
        max_length=12,
        help_text="A month (2026-11), a financial quarter (2026/27 Q3) or a financial year "
        "(2026/27).",
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty for e.g. “Service evaluation: Enterprise Hub, 2026/27”.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *scope_choices(user),
        ]


class EvaluationCreateView(PolicyViewMixin, View):
    policy_model = Evaluation
    policy_action = "add"

    def _render(self, request: HttpRequest, form: forms.Form) -> HttpResponse:
        return render(
            request,
            "measures/evaluation_form.html",
            {
                "form": form,
                "title": "Start a service evaluation",
                "intro": "Choose what to evaluate and the period. The report gathers the "
                "figures; you then write the SWOT, the limits and priorities, the client "
                "feedback themes and your conclusions, and raise recommendations.",
                "cancel_url": reverse("measures:evaluation-list"),
                "submit_label": "Start the evaluation",
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        year = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
        return self._render(
            request, EvaluationCreateForm(user=request.user, initial={"period": year.label})
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EvaluationCreateForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(request, form)
        kind, _, scope_id = form.cleaned_data["scope"].partition(":")
        try:
            evaluation = services.evaluation_create(
                acting_user=request.user,
                title=form.cleaned_data["title"],
                scope_kind=kind,
                scope_id=scope_id,
                period=form.cleaned_data["period"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form)
        messages.success(request, "Evaluation started: write its narrative next.")
        return redirect("measures:evaluation-edit", evaluation.pk)


class EvaluationForm(forms.Form):
    title = forms.CharField(max_length=200)
    limits = forms.CharField(
        label="Financial and time limits",
        required=False,
        widget=TEXTAREA,
        help_text="How the budget and the time available shaped the service.",
    )
    priorities = forms.CharField(
        label="Local and regional priorities",
        required=False,
        widget=TEXTAREA,
        help_text="The priorities and problems of the area; the programmes' own are shown "
        "in the report.",
    )
    strengths = forms.CharField(required=False, widget=TEXTAREA)
    weaknesses = forms.CharField(required=False, widget=TEXTAREA)
    opportunities = forms.CharField(required=False, widget=TEXTAREA)
    threats = forms.CharField(required=False, widget=TEXTAREA)
    feedback_themes = forms.CharField(
        label="Client feedback themes",
        required=False,
        widget=TEXTAREA,
        help_text="What clients say, in themes. Do not name clients.",
    )
    conclusions = forms.CharField(required=False, widget=TEXTAREA)


class EvaluationEditView(PolicyViewMixin, View):
    policy_model = Evaluation
    policy_action = "change"

    def _evaluation(self, request: HttpRequest, pk: int) -> Evaluation:
        evaluation: Evaluation = get_object_for(request.user, Evaluation, "change", pk=pk)
        return evaluation

    def _render(
        self, request: HttpRequest, form: forms.Form, evaluation: Evaluation
    ) -> HttpResponse:
        return render(
            request,
            "measures/evaluation_form.html",
            {
                "form": form,
                "evaluation": evaluation,
                "title": f"Write the evaluation: {evaluation.title}",
                "intro": "A SWOT of the service (strengths and weaknesses within it, "
                "opportunities and threats around it), the limits and priorities it works "
                "under, what clients say and your conclusions. The figures are on the report.",
                "cancel_url": reverse("measures:evaluation-detail", args=[evaluation.pk]),
                "submit_label": "Save",
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = self._evaluation(request, pk)
        if evaluation.status != Evaluation.Status.DRAFT:
            messages.info(request, "This evaluation is final: it can no longer be changed.")
            return redirect("measures:evaluation-detail", evaluation.pk)
        initial = {name: getattr(evaluation, name) for name in EvaluationForm.base_fields}
        return self._render(request, EvaluationForm(initial=initial), evaluation)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = self._evaluation(request, pk)
        form = EvaluationForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, evaluation)
        data = dict(form.cleaned_data)
        try:
            services.evaluation_update(
                evaluation=evaluation,
                acting_user=request.user,
                title=data.pop("title"),
                **data,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, evaluation)
        messages.success(request, "Evaluation saved.")
        return redirect("measures:evaluation-detail", evaluation.pk)


class EvaluationDetailView(PolicyViewMixin, View):
    policy_model = Evaluation

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "view", pk=pk)
        context = report_context(evaluation, request.user)
        policy = policy_for(Evaluation)
        can_change = policy.allows(request.user, "change", evaluation)
        context.update(
            {
                "can_edit": can_change and evaluation.status == Evaluation.Status.DRAFT,
                "can_recommend": can_change,
                "pdf_url": reverse("measures:evaluation-pdf", args=[evaluation.pk]),
                "xlsx_url": reverse("measures:evaluation-xlsx", args=[evaluation.pk]),
                "dashboard_url": reverse(
                    "measures:dashboard", args=[evaluation.scope_kind, evaluation.scope_id]
                )
                + f"?period={context['period'].label}",
            }
        )
        return render(request, "measures/evaluation_detail.html", context)


class EvaluationFinaliseView(PolicyViewMixin, View):
    policy_model = Evaluation
    policy_action = "change"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "change", pk=pk)
        return render(request, "measures/evaluation_finalise.html", {"evaluation": evaluation})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "change", pk=pk)
        try:
            services.evaluation_finalise(evaluation=evaluation, acting_user=request.user)
        except ValidationError as error:
            return render(
                request,
                "measures/evaluation_finalise.html",
                {"evaluation": evaluation, "problems": error.messages},
                status=400,
            )
        messages.success(request, "The evaluation is final: its figures are kept as they are.")
        return redirect("measures:evaluation-detail", evaluation.pk)


class RecommendationForm(forms.Form):
    title = forms.CharField(label="What to improve", max_length=200)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), help_text="Who sees it through.")
    plan = forms.CharField(required=False, widget=TEXTAREA, help_text="What will be done.")
    due_on = forms.DateField(
        label="Due by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        empty_label="None",
        help_text="The measure to check before and after the change.",
    )

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True, role_assignments__organisation=evaluation.organisation_id
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.username
        )
        self.fields["measure"].queryset = Measure.objects.filter(  # type: ignore[attr-defined]
            Q(organisation__isnull=True) | Q(organisation_id=evaluation.organisation_id),
            is_active=True,
        ).order_by("position", "name")


class RecommendationCreateView(PolicyViewMixin, View):
    policy_model = Evaluation
    policy_action = "change"

    def _render(
        self, request: HttpRequest, form: forms.Form, evaluation: Evaluation
    ) -> HttpResponse:
        return render(
            request,
            "measures/evaluation_form.html",
            {
                "form": form,
                "evaluation": evaluation,
                "title": "Add a recommendation",
                "intro": "A recommendation goes on the improvement register at its plan "
                "stage, linked to this evaluation, to be done, checked and acted on.",
                "cancel_url": reverse("measures:evaluation-detail", args=[evaluation.pk]),
                "submit_label": "Add the recommendation",
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "change", pk=pk)
        if not policy_for(Improvement).can_add(request.user, evaluation.organisation_id):
            raise PermissionDenied("Your role does not let you add improvements.")
        return self._render(request, RecommendationForm(evaluation=evaluation), evaluation)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "change", pk=pk)
        form = RecommendationForm(request.POST, evaluation=evaluation)
        if not form.is_valid():
            return self._render(request, form, evaluation)
        try:
            services.recommendation_create(
                evaluation=evaluation, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, evaluation)
        messages.success(request, "Recommendation added to the improvement register.")
        return redirect(
            reverse("measures:evaluation-detail", args=[evaluation.pk]) + "#recommendations"
        )


# Downloads -------------------------------------------------------------------------------------


def _file_name(evaluation: Evaluation, extension: str) -> str:
    label = report.evaluation_period(evaluation).label.replace("/", "-").replace(" ", "-")
    return f"evaluation-{evaluation.pk}-{label}.{extension}"


class EvaluationPdfView(PolicyViewMixin, View):
    policy_model = Evaluation

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from weasyprint import HTML

        evaluation = get_object_for(request.user, Evaluation, "view", pk=pk)
        context = report_context(evaluation, request.user, for_print=True)
        context["printed_on"] = timezone.localdate()
        html = render_to_string("measures/evaluation_pdf.html", context)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{_file_name(evaluation, "pdf")}"'
        return response


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def workbook_for(evaluation: Evaluation, context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    data = context["data"]
    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    scope = context["scope"]
    rows: list[list[Any]] = [
        ["Title", evaluation.title],
        ["Scope", scope.title if scope else ""],
        ["Period", context["period"].title],
        ["Status", evaluation.get_status_display()],
        ["Figures as of", data.get("as_of", "")],
        ["Financial and time limits", evaluation.limits],
        ["Local and regional priorities", evaluation.priorities],
        ["Client feedback themes", evaluation.feedback_themes],
        ["Conclusions", evaluation.conclusions],
    ]
    for row in rows:
        summary.append([_cell(v) for v in row])
        summary.cell(row=summary.max_row, column=1).font = bold
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 90

    figures = book.create_sheet("Figures")
    figures.append(
        [
            "Category",
            "Measure",
            "Unit",
            "Direction",
            f"Value {data.get('period', '')}",
            "Target",
            "Target due",
            "Status",
            f"Previous {data.get('previous', '')}",
            "Change",
        ]
    )
    for line in data.get("lines", []):
        figures.append(
            [
                line["category_label"],
                line["name"],
                line["unit"],
                line["direction"],
                report.number(line["value"]),
                report.number(line["target"]),
                report.number(line["target_due"]),
                rag.label(line["rag"]),
                report.number(line["previous"]),
                report.number(line["change"]),
            ]
        )
    for cell in figures[1]:
        cell.font = bold
    figures.column_dimensions["A"].width = 18
    figures.column_dimensions["B"].width = 42

    costs = book.create_sheet("Costs and budgets")
    costs.append(["Kind of cost", "Amount (£)"])
    for label, amount in data.get("costs_by_kind", []):
        costs.append([label, D(amount)])
    costs.append(["Cost of delivery", report.number(data.get("cost_total"))])
    costs.append([])
    costs.append(["Programme", "Budget period", "Budget (£)"])
    for budget in data.get("budgets", []):
        costs.append([_cell(budget["programme"]), budget["period"], D(budget["amount"])])
    costs.column_dimensions["A"].width = 40

    benchmarks = book.create_sheet("Benchmarks")
    benchmarks.append(["Measure", "Source", "Their period", "Theirs", "Ours", "Difference"])
    for b in data.get("benchmarks", []):
        benchmarks.append(
            [
                b["measure"],
                _cell(b["source"]),
                b["period"],
                D(b["value"]),
                report.number(b["ours"]),
                report.number(b["difference"]),
            ]
        )
    benchmarks.column_dimensions["A"].width = 36
    benchmarks.column_dimensions["B"].width = 36

    swot = book.create_sheet("SWOT")
    swot.append(["Part", "Text"])
    for label, text in context["swot"]:
        swot.append([label, _cell(text)])
    swot.column_dimensions["A"].width = 16
    swot.column_dimensions["B"].width = 100

    feedback = book.create_sheet("Client feedback")
    counts = data.get("feedback", {})
    for label, key in (
        ("Reviews held", "reviews"),
        ("Reviews saying what went well", "went_well"),
        ("Reviews saying what did not go well", "went_badly"),
        ("Self-reviews", "self_reviews"),
        ("Self-reviews suggesting improvements", "suggestions"),
    ):
        feedback.append([label, counts.get(key, 0)])
    feedback.column_dimensions["A"].width = 40

    recommendations = book.create_sheet("Recommendations")
    recommendations.append(["What to improve", "Owner", "Plan", "Due by", "Measure", "Status"])
    for improvement in context["recommendations"]:
        recommendations.append(
            [
                _cell(improvement.title),
                improvement.owner.get_full_name() or improvement.owner.username,
                _cell(improvement.plan),
                improvement.due_on,
                improvement.measure.name if improvement.measure else "",
                improvement.get_status_display(),
            ]
        )
    recommendations.column_dimensions["A"].width = 40
    recommendations.column_dimensions["C"].width = 60
    for sheet in (costs, benchmarks, swot, recommendations):
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class EvaluationXlsxView(PolicyViewMixin, View):
    policy_model = Evaluation

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_for(request.user, Evaluation, "view", pk=pk)
        context = report_context(evaluation, request.user, for_print=True)
        response = HttpResponse(
            workbook_for(evaluation, context),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{_file_name(evaluation, "xlsx")}"'
        return response


urlpatterns: list[URLPattern] = [
    path("evaluations/", EvaluationListView.as_view(), name="evaluation-list"),
    path("evaluations/new/", EvaluationCreateView.as_view(), name="evaluation-create"),
    path("evaluations/<int:pk>/", EvaluationDetailView.as_view(), name="evaluation-detail"),
    path("evaluations/<int:pk>/edit/", EvaluationEditView.as_view(), name="evaluation-edit"),
    path(
        "evaluations/<int:pk>/finalise/",
        EvaluationFinaliseView.as_view(),
        name="evaluation-finalise",
    ),
    path(
        "evaluations/<int:pk>/recommendations/new/",
        RecommendationCreateView.as_view(),
        name="evaluation-recommend",
    ),
    path("evaluations/<int:pk>/report.pdf", EvaluationPdfView.as_view(), name="evaluation-pdf"),
    path("evaluations/<int:pk>/report.xlsx", EvaluationXlsxView.as_view(), name="evaluation-xlsx"),
]


def register_nav() -> None:
    """The menu's "Evaluations" link, for those who may read evaluations (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Evaluations",
            "measures:evaluation-list",
            lambda user: policy_for(Evaluation).can_any(user, "view"),
            order=70,
            group="Performance",
        )
    )
