"""What a service evaluation report shows (000 req 9, 10 and its knowledge points; 001 E5.05
LO4): the same content for the page, the PDF and the XLSX file.

For the evaluation's scope and period:

- every active measure (standard, and the scope's organisations' own), grouped by category in
  the order of the 000 knowledge point (economy, efficiency, effectiveness, value for money,
  quality) then client experience and equity; each with its target and red/amber/green status,
  the previous period's value and the change (``selectors_dashboards.dashboard_rows``: the
  figures are those of the dashboards, read from the rollups);
- financial and time limits: the cost of delivery by kind of cost (the records behind the
  ``cost_total`` figure), the programmes' budgets for the period against it, the period itself
  and the programmes' end dates;
- local and regional priorities: each programme's, beside the evaluation's own text;
- benchmarks: published figures of others (``BenchmarkFigure``) beside ours;
- client feedback: how many reviews said what went well and what did not, how many
  self-reviews suggested improvements; quotes only on request, with names taken out;
- recommendations: the improvements raised from the evaluation.

The figures are returned as plain data (numbers as text) so that a final evaluation keeps the
figures it was finalised with: ``services.evaluations.evaluation_finalise`` stores them in the
``evaluation.finalised`` event and ``report_data`` reads them back from there.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from waypoint.core.periods import Period, PeriodKind
from waypoint.delivery.models import Programme, ProgrammeBudget
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.models import (
    BenchmarkFigure,
    Category,
    Evaluation,
    Improvement,
    Measure,
    ScopeKind,
)
from waypoint.measures.selectors import counting_in

D = decimal.Decimal
FINALISED = "evaluation.finalised"
SNAPSHOT_VERSION = 1
# 000 knowledge point 10: economy, efficiency, effectiveness, value for money and quality.
CATEGORY_ORDER = [
    Category.ECONOMY,
    Category.EFFICIENCY,
    Category.EFFECTIVENESS,
    Category.VALUE_FOR_MONEY,
    Category.QUALITY,
    Category.CLIENT_EXPERIENCE,
    Category.EQUITY,
]
QUOTES = 5


def _text(value: D | None) -> str | None:
    return None if value is None else str(value)


def number(value: Any) -> D | None:
    """A number kept as text in report data, back as a Decimal."""
    if value in (None, ""):
        return None
    return D(str(value))


def evaluation_period(evaluation: Evaluation) -> Period:
    return Period(evaluation.period_start, PeriodKind(evaluation.period_kind))


def evaluation_scope(evaluation: Evaluation) -> dash.DashboardScope | None:
    """The scope evaluated: an adviser's through their work in the evaluation's organisation."""
    scope = dash.find_scope(evaluation.scope_kind, evaluation.scope_id)
    return None if scope is None else dash.within(scope, [evaluation.organisation_id])


def report_measures(scope: dash.DashboardScope) -> list[Measure]:
    """The measures of the report: the active standard ones and the scope's organisations'
    (those that can count in it: no costs for an adviser)."""
    return counting_in(
        Measure.objects.filter(is_active=True)
        .filter(
            Q(organisation__isnull=True) | Q(organisation_id__in=scope.measure_organisation_ids)
        )
        .order_by("position", "name"),
        scope.kind,
    )


# Figures -----------------------------------------------------------------------------------


def figure_lines(
    scope: dash.DashboardScope, period: Period, as_of: dt.date
) -> list[dict[str, Any]]:
    """One line per measure: value, target (due by ``as_of``), status, the previous period's
    value and the change, in the category order above."""
    measures = report_measures(scope)
    rows = dash.dashboard_rows(measures, scope, period, as_of)
    order: dict[str, int] = {str(c.value): i for i, c in enumerate(CATEGORY_ORDER)}
    lines = []
    for row in rows:
        value = row.figure.value
        previous = row.trend[-2][1] if len(row.trend) > 1 else None
        change = None if value is None or previous is None else value - previous
        lines.append(
            {
                "code": row.measure.code,
                "name": row.measure.name,
                "category": row.measure.category,
                "category_label": str(row.measure.get_category_display()),
                "unit": row.measure.unit,
                "direction": row.measure.direction,
                "aggregate": row.definition.aggregate,
                "value": _text(value),
                "numerator": _text(row.figure.numerator),
                "denominator": _text(row.figure.denominator),
                "target": _text(row.target.value) if row.target is not None else None,
                "target_due": _text(row.target_due),
                "rag": row.rag,
                "previous": _text(previous),
                "change": _text(change),
            }
        )
    lines.sort(key=lambda line: order.get(str(line["category"]), len(order)))
    return lines


def grouped(lines: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for line in lines:
        groups.setdefault(line["category_label"], []).append(line)
    return list(groups.items())


# Financial and time limits, priorities ----------------------------------------------------------


def scope_programmes(scope: dash.DashboardScope) -> QuerySet[Programme]:
    """The programmes whose budgets and priorities bear on the scope: an organisation's own and
    those it delivers; a programme itself; for a team or an adviser, the programmes of the
    engagements they lead."""
    if scope.kind == ScopeKind.ORGANISATION:
        condition = Q(organisation_id=scope.id) | Q(delivering_organisations=scope.id)
    elif scope.kind == ScopeKind.PROGRAMME:
        condition = Q(pk=scope.id)
    else:
        condition = Q(pk__in=dash.scope_facts(scope, "engagements").values("programme_id"))
    return Programme.objects.filter(condition).distinct().order_by("name")


def costs_by_kind(scope: dash.DashboardScope, period: Period) -> list[tuple[str, str]]:
    """The cost of delivery by kind of cost: exactly the records behind ``cost_total``."""
    from waypoint.measures.models import Cost

    measure = Measure.objects.filter(code="cost_total", organisation__isnull=True).first()
    if measure is None:
        return []
    totals: dict[str, D] = {}
    for counted in dash.facts_behind(measure, scope, period):
        kind = str(counted.fact.dims.get("kind", "other"))
        totals[kind] = totals.get(kind, D(0)) + D(counted.delta.total)
    labels = dict(Cost.Kind.choices)
    return [
        (str(labels.get(kind, kind)), str(totals[kind]))
        for kind in sorted(totals, key=lambda k: -totals[k])
    ]


def budgets(programmes: Iterable[Programme], period: Period) -> list[dict[str, Any]]:
    """Each programme's budget for the period or, when it has none, for the financial year
    holding it."""
    from waypoint.core.periods import period_of

    year = period_of(period.start, PeriodKind.FINANCIAL_YEAR)
    wanted = {period.label, year.label}
    found = []
    by_programme: dict[int, dict[str, ProgrammeBudget]] = {}
    programme_list = list(programmes)
    for budget in ProgrammeBudget.objects.filter(programme__in=programme_list, period__in=wanted):
        by_programme.setdefault(budget.programme_id, {})[budget.period] = budget
    for programme in programme_list:
        own = by_programme.get(programme.pk, {})
        budget = own.get(period.label) or own.get(year.label)
        if budget is None:
            continue
        found.append(
            {
                "programme": programme.name,
                "period": budget.period,
                "amount": str(budget.amount),
                "same_period": budget.period == period.label,
            }
        )
    return found


def time_limits(programmes: Iterable[Programme], period: Period, as_of: dt.date) -> dict[str, Any]:
    return {
        "start": period.start.isoformat(),
        "end": period.last_day.isoformat(),
        "complete": as_of >= period.end,
        "as_of": min(as_of, period.last_day).isoformat(),
        "programmes": [
            {
                "programme": p.name,
                "start": p.start_date.isoformat(),
                "end": p.end_date.isoformat() if p.end_date else None,
            }
            for p in programmes
        ],
    }


# Benchmarks ---------------------------------------------------------------------------------


def benchmark_lines(
    evaluation: Evaluation, lines: list[dict[str, Any]], period: Period
) -> list[dict[str, Any]]:
    """Published figures of others for the report's measures (the latest of each source up to
    the period's end), beside our figure for the period."""
    ours = {line["code"]: line for line in lines}
    rows = (
        BenchmarkFigure.objects.filter(
            organisation_id=evaluation.organisation_id,
            measure__code__in=list(ours),
            period_start__lt=period.end,
        )
        .select_related("measure")
        .order_by("measure__position", "measure__name", "source", "-period_start")
    )
    seen: set[tuple[str, str]] = set()
    found = []
    for row in rows:
        key = (row.measure.code, row.source)
        if key in seen:
            continue
        seen.add(key)
        line = ours[row.measure.code]
        ours_value = number(line["value"])
        difference = None if ours_value is None else ours_value - row.value
        found.append(
            {
                "code": row.measure.code,
                "measure": row.measure.name,
                "unit": line["unit"],
                "direction": line["direction"],
                "source": row.source,
                "period": Period(row.period_start, PeriodKind(row.period_kind)).label,
                "value": str(row.value),
                "ours": line["value"],
                "difference": _text(difference),
                "better": None
                if difference is None or difference == 0
                else (difference > 0) == (line["direction"] == "higher"),
            }
        )
    return found


