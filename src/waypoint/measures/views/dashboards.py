"""Pages: performance dashboards and the records behind each figure (000 reqs 2, 9, 10).

- ``/performance/``: takes a person to the dashboard most useful to them (a manager to their
  organisation's, a contract manager to their programme's, an adviser to their own);
- ``/performance/<scope kind>/<id>/?period=2026/27``: every active measure in the period
  (a month, a financial quarter or a financial year; the current financial year to date by
  default), grouped by category, with its target, red/amber/green status (in words as well as
  colour), variance and a trend over the last eight periods (an SVG chart with its figures in
  a table);
- ``/performance/<scope kind>/<id>/measure/<code>/?period=...``: the records behind a figure,
  each linked to its page, limited to those the person may see (how many are hidden is said),
  as a page, CSV or XLSX. A ratio shows its two parts, each linked to its own records.

Who may see which dashboard: ``waypoint.measures.selectors_dashboards``.
"""

from __future__ import annotations

import csv
import decimal
import io
from typing import Any
from urllib.parse import urlencode as _urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, re_path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views import View

from waypoint.clients.models import Client
from waypoint.core.models import User
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.permissions import policy_for
from waypoint.measures import charts, rag
from waypoint.measures import definitions as defs
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.models import Measure, ScopeKind, Unit
from waypoint.measures.selectors import values
from waypoint.measures.services.dashboards import figure_records_export_record
from waypoint.measures.sources import READERS

D = decimal.Decimal


def urlencode(query: dict[str, str]) -> str:
    """A query string keeping periods readable: ?period=2026/27+Q3."""
    return _urlencode(query, safe="/")


PER_PAGE = 25
RAG_CLASSES = {
    "green": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    None: "text-bg-light border",
}
TREND_UNITS = {
    PeriodKind.MONTH: "months",
    PeriodKind.QUARTER: "quarters",
    PeriodKind.FINANCIAL_YEAR: "years",
}
AGGREGATE_WORDS = {
    "count": "the number of {source}",
    "distinct": "the number of distinct {of}s among {source}",
    "sum": "the total {field} of {source}",
    "mean": "the average {field} of {source}",
    "median": "the median {field} of {source}",
    "rate": "the share of {source} that {numerator}",
    "nps": "the net promoter score of {source} ({field})",
}
# Related records to fetch with each source's records (their names and links use them).
SELECT_RELATED = {
    "engagements": ("client", "programme"),
    "contacts": ("engagement",),
    "reviews": ("engagement",),
    "actions": ("goal__plan",),
    "goals": ("plan",),
    "referrals": ("engagement",),
    "outcomes": ("measure",),
    "concerns": (),
    "costs": ("programme", "team"),
}
SINGULAR = {
    "engagements": "Engagement",
    "contacts": "Contact",
    "reviews": "Review",
    "actions": "Action",
    "goals": "Goal",
    "referrals": "Referral",
    "outcomes": "Outcome",
    "concerns": "Concern",
    "costs": "Cost",
}


# Formatting ----------------------------------------------------------------------------------


def _whole(value: D) -> bool:
    return value == value.to_integral_value()


def format_value(value: D | None, unit: str) -> str:
    """A figure as people read it: £1,234, 84.9%, 12.5 (hours, days, scores), 17."""
    if value is None:
        return "No data"
    value = D(value)
    sign = "-" if value < 0 else ""
    if unit == Unit.MONEY:
        amount = abs(value)
        if amount < 100 and not _whole(amount):
            return f"{sign}£{amount:,.2f}"
        return f"{sign}£{amount:,.0f}"
    if unit == Unit.PERCENT:
        return f"{value:,.1f}%"
    if unit in (Unit.HOURS, Unit.DAYS, Unit.SCORE):
        return f"{value:,.1f}"
    # Whole numbers; a fraction (a ratio per 100, a target due so far) to one place when small.
    return f"{value:,.0f}" if _whole(value) or abs(value) >= 10 else f"{value:,.1f}"


