"""Reads for self-appraisal: the other evidence set beside an adviser's rating of their own
performance (issue 6 item 7; 000 knowledge point: the limits of self-appraisal).

A self-rating is one view of one's work. The evidence beside it comes from the same rollups
as the dashboards (``selectors.values``: one query for every adviser and measure), plus the
clients' own rating of their progress at reviews, read from the reviews' facts (the measure
library has no measure for it, and the figure is the plain mean of the ratings given).

Who may see which adviser's appraisal is ``SelfAppraisalPolicy``; who may see an adviser's
figures is ``selectors_dashboards.scope_access`` (the adviser and the managers of an
organisation where they hold a role): the two agree.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from waypoint.core.models import RoleAssignment, User
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.measures import definitions as defs
from waypoint.measures.models import (
    ROLLUP_PERIODS,
    Measure,
    MeasureFact,
    ScopeKind,
    SelfAppraisal,
)
from waypoint.measures.selectors import Scope, period_groups, values

D = decimal.Decimal
APPRAISING_ROLES = frozenset({Role.ADVISER, Role.MENTOR})

# The evidence shown beside a self-rating, in the order shown: what clients say, what they
# achieved, what changed for them, and whether reviews were held when agreed.
EVIDENCE_CODES = (
    "mean_satisfaction",
    "net_promoter_score",
    "goals_achieved",
    "action_completion",
    "jobs_created_net",
    "job_starts",
    "reviews_on_time",
)
CLIENT_RATING = "client_rating"


def default_period(today: dt.date) -> Period:
    """The current financial quarter: what an adviser appraises unless they choose."""
    return period_of(today, PeriodKind.QUARTER)


def parse_period(label: str | None, today: dt.date) -> tuple[Period, str]:
    """The period asked for and a problem to show ('' when none): a month, a financial quarter
    or a financial year that has begun; the current quarter otherwise."""
    default = default_period(today)
    if not label:
        return default, ""
    try:
        period = Period.parse(label)
    except ValueError as error:
        return default, str(error)
    if period.kind not in ROLLUP_PERIODS:
        return default, (
            f"{label!r} is a calendar period; choose a month (2026-11), a financial quarter "
            "(2026/27 Q3) or a financial year (2026/27)."
        )
    if period.start > today:
        return default, f"{period.title} has not begun yet: appraise a period once it has begun."
    return period, ""


def period_choices(today: dt.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """Periods to appraise: recent quarters first (the usual choice), then months and years."""
    return period_groups(
        today,
        [(PeriodKind.QUARTER, 5, 0), (PeriodKind.MONTH, 11, 0), (PeriodKind.FINANCIAL_YEAR, 2, 0)],
    )


def appraising_organisations(user: Any) -> list[int]:
    """The organisations where the person is an adviser or mentor: where they appraise
    themselves."""
    return sorted(organisations_with_role(user, APPRAISING_ROLES))


def can_appraise(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and appraising_organisations(user))


def managed_organisations(user: Any) -> set[int]:
    return organisations_with_role(user, MANAGING_ROLES)


def can_review_appraisals(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or managed_organisations(user))
    )


def advisers_managed_by(user: Any) -> QuerySet[User]:
    """The advisers and mentors of the organisations the person manages (all, for a
    superuser), by name."""
    assignments = RoleAssignment.objects.filter(role__in=APPRAISING_ROLES)
    if not user.is_superuser:
        assignments = assignments.filter(organisation_id__in=managed_organisations(user))
    return (
        User.objects.filter(pk__in=assignments.values("user_id"), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def appraisals_for(user: Any, period: Period) -> QuerySet[SelfAppraisal]:
    return SelfAppraisal.objects.restrict(user, "view").filter(
        period_kind=period.kind.value, period_start=period.start
    )


# The evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """A mean of ratings out of 5 and how many ratings it is the mean of."""

    mean: D | None
    count: int


@dataclass
class EvidenceItem:
    code: str
    name: str
    unit: str
    figure: defs.Figure


@dataclass
class Evidence:
    adviser_id: int
    period: Period
    client_rating: Rating
    items: list[EvidenceItem] = field(default_factory=list)

    def item(self, code: str) -> EvidenceItem | None:
        return next((i for i in self.items if i.code == code), None)


def evidence_measures() -> list[Measure]:
    """The standard measures of the evidence, in ``EVIDENCE_CODES`` order (any missing from
    the library are left out)."""
    found = {
        m.code: m
        for m in Measure.objects.filter(
            organisation__isnull=True, code__in=EVIDENCE_CODES, is_active=True
        )
    }
    return [found[code] for code in EVIDENCE_CODES if code in found]


def client_ratings(
    adviser_ids: Sequence[int], period: Period, organisations: frozenset[int] | None = None
) -> dict[int, Rating]:
    """Each adviser's clients' mean rating of their progress at the reviews held in the period
    (one query over the reviews' facts; a review without a rating does not count)."""
    totals: dict[int, list[int]] = {pk: [0, 0] for pk in adviser_ids}
    rows = MeasureFact.objects.filter(
        source="reviews",
        adviser_id__in=list(adviser_ids),
        on__gte=period.start,
        on__lt=period.end,
    )
    if organisations is not None:
        rows = rows.filter(organisation_id__in=organisations)
    for adviser_id, found in rows.values_list("adviser_id", "values"):
        rating = (found or {}).get(CLIENT_RATING)
        if rating is None or adviser_id is None:
            continue
        totals[adviser_id][0] += int(D(str(rating)))
        totals[adviser_id][1] += 1
    return {
        pk: Rating(D(total) / count if count else None, count)
        for pk, (total, count) in totals.items()
    }


def evidence_for(
    adviser_ids: Sequence[int], period: Period, organisations: frozenset[int] | None = None
) -> dict[int, Evidence]:
    """The evidence for each adviser in the period, from their work in ``organisations`` (None:
    all; see ``adviser_work_seen_by``): two queries whatever the number."""
    measures = evidence_measures()
    scopes = [Scope(ScopeKind.ADVISER.value, pk, organisations) for pk in adviser_ids]
    figures = values(measures, scopes, [period]) if scopes else {}
    ratings = client_ratings(adviser_ids, period, organisations)
    found = {}
    for pk, scope in zip(adviser_ids, scopes, strict=True):
        evidence = Evidence(pk, period, ratings[pk])
        for measure in measures:
            evidence.items.append(
                EvidenceItem(
                    measure.code, measure.name, measure.unit, figures[(measure.pk, scope, period)]
                )
            )
        found[pk] = evidence
    return found


def _one(value: D) -> str:
    """A rating to one decimal place, without a trailing ".0": 3.4, 5."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def comparison(rating: int | None, evidence: Evidence, *, who: str = "You") -> str:
    """The self-rating beside the clients' in plain words: "You rated yourself 5 of 5; clients
    rated their progress 3.4 of 5 on average (12 reviews)." ``who`` names another adviser."""
    yourself = who == "You"
    if rating is None:
        own = "You have not rated yourself yet" if yourself else f"{who} has not rated themself"
    else:
        own = f"{who} rated {'yourself' if yourself else 'themself'} {rating} of 5"
    clients = evidence.client_rating
    if clients.mean is None:
        return f"{own}; no client rated their progress at a review in this period."
    reviews = f"{clients.count} review{'s' if clients.count != 1 else ''}"
    text = f"{own}; clients rated their progress {_one(clients.mean)} of 5 on average ({reviews})."
    if rating is not None:
        gap = D(rating) - clients.mean
        if gap >= 1:
            text += (
                f" That is {_one(gap)} higher than the clients' rating: look at what they said at "
                "their reviews before relying on the self-rating."
            )
        elif gap <= -1:
            text += f" That is {_one(-gap)} lower than the clients' rating."
        else:
            text += " The two are close."
    return text