# Client feedback --------------------------------------------------------------------------------


def _review_ids(scope: dash.DashboardScope, period: Period) -> Any:
    facts = dash.scope_facts(scope, "reviews").filter(on__gte=period.start, on__lt=period.end)
    return facts.values("record_id")


def _engagement_ids(scope: dash.DashboardScope) -> Any:
    return dash.scope_facts(scope, "engagements").values("record_id")


def _self_reviews(scope: dash.DashboardScope, period: Period) -> Any:
    from django.utils import timezone

    from waypoint.monitoring.models import SelfReview

    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end, dt.time.min, tzinfo=zone)
    return SelfReview.objects.filter(
        engagement_id__in=_engagement_ids(scope), submitted_at__gte=start, submitted_at__lt=end
    )


def feedback_counts(scope: dash.DashboardScope, period: Period) -> dict[str, int]:
    """How much the clients said in the period: reviews held, reviews saying what went well and
    what did not, self-reviews and those suggesting improvements."""
    from waypoint.monitoring.models import Review

    reviews = Review.objects.filter(pk__in=_review_ids(scope, period))
    self_reviews = _self_reviews(scope, period)
    return {
        "reviews": reviews.count(),
        "went_well": reviews.exclude(went_well="").count(),
        "went_badly": reviews.exclude(went_badly="").count(),
        "self_reviews": self_reviews.count(),
        "suggestions": self_reviews.exclude(improvements="").count(),
    }


