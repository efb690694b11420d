"""Pages: targets per measure, scope and period (issue 6 item 3; 000 req 9).

- ``/performance/targets/``: choose a scope (an organisation, a programme, a team, an adviser)
  and a period;
- ``/performance/targets/<scope kind>/<id>/?period=2026/27``: every active measure with its
  target and its red, amber and green thresholds in words; managers set them all at once;
- ``.../<code>/``: one measure's target, its amber margin, notes and, for counts and totals
  over a quarter or a year, its cumulative profile (the share due by the end of each month);
- ``.../<code>/delete/``: remove a target, after confirming.

Seen by the people who see targets (``ManagedRecordPolicy``: managers, contract managers and
viewers) for scopes of their organisation; set by its administrators and service managers.
A scope that is none of the person's business is a 404, one they may see but not change a 403.
"""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from waypoint.core.periods import Period, PeriodKind, period_of, periods_between
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin
from waypoint.measures import rag
from waypoint.measures.models import Measure, ScopeKind, Target, Unit
from waypoint.measures.selectors import counting_in, period_groups
from waypoint.measures.services import targets as services

D = decimal.Decimal
SCOPE = "targets/<str:scope_kind>/<int:scope_id>/"


def _number(value: D) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _plain(value: D | None) -> str:
    """A decimal as a form shows it: 12, 12.5 (no thousands separator)."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def read_period(request: HttpRequest) -> tuple[Period, str]:
    today = timezone.localdate()
    default = period_of(today, PeriodKind.FINANCIAL_YEAR)
    label = request.GET.get("period", "").strip()
    if not label:
        return default, ""
    try:
        return services.parse_period(label), ""
    except ValueError as error:
        return default, f"Period: {error} Showing {default.title.lower()} instead."


def period_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Recent and coming periods, oldest first: targets are often set ahead."""
    return period_groups(
        timezone.localdate(),
        [(PeriodKind.FINANCIAL_YEAR, 2, 2), (PeriodKind.QUARTER, 4, 4), (PeriodKind.MONTH, 6, 12)],
        newest_first=False,
    )


def scope_url(scope: services.TargetScope, period: Period) -> str:
    url = reverse("measures:target-scope", args=[scope.kind, scope.id])
    return url + "?" + urlencode({"period": period.label})


def target_url(scope: services.TargetScope, code: str, period: Period, name: str = "") -> str:
    url = reverse(name or "measures:target-edit", args=[scope.kind, scope.id, code])
    return url + "?" + urlencode({"period": period.label})


class TargetAccessMixin(PolicyViewMixin):
    """Sign-in and a role that sees targets; then the scope: 404 when it is none of the
    person's business, 403 when they may see but not change its targets (for ``action``)."""

    policy_model = Target
    scope: services.TargetScope
    can_change: bool

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not policy_for(Target).can_any(request.user, "view"):
            raise PermissionDenied("Your role does not give you access to targets.")
        scope = services.find_scope(kwargs.get("scope_kind", ""), kwargs.get("scope_id"))
        if scope is None or not services.organisations_for(request.user, scope, "view"):
            raise Http404("No such scope.")
        self.scope = scope
        self.can_change = bool(services.organisations_for(request.user, scope, "change"))
        if self.needs_change(request) and not self.can_change:
            raise PermissionDenied("Your role lets you see these targets but not set them.")
        return super().dispatch(request, *args, **kwargs)

    def needs_change(self, request: HttpRequest) -> bool:
        return request.method == "POST"

    def measures(self) -> list[Measure]:
        """Active measures that count in the scope: standard ones and the scope's
        organisations' own, in the library's order (no costs for an adviser)."""
        return counting_in(
            Measure.objects.restrict(self.request.user, "view")  # type: ignore[attr-defined]
            .filter(is_active=True)
            .filter(
                Q(organisation__isnull=True) | Q(organisation_id__in=self.scope.organisation_ids)
            )
            .order_by("position", "name"),
            self.scope.kind,
        )

    def measure(self, code: str) -> Measure:
        found = [m for m in self.measures() if m.code == code]
        if not found:
            raise Http404("No such measure.")
        found.sort(key=lambda m: m.organisation_id is None)  # an organisation's own first
        return found[0]

    def target(self, measure: Measure, period: Period) -> Target | None:
        return (
            Target.objects.filter(
                measure=measure,
                scope_kind=self.scope.kind,
                scope_id=self.scope.id,
                period_kind=period.kind.value,
                period_start=period.start,
            )
            .select_related("organisation")
            .first()
        )


