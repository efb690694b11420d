"""Reads for delivery: querysets and figures for pages, the API and reports.

Every function starts from ``restrict()``. Derived dates (first and last contact, next review
due) are computed in SQL as annotations, never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from waypoint.core.models import RoleAssignment, User
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.models import (
    ActionPlan,
    Agreement,
    Engagement,
    EngagementTransition,
    Interaction,
    PlanChange,
    Programme,
    Referral,
    ReviewUnit,
    Service,
)

# Who may lead or be assigned to an engagement in the delivering organisation.
ADVISING_ROLES = frozenset({Role.ADVISER, Role.MENTOR, Role.SERVICE_MANAGER})

# Programmes and services -----------------------------------------------------------------------


def programmes_for(*, user: Any, action: str = "view") -> QuerySet[Programme]:
    return Programme.objects.restrict(user, action).select_related("organisation")


def programmes_delivered_by(*, user: Any, organisation_id: int) -> QuerySet[Programme]:
    """Active programmes the organisation delivers, among those the user may see."""
    return programmes_for(user=user).filter(
        delivering_organisations=organisation_id, is_active=True
    )


def services_for(*, user: Any, search: str = "", action: str = "view") -> QuerySet[Service]:
    services = Service.objects.restrict(user, action).select_related("organisation")
    if search:
        services = services.filter(
            Q(name__icontains=search)
            | Q(offer__icontains=search)
            | Q(provider_name__icontains=search)
            | Q(audience__icontains=search)
        )
    return services


# Engagements -----------------------------------------------------------------------------------


def _contact_dates() -> dict[str, Any]:
    contacts = Interaction.objects.filter(engagement=OuterRef("pk")).order_by()
    return {
        "first_contact_at": Subquery(
            contacts.values("engagement").annotate(at=Min("occurred_at")).values("at")[:1]
        ),
        "last_contact_at": Subquery(
            contacts.values("engagement").annotate(at=Max("occurred_at")).values("at")[:1]
        ),
    }


def engagements_for(*, user: Any, action: str = "view") -> QuerySet[Engagement]:
    """Engagements the user may see, with first and last contact (derived from the contact
    log) annotated as ``first_contact_at`` and ``last_contact_at``."""
    return (
        Engagement.objects.restrict(user, action)
        .select_related("client", "programme", "lead_adviser", "organisation")
        .annotate(**_contact_dates())
    )


def engagement_with_contacts(*, user: Any, pk: Any) -> Engagement | None:
    """One engagement with its derived first and last contact and next review due, and its
    referrals with their services (for the engagement page, in two queries)."""
    referrals = Prefetch("referrals", queryset=Referral.objects.select_related("service"))
    return (
        _with_next_review(engagements_for(user=user).filter(pk=pk))
        .prefetch_related(referrals)
        .first()
    )


def _review_interval_days() -> Case:
    return Case(
        When(review_unit=ReviewUnit.DAYS, then=F("review_every")),
        When(review_unit=ReviewUnit.WEEKS, then=F("review_every") * 7),
        default=F("review_every") * 30,
        output_field=IntegerField(),
    )


def _with_next_review(engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Annotate ``accepted_at``, ``review_interval_days`` and ``next_review_due``: the next
    review agreed at the last review (``Engagement.next_review_on``, set by monitoring when a
    review is recorded), else the later of the last contact and the agreement's acceptance,
    plus the agreed review interval. Without an agreed next review, only engagements with an
    accepted agreement have one (000 req 1: the agreed frequency)."""
    accepted = Agreement.objects.filter(
        engagement=OuterRef("pk"), status=Agreement.Status.ACCEPTED
    ).order_by("-version")
    engagements = engagements.annotate(
        accepted_at=Subquery(accepted.values("accepted_at")[:1]),
        review_interval_days=Subquery(
            accepted.annotate(days=_review_interval_days()).values("days")[:1]
        ),
    )
    since = Greatest(Coalesce("last_contact_at", "accepted_at"), F("accepted_at"))
    from_agreement = ExpressionWrapper(
        since
        + ExpressionWrapper(
            F("review_interval_days") * Value(dt.timedelta(days=1)),
            output_field=DurationField(),
        ),
        output_field=DateTimeField(),
    )
    return engagements.annotate(
        next_review_due=Coalesce(
            Cast("next_review_on", output_field=DateTimeField()),
            from_agreement,
            output_field=DateTimeField(),
        )
    )


CASELOAD_SCOPES = ("mine", "team", "organisation")


def caseload_scopes(*, user: Any) -> list[str]:
    """The caseload views open to the user: their own; their teams' and organisation's for
    managers."""
    if organisations_with_role(user, MANAGING_ROLES):
        return list(CASELOAD_SCOPES)
    return ["mine"]


