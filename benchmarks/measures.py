"""Measures at scale: the organisation dashboard against its rollups, and keeping them up to date.

A fresh database (SQLite in a temporary folder, or a throwaway PostgreSQL database when
``database_url`` names a server) holds one provider with ``scale`` times a national dataset
(250,000 clients with an engagement each, 2.5 million contacts, 500,000 reviews and 250,000
outcome follow-ups with their baselines) spread over three financial years and ``advisers``
advisers in ``teams`` teams, all written with ``bulk_create`` (no signals), then
``rollups.rebuild()`` computes the facts and rollups (timed). Then, in milliseconds:

- the organisation dashboard page (GET as the service manager, through Django's test client:
  permission, figures for the year and the 8-year trend, targets, rendering), p50/p95;
- ``dashboard_rows`` alone (the selector behind the page);
- a raw SQL read of the same rollup rows (the floor any dashboard built on them pays);
- saving a contact with its rollup refresh after commit.

Run it at two scales (0.01 and 0.1, or 0.1 and 1) to see the dashboard's growth.
"""

from __future__ import annotations

import time
from typing import Any

import harness

DESCRIPTION = (
    "organisation dashboard p50/p95 (page, selector, raw SQL of its rollup rows), rollup "
    "rebuild time and a contact save with its refresh, at a fraction of a national dataset"
)
PARAMETERS: dict[str, tuple[Any, str]] = {
    "scale": (0.01, "fraction of 250,000 clients / 2.5M contacts / 500k reviews / 250k "
              "outcomes (0.001-1)"),
    "advisers": (200, "advisers sharing the caseload (1-5000)"),
    "teams": (20, "teams the advisers belong to (1-500)"),
    "iterations": (100, "measured runs of each read (1-10000)"),
    "saves": (100, "contacts saved with their refresh (1-5000)"),
    "database_url": ("", "postgres://user@127.0.0.1:5432/x for PostgreSQL (a throwaway "
                     "database is created beside x and dropped); empty for SQLite"),
}  # fmt: skip
CLIENTS, CONTACTS, REVIEWS, OUTCOMES = 250_000, 2_500_000, 500_000, 250_000
BATCH = 5000
CHILD_TIMEOUT = 6 * 3600.0


def run(
    scale: float = 0.01,
    advisers: int = 200,
    teams: int = 20,
    iterations: int = 100,
    saves: int = 100,
    database_url: str = "",
) -> dict[str, Any]:
    if not 0.001 <= scale <= 1:
        raise ValueError("scale must be between 0.001 and 1")
    if not (1 <= advisers <= 5000 and 1 <= teams <= min(advisers, 500)):
        raise ValueError("advisers must be 1-5000 and teams 1-500, no more than advisers")
    if not (1 <= iterations <= 10_000 and 1 <= saves <= 5000):
        raise ValueError("iterations must be 1-10000 and saves 1-5000")
    parameters = {
        "scale": scale,
        "advisers": advisers,
        "teams": teams,
        "iterations": iterations,
        "saves": saves,
    }
    return harness.run_in_child(__file__, parameters, database_url, CHILD_TIMEOUT)


# The child process ----------------------------------------------------------------------------


