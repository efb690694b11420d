"""Load demo monitoring data on top of the delivery demo (issue 5).

Run by ``waypoint demo`` after ``demo_delivery``. Reviews on time, late and missed (active
engagements whose review is overdue have none recorded), progress on goals and actions at the
reviews of engagements with plans, client self-reviews, outcome baselines and follow-ups (with
attribution, deadweight and displacement), concerns at every stage (one referred on to the
commissioner), a compliance report and a client near the support limit through grants.
Bulk-created like the delivery demo (no audit entries for demo rows); deterministic for a given
day and idempotent.
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
    Grant,
    MonitoringSettings,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
    ProgrammeChange,
    Review,
    SelfReview,
)

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
CONCERNS = [
    ("client", "delay", "medium", "Waited three weeks for the promised introduction to the bank."),
    ("client", "adviser", "low", "Sessions keep being moved at short notice."),
    ("adviser", "referral_partner", "high", "The export service has not replied to two referrals."),
    ("client", "data", "medium", "My details were sent to the wrong workshop list."),
    ("manager", "service", "serious", "Workshop places over-promised to clients."),
    ("client", "service", "low", "Would like evening appointments."),
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
        with acting_as(None), transaction.atomic():
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
        self.settings_and_measures()
        return {
            "reviews": self.reviews(),
            "self-reviews": self.self_reviews(),
            "outcome figures": self.outcomes(),
            "concerns": self.concerns(),
            "compliance reports": self.compliance(),
            "grants": self.grants(),
        }

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
        values: list[OutcomeValue] = []
        measures = {(m.programme_id, m.key): m for m in OutcomeMeasure.objects.all()}
        for number, (engagement, agreement) in enumerate(self._accepted()):
            assert agreement.accepted_at is not None
            business = engagement.client.kind == "business"
            baseline = (
                {
                    "turnover": D(self.rng.randrange(60_000, 900_000, 5_000)),
                    "employees": D(self.rng.randint(1, 25)),
                    "profit": D(self.rng.randrange(-10_000, 80_000, 1_000)),
                }
                if business
                else {"job_start": D(0), "hours_a_week": D(0)}
            )
            for key, value in baseline.items():
                measure = measures.get((engagement.programme_id, key))
                if measure is None:
                    continue
                values.append(
                    OutcomeValue(
                        organisation_id=engagement.organisation_id,
                        engagement=engagement,
                        measure=measure,
                        value=value,
                        recorded_on=agreement.accepted_at.date(),
                        evidence=OutcomeValue.Evidence.SELF_DECLARED,
                        recorded_by=engagement.lead_adviser,
                    )
                )
            if engagement.status != Status.CLOSED or engagement.closed_on is None:
                continue
            for months in (6, 12) if business else (3, 6):
                due = engagement.closed_on + dt.timedelta(days=30 * months)
                follow_up = OutcomeFollowUp.objects.create(
                    organisation_id=engagement.organisation_id,
                    engagement=engagement,
                    months_after=months,
                    due_on=due,
                    completed_on=due if due <= self.today and number % 3 else None,
                )
                if follow_up.completed_on is None:
                    continue
                grown = {
                    key: (value * D("1.25")).quantize(D("0.01")) if business else D(1)
                    for key, value in baseline.items()
                }
                if not business:
                    grown["hours_a_week"] = D(self.rng.choice([16, 25, 37]))
                for key, value in grown.items():
                    measure = measures.get((engagement.programme_id, key))
                    if measure is None:
                        continue
                    values.append(
                        OutcomeValue(
                            organisation_id=engagement.organisation_id,
                            engagement=engagement,
                            measure=measure,
                            follow_up=follow_up,
                            value=value,
                            recorded_on=follow_up.completed_on,
                            evidence=self.rng.choice(list(OutcomeValue.Evidence)).value,
                            attribution=self.rng.choice([30, 50, 70]),
                            deadweight=self.rng.choice([10, 20, 30]),
                            displacement=self.rng.choice([0, 10, 20]),
                            recorded_by=engagement.lead_adviser,
                        )
                    )
        OutcomeValue.objects.bulk_create(values)
        return len(values)

    def concerns(self) -> int:
        """One concern at each stage; the referral-partner one is referred on to the
        commissioner."""
        engagements = list(
            Engagement.objects.filter(status=Status.ACTIVE)
            .select_related("programme__organisation", "lead_adviser")
            .order_by("pk")[:6]
        )
        stages = ["raised", "acknowledged", "investigating", "referred", "resolved", "closed"]
        manager = self.users.get("mary.shaw")
        created = 0
        for (engagement, stage), (source, about, severity, summary) in zip(
            zip(engagements, stages, strict=False), CONCERNS, strict=False
        ):
            raised = self.today - dt.timedelta(days=3 + 6 * created)
            concern = Concern(
                organisation_id=engagement.organisation_id,
                engagement=engagement,
                programme=engagement.programme,
                source=source,
                raised_by=engagement.lead_adviser if source != "client" else None,
                raised_by_name=engagement.client.name if source == "client" else "",
                raised_on=raised,
                about=about,
                severity=severity,
                summary=summary,
                owner=manager if severity in ("high", "serious") else engagement.lead_adviser,
                status=stage,
            )
            if stage != "raised":
                concern.acknowledged_on = raised + dt.timedelta(days=1)
            if stage in ("investigating", "referred", "resolved", "closed"):
                concern.within_responsibility = stage != "referred"
                concern.investigation = "Spoke to the people involved and checked the records."
                concern.cause = "A hand-over between advisers was missed."
            if stage == "referred":
                commissioner = engagement.programme.organisation
                concern.referred_to = f"Contract manager, {commissioner}"
                concern.referred_to_organisation = commissioner
                concern.referred_on = raised + dt.timedelta(days=2)
                concern.referral_reason = "The partner is contracted by the commissioner."
            if stage in ("resolved", "closed"):
                concern.resolution = "Apologised, rebooked, and changed the hand-over checklist."
                concern.resolved_on = raised + dt.timedelta(days=4)
                concern.client_told_on = raised + dt.timedelta(days=4)
                concern.client_told_how = "Phone call, then a letter"
                concern.client_satisfaction = 4
            concern.save()
            created += 1
            if stage == "closed":
                ProgrammeChange.objects.create(
                    organisation_id=engagement.organisation_id,
                    engagement=engagement,
                    what_changed="Sessions move to Tuesday evenings.",
                    why="The client cannot leave the shop in the day.",
                    effective_from=raised + dt.timedelta(days=7),
                    concern=concern,
                    recorded_by=engagement.lead_adviser,
                )
        return created

    def compliance(self) -> int:
        hub = Organisation.objects.filter(name="Enterprise Hub Ltd").first()
        if hub is None:
            return 0
        ComplianceReport.objects.create(
            organisation=hub,
            category=ComplianceReport.Category.DATA_PROTECTION,
            what_happened="A client list was emailed to the wrong workshop group (14 people).",
            occurred_on=self.today - dt.timedelta(days=12),
            reported_to="Data protection officer",
            reported_on=self.today - dt.timedelta(days=11),
            status=ComplianceReport.Status.UNDER_REVIEW,
            lessons="Use the mailing tool's groups, not typed addresses.",
            reported_by=self.users.get("mary.shaw"),
        )
        return 1

    def grants(self) -> int:
        """One business near its programme's support limit."""
        engagement = (
            Engagement.objects.filter(status=Status.ACTIVE, client__kind="business")
            .order_by("pk")
            .first()
        )
        if engagement is None:
            return 0
        Grant.objects.create(
            organisation_id=engagement.organisation_id,
            engagement=engagement,
            amount=D("295000.00"),
            awarded_on=self.today - dt.timedelta(days=200),
            description="Capital grant for new production line",
            recorded_by=engagement.lead_adviser,
        )
        return 1
