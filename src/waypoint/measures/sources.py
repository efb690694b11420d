"""Reading records into facts (``definitions.Fact``), and which facts a change touches.

Each source turns a batch of record ids into facts in a few queries, whatever the batch size.
Every record is attributed to its engagement's delivering organisation, programme, lead adviser
and the lead adviser's team there (the team of their role in that organisation), so that a
caseload's figures follow the adviser who leads it. Records that no longer exist, or that no
measure can count (an outcome that is not the latest follow-up), have no fact.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from waypoint.clients.models import Client, ClientBarrier, EqualityMonitoring
from waypoint.core.models import RoleAssignment
from waypoint.core.periods import PeriodKind, local_date
from waypoint.delivery.models import (
    Action,
    ActionStatus,
    Agreement,
    Engagement,
    Goal,
    GoalStatus,
    Interaction,
    Programme,
    Referral,
    ReferralStatus,
    ReferralUsefulness,
)
from waypoint.measures.definitions import Fact
from waypoint.measures.models import Cost
from waypoint.monitoring.models import (
    Concern,
    ConcernStatus,
    OutcomeMeasure,
    OutcomeValue,
    Review,
)
from waypoint.monitoring.selectors_outcomes import net_additional
from waypoint.monitoring.selectors_settings import settings_for_programmes

D = decimal.Decimal
FOUR_PLACES = D("0.0001")
ETHNIC_MINORITY = frozenset({"asian", "black", "mixed", "other"})
REACHED_SUPPORT = frozenset(
    {Engagement.Status.AGREEMENT_PENDING, Engagement.Status.ACTIVE, Engagement.Status.PAUSED}
)


def figure(value: Any) -> str:
    """A figure as a fact keeps it: a decimal string with four places."""
    return str(D(value).quantize(FOUR_PLACES))


@dataclass(frozen=True)
class Context:
    """Where an engagement's records belong, and its client's attributes."""

    engagement_id: int
    organisation_id: int
    time_zone: str
    programme_id: int
    programme_owner_id: int
    adviser_id: int
    team_id: int | None
    client_id: int
    client_dims: dict[str, Any]

    def fact(self, source: str, record_id: int, on: dt.date, **kwargs: Any) -> Fact:
        dims = {**self.client_dims, **kwargs.pop("dims", {})}
        return Fact(
            source=source,
            record_id=record_id,
            on=on,
            organisation_id=self.organisation_id,
            programme_id=self.programme_id,
            programme_owner_id=self.programme_owner_id,
            team_id=self.team_id,
            adviser_id=self.adviser_id,
            client_id=self.client_id,
            engagement_id=self.engagement_id,
            dims=dims,
            **kwargs,
        )


def _client_dims(client: Client, equality: EqualityMonitoring | None, barriers: int) -> dict:
    groups = []
    if equality is not None:
        if equality.sex == "female":
            groups.append("women")
        if equality.disability == "yes":
            groups.append("disabled")
        if equality.ethnicity in ETHNIC_MINORITY:
            groups.append("ethnic_minority")
        if equality.age_band == "under_25":
            groups.append("under_25")
    if client.trading_status == "pre_start":
        groups.append("pre_start")
    return {
        "client_kind": client.kind,
        "sector": client.sic_section,
        "size_band": client.size_band,
        "trading_status": client.trading_status,
        "region": client.region,
        "groups": sorted(groups),
        "barriers": "3+" if barriers >= 3 else str(barriers),
    }


def contexts(engagement_ids: Iterable[int]) -> dict[int, Context]:
    """Contexts of engagements in five queries."""
    ids = set(engagement_ids)
    if not ids:
        return {}
    engagements = list(
        Engagement.objects.filter(pk__in=ids).select_related("client", "programme", "organisation")
    )
    client_ids = {e.client_id for e in engagements}
    equality = {e.client_id: e for e in EqualityMonitoring.objects.filter(client_id__in=client_ids)}
    barriers: dict[int, int] = defaultdict(int)
    for client_id in ClientBarrier.objects.filter(client_id__in=client_ids).values_list(
        "client_id", flat=True
    ):
        barriers[client_id] += 1
    teams = _teams({(e.lead_adviser_id, e.organisation_id) for e in engagements})
    return {
        e.pk: Context(
            engagement_id=e.pk,
            organisation_id=e.organisation_id,
            time_zone=e.organisation.time_zone,
            programme_id=e.programme_id,
            programme_owner_id=e.programme.organisation_id,
            adviser_id=e.lead_adviser_id,
            team_id=teams.get((e.lead_adviser_id, e.organisation_id)),
            client_id=e.client_id,
            client_dims=_client_dims(
                e.client, equality.get(e.client_id), barriers.get(e.client_id, 0)
            ),
        )
        for e in engagements
    }


def _teams(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(adviser, organisation) -> the team of the adviser's role there (the first one given,
    when they hold roles in several teams)."""
    if not pairs:
        return {}
    users = {user for user, _ in pairs}
    found: dict[tuple[int, int], int] = {}
    rows = (
        RoleAssignment.objects.filter(user_id__in=users, team__isnull=False)
        .order_by("pk")
        .values_list("user_id", "organisation_id", "team_id")
    )
    for user, organisation, team in rows:
        if (user, organisation) in pairs:
            found.setdefault((user, organisation), team)
    return found


