"""Pages: self-appraisal beside other evidence (issue 6 item 7; 000 req 9; knowledge point:
the limits of self-appraisal).

- ``/performance/appraisals/``: "My self-appraisal" for an adviser or mentor: the period
  (the current financial quarter unless they choose a month, quarter or year), their rating
  and notes, and beside them what clients said and achieved in the same period, with the two
  ratings compared in words. A manager who appraises no one is taken to the list.
- ``/performance/appraisals/advisers/``: for managers, their advisers in a period, each
  self-rating beside the same evidence, one row per adviser (those yet to appraise included);
- ``/performance/appraisals/<id>/``: one appraisal with its evidence (the adviser and the
  managers of its organisation; a colleague of the organisation is refused, anyone else
  finds nothing).
"""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.models import Organisation
from waypoint.core.periods import Period, PeriodKind
from waypoint.core.roles import role_map
from waypoint.core.viewkit import apply_validation_error, get_object_for
from waypoint.measures import selectors_appraisals as selectors
from waypoint.measures.models import SelfAppraisal
from waypoint.measures.selectors import adviser_work_seen_by
from waypoint.measures.services import appraisals as services
from waypoint.measures.views.dashboards import format_value, urlencode

D = decimal.Decimal
PER_PAGE = 25
RATINGS = [
    (1, "1 (poor)"),
    (2, "2 (fair)"),
    (3, "3 (good)"),
    (4, "4 (very good)"),
    (5, "5 (excellent)"),
]
# What each figure of the evidence counts, for "3 of 4 goals" and "12 reviews".
NOUNS = {
    "mean_satisfaction": "review",
    "net_promoter_score": "review",
    "goals_achieved": "goal",
    "action_completion": "action",
    "reviews_on_time": "review",
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def evidence_rows(evidence: selectors.Evidence) -> list[dict[str, str]]:
    """The evidence as people read it: each figure and what it was computed from."""
    rating = evidence.client_rating
    rows = [
        {
            "code": selectors.CLIENT_RATING,
            "name": "Clients' rating of their progress",
            "value": f"{rating.mean:.1f} of 5" if rating.mean is not None else "No data",
            "detail": _plural(rating.count, "review") if rating.count else "",
        }
    ]
    for item in evidence.items:
        figure = item.figure
        noun = NOUNS.get(item.code)
        detail = ""
        if noun and figure.denominator:
            if figure.numerator is not None and item.code != "mean_satisfaction":
                detail = f"{figure.numerator:.0f} of {_plural(int(figure.denominator), noun)}"
            else:
                detail = _plural(int(figure.denominator), noun)
        value = format_value(figure.value, item.unit)
        if item.code == "mean_satisfaction" and figure.value is not None:
            value += " of 5"
        rows.append({"code": item.code, "name": item.name, "value": value, "detail": detail})
    return rows


def _period_from(request: HttpRequest) -> tuple[Period, str]:
    return selectors.parse_period(request.GET.get("period"), timezone.localdate())


def _period_groups(period: Period) -> list[tuple[str, list[tuple[str, str]]]]:
    groups = selectors.period_choices(timezone.localdate())
    if all(period.label != value for _, options in groups for value, _ in options):
        groups.insert(0, ("Chosen", [(period.label, period.title)]))
    return groups


def _title_of(appraisal: SelfAppraisal) -> Period:
    return Period(appraisal.period_start, PeriodKind(appraisal.period_kind))


# My self-appraisal ------------------------------------------------------------------------------


class AppraisalForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        help_text="Where you are appraising your work.",
    )
    period = forms.CharField(widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(
        label="How well did you support your clients in this period?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is poor, 5 is excellent.",
    )
    went_well = forms.CharField(
        label="What went well",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.MAX_TEXT,
    )
    to_improve = forms.CharField(
        label="What you would do better",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.MAX_TEXT,
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        ids = list(organisations.values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()


class MyAppraisalView(LoginRequiredMixin, View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not selectors.can_appraise(request.user):
            if selectors.can_review_appraisals(request.user):
                return redirect("measures:appraisal-list")
            raise PermissionDenied("Self-appraisal is for advisers and mentors.")
        return super().dispatch(request, *args, **kwargs)

    def _organisations(self, request: HttpRequest) -> QuerySet[Organisation]:
        ids = selectors.appraising_organisations(request.user)
        return Organisation.objects.filter(pk__in=ids).order_by("name")

    def _render(
        self, request: HttpRequest, form: AppraisalForm, period: Period, problem: str = ""
    ) -> HttpResponse:
        user: Any = request.user
        evidence = selectors.evidence_for([user.pk], period)[user.pk]
        mine = SelfAppraisal.objects.filter(adviser=user).select_related("organisation")
        saved = mine.filter(period_kind=period.kind.value, period_start=period.start)
        rating = saved.values_list("rating", flat=True).first()
        history = [
            {"appraisal": a, "period": _title_of(a)}
            for a in mine.exclude(pk__in=saved.values("pk")).order_by("-period_start")[:12]
        ]
        return render(
            request,
            "measures/appraisal_mine.html",
            {
                "form": form,
                "period": period,
                "problem": problem,
                "period_groups": _period_groups(period),
                "saved": saved.exists(),
                "evidence": evidence_rows(evidence),
                "comparison": selectors.comparison(rating, evidence),
                "history": history,
                "can_review": selectors.can_review_appraisals(user),
                "dashboard_url": reverse("measures:dashboard", args=["adviser", user.pk])
                + "?"
                + urlencode({"period": period.label}),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        period, problem = _period_from(request)
        organisations = self._organisations(request)
        existing = SelfAppraisal.objects.filter(
            adviser=request.user,
            organisation__in=organisations,
            period_kind=period.kind.value,
            period_start=period.start,
        ).first()
        initial: dict[str, Any] = {"period": period.label}
        if existing is not None:
            initial.update(
                organisation=existing.organisation_id,
                rating=existing.rating,
                went_well=existing.went_well,
                to_improve=existing.to_improve,
            )
        form = AppraisalForm(initial=initial, organisations=organisations)
        return self._render(request, form, period, problem)

    def post(self, request: HttpRequest) -> HttpResponse:
        organisations = self._organisations(request)
        form = AppraisalForm(request.POST, organisations=organisations)
        period, _ = selectors.parse_period(request.POST.get("period"), timezone.localdate())
        if not form.is_valid():
            return self._render(request, form, period)
        try:
            appraisal = services.appraisal_save(
                acting_user=request.user,
                organisation=form.cleaned_data["organisation"],
                period=form.cleaned_data["period"],
                rating=form.cleaned_data["rating"],
                went_well=form.cleaned_data["went_well"],
                to_improve=form.cleaned_data["to_improve"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, period)
        saved = _title_of(appraisal)
        messages.success(request, f"Your self-appraisal for {saved.title} is saved.")
        return redirect(
            reverse("measures:appraisal-mine") + "?" + urlencode({"period": saved.label})
        )


# Managers: their advisers' appraisals --------------------------------------------------------


class AppraisalListView(LoginRequiredMixin, View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not selectors.can_review_appraisals(request.user):
            raise PermissionDenied("Only managers see their advisers' self-appraisals.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        period, problem = _period_from(request)
        advisers = selectors.advisers_managed_by(request.user)
        page = Paginator(advisers, PER_PAGE).get_page(request.GET.get("page"))
        ids = [adviser.pk for adviser in page]
        evidence = selectors.evidence_for(ids, period, adviser_work_seen_by(request.user))
        appraisals: dict[int, SelfAppraisal] = {}
        for found in selectors.appraisals_for(request.user, period).filter(adviser_id__in=ids):
            appraisals.setdefault(found.adviser_id, found)
        rows: list[dict[str, Any]] = []
        for adviser in page:
            appraisal = appraisals.get(adviser.pk)
            rows.append(
                {
                    "adviser": adviser,
                    "name": adviser.get_full_name() or adviser.username,
                    "appraisal": appraisal,
                    "evidence": evidence_rows(evidence[adviser.pk]),
                }
            )
        headings = [row["name"] for row in rows[0]["evidence"]] if rows else []
        return render(
            request,
            "measures/appraisal_list.html",
            {
                "period": period,
                "problem": problem,
                "period_groups": _period_groups(period),
                "rows": rows,
                "headings": headings,
                "page": page,
                "query": urlencode({"period": period.label}),
                "appraised": sum(1 for row in rows if row["appraisal"] is not None),
                "can_appraise": selectors.can_appraise(request.user),
            },
        )


class AppraisalDetailView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            appraisal: SelfAppraisal = get_object_for(request.user, SelfAppraisal, "view", pk=pk)
        except Http404:
            # A colleague in the appraisal's organisation is refused; anyone else finds nothing.
            organisation_id = (
                SelfAppraisal.objects.filter(pk=pk)
                .values_list("organisation_id", flat=True)
                .first()
            )
            if organisation_id is not None and organisation_id in role_map(request.user):
                raise PermissionDenied("Only the adviser and their managers see this.") from None
            raise
        period = _title_of(appraisal)
        seen = adviser_work_seen_by(request.user, appraisal.adviser_id)
        evidence = selectors.evidence_for([appraisal.adviser_id], period, seen)[
            appraisal.adviser_id
        ]
        adviser = appraisal.adviser
        name = adviser.get_full_name() or adviser.username
        own = appraisal.adviser_id == request.user.pk
        return render(
            request,
            "measures/appraisal_detail.html",
            {
                "appraisal": appraisal,
                "period": period,
                "name": name,
                "own": own,
                "evidence": evidence_rows(evidence),
                "comparison": selectors.comparison(
                    appraisal.rating, evidence, who="You" if own else name
                ),
                "can_review": selectors.can_review_appraisals(request.user),
                "dashboard_url": reverse("measures:dashboard", args=["adviser", adviser.pk])
                + "?"
                + urlencode({"period": period.label}),
            },
        )


urlpatterns: list[URLPattern] = [
    path("appraisals/", MyAppraisalView.as_view(), name="appraisal-mine"),
    path("appraisals/advisers/", AppraisalListView.as_view(), name="appraisal-list"),
    path("appraisals/<int:pk>/", AppraisalDetailView.as_view(), name="appraisal-detail"),
]


def register_nav() -> None:
    """The menu's "Self-appraisal" link, for advisers, mentors and managers
    (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_nav_item

    add_nav_item(
        NavItem(
            "Self-appraisal",
            "measures:appraisal-mine",
            lambda user: selectors.can_appraise(user) or selectors.can_review_appraisals(user),
            order=75,
            group="Performance",
        )
    )
