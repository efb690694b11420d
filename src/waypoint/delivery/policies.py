"""Who sees and changes delivery records (waypoint.core.permissions).

Engagements: the delivering organisation's administrators, service managers, provider staff and
viewers see all of them; advisers and mentors see the ones they lead or are assigned to (and
change them); the programme owner's contract managers see engagements on their programmes,
read-only, and never a confidential note. Records of an engagement (agreements, contacts,
transitions, eligibility answers, follow-ups, attachments) follow their engagement.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Q

from waypoint.clients.policies import ClientPolicy
from waypoint.core.permissions import NOTHING, OrganisationScopedPolicy, policy_for, register
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.models import (
    Action,
    ActionPlan,
    AdviceReview,
    Agreement,
    Attachment,
    ConfidentialNote,
    Diagnostic,
    DiagnosticTemplate,
    EligibilityCheck,
    EligibilityCondition,
    Engagement,
    EngagementTransition,
    Finding,
    FollowUp,
    Goal,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
    PlanChange,
    Programme,
    ProgrammeBudget,
    Referral,
    Service,
)

WHOLE_CASELOAD_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.SERVICE_MANAGER, Role.PROVIDER_STAFF, Role.VIEWER}
)
OWN_CASELOAD_ROLES = frozenset({Role.ADVISER, Role.MENTOR})
PROGRAMME_OWNER_ROLES = frozenset({Role.ADMINISTRATOR, Role.SERVICE_MANAGER, Role.CONTRACT_MANAGER})


def _any(conditions: list[Q]) -> Q:
    return reduce(operator.or_, conditions) if conditions else NOTHING


def _own_engagements(user: Any, path: str = "") -> Q:
    """Engagements the user leads or is assigned to, in organisations where they advise.

    ``path`` leads from the records filtered to their engagement (e.g. ``"engagement__"``).
    """
    organisations = organisations_with_role(user, OWN_CASELOAD_ROLES)
    if not organisations:
        return NOTHING
    assigned = Engagement.advisers.through.objects.filter(user_id=user.pk).values("engagement_id")
    return Q(**{f"{path}organisation__in": organisations}) & (
        Q(**{f"{path}lead_adviser": user}) | Q(**{f"{path}pk__in": assigned})
    )


@register(Engagement)
class EngagementPolicy(OrganisationScopedPolicy):
    change_roles = frozenset({*MANAGING_ROLES, *OWN_CASELOAD_ROLES})

    def scope(self, user: Any, action: str) -> Q:
        return self.condition(user, action)

    def condition(self, user: Any, action: str, path: str = "") -> Q:
        """The engagements ``user`` may ``action``, as a filter through ``path`` (empty for
        engagements themselves, ``"engagement__"`` for their records). Records are filtered
        through a join rather than ``engagement__in=<subquery>``, which SQLite re-evaluates as
        a list of every engagement in scope on each query."""
        if action in {"add", "audit"}:
            organisations = self.organisations_for(user, action)
            return Q(**{f"{path}organisation__in": organisations}) if organisations else NOTHING
        if action == "delete":
            return NOTHING  # engagements are closed, never deleted (superusers excepted)
        conditions: list[Q] = []
        whole = WHOLE_CASELOAD_ROLES if action == "view" else MANAGING_ROLES
        if organisations := organisations_with_role(user, whole):
            conditions.append(Q(**{f"{path}organisation__in": organisations}))
        if (own := _own_engagements(user, path)) != NOTHING:
            conditions.append(own)
        if action == "view" and (
            commissioners := organisations_with_role(user, {Role.CONTRACT_MANAGER})
        ):
            conditions.append(Q(**{f"{path}programme__organisation__in": commissioners}))
        return _any(conditions)


class EngagementRecordPolicy(OrganisationScopedPolicy):
    """A record that belongs to an engagement: it follows the engagement's policy."""

    engagement_path = "engagement"

    def scope(self, user: Any, action: str) -> Q:
        engagement_action = "view" if action == "view" else "change"
        if action == "audit":
            engagement_action = "audit"
        policy = policy_for(Engagement)
        assert isinstance(policy, EngagementPolicy)
        # NOTHING stays NOTHING, so that can_any() is False and pages answer 403, not 200.
        return policy.condition(user, engagement_action, f"{self.engagement_path}__")

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return policy_for(Engagement).can_add(user, organisation_id)


for _model in (
    Agreement,
    Interaction,
    EngagementTransition,
    EligibilityCheck,
    Referral,
    ActionPlan,
    Diagnostic,
    MenteeGoal,
    MentoringRelationship,
):
    register(_model)(type(f"{_model.__name__}Policy", (EngagementRecordPolicy,), {}))


@register(FollowUp)
class FollowUpPolicy(EngagementRecordPolicy):
    engagement_path = "interaction__engagement"


@register(Goal)
class GoalPolicy(EngagementRecordPolicy):
    engagement_path = "plan__engagement"


@register(Action)
class ActionPolicy(EngagementRecordPolicy):
    engagement_path = "goal__plan__engagement"