# Sources -----------------------------------------------------------------------------------------


def engagement_facts(ids: set[int]) -> dict[int, Fact]:
    ctx = contexts(ids)
    agreed = set(
        Agreement.objects.filter(engagement_id__in=ids, status=Agreement.Status.ACCEPTED)
        .values_list("engagement_id", flat=True)
        .distinct()
    )
    firsts = dict(
        Interaction.objects.filter(engagement_id__in=ids)
        .values("engagement_id")
        .annotate(first=Min("occurred_at"))
        .values_list("engagement_id", "first")
    )
    facts = {}
    for engagement in Engagement.objects.filter(pk__in=ids):
        context = ctx[engagement.pk]
        first = firsts.get(engagement.pk)
        values = {}
        if first is not None:
            days = (local_date(first, context.time_zone) - engagement.enquiry_date).days
            values["days_to_first_contact"] = figure(max(days, 0))
        reached = engagement.status in REACHED_SUPPORT or (
            engagement.status == Engagement.Status.CLOSED
            and (engagement.pk in agreed or first is not None)
        )
        facts[engagement.pk] = context.fact(
            "engagements",
            engagement.pk,
            engagement.enquiry_date,
            dims={
                "status": engagement.status,
                "end_reason": engagement.end_reason,
                "has_agreement": engagement.pk in agreed,
                "reached_support": reached,
            },
            values=values,
        )
    return facts


def contact_facts(ids: set[int]) -> dict[int, Fact]:
    rows = list(Interaction.objects.filter(pk__in=ids).order_by())
    ctx = contexts(row.engagement_id for row in rows)
    return {
        row.pk: ctx[row.engagement_id].fact(
            "contacts",
            row.pk,
            local_date(row.occurred_at, ctx[row.engagement_id].time_zone),
            dims={"mode": row.mode, "support_type": row.support_type},
            values={"hours": figure(D(row.duration_minutes) / 60)},
        )
        for row in rows
    }


def review_facts(ids: set[int]) -> dict[int, Fact]:
    # No joins (nor the default ordering's): SQLite can plan them as a full scan.
    rows = list(Review.objects.filter(pk__in=ids).order_by())
    ctx = contexts(row.engagement_id for row in rows)
    programmes = set(Programme.objects.filter(pk__in={c.programme_id for c in ctx.values()}))
    windows = {pk: found.on_time_days for pk, found in settings_for_programmes(programmes).items()}
    facts = {}
    for row in rows:
        on_time = None
        if row.due_on is not None:
            window = windows[ctx[row.engagement_id].programme_id]
            on_time = abs((row.held_on - row.due_on).days) <= window  # 000 req 2
        values = {
            name: figure(getattr(row, name))
            for name in ("satisfaction", "recommend", "client_rating", "adviser_rating")
            if getattr(row, name) is not None
        }
        facts[row.pk] = ctx[row.engagement_id].fact(
            "reviews",
            row.pk,
            row.held_on,
            dims={"depth": row.depth, "on_time": on_time},
            values=values,
        )
    return facts


