"""Reads for outcomes and impact (000 req 4: the effect of the support on a client's business).

Net additional impact is the part of a change the support can take credit for:

    net = gross change x attribution x (1 - deadweight) x (1 - displacement)

where the gross change is the latest follow-up figure less the baseline, attribution is the
share of the change the client puts down to the support, deadweight the share that would have
happened anyway and displacement the share taken from other local businesses (the shares given
at that follow-up). Per client the figures are Decimals rounded to pennies; totals are added
up in the database and rounded once, at the total.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from waypoint.core.periods import Period
from waypoint.delivery.models import Engagement, Programme
from waypoint.monitoring.models import MeasureKind, OutcomeFollowUp, OutcomeMeasure, OutcomeValue

D = decimal.Decimal
PENNY = D("0.01")
HUNDRED = D(100)
TIMES, MINUS = "\u00d7", "\u2212"
FIGURE: DecimalField[Any, Any] = DecimalField(max_digits=30, decimal_places=6)


def net_additional(gross: D, attribution: int, deadweight: int, displacement: int) -> D:
    """gross x attribution x (1 - deadweight) x (1 - displacement), shares in per cent,
    rounded to pennies (half up)."""
    net = (
        gross
        * D(attribution)
        / HUNDRED
        * (HUNDRED - D(deadweight))
        / HUNDRED
        * (HUNDRED - D(displacement))
        / HUNDRED
    )
    return net.quantize(PENNY, rounding=decimal.ROUND_HALF_UP)


def format_figure(measure: OutcomeMeasure | Any, value: D | None) -> str:
    """A figure as people read it: £1,234.50, 3.5 FTE, Yes."""
    if value is None:
        return "Not recorded"
    kind = measure.kind
    if kind == MeasureKind.YES_NO:
        if value in (D(0), D(1)):
            return "Yes" if value == 1 else "No"
        return f"{value.normalize():f}"
    if kind == MeasureKind.MONEY:
        sign = MINUS if value < 0 else ""
        return f"{sign}£{abs(value):,.2f}"
    text = f"{value.quantize(PENNY).normalize():,f}"
    unit = getattr(measure, "unit", "")
    return f"{text} {unit}".strip()


@dataclass
class MeasureImpact:
    """One measure of one client: baseline, latest follow-up and the change between them."""

    measure: OutcomeMeasure
    baseline: OutcomeValue | None
    latest: OutcomeValue | None

    @property
    def gross(self) -> D | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest.value - self.baseline.value

    @property
    def net(self) -> D | None:
        if (gross := self.gross) is None or self.latest is None:
            return None
        latest = self.latest
        return net_additional(gross, latest.attribution, latest.deadweight, latest.displacement)

    @property
    def explanation(self) -> str:
        """The sum in words, e.g. "£60,000.00 change x 50% attribution x (1 - 20% deadweight)
        x (1 - 10% displacement) = £21,600.00", with proper signs."""
        if self.gross is None or self.latest is None or self.net is None:
            if self.baseline is None and self.latest is None:
                return "No figures yet."
            if self.baseline is None:
                return "No baseline: record one to see the change."
            return "No follow-up figure yet."
        latest = self.latest
        return (
            f"{format_figure(self.measure, self.gross)} change {TIMES} {latest.attribution}% "
            f"attribution {TIMES} (1 {MINUS} {latest.deadweight}% deadweight) {TIMES} "
            f"(1 {MINUS} {latest.displacement}% displacement) = "
            f"{format_figure(self.measure, self.net)}"
        )

    def as_dict(self) -> dict[str, Any]:
        latest = self.latest

        def text(value: D | None) -> str | None:
            return None if value is None else str(value)

        return {
            "measure": self.measure.pk,
            "key": self.measure.key,
            "name": self.measure.name,
            "kind": self.measure.kind,
            "unit": self.measure.unit,
            "baseline": text(self.baseline.value if self.baseline else None),
            "latest": text(latest.value if latest else None),
            "latest_follow_up": latest.follow_up_id if latest else None,
            "latest_recorded_on": latest.recorded_on.isoformat() if latest else None,
            "attribution": latest.attribution if latest else None,
            "deadweight": latest.deadweight if latest else None,
            "displacement": latest.displacement if latest else None,
            "gross": text(self.gross),
            "net": text(self.net),
            "explanation": self.explanation,
        }


def measures_for(engagement: Engagement) -> QuerySet[OutcomeMeasure]:
    """The active measures of the engagement's programme for its kind of client."""
    return OutcomeMeasure.objects.filter(
        programme_id=engagement.programme_id,
        audience=engagement.client.kind,
        is_active=True,
    ).order_by("position", "pk")


