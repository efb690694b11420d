"""Who sees and changes monitoring records (waypoint.core.permissions).

Records of an engagement (reviews, self-reviews and their links, outcomes, grants, programme
changes) follow their engagement, as the delivery records do. Programme settings and outcome
measures follow their programme. Concerns are seen by whoever sees their engagement, by the
delivering organisation's managers, by their owner, and by the managers and contract managers
of an organisation they were referred to (escalated to the commissioner). Compliance reports
are seen and handled by the organisation's managers and by the person who reported them; any
adviser or mentor of the organisation may report one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from waypoint.core.permissions import NOTHING, OrganisationScopedPolicy, register
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.policies import (
    OWN_CASELOAD_ROLES,
    WHOLE_CASELOAD_ROLES,
    EngagementRecordPolicy,
    ProgrammeRecordPolicy,
    _any,
    _own_engagements,
)
from waypoint.monitoring.models import (
    ActionProgress,
    ComplianceReport,
    Concern,
    ConcernAction,
    GoalProgress,
    Grant,
    MonitoringSettings,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
    ProgrammeChange,
    ReminderSent,
    Review,
    SelfReview,
    SelfReviewLink,
)

for _model in (
    SelfReviewLink,
    SelfReview,
    OutcomeFollowUp,
    OutcomeValue,
    Grant,
    ProgrammeChange,
):
    register(_model)(type(f"{_model.__name__}Policy", (EngagementRecordPolicy,), {}))


@register(Review)
class ReviewPolicy(EngagementRecordPolicy):
    """Seen with its engagement; recorded by whoever may change the engagement. Corrected
    (``change``) by the person who recorded it, while they may still change the engagement, and
    by the delivering organisation's managers: whoever may record may correct."""

    def scope(self, user: Any, action: str) -> Q:
        if action != "change":
            return super().scope(user, action)
        conditions = []
        if (recorder := super().scope(user, action)) != NOTHING:
            conditions.append(Q(recorded_by=user) & recorder)
        if organisations := organisations_with_role(user, MANAGING_ROLES):
            conditions.append(Q(organisation__in=organisations))
        return _any(conditions)


@register(GoalProgress)
class GoalProgressPolicy(EngagementRecordPolicy):
    engagement_path = "review__engagement"


@register(ActionProgress)
class ActionProgressPolicy(EngagementRecordPolicy):
    engagement_path = "review__engagement"


register(MonitoringSettings)(type("MonitoringSettingsPolicy", (ProgrammeRecordPolicy,), {}))
register(OutcomeMeasure)(type("OutcomeMeasurePolicy", (ProgrammeRecordPolicy,), {}))


@register(Concern)
class ConcernPolicy(EngagementRecordPolicy):
    """See the module docstring. Anyone who may change the engagement may raise a concern on
    it; managers raise them on the programme as a whole.

    Seen by the delivering organisation's people who see the whole caseload, by the advisers of
    the engagement, by its owner, and by the receiving organisation once referred: the
    programme's commissioner does not see a concern until it is referred to them (000 req 6).
    Changed by its owner, the delivering organisation's managers and, once referred, the
    receiving organisation's managers and contract managers (the services say which steps
    each may take).
    """

    change_roles = frozenset({*MANAGING_ROLES, *OWN_CASELOAD_ROLES})

    def scope(self, user: Any, action: str) -> Q:
        return self._scope(user, action, owned=True)

    def _scope(self, user: Any, action: str, *, owned: bool) -> Q:
        if action == "delete":
            return NOTHING  # concerns are closed, never deleted
        conditions = []
        if action == "audit":
            conditions.append(super().scope(user, action))
        elif owned:
            conditions.append(Q(owner=user))
        if action == "view":
            if whole := organisations_with_role(user, WHOLE_CASELOAD_ROLES):
                conditions.append(Q(organisation__in=whole))
            conditions.append(_own_engagements(user, "engagement__"))
        if organisations := organisations_with_role(user, MANAGING_ROLES):
            conditions.append(Q(organisation__in=organisations))
        escalation_roles = {*MANAGING_ROLES, Role.CONTRACT_MANAGER}
        if action != "audit" and (receiving := organisations_with_role(user, escalation_roles)):
            conditions.append(Q(referred_to_organisation__in=receiving))
        return _any([c for c in conditions if c != NOTHING])

    def can_any(self, user: Any, action: str) -> bool:
        """Whether the user's roles give access to concerns, or they own one (anyone may be
        made an owner, so owning cannot be told from roles alone)."""
        if action == "add" or not (user.is_authenticated and user.is_active):
            return super().can_any(user, action)
        if user.is_superuser or self._scope(user, action, owned=False) != NOTHING:
            return True
        return action != "audit" and Concern.objects.filter(owner=user).exists()

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return OrganisationScopedPolicy.can_add(self, user, organisation_id)


@register(ConcernAction)
class ConcernActionPolicy(OrganisationScopedPolicy):
    """Follows its concern."""

    def scope(self, user: Any, action: str) -> Q:
        from waypoint.core.permissions import policy_for

        concern_action = "view" if action == "view" else "change"
        policy = policy_for(Concern)
        if policy.scope(user, concern_action) == NOTHING:
            return NOTHING
        concerns = policy.restrict(Concern.objects.all(), user, concern_action)
        return Q(concern__in=concerns.values("pk"))


@register(ComplianceReport)
class ComplianceReportPolicy(OrganisationScopedPolicy):
    """Reported by any adviser, mentor or manager of the organisation (000 req 7); seen and
    changed by the organisation's managers and by the reporter while they keep such a role
    there. Never deleted: a report is closed with its outcome."""

    change_roles = frozenset({*MANAGING_ROLES, *OWN_CASELOAD_ROLES})

    def scope(self, user: Any, action: str) -> Q:
        if action == "delete":
            return NOTHING
        if action == "audit":
            return super().scope(user, action)
        conditions = []
        if reporting := organisations_with_role(user, self.change_roles):
            conditions.append(Q(reported_by=user, organisation__in=reporting))
        if organisations := organisations_with_role(user, MANAGING_ROLES):
            conditions.append(Q(organisation__in=organisations))
        return _any(conditions)


@register(ReminderSent)
class ReminderSentPolicy(OrganisationScopedPolicy):
    """Written by the scheduled job only; managers may see what was sent."""

    change_roles = frozenset()
    view_roles = MANAGING_ROLES