def caseload_for(*, user: Any, scope: str = "mine") -> QuerySet[Engagement]:
    """Open engagements: the user's own (led or assigned), or, for a manager, those led by
    people in their teams or anyone in the organisations they manage.

    Each row carries ``last_contact_at`` and ``next_review_due`` (see ``_with_next_review``).
    """
    engagements = engagements_for(user=user).exclude(status=Engagement.Status.CLOSED)
    managed = organisations_with_role(user, MANAGING_ROLES)
    if scope == "organisation" and managed:
        engagements = engagements.filter(organisation__in=managed)
    elif scope == "team" and managed:
        teams = RoleAssignment.objects.filter(
            user=user, organisation__in=managed, team__isnull=False
        ).values("team_id")
        colleagues = RoleAssignment.objects.filter(team__in=teams).values("user_id")
        engagements = engagements.filter(organisation__in=managed, lead_adviser__in=colleagues)
    else:
        engagements = _own(engagements, user)
    return _with_next_review(engagements)


def _own(engagements: QuerySet[Engagement], user: Any) -> QuerySet[Engagement]:
    assigned = Engagement.advisers.through.objects.filter(user_id=user.pk).values("engagement_id")
    return engagements.filter(Q(lead_adviser=user) | Q(pk__in=assigned))


def attention_counts(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    """For the home page: the user's enquiries awaiting an eligibility check, and those older
    than 14 days."""
    today = today or timezone.localdate()
    enquiries = _own(Engagement.objects.restrict(user, "view"), user).filter(
        status=Engagement.Status.ENQUIRY
    )
    return {
        "awaiting_eligibility": enquiries.count(),
        "old_enquiries": enquiries.filter(enquiry_date__lt=today - dt.timedelta(days=14)).count(),
    }


def engagement_history(*, engagement: Engagement) -> QuerySet[EngagementTransition]:
    return engagement.transitions.select_related("by").order_by("occurred_at", "pk")


def client_engagement_events(*, client: Any, user: Any) -> QuerySet[EngagementTransition]:
    """Each move of the client's engagements that the user may see, for the client timeline."""
    return (
        EngagementTransition.objects.restrict(user, "view")
        .filter(engagement__client=client)
        .select_related("engagement__programme")
        .order_by("-occurred_at")
    )


def advisers_for(*, organisation_id: int) -> QuerySet[User]:
    """Active people who may lead or be assigned to engagements in the organisation."""
    holders = RoleAssignment.objects.filter(
        organisation_id=organisation_id, role__in=ADVISING_ROLES
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("first_name", "last_name")


def advisers_visible_to(*, user: Any) -> QuerySet[User]:
    """Lead advisers of engagements the user may see (for filter choices)."""
    leads = Engagement.objects.restrict(user, "view").values("lead_adviser_id")
    return User.objects.filter(pk__in=leads).order_by("first_name", "last_name")


# Agreements and the contact log (appended by the agreements/contact-log area) -------------------


def agreements_for(*, user: Any, action: str = "view") -> QuerySet[Agreement]:
    return Agreement.objects.restrict(user, action).select_related(
        "engagement__client", "engagement__programme"
    )


def interactions_for(*, user: Any, action: str = "view") -> QuerySet[Interaction]:
    """Contacts the user may see, newest first, with their participants and follow-ups."""
    return (
        Interaction.objects.restrict(user, action)
        .select_related("engagement__client")
        .prefetch_related("staff", "client_people", "follow_ups")
        .order_by("-occurred_at", "-pk")
    )


# Referrals -------------------------------------------------------------------------------------

REFERRAL_AWAITING_FOLLOW_UP = (Referral.Status.MADE, Referral.Status.ACCEPTED)


def referrals_for(*, user: Any, action: str = "view") -> QuerySet[Referral]:
    """Referrals the user may see, newest first."""
    return (
        Referral.objects.restrict(user, action)
        .select_related("engagement__client", "engagement__programme", "service")
        .order_by("-created_at", "-pk")
    )


def referral_follow_ups_overdue(*, user: Any, on: dt.date | None = None) -> QuerySet[Referral]:
    """Made or accepted referrals whose follow-up date has passed, oldest follow-up first."""
    today = on or timezone.localdate()
    return (
        referrals_for(user=user)
        .filter(status__in=REFERRAL_AWAITING_FOLLOW_UP, follow_up_on__lt=today)
        .order_by("follow_up_on", "pk")
    )


# Action plans ----------------------------------------------------------------------------------


def plan_for(*, user: Any, engagement: Any, action: str = "view") -> ActionPlan | None:
    """The engagement's action plan, if the user may see it, with goals and actions."""
    return (
        ActionPlan.objects.restrict(user, action)
        .filter(engagement=engagement)
        .prefetch_related("goals__actions")
        .first()
    )


def plans_for(*, user: Any, action: str = "view") -> QuerySet[ActionPlan]:
    """Action plans the user may see, newest first."""
    return (
        ActionPlan.objects.restrict(user, action)
        .select_related("engagement__client")
        .prefetch_related("goals__actions")
        .order_by("-created_at", "-pk")
    )


def plan_as_on(*, plan: ActionPlan, moment: dt.datetime | dt.date) -> dict[str, Any] | None:
    """The plan as it stood at ``moment`` (a date means the end of that day): the snapshot of
    the latest change at or before it, or None before the plan was started (001 E5.08 3.2)."""
    if not isinstance(moment, dt.datetime):
        moment = timezone.make_aware(dt.datetime.combine(moment, dt.time.max))
    change = (
        PlanChange.objects.filter(plan=plan, occurred_at__lte=moment)
        .order_by("-occurred_at", "-pk")
        .first()
    )
    return change.snapshot if change is not None else None