def _redact(text: str, names: Iterable[str]) -> str:
    """A quote without the names of its client, their people and the staff."""
    for name in sorted(
        {n.strip() for n in names if n and len(n.strip()) > 1}, key=len, reverse=True
    ):
        text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
    return text


def _names_for(engagement_ids: set[int]) -> dict[int, set[str]]:
    """Names that may appear in what a client wrote: the client's, their people's and the
    advisers'; by engagement."""
    from waypoint.clients.models import Person
    from waypoint.delivery.models import Engagement

    names: dict[int, set[str]] = {}
    engagements = Engagement.objects.filter(pk__in=engagement_ids).select_related(
        "client", "lead_adviser"
    )
    client_to_engagements: dict[int, list[int]] = {}
    for engagement in engagements:
        found = names.setdefault(engagement.pk, set())
        found.add(engagement.client.name)
        adviser = engagement.lead_adviser
        found |= {adviser.get_full_name(), adviser.first_name, adviser.last_name}
        client_to_engagements.setdefault(engagement.client_id, []).append(engagement.pk)
    people = Person.objects.filter(client_id__in=list(client_to_engagements))
    for person in people:
        parts = {person.first_name, person.last_name, f"{person.first_name} {person.last_name}"}
        for engagement_id in client_to_engagements[person.client_id]:
            names[engagement_id] |= parts
    return names


@dataclass(frozen=True)
class Quote:
    on: dt.date
    kind: str  # "went well", "did not go well", "suggested"
    text: str


