"""Load demo diagnostics and mentoring on top of the delivery demo.

Run by ``waypoint demo`` after ``demo_delivery``. Diagnostics go through the services (so they
are dated, attributed, audited and their findings become goals the way an adviser's would):
health checks done twice for some businesses (so "what changed" shows), SWOTs with findings
turned into goals, financial ratios, PESTLE, five forces, readiness for change, and barriers to
employment and learning preferences for Pathways' individuals; one draft left in progress.
Mentoring (Chris Doyle's engagements) is bulk-created like the rest of the delivery demo:
sessions on the mentoring contacts with the client leading more of the goal-setting as the
months go by, the mentee's own goals, planned ends, endings of closed relationships, and
manager reviews of about half the contacts flagged as advice given in mentoring.

Deterministic for a given day and idempotent (skipped when already loaded).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client
from waypoint.core.audit import acting_as
from waypoint.core.models import User
from waypoint.delivery.diagnostic_definitions import Definition, parse_definition
from waypoint.delivery.models import (
    ActionPlan,
    AdviceReview,
    Agreement,
    Diagnostic,
    DiagnosticTemplate,
    Engagement,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
)
from waypoint.delivery.selectors_diagnostics import finding_suggestions
from waypoint.delivery.services import diagnostics as services
from waypoint.delivery.services.diagnostics import load_standard_templates

SEED = 20261124
Status = Engagement.Status

SWOT = {
    "strengths": [
        "Loyal local customers who recommend us",
        "Owner has 15 years in the trade",
        "Good reviews online (4.7 stars)",
        "Low overheads: works from home",
        "Skilled, settled team",
    ],
    "weaknesses": [
        "No cash-flow forecast",
        "Prices not reviewed for two years",
        "Relies on one large customer for 40% of sales",
        "Website does not take orders",
        "Owner does every job: no time to plan",
    ],
    "opportunities": [
        "Council contracts open to small suppliers",
        "Demand for repairs rather than replacement",
        "Online sales to customers outside the region",
        "New business park opening nearby",
    ],
    "threats": [
        "Energy costs up 30% this year",
        "A national chain opening in town",
        "Key supplier raising prices",
        "Difficulty recruiting skilled staff",
    ],
}
PESTLE = {
    "political_factors": ["Business rates review", "Local growth funding rounds"],
    "economic_factors": ["Interest rates", "Customers cutting spending"],
    "social_factors": ["More people buying locally", "Ageing customer base"],
    "technological_factors": ["Customers expect to book online"],
    "legal_factors": ["New packaging rules", "Employment law changes"],
    "environmental_factors": ["Customers asking about carbon footprint"],
}
OBSTACLES = ["Not enough time", "Worried about the cost", "Staff may resist it"]
NOTES = {
    1: "Needs attention now.",
    2: "Some gaps; agreed to look at this first.",
    4: "Working well.",
    5: "A real strength.",
}
SESSION_TOPICS = [
    "Confidence in pricing conversations",
    "Balancing family and the business",
    "Deciding whether to take on a first employee",
    "What went wrong with the trade fair",
    "Planning the next six months",
    "Handling a difficult customer",
    "Finding time to work on the business, not in it",
    "Saying no to work that does not pay",
]
REFLECTIONS = [
    "Realised I avoid the money conversations; want to tackle them first.",
    "The fair did not bring sales, but I learned who my real customers are.",
    "I had been waiting for permission to raise prices. I do not need it.",
    "Talking it through showed me the problem is time, not skills.",
    "I handled the complaint better than last time and kept the customer.",
]
NEXT_STEPS = [
    "Draft a price list and test it on two customers.",
    "Block out Friday mornings for planning.",
    "Talk to the accountant about employing someone part-time.",
    "Write down three things that went well each week.",
    "Ask two regular customers for feedback.",
]
MENTEE_GOALS = [
    "Feel confident quoting prices without apologising",
    "Take one day a month to plan the business",
    "Decide by spring whether to employ someone",
    "Stop working evenings by the end of the year",
    "Join a local business network and go to three meetings",
]


class Command(BaseCommand):
    help = "Load demo diagnostics and mentoring (idempotent; after demo_delivery)."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(None):
            load_standard_templates()
        if not Engagement.objects.exists():
            self.stdout.write("No engagements yet: load the delivery demo first.")
            return
        if Diagnostic.objects.exists() or MentoringSession.objects.exists():
            self.stdout.write("Diagnostics and mentoring demo data is already loaded.")
            return
        # The demo loader acts (the audit log names the system account); the records still
        # name the adviser who carried each diagnostic out.
        with acting_as(None), transaction.atomic():
            rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
            loader = SupportToolsDemo(rng, timezone.localdate())
            counts = {**loader.diagnostics(), **loader.mentoring()}
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Diagnostics and mentoring demo loaded: {summary}."))


class SupportToolsDemo:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.templates = {
            t.key: t for t in DiagnosticTemplate.objects.filter(organisation=None, is_active=True)
        }
        self.definitions = {
            key: parse_definition(t.definition) for key, t in self.templates.items()
        }

    # Diagnostics -------------------------------------------------------------------------------

    def _open_engagements(self, kind: str, leads: list[str]) -> list[Engagement]:
        return list(
            Engagement.objects.filter(
                status=Status.ACTIVE,
                client__kind=kind,
                lead_adviser__username__in=leads,
            )
            .select_related("client", "lead_adviser", "organisation")
            .order_by("enquiry_date", "pk")
        )

    def _day(self, engagement: Engagement, days_ago: int) -> dt.date:
        earliest = engagement.enquiry_date + dt.timedelta(days=1)
        return min(self.today, max(earliest, self.today - dt.timedelta(days=days_ago)))

    def _scores(self, definition: Definition, lean: int = 0) -> dict[str, Any]:
        """Scores for every score item (``lean`` nudges them up or down), with notes."""
        answers: dict[str, Any] = {}
        for item in definition.items():
            if item.type != "score" or item.scale is None:
                continue
            score = max(item.scale.low, min(item.scale.high, self.rng.randint(1, 5) + lean))
            answers[item.key] = {"score": score, "notes": NOTES.get(score, "")}
        return answers

    def _complete(
        self,
        engagement: Engagement,
        key: str,
        answers: dict[str, Any],
        completed_on: dt.date,
        summary: str,
        findings: int = 2,
    ) -> Diagnostic:
        user = engagement.lead_adviser
        diagnostic = services.diagnostic_start(
            engagement=engagement, template=self.templates[key], acting_user=user
        )
        services.diagnostic_complete(
            diagnostic=diagnostic,
            acting_user=user,
            answers=answers,
            summary=summary,
            completed_on=completed_on,
        )
        priorities = ["high", "medium", "low"]
        for index, (item_key, text) in enumerate(finding_suggestions(diagnostic)[:findings]):
            services.finding_add(
                diagnostic=diagnostic,
                text=text,
                priority=priorities[min(index, 2)],
                item_key=item_key,
                acting_user=user,
            )
        return diagnostic

    def _goal_from_first_finding(self, diagnostic: Diagnostic) -> bool:
        finding = diagnostic.findings.order_by("position").first()
        if finding is None or not diagnostic.engagement.is_open:
            return False
        services.finding_to_goal(
            finding=finding,
            acting_user=diagnostic.engagement.lead_adviser,
            measure="Progress rated by the client, out of 10",
            baseline=3,
            target_value=8,
            unit="out of 10",
            deadline=self.today + dt.timedelta(days=120),
            realistic_because="The client chose this as the first thing to work on.",
            horizon="short",
        )
        return True

    def diagnostics(self) -> dict[str, int]:
        businesses = self._open_engagements(Client.Kind.BUSINESS, ["alice.moss", "ben.ali"])
        # Engagements with a plan first, so that findings become goals of existing plans.
        businesses.sort(key=lambda e: not ActionPlan.objects.filter(engagement=e).exists())
        individuals = self._open_engagements(Client.Kind.INDIVIDUAL, ["tom.hughes"])
        done: list[Diagnostic] = []
        goals = 0
        for number, engagement in enumerate(businesses[:12]):
            first = self._scores(self.definitions["business-health-check"], lean=-1)
            done.append(
                self._complete(
                    engagement,
                    "business-health-check",
                    first,
                    self._day(engagement, 150),
                    "Finance and planning are the weak spots; the product and customers are "
                    "strong.",
                )
            )
            if number < 7:
                # A second health check months later: most areas better, one worse.
                later = {}
                for key, answer in first.items():
                    score = min(5, answer["score"] + self.rng.choice([0, 1, 2]))
                    later[key] = {"score": score, "notes": NOTES.get(score, "")}
                worse = self.rng.choice(sorted(later))
                later[worse] = {"score": max(1, first[worse]["score"] - 1), "notes": "Slipped."}
                done.append(
                    self._complete(
                        engagement,
                        "business-health-check",
                        later,
                        self._day(engagement, 20),
                        "Real progress on cash flow and pricing since the first check.",
                    )
                )
            if number < 8:
                swot = {key: {"lines": self.rng.sample(lines, 3)} for key, lines in SWOT.items()}
                diagnostic = self._complete(
                    engagement,
                    "swot",
                    swot,
                    self._day(engagement, 60),
                    "Strong reputation; needs a grip on the figures and a second big customer.",
                    findings=3,
                )
                done.append(diagnostic)
                has_plan = ActionPlan.objects.filter(engagement=engagement).exists()
                if number < 4 and has_plan and self._goal_from_first_finding(diagnostic):
                    goals += 1
            if number < 5:
                turnover = self.rng.randrange(120_000, 600_000, 5_000)
                figures = {
                    "turnover": turnover,
                    "cost_of_sales": int(turnover * self.rng.uniform(0.45, 0.85)),
                    "overheads": int(turnover * self.rng.uniform(0.12, 0.3)),
                    "net_profit": int(turnover * self.rng.uniform(-0.05, 0.12)),
                    "current_assets": int(turnover * self.rng.uniform(0.15, 0.4)),
                    "stock": int(turnover * self.rng.uniform(0.02, 0.1)),
                    "trade_debtors": int(turnover * self.rng.uniform(0.08, 0.25)),
                    "current_liabilities": int(turnover * self.rng.uniform(0.15, 0.35)),
                    "borrowings": int(turnover * self.rng.uniform(0.0, 0.4)),
                    "equity": int(turnover * self.rng.uniform(0.1, 0.3)),
                }
                answers: dict[str, Any] = {k: {"value": str(v)} for k, v in figures.items()}
                answers["period"] = {"text": f"Year ended 31 March {self.today.year}"}
                done.append(
                    self._complete(
                        engagement,
                        "financial-ratios",
                        answers,
                        self._day(engagement, 45),
                        "Figures from the last filed accounts.",
                    )
                )
            if number < 3:
                pestle = {key: {"lines": lines} for key, lines in PESTLE.items()}
                pestle.update(self._scores(self.definitions["pestle"]))
                done.append(
                    self._complete(
                        engagement,
                        "pestle",
                        pestle,
                        self._day(engagement, 70),
                        "Costs and online expectations matter most.",
                    )
                )
                forces = self._scores(self.definitions["five-forces"])
                forces["position"] = {"text": "Compete on service and speed, not price."}
                done.append(
                    self._complete(
                        engagement,
                        "five-forces",
                        forces,
                        self._day(engagement, 70),
                        "Buyers have the upper hand; loyalty is the defence.",
                    )
                )
            if number < 4:
                readiness = self._scores(self.definitions["readiness-for-change"], lean=1)
                readiness["change"] = {"text": "Move to online booking and payment."}
                readiness["obstacles"] = {"lines": self.rng.sample(OBSTACLES, 2)}
                done.append(
                    self._complete(
                        engagement,
                        "readiness-for-change",
                        readiness,
                        self._day(engagement, 30),
                        "Keen, but worried about time: start small.",
                    )
                )
        for number, engagement in enumerate(individuals[:10]):
            barriers = self._scores(self.definitions["barriers-to-employment"], lean=-1)
            barriers["support_first"] = {"text": "Help with a CV and interview practice."}
            done.append(
                self._complete(
                    engagement,
                    "barriers-to-employment",
                    barriers,
                    self._day(engagement, 90),
                    "Confidence and recent experience are the main barriers.",
                )
            )
            if number < 3:
                eased = {
                    key: {**answer, "score": max(1, answer["score"] - 1)}
                    for key, answer in barriers.items()
                    if "score" in answer
                }
                done.append(
                    self._complete(
                        engagement,
                        "barriers-to-employment",
                        eased,
                        self._day(engagement, 10),
                        "Several barriers eased since we started.",
                    )
                )
            if number < 4:
                learning = self._scores(self.definitions["learning-preferences"])
                done.append(
                    self._complete(
                        engagement,
                        "learning-preferences",
                        self._valid_choices(learning),
                        self._day(engagement, 80),
                        "Learns best by doing, with someone to talk it through.",
                    )
                )
        alices = [e for e in businesses if e.lead_adviser.username == "alice.moss"]
        if alices:
            # One health check left in progress on Alice's caseload, to show a draft.
            engagement = alices[0]
            draft = services.diagnostic_start(
                engagement=engagement,
                template=self.templates["business-health-check"],
                acting_user=engagement.lead_adviser,
            )
            scores = self._scores(self.definitions["business-health-check"])
            services.diagnostic_save(
                diagnostic=draft,
                answers=dict(list(scores.items())[:6]),
                acting_user=engagement.lead_adviser,
            )
        return {"diagnostics": len(done), "goals from findings": goals}

    def _valid_choices(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Keep only the choices the learning-preferences template offers."""
        item = self.definitions["learning-preferences"].item("preferred_ways")
        if item is None:
            return answers
        offered = [option.value for option in item.options]
        answers["preferred_ways"] = {"choices": offered[:2]}
        return answers

    # Mentoring ---------------------------------------------------------------------------------

    def mentoring(self) -> dict[str, int]:
        manager = User.objects.filter(username="mary.shaw").first()
        engagements = list(
            Engagement.objects.filter(
                agreements__type=Agreement.Type.MENTORING,
                agreements__status=Agreement.Status.ACCEPTED,
            )
            .distinct()
            .select_related("lead_adviser")
            .order_by("pk")
        )
        sessions: list[MentoringSession] = []
        goals: list[MenteeGoal] = []
        relationships: list[MentoringRelationship] = []
        for engagement in engagements:
            contacts = list(
                Interaction.objects.filter(
                    engagement=engagement, support_type=Interaction.SupportType.MENTORING
                ).order_by("occurred_at")
            )
            for index, contact in enumerate(contacts):
                sessions.append(
                    MentoringSession(
                        organisation_id=engagement.organisation_id,
                        interaction=contact,
                        topics=self.rng.choice(SESSION_TOPICS),
                        reflections=self.rng.choice(REFLECTIONS) if index else "",
                        next_steps=self.rng.choice(NEXT_STEPS),
                        # 004 m: the client takes more of the goal-setting as time goes on.
                        client_lead=min(5, 1 + index // 2),
                    )
                )
            start = contacts[0].occurred_at.date() if contacts else engagement.enquiry_date
            for position, statement in enumerate(self.rng.sample(MENTEE_GOALS, 3)):
                achieved = position == 0 and len(contacts) > 4
                goals.append(
                    MenteeGoal(
                        organisation_id=engagement.organisation_id,
                        engagement=engagement,
                        statement=statement,
                        set_by=("mentor", "together", "client")[position],
                        target_date=start + dt.timedelta(days=90 * (position + 1)),
                        status=MenteeGoal.Status.ACHIEVED if achieved else MenteeGoal.Status.OPEN,
                        achieved_on=contacts[-1].occurred_at.date() if achieved else None,
                    )
                )
            relationship = MentoringRelationship(
                organisation_id=engagement.organisation_id,
                engagement=engagement,
                planned_end_on=start + dt.timedelta(weeks=26),
            )
            if engagement.status == Status.CLOSED and engagement.closed_on:
                relationship.ended_on = engagement.closed_on
                relationship.end_reason = MentoringRelationship.EndReason.NATURAL_END
                relationship.relationship_review = (
                    "Regular, honest sessions. The client now sets their own goals and "
                    "follows them through; early on we drifted into advice on pricing."
                )
                relationship.closing_summary = (
                    "Confident in pricing and planning; a day a month kept for the business."
                )
                relationship.invited_back = True
                relationship.invitation = "Get in touch any time in the next year, or at the "
                relationship.invitation += "spring networking evening."
                relationship.ended_by = engagement.lead_adviser
            relationships.append(relationship)
        MentoringSession.objects.bulk_create(sessions)
        MenteeGoal.objects.bulk_create(goals)
        MentoringRelationship.objects.bulk_create(relationships)
        reviews: list[AdviceReview] = []
        flagged = Interaction.objects.filter(advice_in_mentoring=True).order_by("occurred_at")
        if manager is not None:
            for index, contact in enumerate(flagged):
                if index % 2:
                    continue  # leave the rest for the manager's attention list
                reviews.append(
                    AdviceReview(
                        organisation_id=contact.organisation_id,
                        interaction=contact,
                        reviewed_by=manager,
                        reviewed_at=contact.occurred_at + dt.timedelta(days=3),
                        outcome=self.rng.choice(list(AdviceReview.Outcome)).value,
                        note="Talked it over with the mentor at supervision.",
                    )
                )
            AdviceReview.objects.bulk_create(reviews)
        return {
            "mentoring sessions": len(sessions),
            "mentee goals": len(goals),
            "mentoring relationships": len(relationships),
            "advice reviews": len(reviews),
        }
