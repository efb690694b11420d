"""Load demo measures data on top of the other demos (issue 6): costs, targets and published
benchmark figures, then compute the rollups; then the advisers' self-appraisals, the
improvement register at every stage and two service evaluations, all through the services so
their timelines show who did what (the audit log names the system account, as for every demo).

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
from waypoint.measures.models import (
    BenchmarkFigure,
    Cost,
    Evaluation,
    Improvement,
    Measure,
    SelfAppraisal,
    Target,
)
from waypoint.measures.selectors import Scope, values
from waypoint.measures.services.appraisals import appraisal_save
from waypoint.measures.services.evaluations import (
    evaluation_create,
    evaluation_finalise,
    recommendation_create,
)
from waypoint.measures.services.improvements import improvement_create, improvement_move
from waypoint.monitoring.models import Concern

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
# (organisation, adviser or mentor, rating this quarter, rating last quarter): Alice rates
# herself above what her clients say of their progress; the others are close to theirs.
APPRAISALS = [
    (HUB, "alice.moss", 5, 5),
    (HUB, "ben.ali", 4, 3),
    (HUB, "chris.doyle", 4, 4),
    (PATHWAYS, "tom.hughes", 3, 4),
]
SWOT = {
    "limits": "A fixed contract value of £340,000 a year; two full-time advisers and a mentor.",
    "priorities": "The county growth plan: rural businesses, start-ups and good local jobs.",
    "strengths": "Experienced advisers who know the area; clients rate their advisers highly.",
    "weaknesses": "Reviews are often held late; action plans reach some clients slowly.",
    "opportunities": "A new rural grant scheme and the library's business start-up sessions.",
    "threats": "The contract ends in two years; other providers offer free online courses.",
    "feedback_themes": "Clients value practical help with finance; some wait too long for "
    "their plan.",
}


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
        with acting_as(None), transaction.atomic():
            if (
                SelfAppraisal.objects.exists()
                or Improvement.objects.exists()
                or Evaluation.objects.exists()
            ):
                self.stdout.write("Demo appraisals, improvements and evaluations already loaded.")
            else:
                appraisals = self.appraisals(today)
                improvements = self.improvements(hub, today)
                evaluations = self.evaluations(hub, today)
                self.stdout.write(
                    f"Demo measures: {appraisals} self-appraisals, {improvements} improvements, "
                    f"{evaluations} evaluations."
                )
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

    def appraisals(self, today: dt.date) -> int:
        """Each adviser and mentor rates themself for this quarter and the last (000 req 9)."""
        this_quarter = period_of(today, PeriodKind.QUARTER)
        created = 0
        for name, username, now, before in APPRAISALS:
            organisation = Organisation.objects.filter(name=name).first()
            person = User.objects.filter(username=username).first()
            if organisation is None or person is None:
                continue
            for period, rating in ((this_quarter.previous(), before), (this_quarter, now)):
                appraisal_save(
                    acting_user=person,
                    organisation=organisation,
                    period=period,
                    rating=rating,
                    went_well="Clients left each meeting with clear next steps.",
                    to_improve="Send action plans sooner and book reviews before they fall due.",
                )
                created += 1
        return created

    def improvements(self, hub: Organisation, today: dt.date) -> int:
        """The register at every stage, from each kind of source (000 req 10)."""
        people = {u.username: u for u in User.objects.filter(username__in=_OWNERS)}
        if set(people) != set(_OWNERS):
            return 0
        mary, alice, ben = people["mary.shaw"], people["alice.moss"], people["ben.ali"]
        measures = {m.code: m for m in Measure.objects.filter(organisation=None)}
        quarter = period_of(today, PeriodKind.QUARTER)
        before, after = quarter.previous().previous().label, quarter.previous().label
        concern = Concern.objects.filter(organisation=hub).order_by("raised_on", "pk").first()
        heard = f" The concern: “{concern.summary}”" if concern is not None else ""
        soon = today + dt.timedelta(days=42)

        def add(source: str, title: str, owner: User, **fields: Any) -> Improvement:
            return improvement_create(
                organisation=hub,
                acting_user=mary,
                source=source,
                title=title,
                owner=owner,
                due_on=soon,
                **fields,
            )

        def move(improvement: Improvement, *stages: str, **fields: Any) -> None:
            for stage in stages:
                improvement_move(
                    improvement=improvement,
                    acting_user=improvement.owner,
                    to=stage,
                    **(fields if stage == stages[-1] else {}),
                )

        def check(improvement: Improvement) -> None:
            """Under way, then checked: the quarter before last against the last one."""
            move(
                improvement,
                Improvement.Status.DO,
                Improvement.Status.CHECK,
                before_period=before,
                after_period=after,
            )

        add(
            Improvement.Source.REFLECTION,
            "Send each client's action plan within two working days",
            alice,
            detail="Raised in Alice's self-appraisal: plans sometimes take a week.",
        )
        doing = add(
            Improvement.Source.CONCERN,
            "Acknowledge every concern within two working days",
            mary,
            detail="A client's concern was not acknowledged in time." + heard,
            plan="A shared concerns inbox checked each morning; cover agreed for leave.",
            measure=measures.get("concerns_resolved_in_time"),
            concern=concern,
        )
        move(doing, Improvement.Status.DO)
        checking = add(
            Improvement.Source.BENCHMARK,
            "Hold reviews on time, as the best providers in the region do",
            ben,
            detail="The regional forum's providers hold 85% of reviews on time.",
            plan="Book the next review at the end of each meeting; a weekly list of those due.",
            measure=measures.get("reviews_on_time"),
        )
        check(checking)
        acting = add(
            Improvement.Source.REVIEW,
            "Explain the support on offer at the first meeting",
            mary,
            detail="Clients' reviews say they did not know what help they could ask for.",
            plan="A one-page guide to the support, talked through at every first meeting.",
            measure=measures.get("mean_satisfaction"),
        )
        check(acting)
        move(
            acting,
            Improvement.Status.ACT,
            check_notes="Satisfaction rose after the guide came in; a few clients still ask.",
        )
        closed = add(
            Improvement.Source.SWOT,
            "Agree more action plans with pre-start clients",
            alice,
            detail="The SWOT analysis found too few agreements in place for new businesses.",
            plan="Agree the plan at the second meeting, with the client's own words in it.",
            measure=measures.get("agreements_in_place"),
        )
        check(closed)
        move(
            closed,
            Improvement.Status.ACT,
            check_notes="More agreements were in place after the change than before.",
        )
        move(
            closed,
            Improvement.Status.CLOSED,
            decision=Improvement.Decision.ADOPT,
            decision_notes="The change worked: it is now how every adviser works.",
        )
        # Agreed weeks ago and not yet done: overdue on Mary's list.
        doing.due_on = today - dt.timedelta(days=10)
        doing.save()
        return 5

    def evaluations(self, hub: Organisation, today: dt.date) -> int:
        """A final evaluation of last financial year and a draft of this one, with two
        recommendations in the register (000 req 10)."""
        people = {u.username: u for u in User.objects.filter(username__in=_OWNERS)}
        if set(people) != set(_OWNERS):
            return 0
        mary = people["mary.shaw"]
        year = period_of(today, PeriodKind.FINANCIAL_YEAR)
        last = evaluation_create(
            acting_user=mary,
            title="",
            scope_kind="organisation",
            scope_id=hub.pk,
            period=year.previous().label,
            **SWOT,
            conclusions="Good reach across the county; reviews must be held on time.",
        )
        evaluation_finalise(evaluation=last, acting_user=mary, today=today)
        draft = evaluation_create(
            acting_user=mary,
            title="",
            scope_kind="organisation",
            scope_id=hub.pk,
            period=year.label,
            **SWOT,
        )
        measures = {m.code: m for m in Measure.objects.filter(organisation=None)}
        for owner, title, code in (
            ("alice.moss", "Agree an action plan with every new client", "agreements_in_place"),
            ("ben.ali", "Hold every review on time", "reviews_on_time"),
        ):
            recommendation_create(
                evaluation=draft,
                acting_user=mary,
                title=title,
                owner=people[owner],
                plan="To be planned at the next team meeting.",
                due_on=today + dt.timedelta(days=90),
                measure=measures.get(code),
            )
        return 2


_OWNERS = ("mary.shaw", "alice.moss", "ben.ali")


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