@register(PlanChange)
class PlanChangePolicy(EngagementRecordPolicy):
    engagement_path = "plan__engagement"


@register(Finding)
class FindingPolicy(EngagementRecordPolicy):
    engagement_path = "diagnostic__engagement"


@register(MentoringSession)
class MentoringSessionPolicy(EngagementRecordPolicy):
    engagement_path = "interaction__engagement"


@register(AdviceReview)
class AdviceReviewPolicy(EngagementRecordPolicy):
    """Seen with the contact; written by the delivering organisation's managers (004 g: the
    mentor's manager looks at advice given on a mentoring engagement)."""

    engagement_path = "interaction__engagement"
    change_roles = MANAGING_ROLES

    def scope(self, user: Any, action: str) -> Q:
        if action in {"view", "audit"}:
            return super().scope(user, action)
        if action == "delete":
            return NOTHING
        if organisations := organisations_with_role(user, MANAGING_ROLES):
            return Q(interaction__engagement__organisation__in=organisations)
        return NOTHING

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return OrganisationScopedPolicy.can_add(self, user, organisation_id)


@register(DiagnosticTemplate)
class DiagnosticTemplatePolicy(OrganisationScopedPolicy):
    """Standard templates (no organisation) are seen by anyone holding a role; an
    organisation's own templates by its people. Administrators add and retire their
    organisation's templates; standard ones change only through their files."""

    change_roles = frozenset({Role.ADMINISTRATOR})

    def scope(self, user: Any, action: str) -> Q:
        if action == "delete":
            return NOTHING  # diagnostics keep their template: retire it instead
        condition = super().scope(user, action)
        if action == "view" and organisations_with_role(user):
            condition = _any([c for c in (condition, Q(organisation__isnull=True)) if c != NOTHING])
        return condition


@register(Attachment)
class AttachmentPolicy(EngagementRecordPolicy):
    engagement_path = "interaction__engagement"


@register(ConfidentialNote)
class ConfidentialNotePolicy(EngagementRecordPolicy):
    """Its author, and people holding a role it is shared with in the delivering organisation.

    Contract managers of the commissioning organisation never see it, whatever it says.
    """

    engagement_path = "interaction__engagement"

    def scope(self, user: Any, action: str) -> Q:
        if action == "audit":
            return super().scope(user, action)
        conditions = [Q(author=user)]
        if action == "view":
            for organisation, roles in _roles_by_organisation(user).items():
                for role in roles:
                    conditions.append(
                        Q(
                            interaction__engagement__organisation=organisation,
                            shared_with__contains=f",{role},",
                        )
                    )
        return _any(conditions)


def _roles_by_organisation(user: Any) -> dict[int, frozenset[str]]:
    from waypoint.core.roles import role_map

    return {org: roles - {Role.CONTRACT_MANAGER} for org, roles in role_map(user).items()}


@register(Programme)
class ProgrammePolicy(OrganisationScopedPolicy):
    """Seen by the owner's people and the delivering providers'; run by the owner."""

    change_roles = PROGRAMME_OWNER_ROLES

    def scope(self, user: Any, action: str) -> Q:
        condition = super().scope(user, action)
        if action == "view" and (organisations := organisations_with_role(user)):
            delivering = Programme.delivering_organisations.through.objects.filter(
                organisation_id__in=organisations
            ).values("programme_id")
            condition = _any([c for c in (condition, Q(pk__in=delivering)) if c != NOTHING])
        return condition


class ProgrammeRecordPolicy(OrganisationScopedPolicy):
    def scope(self, user: Any, action: str) -> Q:
        programme_action = "view" if action == "view" else "change"
        policy = policy_for(Programme)
        if policy.scope(user, programme_action) == NOTHING:
            return NOTHING
        programmes = policy.restrict(Programme.objects.all(), user, programme_action)
        return Q(programme__in=programmes.values("pk"))

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return policy_for(Programme).can_add(user, organisation_id)


register(EligibilityCondition)(type("EligibilityConditionPolicy", (ProgrammeRecordPolicy,), {}))
register(ProgrammeBudget)(type("ProgrammeBudgetPolicy", (ProgrammeRecordPolicy,), {}))


@register(Service)
class ServicePolicy(OrganisationScopedPolicy):
    change_roles = MANAGING_ROLES


def clients_on_engagements(user: Any, action: str) -> Q:
    """Widens the client policy: a client is seen by whoever sees one of its engagements."""
    engagement_action = "view" if action == "view" else "change"
    policy = policy_for(Engagement)
    if not user.is_superuser and policy.scope(user, engagement_action) == NOTHING:
        return NOTHING  # no engagements in view: widen nothing (and cost no subquery)
    engagements = policy.restrict(Engagement.objects.all(), user, engagement_action)
    return Q(pk__in=engagements.values("client_id"))


if clients_on_engagements not in ClientPolicy.extensions:
    ClientPolicy.extensions.append(clients_on_engagements)