def impact_for(engagement: Engagement) -> list[MeasureImpact]:
    """Per measure, for an engagement the caller has already been allowed to see: the
    baseline, the figure at the latest completed follow-up, gross change and net additional
    impact. Lists the programme's active measures for the client's kind, and any other
    measure with a figure. Two queries."""
    values = (
        OutcomeValue.objects.filter(engagement=engagement)
        .select_related("measure", "follow_up")
        .order_by("measure__position", "measure_id", "follow_up__due_on", "pk")
    )
    baselines: dict[int, OutcomeValue] = {}
    latest: dict[int, OutcomeValue] = {}
    measures: dict[int, OutcomeMeasure] = {m.pk: m for m in measures_for(engagement)}
    for value in values:
        measures.setdefault(value.measure_id, value.measure)
        if value.follow_up_id is None:
            baselines[value.measure_id] = value
        else:
            latest[value.measure_id] = value  # ordered by due date: the last one wins
    ordered = sorted(measures.values(), key=lambda m: (m.position, m.pk))
    return [MeasureImpact(m, baselines.get(m.pk), latest.get(m.pk)) for m in ordered]


@dataclass
class MeasureTotal:
    key: str
    name: str
    kind: str
    unit: str
    clients: int
    gross: D
    net: D

    @property
    def gross_text(self) -> str:
        return format_figure(self, self.gross)

    @property
    def net_text(self) -> str:
        return format_figure(self, self.net)


def impact_totals(
    user: Any, programme: Programme | None = None, period: Period | None = None
) -> list[MeasureTotal]:
    """Impact added up over the engagements the user may see, per measure key (so that the
    same default measure adds up across programmes): how many clients have a baseline and a
    follow-up figure, the gross change and the net additional impact.

    For each client and measure the latest follow-up counts; with a ``period``, the latest
    follow-up figure recorded within it. Added up in the database, rounded at the total."""
    follow_ups = OutcomeValue.objects.restrict(user, "view").filter(follow_up__isnull=False)
    same = {"engagement": OuterRef("engagement"), "measure": OuterRef("measure")}
    later = OutcomeValue.objects.filter(follow_up__isnull=False, **same)
    if period is not None:
        window = {"recorded_on__gte": period.start, "recorded_on__lt": period.end}
        follow_ups = follow_ups.filter(**window)
        later = later.filter(**window)
    if programme is not None:
        follow_ups = follow_ups.filter(engagement__programme=programme)
    latest = later.order_by("-follow_up__due_on", "-pk").values("pk")[:1]
    baseline = OutcomeValue.objects.filter(follow_up__isnull=True, **same).values("value")[:1]
    gross = ExpressionWrapper(F("value") - F("baseline_value"), output_field=FIGURE)
    net = ExpressionWrapper(
        (F("value") - F("baseline_value"))
        * F("attribution")
        * (Value(100) - F("deadweight"))
        * (Value(100) - F("displacement"))
        / Value(D("1000000"), output_field=FIGURE),
        output_field=FIGURE,
    )
    rows = (
        follow_ups.annotate(baseline_value=Subquery(baseline, output_field=FIGURE))
        .filter(pk=Subquery(latest), baseline_value__isnull=False)
        .order_by()
        .values("measure__key", "measure__kind")
        .annotate(
            name=Min("measure__name"),
            unit=Min("measure__unit"),
            position=Min("measure__position"),
            clients=Count("engagement__client", distinct=True),
            gross=Sum(gross),
            net=Sum(net),
        )
    )
    totals = [
        MeasureTotal(
            key=row["measure__key"],
            name=row["name"],
            kind=row["measure__kind"],
            unit=row["unit"] or "",
            clients=row["clients"],
            gross=_round(row["gross"]),
            net=_round(row["net"]),
        )
        for row in rows
    ]
    order = {row["measure__key"]: row["position"] for row in rows}
    return sorted(totals, key=lambda t: (order[t.key], t.name))


def _round(value: Any) -> D:
    if value is None:
        return D("0.00")
    return D(str(value)).quantize(PENNY, rounding=decimal.ROUND_HALF_UP)


def follow_ups_due(
    user: Any, *, within_days: int = 0, mine: bool = False, on: dt.date | None = None
) -> QuerySet[OutcomeFollowUp]:
    """Outcome follow-ups not yet completed and due by ``on`` (today) plus ``within_days``,
    of the engagements the user may see (``mine``: only those they lead or are assigned to),
    soonest first."""
    until = (on or timezone.localdate()) + dt.timedelta(days=within_days)
    found = OutcomeFollowUp.objects.restrict(user, "view").filter(
        completed_on__isnull=True, due_on__lte=until
    )
    if mine:
        assigned = Engagement.advisers.through.objects.filter(user_id=user.pk)
        found = found.filter(
            Q(engagement__lead_adviser_id=user.pk)
            | Q(engagement_id__in=assigned.values("engagement_id"))
        )
    return found.select_related(
        "engagement__client", "engagement__programme", "engagement__lead_adviser"
    ).order_by("due_on", "pk")
