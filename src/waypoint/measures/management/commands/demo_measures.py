"""Load demo measures data on top of the other demos (issue 6): costs, targets and published
benchmark figures, then compute the rollups.

Runs last (``demo_order``): the other demos bulk-create records, which sends no signals, so
the rollups are rebuilt from scratch at the end. Targets are set from the figures so that
every dashboard shows a mix of green, amber and red. Deterministic for a given day and
idempotent.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import acting_as
from waypoint.core.models import Organisation, Team, User
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.delivery.models import Programme
from waypoint.measures import rollups
from waypoint.measures.models import BenchmarkFigure, Cost, Measure, Target
from waypoint.measures.selectors import Scope, values

D = decimal.Decimal
HUB = "Enterprise Hub Ltd"
PATHWAYS = "Pathways Employment CIC"
# measure code -> how far the target sits from this year's figure (1.0 = met exactly). Above 1
# for "higher is better" measures is a stretch (amber or red); below 1 is met (green).
TARGET_FACTORS = {
    "clients_supported": D("1.05"),  # amber
    "support_hours": D("0.9"),  # green
    "new_engagements": D("1.4"),  # red
    "agreements_in_place": D("1.15"),  # red
    "reviews_on_time": D("1.08"),  # amber
    "mean_satisfaction": D("0.95"),  # green
    "net_promoter_score": D("0.8"),  # green
    "concerns_resolved_in_time": D("0.9"),  # green
    "hours_per_client": D("1.2"),  # lower is better: green
    "cost_per_client": D("0.85"),  # lower is better: red
    "share_pre_start": D("1.05"),  # amber
}
BENCHMARKS = [
    ("net_promoter_score", "National growth hub client survey", D("38")),
    ("mean_satisfaction", "National growth hub client survey", D("4.2")),
    ("reviews_on_time", "Regional business support providers' forum", D("85")),
    ("cost_per_client", "Regional business support providers' forum", D("640")),
]


class Command(BaseCommand):
    help = "Load demo costs, targets and benchmark figures, then rebuild the rollups."
    demo_order = 900

    def handle(self, *args: Any, **options: Any) -> None:
        hub = Organisation.objects.filter(name=HUB).first()
        if hub is None:
            self.stdout.write("Demo measures skipped: load the core demo first.")
            return
        today = timezone.localdate()
        with acting_as(None), transaction.atomic():
            if Cost.objects.exists() or Target.objects.exists():
                self.stdout.write("Demo measures are already loaded.")
            else:
                costs = self.costs(today)
                self.stdout.write(f"Demo measures: {costs} costs.")
        cells = rollups.rebuild()
        with acting_as(None), transaction.atomic():
            if not Target.objects.exists():
                targets = self.targets(hub, today)
                benchmarks = self.benchmarks(hub, today)
                self.stdout.write(f"Demo measures: {targets} targets, {benchmarks} benchmarks.")
        self.stdout.write(f"Rollups computed: {cells} cells.")

    def costs(self, today: dt.date) -> int:
        """Quarterly staff and overhead costs per provider and programme, by team for staff,
        over this financial year and the last."""
        created = 0
        this_year = period_of(today, PeriodKind.FINANCIAL_YEAR)
        quarters = [q for q in _quarters(this_year.previous().start, today) if q.start <= today]
        for name, programme_name, staff_per_quarter in (
            (HUB, "Northshire Business Growth", D("21000")),
            (PATHWAYS, "Pathways to Work", D("16500")),
        ):
            organisation = Organisation.objects.get(name=name)
            programme = Programme.objects.get(name=programme_name)
            teams = list(Team.objects.filter(organisation=organisation).order_by("name"))
            for number, quarter in enumerate(quarters):
                growth = D(1) + D(number) / 40
                for team in teams:
                    Cost.objects.create(
                        organisation=organisation,
                        programme=programme,
                        team=team,
                        period_kind=PeriodKind.QUARTER.value,
                        period_start=quarter.start,
                        kind=Cost.Kind.STAFF,
                        amount=(staff_per_quarter / len(teams) * growth).quantize(D("1")),
                        description=f"Adviser salaries, {team.name} team",
                    )
                    created += 1
                Cost.objects.create(
                    organisation=organisation,
                    programme=programme,
                    period_kind=PeriodKind.QUARTER.value,
                    period_start=quarter.start,
                    kind=Cost.Kind.OVERHEADS,
                    amount=D("4800"),
                    description="Premises share, systems and management",
                )
                created += 1
        return created

    def targets(self, hub: Organisation, today: dt.date) -> int:
        year = period_of(today, PeriodKind.FINANCIAL_YEAR)
        measures = {m.code: m for m in Measure.objects.filter(organisation=None)}
        manager = User.objects.filter(username="mary.shaw").first()
        scopes = [Scope("organisation", hub.pk)]
        alice = User.objects.filter(username="alice.moss").first()
        if alice is not None:
            scopes.append(Scope("adviser", alice.pk))
        for team in Team.objects.filter(organisation=hub):
            scopes.append(Scope("team", team.pk))
        wanted = [measures[code] for code in TARGET_FACTORS if code in measures]
        figures = values(wanted, scopes, [year])
        created = 0
        for scope in scopes:
            for measure in wanted:
                figure = figures[(measure.pk, scope, year)]
                if figure.value is None:
                    continue
                target = _round(figure.value * TARGET_FACTORS[measure.code], measure.unit)
                if measure.unit == "percent":
                    target = min(target, D("98"))  # a share cannot be asked above 100%
                if measure.unit != "percent" and measure.definition.get("aggregate") in {
                    "count",
                    "distinct",
                    "sum",
                }:
                    # The figure is the year to date: the target is for the whole year.
                    elapsed = (today - year.start).days + 1
                    whole = (year.end - year.start).days
                    target = _round(target * whole / elapsed, measure.unit)
                Target.objects.create(
                    organisation=hub,
                    measure=measure,
                    scope_kind=scope.kind,
                    scope_id=scope.id,
                    period_kind=PeriodKind.FINANCIAL_YEAR.value,
                    period_start=year.start,
                    value=target,
                    set_by=manager,
                    notes="Agreed at the business plan review.",
                )
                created += 1
        return created

    def benchmarks(self, hub: Organisation, today: dt.date) -> int:
        last_year = period_of(today, PeriodKind.FINANCIAL_YEAR).previous()
        created = 0
        for code, source, value in BENCHMARKS:
            measure = Measure.objects.filter(organisation=None, code=code).first()
            if measure is None:
                continue
            BenchmarkFigure.objects.create(
                organisation=hub,
                measure=measure,
                source=source,
                period_kind=PeriodKind.FINANCIAL_YEAR.value,
                period_start=last_year.start,
                value=value,
                notes="Published annual results.",
            )
            created += 1
        return created


def _quarters(start: dt.date, until: dt.date) -> list[Period]:
    found = []
    quarter = period_of(start, PeriodKind.QUARTER)
    while quarter.start <= until:
        found.append(quarter)
        quarter = quarter.next()
    return found


def _round(value: D, unit: str) -> D:
    places = D("1") if unit in {"count", "money"} else D("0.1")
    return value.quantize(places, rounding=decimal.ROUND_HALF_UP)
