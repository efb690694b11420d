"""Reads for mentoring: the engagement's mentoring summary, the advice flags a manager reviews,
and whether an engagement is a mentoring one.

004 m: help clients take more and more responsibility for setting their goals: the summary
shows who led the goal-setting, session by session, and who set the mentee's goals. 004 g:
advice given on a mentoring engagement is surfaced to the mentor's manager.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from waypoint.core.periods import local_date
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.delivery.models import (
    AdviceReview,
    Agreement,
    ClientLead,
    Engagement,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
)
from waypoint.delivery.services.interactions import current_agreement

REVIEW_STATES = ("unreviewed", "reviewed", "all")


@dataclass(frozen=True)
class GoalShare:
    set_by: str
    label: str
    count: int
    percent: int


@dataclass
class MentoringSummary:
    """What the engagement's mentoring page shows."""

    sessions: list[MentoringSession]
    # (date of the session, client_lead), oldest first: the client taking the lead (004 m).
    trend: list[tuple[dt.date, int]]
    first_lead: ClientLead | None
    latest_lead: ClientLead | None
    goals: list[MenteeGoal]
    goal_shares: list[GoalShare]
    goals_open: int
    goals_achieved: int
    relationship: MentoringRelationship | None
    flags: list[Interaction] = field(default_factory=list)

    @property
    def trend_rows(self) -> list[tuple[dt.date, int, str]]:
        """The trend with each value's words, for the page's table."""
        return [(day, lead, ClientLead(lead).label) for day, lead in self.trend]

    @property
    def lead_change(self) -> int:
        """How far the client's lead moved from the first session to the latest (-4 to 4)."""
        if self.first_lead is None or self.latest_lead is None:
            return 0
        return int(self.latest_lead) - int(self.first_lead)


def sessions_for(engagement: Engagement) -> QuerySet[MentoringSession]:
    return (
        MentoringSession.objects.filter(interaction__engagement=engagement)
        .select_related("interaction", "interaction__recorded_by")
        .order_by("-interaction__occurred_at", "-pk")
    )


def goal_shares(engagement: Engagement) -> list[GoalShare]:
    """Who set the mentee's goals: the client, together, or the mentor (counted in SQL)."""
    counts = MenteeGoal.objects.filter(engagement=engagement).aggregate(
        **{value: Count("pk", filter=Q(set_by=value)) for value in MenteeGoal.SetBy.values}
    )
    total = sum(counts.values())
    return [
        GoalShare(
            set_by=value,
            label=label,
            count=counts[value],
            percent=round(100 * counts[value] / total) if total else 0,
        )
        for value, label in MenteeGoal.SetBy.choices
    ]


def mentoring_summary(engagement: Engagement) -> MentoringSummary:
    """Sessions newest first, the client-lead trend oldest first with its first and latest
    values, the mentee goals with who set them, the relationship and the advice flags."""
    sessions = list(sessions_for(engagement))
    zone = engagement.organisation.time_zone
    trend = [
        (local_date(session.interaction.occurred_at, zone), session.client_lead)
        for session in reversed(sessions)
    ]
    goals = list(
        MenteeGoal.objects.filter(engagement=engagement).order_by("status", "target_date", "pk")
    )
    status_counts = MenteeGoal.objects.filter(engagement=engagement).aggregate(
        open=Count("pk", filter=Q(status=MenteeGoal.Status.OPEN)),
        achieved=Count("pk", filter=Q(status=MenteeGoal.Status.ACHIEVED)),
    )
    flags = list(
        Interaction.objects.filter(engagement=engagement, advice_in_mentoring=True)
        .select_related("recorded_by", "advice_review", "advice_review__reviewed_by")
        .order_by("-occurred_at", "-pk")
    )
    return MentoringSummary(
        sessions=sessions,
        trend=trend,
        first_lead=ClientLead(trend[0][1]) if trend else None,
        latest_lead=ClientLead(trend[-1][1]) if trend else None,
        goals=goals,
        goal_shares=goal_shares(engagement),
        goals_open=status_counts["open"],
        goals_achieved=status_counts["achieved"],
        relationship=MentoringRelationship.objects.filter(engagement=engagement)
        .select_related("ended_by")
        .first(),
        flags=flags,
    )


def is_mentoring(engagement: Engagement) -> bool:
    """A mentoring engagement: its agreement in force is for mentoring, or it has mentoring
    sessions, or a mentoring relationship."""
    agreement = current_agreement(engagement)
    if agreement is not None and agreement.type == Agreement.Type.MENTORING:
        return True
    if MentoringSession.objects.filter(interaction__engagement=engagement).exists():
        return True
    return MentoringRelationship.objects.filter(engagement=engagement).exists()


def advice_flags_for_review(user: Any, *, state: str = "all") -> QuerySet[Interaction]:
    """Contacts flagged as advice given on a mentoring engagement, in the organisations where
    the user may review them (AdviceReview's policy), unreviewed first, newest first.

    ``state``: ``unreviewed``, ``reviewed`` or ``all``."""
    if state not in REVIEW_STATES:
        raise ValueError(f"Unknown review state {state!r}; expected one of {REVIEW_STATES}.")
    policy = policy_for(AdviceReview)
    assert isinstance(policy, OrganisationScopedPolicy)
    organisations = policy.organisations_for_add(user)
    flagged = Interaction.objects.filter(advice_in_mentoring=True)
    if organisations is not None:
        flagged = flagged.filter(organisation_id__in=organisations)
    flagged = policy_for(Interaction).restrict(flagged, user, "view")
    flagged = flagged.annotate(
        reviewed=Exists(AdviceReview.objects.filter(interaction=OuterRef("pk")))
    )
    if state == "unreviewed":
        flagged = flagged.filter(reviewed=False)
    elif state == "reviewed":
        flagged = flagged.filter(reviewed=True)
    return flagged.select_related(
        "engagement__client",
        "engagement__lead_adviser",
        "recorded_by",
        "advice_review",
        "advice_review__reviewed_by",
    ).order_by("reviewed", "-occurred_at", "-pk")


def advice_flags_awaiting_review(user: Any) -> int:
    """How many flagged contacts the user may review are not reviewed yet."""
    if not policy_for(AdviceReview).can_add(user):
        return 0
    return advice_flags_for_review(user, state="unreviewed").count()


def client_mentoring_sessions(*, client: Any, user: Any) -> QuerySet[MentoringSession]:
    """The client's mentoring sessions the user may see, newest first (the client timeline)."""
    sessions = MentoringSession.objects.filter(interaction__engagement__client=client)
    return (
        policy_for(MentoringSession)
        .restrict(sessions, user, "view")
        .select_related("interaction__engagement__programme")
        .order_by("-interaction__occurred_at", "-pk")
    )


def client_mentoring_endings(*, client: Any, user: Any) -> QuerySet[MentoringRelationship]:
    """The client's ended mentoring relationships the user may see (the client timeline)."""
    endings = MentoringRelationship.objects.filter(
        engagement__client=client, ended_on__isnull=False
    )
    return (
        policy_for(MentoringRelationship)
        .restrict(endings, user, "view")
        .select_related("engagement__programme", "engagement__organisation")
        .order_by("-ended_on", "-pk")
    )