# Choosing a scope --------------------------------------------------------------------------------


class TargetIndexView(PolicyViewMixin, View):
    policy_model = Target

    def get(self, request: HttpRequest) -> HttpResponse:
        period, problem = read_period(request)
        scopes = services.scopes_for(request.user, "view")
        kind = request.GET.get("scope_kind")
        scope_id = request.GET.get("scope_id")
        if kind and scope_id and not problem:
            chosen = next((s for s in scopes if s.kind == kind and str(s.id) == scope_id), None)
            if chosen is not None:
                return redirect(scope_url(chosen, period))
            problem = "Scope: choose one of the scopes listed."
        groups = []
        for value, label in ScopeKind.choices:
            found = [(s, scope_url(s, period)) for s in scopes if s.kind == value]
            if found:
                groups.append((label, found))
        return render(
            request,
            "measures/targets_index.html",
            {"groups": groups, "period": period, "problem": problem, "periods": period_choices()},
        )


# A scope's targets ---------------------------------------------------------------------------


class TargetScopeView(TargetAccessMixin, View):
    def rows(self, period: Period, data: Any = None) -> list[dict[str, Any]]:
        measures = self.measures()
        targets = {
            t.measure_id: t
            for t in Target.objects.filter(
                measure__in=measures,
                scope_kind=self.scope.kind,
                scope_id=self.scope.id,
                period_kind=period.kind.value,
                period_start=period.start,
            ).select_related("organisation")
        }
        mine = set(services.organisations_for(self.request.user, self.scope, "change"))
        rows: list[dict[str, Any]] = []
        for measure in measures:
            target = targets.get(measure.pk)
            editable = self.can_change and (target is None or target.organisation_id in mine)
            value = _plain(target.value) if target else ""
            amber = _plain(target.amber_within) if target else _plain(rag.DEFAULT_AMBER)
            if data is not None and editable:
                value = data.get(f"value_{measure.code}", value)
                amber = data.get(f"amber_{measure.code}", amber)
            rows.append(
                {
                    "measure": measure,
                    "target": target,
                    "value": value,
                    "amber": amber,
                    "editable": editable,
                    "shown": self.describe(measure, target) if target else "",
                    "words": services.thresholds_in_words(
                        target.value, measure.direction, target.amber_within, measure.unit
                    )
                    if target
                    else "",
                    "profiled": services.is_profiled(measure, period),
                    "url": target_url(self.scope, measure.code, period),
                    "delete_url": target_url(
                        self.scope, measure.code, period, "measures:target-delete"
                    ),
                    "errors": [],
                }
            )
        return rows

    def describe(self, measure: Measure, target: Target) -> str:
        text = _number(target.value)
        if measure.unit == Unit.MONEY:
            return f"£{text}"
        if measure.unit == Unit.PERCENT:
            return f"{text}%"
        return text

    def _render(
        self, request: HttpRequest, period: Period, rows: list[dict[str, Any]], problem: str = ""
    ) -> HttpResponse:
        return render(
            request,
            "measures/targets_scope.html",
            {
                "scope": self.scope,
                "period": period,
                "problem": problem,
                "rows": rows,
                "can_change": self.can_change,
                "periods": period_choices(),
                "set_count": sum(1 for r in rows if r["target"]),
                "errors": [e for r in rows for e in r["errors"]],
            },
        )

    def get(self, request: HttpRequest, scope_kind: str, scope_id: int) -> HttpResponse:
        period, problem = read_period(request)
        return self._render(request, period, self.rows(period), problem)

    def post(self, request: HttpRequest, scope_kind: str, scope_id: int) -> HttpResponse:
        period, problem = read_period(request)
        if problem:
            return self._render(request, period, self.rows(period), problem)
        rows = self.rows(period, request.POST)
        wanted = [
            {"measure": r["measure"], "value": r["value"].strip(), "amber_within": r["amber"]}
            for r in rows
            if r["editable"]
        ]
        try:
            changed, removed = services.targets_set_many(
                acting_user=request.user,
                scope_kind=self.scope.kind,
                scope_id=self.scope.id,
                period=period,
                rows=wanted,
            )
        except ValidationError as error:
            by_code = {r["measure"].code: r for r in rows}
            for place, problems in error.message_dict.items():
                code, _, field = place.partition(".")
                row = by_code.get(code)
                label = {"value": "Target", "amber_within": "Amber within"}.get(field, field)
                for message in problems:
                    if row is not None:
                        row["errors"].append(f"{row['measure'].name}, {label.lower()}: {message}")
            return self._render(request, period, rows)
        parts = [f"{changed} target{'s' if changed != 1 else ''} set"]
        if removed:
            parts.append(f"{removed} removed")
        messages.success(request, " and ".join(parts) + ".")
        return redirect(scope_url(self.scope, period))