def feedback_quotes(
    user: Any, scope: dash.DashboardScope, period: Period, limit: int = QUOTES
) -> list[Quote]:
    """A few recent things clients said, from records the person may see, with names taken
    out: to help write the feedback themes (never stored in the report)."""
    from waypoint.monitoring.models import Review, SelfReview

    reviews = list(
        Review.objects.restrict(user, "view")
        .filter(pk__in=_review_ids(scope, period))
        .filter(~Q(went_well="") | ~Q(went_badly=""))
        .order_by("-held_on", "-pk")[:limit]
    )
    self_reviews = list(
        SelfReview.objects.restrict(user, "view")
        .filter(pk__in=_self_reviews(scope, period).values("pk"))
        .exclude(improvements="")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    names = _names_for({r.engagement_id for r in reviews} | {s.engagement_id for s in self_reviews})
    quotes = []
    for review in reviews:
        hide = names.get(review.engagement_id, set())
        if review.went_well:
            quotes.append(Quote(review.held_on, "went well", _redact(review.went_well, hide)))
        if review.went_badly:
            quotes.append(
                Quote(review.held_on, "did not go well", _redact(review.went_badly, hide))
            )
    for self_review in self_reviews:
        hide = names.get(self_review.engagement_id, set()) | {self_review.submitted_by_name}
        quotes.append(
            Quote(
                self_review.submitted_at.date(),
                "suggested",
                _redact(self_review.improvements, hide),
            )
        )
    quotes.sort(key=lambda q: q.on, reverse=True)
    return quotes[: limit * 2]


# The report ---------------------------------------------------------------------------------


def figures(evaluation: Evaluation, as_of: dt.date) -> dict[str, Any]:
    """Everything the report computes from records, as plain data (kept when finalising)."""
    scope = evaluation_scope(evaluation)
    period = evaluation_period(evaluation)
    if scope is None:
        return {"version": SNAPSHOT_VERSION, "as_of": as_of.isoformat(), "missing_scope": True}
    lines = figure_lines(scope, period, as_of)
    by_code = {line["code"]: line for line in lines}
    programmes = list(scope_programmes(scope))
    kinds = costs_by_kind(scope, period)
    budget_rows = budgets(programmes, period)
    cost_total = number(by_code.get("cost_total", {}).get("value"))
    budget_total = sum((D(b["amount"]) for b in budget_rows if b["same_period"]), D(0))
    return {
        "version": SNAPSHOT_VERSION,
        "as_of": as_of.isoformat(),
        "scope_name": scope.name,
        "scope_title": scope.title,
        "period": period.label,
        "previous": period.previous().label,
        "lines": lines,
        "costs_by_kind": kinds,
        "cost_total": _text(cost_total),
        "budgets": budget_rows,
        "budget_total": str(budget_total) if budget_rows else None,
        "budget_used": _text(
            (cost_total * 100 / budget_total).quantize(D("0.1"))
            if cost_total is not None and budget_total
            else None
        ),
        "limits": time_limits(programmes, period, as_of),
        "priorities": [
            {"programme": p.name, "text": p.priorities} for p in programmes if p.priorities
        ],
        "benchmarks": benchmark_lines(evaluation, lines, period),
        "feedback": feedback_counts(scope, period),
    }


def finalised_figures(evaluation: Evaluation) -> tuple[dict[str, Any] | None, Any]:
    """The figures stored when the evaluation was finalised, and that event (None, None for a
    draft)."""
    from waypoint.core.selectors import domain_events_for

    event = domain_events_for(obj=evaluation).filter(verb=FINALISED).order_by("-pk").first()
    if event is None:
        return None, None
    return event.data.get("figures"), event


def report_data(evaluation: Evaluation, today: dt.date) -> dict[str, Any]:
    """The report's figures: as finalised for a final evaluation, as of today for a draft."""
    if evaluation.status == Evaluation.Status.FINAL:
        stored, event = finalised_figures(evaluation)
        if stored is not None:
            return {
                **stored,
                "final": True,
                "finalised_at": event.occurred_at,
                "finalised_by": event.actor_name,
            }
    return {**figures(evaluation, today), "final": False}


def recommendations(evaluation: Evaluation) -> list[Improvement]:
    return list(evaluation.improvements.select_related("owner", "measure").order_by("due_on", "pk"))