def format_difference(value: D, unit: str) -> str:
    text = format_value(abs(value), unit)
    if unit == Unit.PERCENT:
        text = text.rstrip("%") + " points"
    return ("+" if value >= 0 else "\N{MINUS SIGN}") + text


def chart_for(row: dash.Row) -> SafeString:
    unit = row.measure.unit
    labels = [period.label for period, _ in row.trend]
    trend_values = [value for _, value in row.trend]
    target = row.target.value if row.target is not None else None
    summary = f"{row.measure.name}. " + charts.describe(
        trend_values,
        labels=labels,
        target=target,
        formatter=lambda v: format_value(D(str(v)), unit),
    )
    # The markup is built from numbers and escaped text only (charts.bar_chart).
    return mark_safe(  # noqa: S308
        charts.bar_chart(trend_values, labels=labels, target=target, summary=summary)
    )


# Access ---------------------------------------------------------------------------------------


class DashboardAccessMixin(LoginRequiredMixin):
    """Sign-in required; 403 for a person with no role at all; then the scope's own check:
    403 when the person works with the scope's organisation but may not see it, 404 when it
    is none of their business (or does not exist)."""

    scope: dash.DashboardScope

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not policy_for(Measure).can_any(request.user, "view"):
            raise PermissionDenied("Your role does not give you access to performance figures.")
        if "scope_kind" in kwargs:
            kind = kwargs["scope_kind"]
            kwargs["scope_id"] = int(kwargs["scope_id"])  # re_path gives text
            if kind not in ScopeKind.values:
                raise Http404("No such dashboard.")
            access, scope = dash.scope_access(request.user, kind, kwargs["scope_id"])
            if access is dash.Access.FORBIDDEN:
                raise PermissionDenied("Your role does not show this dashboard.")
            if access is not dash.Access.ALLOWED or scope is None:
                raise Http404("No such dashboard.")
            self.scope = scope
        return super().dispatch(request, *args, **kwargs)

    def read_period(self, request: HttpRequest) -> tuple[Period, str]:
        return dash.read_period(
            request.GET.get("period"), request.GET.get("kind"), timezone.localdate()
        )


def period_groups(period: Period) -> list[tuple[str, list[tuple[str, str]]]]:
    """The period menu's choices, with the period shown even when it is an older one."""
    groups = dash.period_choices(timezone.localdate())
    if all(period.label != value for _, options in groups for value, _ in options):
        groups.insert(0, ("Chosen", [(period.label, period.title)]))
    return groups


def dashboard_url(scope: dash.DashboardScope, period: Period | None = None) -> str:
    url = reverse("measures:dashboard", args=[scope.kind, scope.id])
    return url + ("?" + urlencode({"period": period.label}) if period else "")


def records_url(scope: dash.DashboardScope, code: str, period: Period) -> str:
    url = reverse("measures:dashboard-records", args=[scope.kind, scope.id, code])
    return url + "?" + urlencode({"period": period.label})


# The dashboard --------------------------------------------------------------------------------


class PerformanceHomeView(DashboardAccessMixin, View):
    """The most useful dashboard for the person, or a word on why there is none."""

    def get(self, request: HttpRequest) -> HttpResponse:
        scope = dash.default_scope(request.user)
        if scope is not None:
            return redirect(dashboard_url(scope))
        return render(request, "measures/dashboard_none.html", {})


