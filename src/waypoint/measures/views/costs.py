"""Pages: costs of delivering the service (issue 6 item 2; 000 req 9: economy and value for
money).

- ``/performance/costs/``: the costs a person may see, filtered by period, programme and team,
  a page at a time, with the total of everything the filter finds;
- add, change and delete a cost (deleting asks first); managers only (``ManagedRecordPolicy``);
- ``/performance/costs/import/``: a CSV or XLSX file of costs, all rows or none, each problem
  named by its row and column; a template CSV to fill in.
"""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.views import View

from waypoint.core.importing import MAX_FILE_BYTES
from waypoint.core.models import Organisation, Team
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Programme
from waypoint.measures.models import Cost
from waypoint.measures.services import costs as services

D = decimal.Decimal
PER_PAGE = 25


def _organisations_for_add(user: Any) -> QuerySet[Organisation]:
    ids = policy_for(Cost).organisations_for_add(user)  # type: ignore[attr-defined]
    if ids is None:
        return Organisation.objects.filter(is_active=True).order_by("name")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def _programme_choices(organisation_ids: Any) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(
            Q(organisation_id__in=organisation_ids)
            | Q(delivering_organisations__in=organisation_ids)
        )
        .distinct()
        .order_by("name")
    )


def period_label(cost: Cost) -> str:
    return Period(cost.period_start, PeriodKind(cost.period_kind)).label


# The list -------------------------------------------------------------------------------------


class CostFilterForm(forms.Form):
    period = forms.CharField(
        required=False,
        help_text="A month (2026-11), quarter (2026/27 Q3) or financial year (2026/27): "
        "shows the costs recorded for that period and for the months and quarters in it.",
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(), required=False, empty_label="Any programme"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="Any team"
    )

    def __init__(self, *args: Any, organisation_ids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = _programme_choices(organisation_ids)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            organisation_id__in=organisation_ids
        ).order_by("organisation__name", "name")

    def clean_period(self) -> Period | None:
        label = self.cleaned_data.get("period", "").strip()
        if not label:
            return None
        try:
            return services.parse_period(label)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _filtered(costs: QuerySet[Cost], data: dict[str, Any]) -> QuerySet[Cost]:
    period: Period | None = data.get("period")
    if period is not None:
        # The period's own costs and those of the shorter periods inside it.
        costs = costs.filter(period_start__gte=period.start, period_start__lt=period.end)
        shorter = {
            PeriodKind.FINANCIAL_YEAR: [PeriodKind.FINANCIAL_YEAR, PeriodKind.QUARTER],
            PeriodKind.QUARTER: [PeriodKind.QUARTER],
        }.get(period.kind, [])
        kinds = [k.value for k in shorter] + [PeriodKind.MONTH.value]
        costs = costs.filter(period_kind__in=kinds)
    if data.get("programme") is not None:
        costs = costs.filter(programme=data["programme"])
    if data.get("team") is not None:
        costs = costs.filter(team=data["team"])
    return costs


class CostListView(PolicyViewMixin, View):
    policy_model = Cost

    def get(self, request: HttpRequest) -> HttpResponse:
        visible = Cost.objects.restrict(request.user, "view")
        organisation_ids = visible.values("organisation_id")
        if request.user.is_superuser:
            organisation_ids = Organisation.objects.values("pk")
        form = CostFilterForm(request.GET or None, organisation_ids=organisation_ids)
        data = form.cleaned_data if form.is_valid() else {}
        costs = _filtered(visible, data).select_related("programme", "team", "organisation")
        totals = costs.aggregate(total=Sum("amount"), count=Count("pk"))
        by_kind = [
            (Cost.Kind(row["kind"]).label, row["total"])
            for row in costs.order_by().values("kind").annotate(total=Sum("amount"))
            if row["kind"] in Cost.Kind.values
        ]
        page = Paginator(costs.order_by("-period_start", "programme__name", "pk"), PER_PAGE)
        page_obj = page.get_page(request.GET.get("page"))
        policy = policy_for(Cost)
        rows = [
            {
                "cost": cost,
                "period": period_label(cost),
                "can_change": policy.allows(request.user, "change", cost),
            }
            for cost in page_obj
        ]
        query = {k: request.GET[k] for k in request.GET if k != "page" and request.GET[k]}
        return render(
            request,
            "measures/costs_list.html",
            {
                "filter": form,
                "rows": rows,
                "page": page_obj,
                "query": urlencode(query),
                "total": totals["total"] or D(0),
                "count": totals["count"],
                "by_kind": sorted(by_kind),
                "can_add": policy.can_add(request.user),
                "show_organisation": visible.values("organisation_id").distinct().count() > 1,
            },
        )


# Adding and changing -------------------------------------------------------------------------


class CostForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), help_text="The organisation that spent it."
    )
    period = forms.CharField(
        max_length=12,
        help_text="A month (2026-11), a financial quarter (2026/27 Q3) or a financial year "
        "(2026/27).",
    )
    kind = forms.ChoiceField(label="Kind of cost", choices=Cost.Kind.choices)
    amount = forms.CharField(label="Amount (£)", max_length=20, help_text="For example 12500.00.")
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        required=False,
        empty_label="All programmes",
        help_text="A programme the organisation delivers or owns; leave empty for costs "
        "shared by all its work.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="The whole organisation",
    )
    description = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = list(organisations.values_list("pk", flat=True))
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["programme"].queryset = _programme_choices(ids)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            organisation_id__in=ids
        ).order_by("organisation__name", "name")