def action_facts(ids: set[int]) -> dict[int, Fact]:
    rows = list(Action.objects.filter(pk__in=ids).select_related("goal__plan"))
    ctx = contexts(row.goal.plan.engagement_id for row in rows)
    return {
        row.pk: ctx[row.goal.plan.engagement_id].fact(
            "actions",
            row.pk,
            row.due_on,
            dims={"status": row.status, "done": row.status == ActionStatus.DONE},
            values={"progress": figure(row.progress)},
        )
        for row in rows
    }


def goal_facts(ids: set[int]) -> dict[int, Fact]:
    rows = list(Goal.objects.filter(pk__in=ids).select_related("plan"))
    ctx = contexts(row.plan.engagement_id for row in rows)
    return {
        row.pk: ctx[row.plan.engagement_id].fact(
            "goals",
            row.pk,
            row.deadline or local_date(row.created_at, ctx[row.plan.engagement_id].time_zone),
            dims={
                "status": row.status,
                "achieved": row.status == GoalStatus.ACHIEVED,
                "priority": row.priority,
            },
        )
        for row in rows
    }


def referral_facts(ids: set[int]) -> dict[int, Fact]:
    rows = list(Referral.objects.filter(pk__in=ids))
    ctx = contexts(row.engagement_id for row in rows)
    useful = {ReferralUsefulness.VERY_USEFUL, ReferralUsefulness.USEFUL}
    return {
        row.pk: ctx[row.engagement_id].fact(
            "referrals",
            row.pk,
            row.made_on or local_date(row.created_at, ctx[row.engagement_id].time_zone),
            dims={
                "status": row.status,
                "completed": row.status == ReferralStatus.ATTENDED,
                "useful": row.usefulness_client in useful,
            },
        )
        for row in rows
    }


def outcome_facts(ids: set[int]) -> dict[int, Fact]:
    """Only the latest follow-up figure of an engagement's measure has a fact: its change
    from the baseline is the gross change, and net additional impact follows (000 req 4)."""
    rows = [
        row
        for row in OutcomeValue.objects.filter(pk__in=ids).order_by()
        if row.follow_up_id is not None
    ]
    if not rows:
        return {}
    keys = dict(
        OutcomeMeasure.objects.filter(pk__in={row.measure_id for row in rows}).values_list(
            "pk", "key"
        )
    )
    pairs = {(row.engagement_id, row.measure_id) for row in rows}
    # By engagement only (its index), the measures picked here: a filter on both can lead
    # SQLite to walk every value of a measure.
    related = (
        OutcomeValue.objects.filter(engagement_id__in={e for e, _ in pairs})
        .order_by("recorded_on", "pk")
        .values_list("pk", "engagement_id", "measure_id", "follow_up_id", "value")
    )
    baseline: dict[tuple[int, int], D] = {}
    latest: dict[tuple[int, int], int] = {}
    for pk, engagement_id, measure_id, follow_up_id, value in related:
        pair = (engagement_id, measure_id)
        if pair not in pairs:
            continue
        if follow_up_id is None:
            baseline[pair] = value
        else:
            latest[pair] = pk
    ctx = contexts(e for e, _ in pairs)
    facts = {}
    for row in rows:
        pair = (row.engagement_id, row.measure_id)
        if latest.get(pair) != row.pk:
            continue
        values = {}
        if pair in baseline:
            gross = row.value - baseline[pair]
            values["gross"] = figure(gross)
            values["net"] = figure(
                net_additional(gross, row.attribution, row.deadweight, row.displacement)
            )
        facts[row.pk] = ctx[row.engagement_id].fact(
            "outcomes",
            row.pk,
            row.recorded_on,
            dims={"measure": keys[row.measure_id], "evidence": row.evidence},
            values=values,
        )
    return facts