class DashboardView(DashboardAccessMixin, View):
    def get(self, request: HttpRequest, scope_kind: str, scope_id: int) -> HttpResponse:
        today = timezone.localdate()
        period, problem = self.read_period(request)
        measures = dash.measures_for(request.user, self.scope)
        rows = dash.dashboard_rows(measures, self.scope, period, today)
        groups = []
        for category, category_rows in dash.by_category(rows):
            groups.append((category, [self.describe(row, period) for row in category_rows]))
        statuses = [row.rag for row in rows]
        summary = {
            "green": statuses.count("green"),
            "amber": statuses.count("amber"),
            "red": statuses.count("red"),
            "none": statuses.count(None),
        }
        others = dash.scopes_for(request.user)
        return render(
            request,
            "measures/dashboard.html",
            {
                "scope": self.scope,
                "counted_only_in": dash.counted_only_in(self.scope),
                "period": period,
                "is_current": period.start <= today < period.end,
                "problem": problem,
                "period_groups": period_groups(period),
                "groups": groups,
                "summary": summary,
                "other_scopes": [
                    (ScopeKind(kind).label, [(s, dashboard_url(s, period)) for s in found])
                    for kind, found in others.items()
                    if found
                ],
                "advisers": [(s, dashboard_url(s, period)) for s in dash.advisers_of(self.scope)],
                "today": today,
                "trend_length": dash.TREND_LENGTH,
                "trend_unit": TREND_UNITS[period.kind],
            },
        )

    def describe(self, row: dash.Row, period: Period) -> dict[str, Any]:
        unit = row.measure.unit
        target_text = ""
        if row.target is not None:
            full = format_value(row.target.value, unit)
            due = row.target_due
            if due is not None and due != row.target.value:
                target_text = f"{format_value(due, unit)} due so far (of {full})"
            else:
                target_text = full
        variance_text = ""
        if row.variance is not None:
            variance_text = format_difference(row.variance.difference, unit)
            if row.variance.percent is not None and unit != Unit.PERCENT:
                variance_text += f" ({row.variance.percent:+.1f}%)"
        figure = row.figure
        parts = ""
        if figure.numerator is not None and figure.denominator is not None:
            if row.definition.aggregate == "rate":
                parts = f"{figure.numerator:,.0f} of {figure.denominator:,.0f}"
        elif figure.denominator is not None and figure.value is not None:
            parts = f"from {figure.denominator:,.0f} records"
        return {
            "row": row,
            "value": format_value(figure.value, unit),
            "parts": parts,
            "target": target_text,
            "rag_label": row.rag_label,
            "rag_class": RAG_CLASSES[row.rag],
            "rag_symbol": rag.symbol(row.rag),
            "variance": variance_text,
            "chart": chart_for(row),
            "trend": [(p, format_value(v, unit)) for p, v in row.trend],
            "url": records_url(self.scope, row.measure.code, period),
            "direction": row.measure.get_direction_display(),
        }


# The records behind a figure -----------------------------------------------------------------


def explain(definition: defs.Definition, measures: dict[str, Measure]) -> str:
    """A definition in words, e.g. "the total hours of contacts where support type is advice"."""
    if definition.is_ratio:
        top = measures.get(definition.numerator_code)
        bottom = measures.get(definition.denominator_code)
        per = "" if definition.per == 1 else f", per {definition.per:,.0f}"
        return (
            f"{top.name if top else definition.numerator_code} divided by "
            f"{bottom.name if bottom else definition.denominator_code}{per}"
        )
    source = defs.SOURCES[definition.source]

    def conditions(where: Any) -> str:
        words = []
        for name, wanted in where.items():
            label = source.dims.get(name, name).split(" (")[0].lower()
            items = wanted if isinstance(wanted, list) else [wanted]
            words.append(f"{label} is {' or '.join(str(i).lower() for i in items)}")
        return " and ".join(words)

    text = AGGREGATE_WORDS[definition.aggregate].format(
        source=source.label.lower(),
        field=source.values.get(definition.field, definition.field).lower(),
        of=definition.of,
        numerator=conditions(definition.numerator) if definition.numerator else "",
    )
    if definition.where:
        text += f", counting those where {conditions(definition.where)}"
    return text


def record_url(record: Any) -> str:
    """The page of a record, or of the page it is shown on; '' when it has none."""
    if hasattr(record, "get_absolute_url"):
        return str(record.get_absolute_url())
    try:
        if hasattr(record, "goal"):  # an action: its plan's page
            return str(record.goal.plan.get_absolute_url())
        if hasattr(record, "plan"):  # a goal
            return str(record.plan.get_absolute_url())
        if hasattr(record, "follow_up_id") and hasattr(record, "engagement_id"):
            return reverse("monitoring:engagement-outcomes", args=[record.engagement_id])
    except NoReverseMatch:
        return ""
    return ""