class CostCreateView(PolicyViewMixin, View):
    policy_model = Cost
    policy_action = "add"

    def _render(self, request: HttpRequest, form: CostForm) -> HttpResponse:
        return render(
            request,
            "measures/costs_form.html",
            {"form": form, "title": "Add a cost", "cancel_url": reverse("measures:cost-list")},
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, CostForm(organisations=_organisations_for_add(request.user)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CostForm(request.POST, organisations=_organisations_for_add(request.user))
        if not form.is_valid():
            return self._render(request, form)
        try:
            services.cost_create(
                organisation=form.cleaned_data["organisation"],
                acting_user=request.user,
                **services.cost_fields(form.cleaned_data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form)
        messages.success(request, "Cost added.")
        return redirect("measures:cost-list")


class CostEditView(PolicyViewMixin, View):
    policy_model = Cost
    policy_action = "change"

    def _render(self, request: HttpRequest, form: CostForm, cost: Cost) -> HttpResponse:
        return render(
            request,
            "measures/costs_form.html",
            {
                "form": form,
                "title": f"Change a cost: {cost.get_kind_display()}, {period_label(cost)}",
                "cancel_url": reverse("measures:cost-list"),
                "cost": cost,
            },
        )

    def _form(self, cost: Cost, **kwargs: Any) -> CostForm:
        form = CostForm(
            organisations=Organisation.objects.filter(pk=cost.organisation_id), **kwargs
        )
        return form

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        cost = get_object_for(request.user, Cost, "change", pk=pk)
        form = self._form(
            cost,
            initial={
                "organisation": cost.organisation_id,
                "period": period_label(cost),
                "kind": cost.kind,
                "amount": f"{cost.amount:.2f}",
                "programme": cost.programme_id,
                "team": cost.team_id,
                "description": cost.description,
            },
        )
        return self._render(request, form, cost)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cost = get_object_for(request.user, Cost, "change", pk=pk)
        data = request.POST.copy()
        data["organisation"] = str(cost.organisation_id)  # a cost stays with its organisation
        form = self._form(cost, data=data)
        if not form.is_valid():
            return self._render(request, form, cost)
        try:
            services.cost_update(
                cost=cost, acting_user=request.user, **services.cost_fields(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, cost)
        messages.success(request, "Cost saved.")
        return redirect("measures:cost-list")


class CostDeleteView(PolicyViewMixin, View):
    policy_model = Cost
    policy_action = "delete"

    def _cost(self, request: HttpRequest, pk: int) -> Cost:
        cost: Cost = get_object_for(request.user, Cost, "delete", pk=pk)
        return cost

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        cost = self._cost(request, pk)
        where = (
            ", ".join(str(part) for part in (cost.programme, cost.team) if part is not None)
            or "the whole organisation"
        )
        return render(
            request,
            "measures/costs_confirm_delete.html",
            {
                "title": "Delete this cost?",
                "cost": cost,
                "period": Period(cost.period_start, PeriodKind(cost.period_kind)),
                "where": where,
                "cancel_url": reverse("measures:cost-list"),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cost = self._cost(request, pk)
        services.cost_delete(cost=cost, acting_user=request.user)
        messages.success(request, "Cost deleted.")
        return redirect("measures:cost-list")


# Importing ------------------------------------------------------------------------------------


class CostImportForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    file = forms.FileField(
        label="File", help_text="A .csv (UTF-8) or .xlsx file whose first row names the columns."
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        ids = list(organisations.values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it."
            )
        return upload


class CostImportView(PolicyViewMixin, View):
    policy_model = Cost
    policy_action = "add"

    def _render(
        self, request: HttpRequest, form: CostImportForm, problems: list[str] | None = None
    ) -> HttpResponse:
        return render(
            request,
            "measures/costs_import.html",
            {
                "form": form,
                "problems": problems or [],
                "columns": services.CostImporter.columns,
                "kinds": Cost.Kind.choices,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(
            request, CostImportForm(organisations=_organisations_for_add(request.user))
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CostImportForm(
            request.POST, request.FILES, organisations=_organisations_for_add(request.user)
        )
        if not form.is_valid():
            return self._render(request, form)
        try:
            saved = services.cost_import(
                organisation=form.cleaned_data["organisation"],
                acting_user=request.user,
                file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            return self._render(request, form, error.messages)
        total = sum((c.amount for c in saved), D(0))
        messages.success(request, f"{len(saved)} costs imported, £{total:,.2f} in all.")
        return redirect("measures:cost-list")


class CostTemplateView(PolicyViewMixin, View):
    policy_model = Cost
    policy_action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="waypoint-costs-template.csv"'
        return response


urlpatterns: list[URLPattern] = [
    path("costs/", CostListView.as_view(), name="cost-list"),
    path("costs/new/", CostCreateView.as_view(), name="cost-create"),
    path("costs/import/", CostImportView.as_view(), name="cost-import"),
    path("costs/import/template.csv", CostTemplateView.as_view(), name="cost-import-template"),
    path("costs/<int:pk>/edit/", CostEditView.as_view(), name="cost-edit"),
    path("costs/<int:pk>/delete/", CostDeleteView.as_view(), name="cost-delete"),
]


def register_nav() -> None:
    """The menu's "Costs" link, for managers (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Costs",
            "measures:cost-list",
            lambda user: policy_for(Cost).can_any(user, "change"),
            order=60,
            group="Performance",
        )
    )