def _generate(parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt
    import decimal
    import random

    from django.utils import timezone

    from waypoint.clients.models import Client
    from waypoint.core.models import RoleAssignment, Team
    from waypoint.delivery.models import Engagement, Interaction
    from waypoint.monitoring.models import OutcomeFollowUp, OutcomeMeasure, OutcomeValue, Review

    rng = random.Random(6)
    scale = parameters["scale"]
    clients_n = max(10, round(CLIENTS * scale))
    per_client = {
        "contacts": CONTACTS // CLIENTS,
        "reviews": REVIEWS // CLIENTS,
    }
    today = timezone.localdate()
    start = today - dt.timedelta(days=3 * 365)
    provider = harness.make_provider(parameters["advisers"], start)
    hub, programme, advisers = provider["hub"], provider["programme"], provider["advisers"]
    teams = [
        Team.objects.create(organisation=hub, name=f"Team {i}") for i in range(parameters["teams"])
    ]
    for i, role in enumerate(RoleAssignment.objects.filter(organisation=hub, role="adviser")):
        role.team = teams[i % len(teams)]
        role.save()
    jobs = OutcomeMeasure.objects.create(
        organisation=programme.organisation,
        programme=programme,
        key="jobs_created",
        name="Jobs created",
        kind="number",
        audience="business",
    )
    sectors, sizes = ["C", "F", "G", "J", "M", "Q"], ["none", "micro", "small", "medium"]
    started = time.perf_counter()
    for first in range(0, clients_n, BATCH):
        batch = range(first, min(clients_n, first + BATCH))
        clients = Client.objects.bulk_create(
            Client(
                organisation=hub,
                kind=Client.Kind.BUSINESS,
                name=harness.client_name(rng, i),
                sic_section=rng.choice(sectors),
                size_band=rng.choice(sizes),
                trading_status=rng.choice(["pre_start", "under_1_year", "over_3_years"]),
                region="TLC",
            )
            for i in batch
        )
        enquiries = [start + dt.timedelta(days=rng.randrange(3 * 365 - 30)) for _ in clients]
        engagements = Engagement.objects.bulk_create(
            Engagement(
                organisation=hub,
                client=client,
                programme=programme,
                lead_adviser=advisers[i % len(advisers)],
                status=Engagement.Status.ACTIVE,
                enquiry_date=enquiries[k],
            )
            for k, (i, client) in enumerate(zip(batch, clients, strict=True))
        )
        contacts, reviews, baselines, follow_ups = [], [], [], []
        for engagement in engagements:
            span = max(1, (today - engagement.enquiry_date).days)
            for _ in range(per_client["contacts"]):
                day = engagement.enquiry_date + dt.timedelta(days=rng.randrange(span))
                contacts.append(
                    Interaction(
                        organisation=hub,
                        engagement=engagement,
                        occurred_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                        mode="face_to_face",
                        place="our_premises",
                        duration_minutes=rng.choice([30, 45, 60, 90]),
                        support_type="advice",
                        summary="Benchmark contact",
                    )
                )
            for _ in range(per_client["reviews"]):
                held = engagement.enquiry_date + dt.timedelta(days=rng.randrange(span))
                reviews.append(
                    Review(
                        organisation=hub,
                        engagement=engagement,
                        held_on=held,
                        due_on=held + dt.timedelta(days=rng.randint(-12, 12)),
                        depth="standard",
                        satisfaction=rng.randint(2, 5),
                        recommend=rng.randint(4, 10),
                    )
                )
            baselines.append(
                OutcomeValue(
                    organisation=hub,
                    engagement=engagement,
                    measure=jobs,
                    value=decimal.Decimal(0),
                    recorded_on=engagement.enquiry_date,
                    evidence="self_declared",
                )
            )
            follow_ups.append(
                OutcomeFollowUp(
                    organisation=hub,
                    engagement=engagement,
                    months_after=6,
                    due_on=min(today, engagement.enquiry_date + dt.timedelta(days=182)),
                )
            )
        Interaction.objects.bulk_create(contacts, batch_size=BATCH)
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        OutcomeValue.objects.bulk_create(baselines, batch_size=BATCH)
        OutcomeFollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
        OutcomeValue.objects.bulk_create(
            (
                OutcomeValue(
                    organisation=hub,
                    engagement_id=follow_up.engagement_id,
                    measure=jobs,
                    follow_up=follow_up,
                    value=decimal.Decimal(rng.choice([0, 0, 1, 2, 3])),
                    recorded_on=follow_up.due_on,
                    evidence="self_declared",
                    attribution=60,
                    deadweight=20,
                    displacement=10,
                )
                for follow_up in follow_ups
            ),
            batch_size=BATCH,
        )
    generate_seconds = round(time.perf_counter() - started, 1)
    harness.analyze()
    return {"provider": provider, "clients": clients_n, "generate_seconds": generate_seconds}


def _child(parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    harness.setup_django()
    from django.db import connection
    from django.test import Client as WebClient
    from django.urls import reverse
    from django.utils import timezone

    from waypoint.core.audit import acting_as
    from waypoint.core.periods import PeriodKind, period_of
    from waypoint.delivery.models import Interaction
    from waypoint.measures import rollups, selectors_dashboards
    from waypoint.measures.models import MeasureFact, Rollup

    migrate_seconds = harness.migrate()
    with acting_as(None):
        made = _generate(parameters)
    started = time.perf_counter()
    cells = rollups.rebuild()
    rebuild_seconds = round(time.perf_counter() - started, 1)
    harness.analyze()

    hub, manager = made["provider"]["hub"], made["provider"]["manager"]
    today = timezone.localdate()
    year = period_of(today, PeriodKind.FINANCIAL_YEAR)
    scope = selectors_dashboards.find_scope("organisation", hub.pk)
    assert scope is not None
    measures = selectors_dashboards.measures_for(manager, scope)
    web = WebClient(HTTP_HOST="127.0.0.1")
    web.force_login(manager)
    url = reverse("measures:dashboard", args=["organisation", hub.pk]) + f"?period={year.label}"

    def page() -> None:
        response = web.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")

    def selector() -> None:
        selectors_dashboards.dashboard_rows(measures, scope, year, today)

    starts = [p.start for p in selectors_dashboards.trend_periods(year)]
    measure_ids = [m.pk for m in measures]

    def raw_sql() -> None:
        marks = ", ".join(["%s"] * len(starts))
        ids = ", ".join(["%s"] * len(measure_ids))
        sql = (  # placeholders only: the values are passed separately
            'SELECT measure_id, period_start, n, total, hits, misses, "distinct", median '  # noqa: S608
            "FROM measures_rollup WHERE scope_kind = %s AND scope_id = %s AND period_kind = %s "
            f"AND period_start IN ({marks}) AND measure_id IN ({ids})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, ["organisation", hub.pk, year.kind.value, *starts, *measure_ids])
            cursor.fetchall()

    contacts = list(
        Interaction.objects.filter(organisation=hub).order_by("pk")[: parameters["saves"] + 1]
    )

    def save_one(state: dict[str, int] = {"i": 0}) -> None:  # noqa: B006  (a counter)
        contact = contacts[state["i"] % len(contacts)]
        state["i"] += 1
        contact.duration_minutes = contact.duration_minutes % 120 + 15
        contact.occurred_at = contact.occurred_at + dt.timedelta(days=1)
        contact.save()  # autocommit: the rollup refresh runs on commit

    with acting_as(manager):
        saved = harness.timed(save_one, parameters["saves"])
    return {
        "clients": made["clients"],
        "facts": MeasureFact.objects.count(),
        "rollup_cells": cells,
        "rollup_rows": Rollup.objects.count(),
        "measures": len(measures),
        "migrate_seconds": migrate_seconds,
        "generate_seconds": made["generate_seconds"],
        "rebuild_seconds": rebuild_seconds,
        "dashboard_page": harness.timed(page, parameters["iterations"]),
        "dashboard_rows": harness.timed(selector, parameters["iterations"]),
        "raw_sql_rollup_rows": harness.timed(raw_sql, parameters["iterations"]),
        "contact_save_with_refresh": saved,
    }


if __name__ == "__main__":
    harness.child_main("measures", _child)