def _in_figure(definition: defs.Definition, counted: dash.Counted, unit: str) -> str:
    aggregate, delta = definition.aggregate, counted.delta
    if aggregate == "count":
        return "Counted"
    if aggregate == "distinct":
        return "Counted once per " + definition.of
    if aggregate == "rate":
        return "Yes" if delta.hits else "No"
    if aggregate == "nps":
        kind = "promoter" if delta.hits else "detractor" if delta.misses else "passive"
        return f"{delta.total:,.0f} ({kind})"
    value = delta.bin if aggregate == "median" else delta.total
    return format_value(value, unit)


def _figure_column(definition: defs.Definition, measure: Measure) -> str:
    source = defs.SOURCES[definition.source]
    if definition.aggregate == "rate":
        return "In the numerator"
    if definition.field:
        return source.values.get(definition.field, definition.field)
    return "In the figure"


class RecordsView(DashboardAccessMixin, View):
    """The records behind one figure: a page, a CSV or an XLSX file."""

    def get(self, request: HttpRequest, scope_kind: str, scope_id: int, code: str) -> HttpResponse:
        period, problem = self.read_period(request)
        measure = dash.measure_for(request.user, self.scope, code)
        if measure is None:
            raise Http404("No such measure on this dashboard.")
        definition = dash.parsed(measure)
        figure = values([measure], [self.scope.scope], [period])[
            (measure.pk, self.scope.scope, period)
        ]
        context: dict[str, Any] = {
            "scope": self.scope,
            "counted_only_in": dash.counted_only_in(self.scope),
            "period": period,
            "problem": problem,
            "measure": measure,
            "definition": definition,
            "value": format_value(figure.value, measure.unit),
            "figure": figure,
            "dashboard_url": dashboard_url(self.scope, period),
            "period_groups": period_groups(period),
        }
        if definition.is_ratio:
            return self.ratio(request, context, measure, definition, period)
        counted = dash.facts_behind(measure, self.scope, period)
        model = READERS[definition.source].model
        visible_ids = dash.visible_record_ids(
            model, request.user, [c.fact.record_id for c in counted]
        )
        shown = [c for c in counted if c.fact.record_id in visible_ids]
        fmt = request.GET.get("format", "")
        if fmt:
            if fmt not in {"csv", "xlsx"}:
                raise Http404("The records export as csv or xlsx.")
            return self.export(request, fmt, measure, definition, period, shown)
        page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            {
                "explanation": explain(definition, {}),
                "total": len(counted),
                "hidden": len(counted) - len(shown),
                "page_obj": page,
                "rows": self.rows(request.user, definition, measure, list(page.object_list)),
                "figure_column": _figure_column(definition, measure),
                "show_adviser": self.scope.kind != ScopeKind.ADVISER,
                "query": urlencode({"period": period.label}),
                "csv_url": records_url(self.scope, measure.code, period) + "&format=csv",
                "xlsx_url": records_url(self.scope, measure.code, period) + "&format=xlsx",
            }
        )
        return render(request, "measures/drilldown.html", context)

    def ratio(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        measure: Measure,
        definition: defs.Definition,
        period: Period,
    ) -> HttpResponse:
        parts: list[dict[str, Any]] = []
        found: dict[str, Measure] = {}
        for role, code in (
            ("Numerator", definition.numerator_code),
            ("Denominator", definition.denominator_code),
        ):
            part = dash.measure_for(request.user, self.scope, code)
            if part is None:
                parts.append({"role": role, "measure": None, "code": code})
                continue
            found[code] = part
            part_figure = values([part], [self.scope.scope], [period])[
                (part.pk, self.scope.scope, period)
            ]
            parts.append(
                {
                    "role": role,
                    "measure": part,
                    "value": format_value(part_figure.value, part.unit),
                    "url": records_url(self.scope, part.code, period),
                }
            )
        context.update({"parts": parts, "explanation": explain(definition, found)})
        return render(request, "measures/drilldown_ratio.html", context)

    def rows(
        self,
        user: Any,
        definition: defs.Definition,
        measure: Measure,
        counted: list[dash.Counted],
    ) -> list[dict[str, Any]]:
        model = READERS[definition.source].model
        ids = [c.fact.record_id for c in counted]
        records = model.objects.filter(pk__in=ids).select_related(
            *SELECT_RELATED.get(definition.source, ())
        )
        by_id = {r.pk: r for r in records}
        client_ids = {c.fact.client_id for c in counted if c.fact.client_id}
        clients = dict(
            Client.objects.restrict(user, "view")
            .filter(pk__in=client_ids)
            .values_list("pk", "name")
        )
        adviser_ids = {c.fact.adviser_id for c in counted if c.fact.adviser_id}
        advisers = {
            u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=adviser_ids)
        }
        rows = []
        for c in counted:
            record = by_id.get(c.fact.record_id)
            if record is None:  # removed since the figures were last brought up to date
                continue
            rows.append(
                {
                    "on": c.fact.on,
                    "label": f"{SINGULAR[definition.source]}: {record}",
                    "url": record_url(record),
                    "client": clients.get(c.fact.client_id or 0, ""),
                    "adviser": advisers.get(c.fact.adviser_id or 0, ""),
                    "in_figure": _in_figure(definition, c, measure.unit),
                }
            )
        return rows

    def export(
        self,
        request: HttpRequest,
        fmt: str,
        measure: Measure,
        definition: defs.Definition,
        period: Period,
        shown: list[dash.Counted],
    ) -> HttpResponse:
        rows = []
        for start in range(0, len(shown), 500):
            rows.extend(self.rows(request.user, definition, measure, shown[start : start + 500]))
        figure_records_export_record(
            acting_user=request.user,
            measure=measure,
            scope_kind=self.scope.kind,
            scope_id=self.scope.id,
            period=period.label,
            fmt=fmt,
            count=len(rows),
        )
        header = [
            "Date",
            "Record",
            "Link",
            "Client",
            "Adviser",
            _figure_column(definition, measure),
        ]
        table = [
            [
                row["on"].isoformat(),
                row["label"],
                request.build_absolute_uri(row["url"]) if row["url"] else "",
                row["client"],
                row["adviser"],
                row["in_figure"],
            ]
            for row in rows
        ]
        name = f"{measure.code}-{self.scope.kind}-{self.scope.id}-{period.label.replace('/', '-')}"
        name = name.replace(" ", "-")
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerows([[_spreadsheet_safe(v) for v in line] for line in table])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        from openpyxl import Workbook  # type: ignore[import-untyped]

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(measure.code[:31])
        sheet.append(header)
        for line in table:
            sheet.append([_spreadsheet_safe(v) for v in line])
        data = io.BytesIO()
        workbook.save(data)
        response = HttpResponse(
            data.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


def _spreadsheet_safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


# Only the four scope kinds match, so that the other pages under /performance/ (targets/1/...)
# never reach these views.
SCOPE = r"^(?P<scope_kind>organisation|programme|team|adviser)/(?P<scope_id>[0-9]+)/"

urlpatterns: list[URLPattern] = [
    path("", PerformanceHomeView.as_view(), name="dashboards"),
    re_path(SCOPE + r"$", DashboardView.as_view(), name="dashboard"),
    re_path(
        SCOPE + r"measure/(?P<code>[-a-zA-Z0-9_]+)/$",
        RecordsView.as_view(),
        name="dashboard-records",
    ),
]


def register_nav() -> None:
    """The menu's "Dashboards" link, for anyone holding a role (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Dashboards",
            "measures:dashboards",
            lambda user: policy_for(Measure).can_any(user, "view"),
            order=10,
            group="Performance",
        )
    )
