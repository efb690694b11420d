"""Reads for the improvement register (issue 6 item 8; 000 req 10: recommend and contribute to
improvements; knowledge points: the principles of organisational improvement, a culture that
continually improves).

- ``register_users``: who may open the register at all;
- ``overdue``: improvements past their due date and not closed;
- ``before_and_after``: the measure's value in the scope before and after the change, each
  against its target (RAG) when one is set, computed from the rollups when shown: nothing
  derived is stored on the improvement;
- ``timeline``: what happened to an improvement, from the events its services recorded.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from waypoint.core.models import DomainEvent
from waypoint.core.periods import Period
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.core.roles import organisations_with_role
from waypoint.measures import definitions as defs
from waypoint.measures import rag
from waypoint.measures.models import Improvement, ScopeKind, Target
from waypoint.measures.policies import READING_ROLES
from waypoint.measures.selectors import Scope, parsed, values
from waypoint.measures.selectors_dashboards import targets_for
from waypoint.measures.services.targets import TargetScope, find_scope

D = decimal.Decimal
Status = Improvement.Status
STAGES = [Status.PLAN, Status.DO, Status.CHECK, Status.ACT, Status.CLOSED]


def may_use_register(user: Any) -> bool:
    """Managers, contract managers and viewers of an organisation, and anyone who owns an
    improvement (they see theirs)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.is_superuser or organisations_with_role(user, READING_ROLES):
        return True
    return Improvement.objects.filter(owner=user).exists()


def from_concern(user: Any, concern: Any) -> QuerySet[Improvement]:
    """The improvements raised from a concern that the person may see, oldest first."""
    return (
        Improvement.objects.restrict(user, "view")
        .filter(concern=concern)
        .select_related("owner")
        .order_by("created_at", "pk")
    )


def may_raise_from(user: Any, concern: Any) -> bool:
    """Whether the person may put an improvement on the register of the concern's
    organisation (its managers)."""
    allowed = cast(OrganisationScopedPolicy, policy_for(Improvement)).organisations_for_add(user)
    return allowed is None or concern.organisation_id in allowed


def overdue_filter(today: dt.date) -> Q:
    return Q(due_on__lt=today) & ~Q(status=Status.CLOSED)


def overdue(queryset: QuerySet[Improvement], today: dt.date) -> QuerySet[Improvement]:
    return queryset.filter(overdue_filter(today))


def overdue_of(user: Any, today: dt.date) -> QuerySet[Improvement]:
    """The person's own improvements past their due date."""
    return overdue(Improvement.objects.restrict(user, "view").filter(owner=user), today)


def stage_counts(queryset: QuerySet[Improvement]) -> list[tuple[str, str, int]]:
    """(status, label, how many) for every stage, in the cycle's order."""
    found = dict(
        queryset.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [(s.value, str(s.label), found.get(s.value, 0)) for s in STAGES]


def scope_of(improvement: Improvement) -> TargetScope | None:
    if not improvement.scope_kind or improvement.scope_id is None:
        return None
    return find_scope(improvement.scope_kind, improvement.scope_id)


def read_period(label: str) -> Period | None:
    try:
        return Period.parse(label) if label else None
    except ValueError:
        return None


@dataclass
class Side:
    """The measure in one period: its figure and, when a target is set, the RAG status."""

    period: Period
    figure: defs.Figure
    target: Target | None = None
    target_due: D | None = None
    rag: str | None = None

    @property
    def rag_label(self) -> str:
        return rag.label(self.rag)


@dataclass
class BeforeAfter:
    scope: TargetScope
    before: Side | None
    after: Side | None

    @property
    def change(self) -> D | None:
        if self.before is None or self.after is None:
            return None
        if self.before.figure.value is None or self.after.figure.value is None:
            return None
        return self.after.figure.value - self.before.figure.value


def before_and_after(improvement: Improvement, today: dt.date) -> BeforeAfter | None:
    """The measure's value in the improvement's scope before and after (None without a measure
    or a scope): one query for the figures and one for the targets."""
    measure = improvement.measure
    scope = scope_of(improvement)
    if measure is None or scope is None:
        return None
    before = read_period(improvement.before_period)
    after = read_period(improvement.after_period)
    periods = [p for p in (before, after) if p is not None]
    if not periods:
        return BeforeAfter(scope, None, None)
    # An adviser's figures count their work in the improvement's organisation only.
    counted = frozenset({improvement.organisation_id}) if scope.kind == ScopeKind.ADVISER else None
    where = Scope(scope.kind, scope.id, counted)
    figures = values([measure], [where], periods)
    targets = targets_for([measure], where, periods)
    aggregate = parsed(measure).aggregate

    def side(period: Period | None) -> Side | None:
        if period is None:
            return None
        found = Side(period, figures[(measure.pk, where, period)])
        target = targets.get((measure.pk, period))
        if target is not None:
            found.target = target
            found.target_due = rag.target_to_date(
                target.value, period, aggregate, target.profile or {}, today
            )
            found.rag = rag.rag(
                found.figure.value, found.target_due, measure.direction, target.amber_within
            )
        return found

    return BeforeAfter(scope, side(before), side(after))


def better(improvement: Improvement, comparison: BeforeAfter) -> bool | None:
    """Whether the change went the measure's way (None when it cannot be said)."""
    change = comparison.change
    if change is None or improvement.measure is None or change == 0:
        return None
    return (change > 0) == (improvement.measure.direction == "higher")


_EVENT_WORDS = {
    "improvement.created": "Added to the register",
    "improvement.changed": "Changed",
    "improvement.moved": "Moved",
}


def timeline(improvement: Improvement) -> list[DomainEvent]:
    """What happened to the improvement, oldest first, each event with a ``label`` in words."""
    events = list(
        DomainEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Improvement),
            object_id=str(improvement.pk),
            verb__startswith="improvement.",
        ).order_by("occurred_at", "id")
    )
    labels = dict(Status.choices)
    for event in events:
        data: dict[str, Any] = event.data or {}
        label = _EVENT_WORDS.get(event.verb, event.verb)
        if event.verb == "improvement.moved":
            label = (
                f"Moved from {labels.get(str(data.get('from')), data.get('from'))} to "
                f"{labels.get(str(data.get('to')), data.get('to'))}"
            )
        elif event.verb == "improvement.changed" and data.get("fields"):
            label = "Changed: " + ", ".join(str(f).replace("_", " ") for f in data["fields"])
        event.label = label
        event.note = data.get("note", "")
    return events
