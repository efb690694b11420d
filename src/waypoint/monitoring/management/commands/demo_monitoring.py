"""Load demo monitoring data on top of the delivery demo (issue 5).

Run by ``waypoint demo`` after ``demo_delivery``. Reviews on time, late and missed (active
engagements whose review is overdue have none recorded), progress on goals and actions at the
reviews of engagements with plans, client self-reviews, outcome baselines and follow-ups (with
attribution, deadweight and displacement), concerns at every stage and a compliance report.

Reviews, self-reviews and outcomes are bulk-created like the delivery demo (no audit entries
for those rows). Concerns, the programme change that settled one, the compliance report and the
grant go through the monitoring services, each step taken by the person who would take it (the
lead adviser, Mary Shaw the service manager, Carl Evans the commissioner's contract manager), so
each concern's timeline has its events and the audit log has its entries (attributed to
Waypoint's system account, which loads the demo): one concern past the time limit to
acknowledge it, one acknowledged, one being investigated with two actions (one done), one
referred on to the commissioner with their response, one resolved with the client told, one
closed with a change to the client's programme, and one raised by a client on their
self-review; a data-protection report linked to the client's concern about it; and a business
near the support limit through a grant. Deterministic for a given day and idempotent (skipped
when already loaded).
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from waypoint.core.audit import acting_as
from waypoint.core.models import Organisation, User
from waypoint.delivery.models import (
    Action,
    Agreement,
    Engagement,
    Goal,
    review_interval_days,
)
from waypoint.monitoring.models import (
    ActionProgress,
    ComplianceReport,
    Concern,
    GoalProgress,
    MonitoringSettings,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
    Review,
    SelfReview,
)
from waypoint.monitoring.selectors_subsidy import support_value
from waypoint.monitoring.services import compliance as compliance_services
from waypoint.monitoring.services import concerns as concern_services
from waypoint.monitoring.services import programme_changes
from waypoint.monitoring.services import self_reviews as self_review_services

SEED = 20261125
D = decimal.Decimal
Status = Engagement.Status
BUSINESS_MEASURES = [
    ("turnover", "Turnover", "money", "£"),
    ("employees", "Employees", "number", "FTE"),
    ("profit", "Profit", "money", "£"),
    ("investment_raised", "Investment raised", "money", "£"),
    ("export_sales", "Export sales", "money", "£"),
    ("new_products", "New products or services", "number", ""),
    ("new_markets", "New markets", "number", ""),
    ("business_started", "Business started", "yes_no", ""),
    ("jobs_created", "Jobs created", "number", "jobs"),
    ("jobs_safeguarded", "Jobs safeguarded", "number", "jobs"),
]
INDIVIDUAL_MEASURES = [
    ("job_start", "Job start", "yes_no", ""),
    ("hours_a_week", "Hours a week", "number", "hours"),
    ("hourly_pay", "Hourly pay", "money", "£"),
    ("in_work_13_weeks", "In work at 13 weeks", "yes_no", ""),
    ("in_work_26_weeks", "In work at 26 weeks", "yes_no", ""),
    ("qualification_gained", "Qualification gained", "yes_no", ""),
]
# Outcome measures that count up from nothing: the baseline is 0, so the follow-up figure is the
# gross change.
COUNTED_FROM_ZERO = (
    "jobs_created",
    "jobs_safeguarded",
    "investment_raised",
    "new_products",
    "new_markets",
)
JOB_KEYS = [key for key, *_ in INDIVIDUAL_MEASURES]
# How each adviser's clients do after the support: jobs created (weights for 0 to 4), the chance
# of raising investment; for individuals, of starting work, of staying in work to 26 weeks once
# 13 are done, and of gaining a qualification.
GROWTH_PROFILE = {"jobs": [20, 25, 25, 18, 12], "investment": 0.4}
START_UP_PROFILE = {"jobs": [45, 30, 15, 7, 3], "investment": 0.2}
MENTORING_PROFILE = {"jobs": [50, 30, 12, 5, 3], "investment": 0.15}
OUTCOME_PROFILES: dict[str, dict[str, Any]] = {
    "alice.moss": START_UP_PROFILE,
    "ben.ali": GROWTH_PROFILE,
    "chris.doyle": MENTORING_PROFILE,
    "tom.hughes": {"job_start": 0.65, "sustained": 0.8, "qualification": 0.4},
}
WENT_WELL = [
    "The new price list is in use and customers accepted it.",
    "Cash-flow forecast updated every month since the last review.",
    "Two new trade customers from the networking event.",
]
WENT_BADLY = [
    "The website work slipped: the designer was ill.",
    "Recruitment took longer than planned.",
    "",
]
LEARNT = [
    "Small tests before big changes save time.",
    "Asking customers directly works better than guessing.",
    "",
]
HUB = "Enterprise Hub Ltd"
INVESTIGATION = "Spoke to the people involved and checked the records."
CAUSE = "A hand-over between advisers was missed."
# One concern at each stage (000 reqs 5, 6). ``days_ago``: when each step was taken;
# ``actions``: (what, owner, due days ago (negative: still to come), done days ago or None).
CONCERNS: list[dict[str, Any]] = [
    {
        "source": "client",
        "about": "delay",
        "severity": "medium",
        "summary": "Waited three weeks for the promised introduction to the bank.",
        "days_ago": {"raised": 9},  # past the time limit to acknowledge (5 days by default)
    },
    {
        "source": "client",
        "about": "adviser",
        "severity": "low",
        "summary": "Sessions keep being moved at short notice.",
        "days_ago": {"raised": 4, "acknowledged": 3},
    },
    {
        "source": "client",
        "about": "data",
        "severity": "medium",
        "summary": "My details were sent to the wrong workshop list.",
        "days_ago": {"raised": 12, "acknowledged": 11, "investigated": 10},
        "investigation": "The workshop invitation was sent to a typed list of addresses, "
        "not the mailing tool's group; 14 people received it.",
        "cause": "Addresses copied by hand from an old spreadsheet.",
        "actions": [
            ("Apologise to the client and remove them from the wrong list", "adviser", 9, 10),
            ("Check every workshop mailing list against clients' consents", "manager", -7, None),
        ],
    },
    {
        "source": "adviser",
        "about": "referral_partner",
        "severity": "high",
        "summary": "The export service has not replied to two referrals.",
        "days_ago": {"raised": 16, "acknowledged": 15, "investigated": 14, "referred": 13},
        "investigation": "Both referrals were sent to the address the partner gave us; "
        "neither was acknowledged.",
        "cause": "The partner's intake team is short of staff.",
        "referral_reason": "The export service is contracted by the commissioner, not by us: "
        "only the commissioner's contract manager can take it up with them.",
        "response": "Raised at the partner's contract meeting; they will reply to both "
        "referrals within five working days and have named a contact for our advisers.",
    },
    {
        "source": "manager",
        "about": "service",
        "severity": "serious",
        "summary": "Workshop places over-promised to clients.",
        "days_ago": {
            "raised": 26,
            "acknowledged": 25,
            "investigated": 24,
            "resolved": 10,
            "told": 9,
        },
        "investigation": INVESTIGATION,
        "cause": "Bookings were taken on two systems that did not agree.",
        "resolution": "Extra workshop run for the clients who missed out; bookings now taken "
        "in one place only.",
        "satisfaction": 4,
    },
    {
        "source": "client",
        "about": "service",
        "severity": "low",
        "summary": "Would like evening appointments.",
        "days_ago": {
            "raised": 45,
            "acknowledged": 44,
            "investigated": 43,
            "resolved": 38,
            "told": 37,
            "closed": 36,
        },
        "investigation": INVESTIGATION,
        "cause": CAUSE,
        "resolution": "Sessions moved to Tuesday evenings, agreed with the client.",
        "satisfaction": 5,
        "change": (
            "Sessions move to Tuesday evenings.",
            "The client cannot leave the shop in the day.",
            35,
        ),
    },
]


class Command(BaseCommand):
    help = "Load demo reviews, self-reviews, outcomes, concerns and compliance (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not Engagement.objects.exists():
            self.stdout.write("No engagements yet: load the delivery demo first.")
            return
        if Review.objects.exists() or Concern.objects.exists():
            self.stdout.write("Monitoring demo data is already loaded.")
            return
        with transaction.atomic():
            loader = MonitoringDemo(random.Random(SEED), timezone.localdate())  # noqa: S311
            counts = loader.load()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Monitoring demo loaded: {summary}."))


class MonitoringDemo:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.users = {u.username: u for u in User.objects.all()}

    def load(self) -> dict[str, int]:
        """Each part acts as Waypoint's system account (the audit log names it; the records
        and events name the people). The blocks follow one another rather than nest: the
        self-review service opens its own, and after a nested block ends the audit entries of
        the rest of the outer block would name nobody."""
        parts = {
            "reviews": self.reviews,
            "self-reviews": self.self_reviews,
            "outcome figures": self.outcomes,
            "concerns": self.concerns,
            "compliance reports": self.compliance,
            "grants": self.grants,
        }
        with acting_as(None):
            self.settings_and_measures()
        counts = {}
        for name, part in parts.items():
            with acting_as(None):
                counts[name] = part()
        with acting_as(None):
            counts["concerns"] += self._concern_from_self_review()
        return counts

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def settings_and_measures(self) -> None:
        for engagement in Engagement.objects.select_related("programme").order_by("pk"):
            programme = engagement.programme
            if MonitoringSettings.objects.filter(programme=programme).exists():
                continue
            individuals = engagement.client.kind == "individual"
            MonitoringSettings.objects.create(
                organisation=programme.organisation,
                programme=programme,
                follow_up_months="3,6" if individuals else "6,12",
            )
            measures = INDIVIDUAL_MEASURES if individuals else BUSINESS_MEASURES
            OutcomeMeasure.objects.bulk_create(
                OutcomeMeasure(
                    organisation=programme.organisation,
                    programme=programme,
                    key=key,
                    name=name,
                    kind=kind,
                    unit=unit,
                    audience="individual" if individuals else "business",
                    position=position,
                )
                for position, (key, name, kind, unit) in enumerate(measures, start=1)
            )

    def _accepted(self) -> list[tuple[Engagement, Agreement]]:
        pairs = []
        agreements = (
            Agreement.objects.filter(status=Agreement.Status.ACCEPTED, accepted_at__isnull=False)
            .select_related("engagement__client", "engagement__lead_adviser")
            .order_by("engagement_id", "-version")
        )
        seen: set[int] = set()
        for agreement in agreements:
            if agreement.engagement_id in seen:
                continue
            seen.add(agreement.engagement_id)
            pairs.append((agreement.engagement, agreement))
        return pairs

    def reviews(self) -> int:
        """Most active engagements have reviews at the agreed interval, most on time, some
        late; every fifth has its latest review missed (overdue, none recorded)."""
        reviews: list[Review] = []
        for number, (engagement, agreement) in enumerate(self._accepted()):
            if engagement.status not in (Status.ACTIVE, Status.PAUSED, Status.CLOSED):
                continue
            assert agreement.accepted_at is not None
            interval = review_interval_days(agreement.review_every, agreement.review_unit)
            start = agreement.accepted_at.date()
            end = engagement.closed_on or self.today
            due = start + dt.timedelta(days=interval)
            index = 0
            while due <= end and index < 60:
                missed = number % 5 == 0 and due + dt.timedelta(days=interval) > end
                if missed:
                    break
                late = self.rng.random() < 0.2
                held = due + dt.timedelta(
                    days=self.rng.randint(9, 20) if late else self.rng.randint(-3, 4)
                )
                if held > self.today:
                    break
                reviews.append(
                    Review(
                        organisation_id=engagement.organisation_id,
                        engagement=engagement,
                        agreement=agreement,
                        due_on=due,
                        held_on=held,
                        depth=agreement.review_depth,
                        client_rating=self.rng.randint(2, 5),
                        adviser_rating=self.rng.randint(2, 5),
                        went_well=self.rng.choice(WENT_WELL),
                        went_badly=self.rng.choice(WENT_BADLY),
                        learnt=self.rng.choice(LEARNT),
                        satisfaction=self.rng.choice([3, 4, 4, 5, 5]),
                        recommend=self.rng.choice([6, 7, 8, 9, 9, 10]),
                        recorded_by=engagement.lead_adviser,
                    )
                )
                due = held + dt.timedelta(days=interval)
                index += 1
        Review.objects.bulk_create(reviews)
        self._next_reviews(reviews)
        self._progress()
        return len(reviews)

    def _next_reviews(self, reviews: list[Review]) -> None:
        """The next review agreed at each open engagement's last review (as review_record
        sets it), so that caseloads and the schedule agree."""
        last: dict[int, Review] = {}
        for review in reviews:
            if review.engagement.is_open:
                last[review.engagement_id] = review
        engagements = []
        for review in last.values():
            assert review.agreement is not None
            interval = review_interval_days(
                review.agreement.review_every, review.agreement.review_unit
            )
            review.engagement.next_review_on = review.held_on + dt.timedelta(days=interval)
            engagements.append(review.engagement)
        Engagement.objects.bulk_update(engagements, ["next_review_on"])

    def _progress(self) -> None:
        goals: list[GoalProgress] = []
        actions: list[ActionProgress] = []
        for review in Review.objects.filter(engagement__action_plan__isnull=False).select_related(
            "engagement"
        ):
            for goal in Goal.objects.filter(plan__engagement=review.engagement):
                if goal.baseline is None or goal.target_value is None:
                    continue
                share = D(self.rng.randint(10, 80)) / 100
                goals.append(
                    GoalProgress(
                        organisation_id=review.organisation_id,
                        review=review,
                        goal=goal,
                        measured_value=(
                            goal.baseline + (goal.target_value - goal.baseline) * share
                        ).quantize(D("0.01")),
                    )
                )
            for action in Action.objects.filter(goal__plan__engagement=review.engagement):
                actions.append(
                    ActionProgress(
                        organisation_id=review.organisation_id,
                        review=review,
                        action=action,
                        status=action.status,
                        progress=action.progress,
                    )
                )
        GoalProgress.objects.bulk_create(goals)
        ActionProgress.objects.bulk_create(actions)

    def self_reviews(self) -> int:
        rows = []
        for engagement in Engagement.objects.filter(
            status=Status.ACTIVE, action_plan__isnull=False
        ).order_by("pk")[:8]:
            actions = list(Action.objects.filter(goal__plan__engagement=engagement)[:3])
            rows.append(
                SelfReview(
                    organisation_id=engagement.organisation_id,
                    engagement=engagement,
                    submitted_at=self.at(self.today - dt.timedelta(days=self.rng.randint(1, 20))),
                    action_updates=[
                        {
                            "action": action.pk,
                            "status": "in_progress",
                            "progress": min(100, action.progress + 20),
                            "note": "Getting there.",
                        }
                        for action in actions
                    ],
                    support_rating=self.rng.choice([4, 5]),
                    progress_comment="Busy month, but the plan is helping me keep on track.",
                    improvements=self.rng.choice(["", "Evening sessions would help."]),
                    submitted_by_name=engagement.client.name,
                )
            )
        SelfReview.objects.bulk_create(rows)
        return len(rows)

    def outcomes(self) -> int:
        """Baselines for every outcome measure when the agreement is accepted (zero for the
        counts: jobs created, investment raised, business started, job start...), and the 6-
        and 12-month follow-ups of closed business engagements (3 and 6 months for Pathways'
        individuals) where they are due: most done, some not (the client did not reply). Each
        follow-up records what is known by then, with varied attribution, deadweight and
        displacement; results differ by adviser (``OUTCOME_PROFILES``) and are better for
        completed engagements than for those that ended early."""
        values: list[OutcomeValue | None] = []
        measures = {(m.programme_id, m.key): m for m in OutcomeMeasure.objects.all()}
        for engagement, agreement in self._accepted():
            assert agreement.accepted_at is not None
            business = engagement.client.kind == "business"
            pre_start = engagement.client.trading_status == "pre_start"
            baseline = self._baseline(pre_start) if business else dict.fromkeys(JOB_KEYS, D(0))

            for key, figure in baseline.items():
                values.append(self._value(engagement, agreement, measures, key, figure))
            if engagement.status != Status.CLOSED or engagement.closed_on is None:
                continue
            completed = engagement.end_reason == Engagement.EndReason.COMPLETED
            profile = OUTCOME_PROFILES.get(
                engagement.lead_adviser.username,
                GROWTH_PROFILE if business else OUTCOME_PROFILES["tom.hughes"],
            )
            results = (
                self._business_results(baseline, profile, completed, pre_start)
                if business
                else self._job_results(profile, completed)
            )
            for index, months in enumerate((6, 12) if business else (3, 6)):
                due = engagement.closed_on + dt.timedelta(days=30 * months)
                share = (0.85, 0.7) if business else (0.9, 0.8)
                done = due <= self.today and self.rng.random() < share[index]
                follow_up = OutcomeFollowUp.objects.create(
                    organisation_id=engagement.organisation_id,
                    engagement=engagement,
                    months_after=months,
                    due_on=due,
                    completed_on=min(self.today, due + dt.timedelta(days=self.rng.randint(0, 12)))
                    if done
                    else None,
                )
                if follow_up.completed_on is None:
                    continue
                for key, figure in results[index].items():
                    values.append(
                        self._value(engagement, agreement, measures, key, figure, follow_up)
                    )
        rows = [row for row in values if row is not None]
        OutcomeValue.objects.bulk_create(rows)
        return len(rows)

    def _value(
        self,
        engagement: Engagement,
        agreement: Agreement,
        measures: dict[tuple[int, str], OutcomeMeasure],
        key: str,
        figure: D,
        follow_up: OutcomeFollowUp | None = None,
    ) -> OutcomeValue | None:
        """A baseline (taken when the agreement was accepted) or a follow-up figure, with the
        client's view of how much is down to the support."""
        measure = measures.get((engagement.programme_id, key))
        if measure is None:
            return None
        assert agreement.accepted_at is not None
        row = OutcomeValue(
            organisation_id=engagement.organisation_id,
            engagement=engagement,
            measure=measure,
            value=figure,
            recorded_on=agreement.accepted_at.date(),
            evidence=OutcomeValue.Evidence.SELF_DECLARED,
            recorded_by=engagement.lead_adviser,
        )
        if follow_up is not None:
            assert follow_up.completed_on is not None
            business = engagement.client.kind == "business"
            row.follow_up = follow_up
            row.recorded_on = follow_up.completed_on
            row.evidence = self.rng.choice(list(OutcomeValue.Evidence)).value
            row.attribution = self.rng.choice([40, 50, 60, 70, 80, 90])
            row.deadweight = self.rng.choice([10, 20, 25, 30, 40])
            row.displacement = self.rng.choice([0, 10, 20, 25] if business else [0, 0, 5, 10])
        return row

    def _baseline(self, pre_start: bool) -> dict[str, D]:
        """A business's figures when its agreement is accepted: a pre-start business has none
        yet (and has not started); some established ones already export."""
        exports = self.rng.random() < 0.2 and not pre_start
        return {
            "turnover": D(0) if pre_start else D(self.rng.randrange(60_000, 900_000, 5_000)),
            "employees": D(0) if pre_start else D(self.rng.randint(1, 25)),
            "profit": D(0) if pre_start else D(self.rng.randrange(-10_000, 80_000, 1_000)),
            "export_sales": D(self.rng.randrange(5_000, 80_000, 1_000)) if exports else D(0),
            **dict.fromkeys(COUNTED_FROM_ZERO, D(0)),
            **({"business_started": D(0)} if pre_start else {}),
        }

    def _business_results(
        self, baseline: dict[str, D], profile: dict[str, Any], completed: bool, pre_start: bool
    ) -> tuple[dict[str, D], dict[str, D]]:
        """A business's figures at its 6- and 12-month follow-ups: jobs, investment, products
        and markets build up over the year; a pre-start business that starts (about three in
        five) has its first turnover."""
        started = pre_start and self.rng.random() < (0.65 if completed else 0.4)
        started_early = started and self.rng.random() < 0.7
        jobs = self.rng.choices(range(5), profile["jobs"])[0]
        if not completed or (pre_start and not started):
            jobs = min(jobs, 1 if completed else 0)
        invested = self.rng.random() < profile["investment"] * (1 if completed else 0.5)
        exports = baseline["export_sales"]
        if exports == 0 and self.rng.random() < 0.1:
            exports = D(self.rng.randrange(2_000, 30_000, 1_000))
        if pre_start:
            turnover = D(self.rng.randrange(15_000, 120_000, 5_000)) if started else D(0)
        else:
            turnover = (baseline["turnover"] * D(str(self.rng.uniform(0.92, 1.45)))).quantize(
                D("1")
            )
        final = {
            "turnover": turnover,
            "employees": baseline["employees"] + jobs,
            "profit": (
                baseline["profit"]
                + (turnover - baseline["turnover"]) * D(str(self.rng.uniform(0.05, 0.2)))
            ).quantize(D("1")),
            "export_sales": (exports * D(str(self.rng.uniform(1.0, 1.5)))).quantize(D("1")),
            "jobs_created": D(jobs),
            "jobs_safeguarded": D(self.rng.choice([0, 0, 0, 1, 1, 2, 3])),
            "investment_raised": D(self.rng.randrange(5_000, 150_000, 2_500)) if invested else D(0),
            "new_products": D(self.rng.choice([0, 0, 1, 1, 2, 3])),
            "new_markets": D(self.rng.choice([0, 0, 0, 1, 1, 2])),
        }
        if pre_start:
            final["business_started"] = D(1) if started else D(0)
        # Six months on: part of the way there.
        early_jobs = self.rng.randint(0, jobs) if started_early or not pre_start else 0
        first = {
            "turnover": (
                baseline["turnover"] + (turnover - baseline["turnover"]) / 2
                if started_early or not pre_start
                else D(0)
            ).quantize(D("1")),
            "employees": baseline["employees"] + early_jobs,
            "profit": ((baseline["profit"] + final["profit"]) / 2).quantize(D("1")),
            "export_sales": exports,
            "jobs_created": D(early_jobs),
            "jobs_safeguarded": final["jobs_safeguarded"],
            "investment_raised": final["investment_raised"] if self.rng.random() < 0.5 else D(0),
            "new_products": min(final["new_products"], D(1)),
            "new_markets": D(0),
        }
        if pre_start:
            first["business_started"] = D(1) if started_early else D(0)
        return first, final

    def _job_results(
        self, profile: dict[str, Any], completed: bool
    ) -> tuple[dict[str, D], dict[str, D]]:
        """An individual's figures at the 3- and 6-month follow-ups. Of those who start work,
        some started while still supported (by the 3-month follow-up they have been in work
        for 26 weeks, or not), most by three months (26 weeks is known at six), a few by six
        months (too soon for 13 weeks). Fewer are still in work at 13 and 26 weeks."""
        starts = self.rng.random() < profile["job_start"] * (1 if completed else 0.45)
        when = self.rng.choices(["during", "early", "late"], [40, 40, 20])[0] if starts else ""
        at_13 = when in ("during", "early") and self.rng.random() < 0.9
        at_26 = at_13 and self.rng.random() < profile["sustained"]
        hours = D(self.rng.choice([16, 20, 25, 30, 37]))
        pay = D(self.rng.choice(["12.21", "12.50", "12.75", "13.20", "14.00", "15.50"]))
        qualified = D(1 if self.rng.random() < profile["qualification"] else 0)

        def work(started: bool, still: bool) -> dict[str, D]:
            return {
                "job_start": D(1 if started else 0),
                "hours_a_week": hours if still else D(0),
                "hourly_pay": pay if still else D(0),
            }

        def yes(flag: bool) -> D:
            return D(1 if flag else 0)

        early = when in ("during", "early")
        first = {
            **work(early, at_13),
            "in_work_13_weeks": yes(at_13),
            "qualification_gained": qualified if self.rng.random() < 0.6 else D(0),
        }
        final = {**work(starts, at_26 or when == "late"), "qualification_gained": qualified}
        if when == "during":
            first["in_work_26_weeks"] = final["in_work_26_weeks"] = yes(at_26)
        elif when == "early":
            final["in_work_26_weeks"] = yes(at_26)
        elif when == "late":
            final["in_work_13_weeks"] = D(0)  # started too recently for 13 weeks in work
        return first, final

    # Concerns, compliance and grants: through the services ---------------------------------

    def concerns(self) -> int:
        """One concern at each stage, each step taken through the concern services by the
        person who would take it (the lead adviser, or Mary Shaw, the service manager, for the
        high and serious ones), so each concern's timeline and the audit log show its history.
        Dates are backdated from today; one raised concern is past the time limit to
        acknowledge it (one more is raised by a client on their self-review, see ``load``)."""
        engagements = list(
            Engagement.objects.filter(
                status=Status.ACTIVE,
                organisation__name=HUB,
                lead_adviser__username__in=["alice.moss", "ben.ali"],
            )
            .select_related("programme__organisation", "lead_adviser", "client")
            .order_by("pk")[: len(CONCERNS)]
        )
        manager = self.users.get("mary.shaw")
        if manager is None or len(engagements) < len(CONCERNS):
            return 0
        for engagement, spec in zip(engagements, CONCERNS, strict=True):
            self._concern(engagement, spec, manager)
        return len(engagements)

    def _concern(self, engagement: Engagement, spec: dict[str, Any], manager: User) -> Concern:
        days: dict[str, int] = spec["days_ago"]
        on = {step: self.today - dt.timedelta(days=ago) for step, ago in days.items()}
        adviser = engagement.lead_adviser
        serious = spec["severity"] in (Concern.Severity.HIGH, Concern.Severity.SERIOUS)
        handler = manager if serious else adviser
        source = spec["source"]
        concern = concern_services.concern_raise(
            summary=spec["summary"],
            source=source,
            about=spec["about"],
            severity=spec["severity"],
            engagement=engagement,
            # A client's concern is recorded for them by their adviser (000 req 5).
            acting_user=manager if source == Concern.Source.MANAGER else adviser,
            raised_by_name=engagement.client.name if source == Concern.Source.CLIENT else "",
            raised_on=on["raised"],
            owner=handler,
        )
        if "acknowledged" not in on:
            return concern
        concern_services.concern_acknowledge(
            concern=concern, acting_user=handler, acknowledged_on=on["acknowledged"]
        )
        if "investigated" in on:
            concern_services.concern_investigate(
                concern=concern,
                acting_user=handler,
                investigation=spec["investigation"],
                cause=spec["cause"],
            )
        for description, owner, due_ago, done_ago in spec.get("actions", []):
            action = concern_services.concern_action_add(
                concern=concern,
                acting_user=handler,
                description=description,
                due_on=self.today - dt.timedelta(days=due_ago),
                owner=manager if owner == "manager" else adviser,
            )
            if done_ago is not None:
                concern_services.concern_action_done(
                    action=action,
                    acting_user=handler,
                    done_on=self.today - dt.timedelta(days=done_ago),
                )
        if "referred" in on:
            commissioner = engagement.programme.organisation
            contract_manager = self.users.get("carl.evans")
            concern_services.concern_refer(
                concern=concern,
                acting_user=handler,
                referred_to=f"Carl Evans, contract manager, {commissioner}",
                referred_to_organisation=commissioner,
                reason=spec["referral_reason"],
                referred_on=on["referred"],
            )
            if contract_manager is not None:
                concern_services.concern_record_response(
                    concern=concern, acting_user=contract_manager, response=spec["response"]
                )
        if "resolved" in on:
            concern_services.concern_resolve(
                concern=concern,
                acting_user=handler,
                resolution=spec["resolution"],
                resolved_on=on["resolved"],
            )
            concern_services.concern_tell_client(
                concern=concern,
                acting_user=handler,
                told_on=on["told"],
                how="Phone call, then a letter",
                satisfaction=spec["satisfaction"],
            )
        if change := spec.get("change"):
            # 000 req 8: the change to the client's programme that settled the concern.
            what_changed, why, effective_ago = change
            programme_changes.programme_change_record(
                engagement=engagement,
                what_changed=what_changed,
                why=why,
                effective_from=self.today - dt.timedelta(days=effective_ago),
                concern=concern,
                acting_user=adviser,
            )
        if "closed" in on:
            concern_services.concern_close(concern=concern, acting_user=handler)
        return concern

    def _concern_from_self_review(self) -> int:
        """A client raises a concern on their self-review (the link is the permission):
        raised today, not acknowledged yet."""
        engagement = (
            Engagement.objects.filter(
                status=Status.ACTIVE, organisation__name=HUB, action_plan__isnull=False
            )
            .exclude(concerns__isnull=False)
            .select_related("client", "lead_adviser")
            .order_by("-pk")
            .first()
        )
        if engagement is None:
            return 0
        link, _token = self_review_services.link_create(
            engagement=engagement, acting_user=engagement.lead_adviser, days=14
        )
        self_review_services.self_review_submit(
            link=link,
            support_rating=3,
            progress_comment="Most of the plan is on track.",
            concern_summary=(
                "I was promised a contact at the council's procurement team and have heard "
                "nothing for a month."
            ),
            submitted_by_name=engagement.client.name,
        )
        return 1

    def compliance(self) -> int:
        """A data-protection report by the service manager, linked to the client's concern
        about it, then put under review (000 req 7)."""
        hub = Organisation.objects.filter(name=HUB).first()
        manager = self.users.get("mary.shaw")
        concern = Concern.objects.filter(
            organisation=hub, about=Concern.About.DATA, engagement__isnull=False
        ).first()
        if hub is None or manager is None or concern is None:
            return 0
        report = compliance_services.compliance_report(
            organisation=hub,
            category=ComplianceReport.Category.DATA_PROTECTION,
            what_happened="A client list was emailed to the wrong workshop group (14 people).",
            occurred_on=concern.raised_on - dt.timedelta(days=2),
            engagement=concern.engagement,
            concern=concern,
            reported_to="Data protection officer",
            reported_on=concern.raised_on,
            acting_user=manager,
        )
        compliance_services.compliance_update(
            report=report,
            acting_user=manager,
            status=ComplianceReport.Status.UNDER_REVIEW,
            lessons="Use the mailing tool's groups, not typed addresses.",
        )
        return 1

    def grants(self) -> int:
        """One business near its programme's support limit: a capital grant recorded by its
        adviser that takes its support to about 92% of the limit."""
        engagement = (
            Engagement.objects.filter(
                status=Status.ACTIVE, organisation__name=HUB, client__kind="business"
            )
            .exclude(concerns__isnull=False)
            .select_related("client", "lead_adviser")
            .order_by("pk")
            .first()
        )
        if engagement is None:
            return 0
        awarded_on = max(engagement.enquiry_date, self.today - dt.timedelta(days=60))
        value = support_value(engagement.client, on=awarded_on)
        headroom = value.limit * D("0.92") - value.total
        amount = (headroom / 1000).to_integral_value(decimal.ROUND_DOWN) * 1000
        if amount <= 0:
            return 0
        compliance_services.grant_record(
            engagement=engagement,
            amount=amount,
            awarded_on=awarded_on,
            description="Capital grant for new production line",
            acting_user=engagement.lead_adviser,
        )
        return 1
