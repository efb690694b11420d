"""Who sees and changes measures' records (waypoint.core.permissions).

- Standard measures are seen by anyone holding a role and change only through their file; an
  organisation's own measures are seen by its people and kept by its managers.
- Targets, costs, benchmark figures, evaluations and the improvement register are kept by the
  organisation's managers (administrators and service managers) and seen by its managers,
  contract managers and viewers; an improvement's owner sees and updates their improvement.
- Self-appraisals are the adviser's own: seen by them and their organisation's managers.

Rollups carry no personal data and are read through ``selectors`` scope checks (a manager
sees their organisation's scopes, an adviser their own figures); they have no policy.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from waypoint.core.permissions import NOTHING, OrganisationScopedPolicy, register
from waypoint.core.roles import MANAGING_ROLES, Role, organisations_with_role
from waypoint.delivery.policies import _any
from waypoint.measures.models import (
    BenchmarkFigure,
    Cost,
    Evaluation,
    Improvement,
    Measure,
    SelfAppraisal,
    Target,
)

READING_ROLES = MANAGING_ROLES | {Role.CONTRACT_MANAGER, Role.VIEWER}


@register(Measure)
class MeasurePolicy(OrganisationScopedPolicy):
    change_roles = MANAGING_ROLES

    def scope(self, user: Any, action: str) -> Q:
        if action == "delete":
            return NOTHING  # targets and history keep their measure: retire it instead
        condition = super().scope(user, action)
        if action == "view" and organisations_with_role(user):
            condition = _any([c for c in (condition, Q(organisation__isnull=True)) if c != NOTHING])
        return condition


class ManagedRecordPolicy(OrganisationScopedPolicy):
    view_roles = READING_ROLES
    change_roles = MANAGING_ROLES


for _model in (Cost, Target, BenchmarkFigure, Evaluation):
    register(_model)(type(f"{_model.__name__}Policy", (ManagedRecordPolicy,), {}))


@register(Improvement)
class ImprovementPolicy(ManagedRecordPolicy):
    def scope(self, user: Any, action: str) -> Q:
        condition = super().scope(user, action)
        if action in ("view", "change") and getattr(user, "is_authenticated", False):
            condition = _any([c for c in (condition, Q(owner=user)) if c != NOTHING])
        return condition


@register(SelfAppraisal)
class SelfAppraisalPolicy(OrganisationScopedPolicy):
    view_roles = MANAGING_ROLES
    change_roles = frozenset()

    def scope(self, user: Any, action: str) -> Q:
        own = Q(adviser=user) if getattr(user, "is_authenticated", False) else NOTHING
        if action == "view":
            return _any([c for c in (super().scope(user, action), own) if c != NOTHING])
        if action in ("change", "delete"):
            return own
        return super().scope(user, action)