def concern_facts(ids: set[int], today: dt.date | None = None) -> dict[int, Fact]:
    """A concern counts as resolved in time when resolved within its programme's time limit;
    an open one past the limit counts as not (so its fact changes with time: the daily job
    refreshes open concerns, see ``open_concern_ids``)."""
    today = today or timezone.localdate()
    rows = list(Concern.objects.filter(pk__in=ids).select_related("programme", "engagement"))
    ctx = contexts(row.engagement_id for row in rows if row.engagement_id)
    programmes = {row.programme for row in rows if row.programme is not None}
    programmes |= {row.engagement.programme for row in rows if row.engagement is not None}
    limits = {pk: s.resolve_concern_days for pk, s in settings_for_programmes(programmes).items()}
    facts = {}
    for row in rows:
        programme_id = row.programme_id or (row.engagement.programme_id if row.engagement else None)
        limit = limits.get(programme_id, 20) if programme_id else 20
        resolved = row.resolved_on is not None and row.status in (
            ConcernStatus.RESOLVED,
            ConcernStatus.CLOSED,
        )
        late = (
            (row.resolved_on - row.raised_on).days > limit
            if resolved and row.resolved_on
            else (today - row.raised_on).days > limit
        )
        dims = {
            "about": row.about,
            "severity": row.severity,
            "raised_by": row.source,
            "status": row.status,
            "resolution_due": resolved or late,
            "resolved_in_time": resolved and not late,
        }
        if row.engagement_id:
            facts[row.pk] = ctx[row.engagement_id].fact(
                "concerns", row.pk, row.raised_on, dims=dims
            )
        else:
            programme = row.programme
            facts[row.pk] = Fact(
                source="concerns",
                record_id=row.pk,
                on=row.raised_on,
                organisation_id=row.organisation_id,
                programme_id=programme.pk if programme else None,
                programme_owner_id=programme.organisation_id if programme else None,
                dims=dims,
            )
    return facts


def cost_facts(ids: set[int]) -> dict[int, Fact]:
    rows = list(Cost.objects.filter(pk__in=ids).select_related("programme"))
    return {
        row.pk: Fact(
            source="costs",
            record_id=row.pk,
            on=row.period_start,
            organisation_id=row.organisation_id,
            programme_id=row.programme_id,
            programme_owner_id=row.programme.organisation_id if row.programme else None,
            team_id=row.team_id,
            grain=row.period_kind,
            dims={"kind": row.kind},
            values={"amount": figure(row.amount)},
        )
        for row in rows
    }


@dataclass(frozen=True)
class SourceReader:
    key: str
    model: Any
    facts: Callable[..., dict[int, Fact]]
    engagement_path: str | None  # how records reach their engagement, for refreshing


READERS: dict[str, SourceReader] = {
    reader.key: reader
    for reader in (
        SourceReader("engagements", Engagement, engagement_facts, "pk"),
        SourceReader("contacts", Interaction, contact_facts, "engagement_id"),
        SourceReader("reviews", Review, review_facts, "engagement_id"),
        SourceReader("actions", Action, action_facts, "goal__plan__engagement_id"),
        SourceReader("goals", Goal, goal_facts, "plan__engagement_id"),
        SourceReader("referrals", Referral, referral_facts, "engagement_id"),
        SourceReader("outcomes", OutcomeValue, outcome_facts, "engagement_id"),
        SourceReader("concerns", Concern, concern_facts, "engagement_id"),
        SourceReader("costs", Cost, cost_facts, None),
    )
}


def ids_of_engagements(engagement_ids: set[int]) -> Iterator[tuple[str, set[int]]]:
    """Every record of these engagements, by source: what to refresh when an engagement, its
    client or its lead adviser's team changes."""
    for reader in READERS.values():
        if reader.engagement_path is None or not engagement_ids:
            continue
        ids = set(
            reader.model.objects.filter(
                **{f"{reader.engagement_path}__in": engagement_ids}
            ).values_list("pk", flat=True)
        )
        if ids:
            yield reader.key, ids


def open_concern_ids() -> set[int]:
    return set(
        Concern.objects.exclude(
            status__in=[ConcernStatus.RESOLVED, ConcernStatus.CLOSED]
        ).values_list("pk", flat=True)
    )


def engagements_of_adviser(user_id: int, organisation_id: int) -> set[int]:
    return set(
        Engagement.objects.filter(
            Q(lead_adviser_id=user_id) & Q(organisation_id=organisation_id)
        ).values_list("pk", flat=True)
    )


GRAINS = {kind.value for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR)}