# One target ---------------------------------------------------------------------------------


class TargetForm(forms.Form):
    value = forms.DecimalField(label="Target", max_digits=16, decimal_places=4)
    amber_within = forms.DecimalField(
        label="Amber within (%)",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=rag.DEFAULT_AMBER,
        help_text="Green at or better than the target; amber within this share of it; red "
        "beyond. 10 unless you choose otherwise.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, months: list[tuple[str, str, D]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months = months
        for label, title, even in months:
            self.fields[f"profile_{label}"] = forms.DecimalField(
                label=f"By the end of {title}",
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
                help_text=f"Per cent of the target, in all. Even: {even}%.",
            )

    def profile_fields(self) -> list[Any]:
        return [self[f"profile_{label}"] for label, _, _ in self.months]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("value", "amber_within", "notes")]

    def profile(self) -> dict[str, str]:
        return {
            label: _plain(self.cleaned_data[f"profile_{label}"])
            for label, _, _ in self.months
            if self.cleaned_data.get(f"profile_{label}") is not None
        }


class TargetEditView(TargetAccessMixin, View):
    def needs_change(self, request: HttpRequest) -> bool:
        return True

    def months(self, measure: Measure, period: Period) -> list[tuple[str, str, D]]:
        if not services.is_profiled(measure, period):
            return []
        even = services.even_profile(period)
        return [
            (month.label, month.title, even[month.label])
            for month in periods_between(period.start, period.last_day, PeriodKind.MONTH)
        ]

    def _render(
        self,
        request: HttpRequest,
        form: TargetForm,
        measure: Measure,
        period: Period,
        target: Target | None,
        problem: str = "",
    ) -> HttpResponse:
        return render(
            request,
            "measures/targets_form.html",
            {
                "form": form,
                "measure": measure,
                "scope": self.scope,
                "period": period,
                "target": target,
                "problem": problem,
                "words": services.thresholds_in_words(
                    target.value, measure.direction, target.amber_within, measure.unit
                )
                if target
                else "",
                "back_url": scope_url(self.scope, period),
                "delete_url": target_url(self.scope, measure.code, period, "measures:target-delete")
                if target
                else "",
            },
        )

    def _owned(self, target: Target | None) -> None:
        if target is not None and target.organisation_id not in services.organisations_for(
            self.request.user, self.scope, "change"
        ):
            raise PermissionDenied(f"{target.organisation} set this target; only they change it.")

    def get(self, request: HttpRequest, scope_kind: str, scope_id: int, code: str) -> HttpResponse:
        period, problem = read_period(request)
        measure = self.measure(code)
        target = self.target(measure, period)
        self._owned(target)
        initial: dict[str, Any] = {"amber_within": _plain(rag.DEFAULT_AMBER)}
        if target is not None:
            initial = {
                "value": _plain(target.value),
                "amber_within": _plain(target.amber_within),
                "notes": target.notes,
            }
            for label, share in (target.profile or {}).items():
                initial[f"profile_{label}"] = share
        form = TargetForm(initial=initial, months=self.months(measure, period))
        return self._render(request, form, measure, period, target, problem)

    def post(self, request: HttpRequest, scope_kind: str, scope_id: int, code: str) -> HttpResponse:
        period, problem = read_period(request)
        measure = self.measure(code)
        target = self.target(measure, period)
        self._owned(target)
        form = TargetForm(request.POST, months=self.months(measure, period))
        if problem or not form.is_valid():
            return self._render(request, form, measure, period, target, problem)
        try:
            services.target_set(
                acting_user=request.user,
                measure=measure,
                scope_kind=self.scope.kind,
                scope_id=self.scope.id,
                period=period,
                value=form.cleaned_data["value"],
                amber_within=form.cleaned_data["amber_within"],
                profile=services.profile_cleaned(form.profile(), period),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for message in problems:
                    if field == "profile":
                        label = message.partition(":")[0]
                        name = f"profile_{label}"
                        form.add_error(name if name in form.fields else None, message)
                    else:
                        form.add_error(field if field in form.fields else None, message)
            return self._render(request, form, measure, period, target)
        messages.success(request, f"Target for {measure.name} saved.")
        return redirect(scope_url(self.scope, period))


class TargetDeleteView(TargetAccessMixin, View):
    def needs_change(self, request: HttpRequest) -> bool:
        return True

    def _target(self, code: str, period: Period) -> tuple[Measure, Target]:
        measure = self.measure(code)
        target = self.target(measure, period)
        if target is None:
            raise Http404("No target set.")
        if not policy_for(Target).allows(self.request.user, "delete", target):
            raise PermissionDenied(f"{target.organisation} set this target; only they remove it.")
        return measure, target

    def get(self, request: HttpRequest, scope_kind: str, scope_id: int, code: str) -> HttpResponse:
        period, _ = read_period(request)
        measure, target = self._target(code, period)
        return render(
            request,
            "measures/targets_confirm_delete.html",
            {
                "measure": measure,
                "target": target,
                "scope": self.scope,
                "period": period,
                "words": services.thresholds_in_words(
                    target.value, measure.direction, target.amber_within, measure.unit
                ),
                "back_url": scope_url(self.scope, period),
            },
        )

    def post(self, request: HttpRequest, scope_kind: str, scope_id: int, code: str) -> HttpResponse:
        period, _ = read_period(request)
        measure, target = self._target(code, period)
        services.target_delete(target=target, acting_user=request.user)
        messages.success(request, f"Target for {measure.name} removed.")
        return redirect(scope_url(self.scope, period))


def _can_set_targets(user: Any) -> bool:
    return policy_for(Target).can_any(user, "change")


urlpatterns: list[URLPattern] = [
    path("targets/", TargetIndexView.as_view(), name="target-index"),
    path(SCOPE, TargetScopeView.as_view(), name="target-scope"),
    path(SCOPE + "<slug:code>/", TargetEditView.as_view(), name="target-edit"),
    path(SCOPE + "<slug:code>/delete/", TargetDeleteView.as_view(), name="target-delete"),
]


def register_nav() -> None:
    """The menu's "Targets" link, for managers (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem("Targets", "measures:target-index", _can_set_targets, order=55, group="Performance")
    )
