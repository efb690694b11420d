"""Client search, caseload list and contact import at scale (issue 3, item 13).

Builds a fresh database (SQLite in a temporary folder, or a throwaway PostgreSQL database when
``database_url`` names a server; it is dropped afterwards) holding one provider with
``clients`` clients, one engagement each on one programme, ``contacts_per_client`` contacts
each, and ``advisers`` advisers sharing the caseload, all written with ``bulk_create``. Then it
measures, through the selectors the pages use:

- ``client_search``: a service manager's client list (``clients_for`` + ``client_search``,
  count and first page of 25), for name, number and postcode searches;
- ``adviser_client_search``: the same for an adviser (their own clients only);
- ``caseload``: an adviser's "my caseload" (``caseload_for``, count and first page of 25);
- ``import``: a CSV of ``import_rows`` contacts through ``InteractionImporter`` (preview, then
  commit: one transaction, one audit entry per contact), in rows per second.

The work runs in a child process (its own Django settings and database); every loop is
bounded and only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DESCRIPTION = (
    "client search and caseload p50/p95 and contact import rows/second at N clients "
    "(SQLite by default, PostgreSQL given database_url)"
)
PARAMETERS: dict[str, tuple[Any, str]] = {
    "clients": (100_000, "clients (one engagement each) to generate (100-1000000)"),
    "contacts_per_client": (2, "contacts generated per engagement (0-20)"),
    "advisers": (20, "advisers sharing the caseload (1-500)"),
    "iterations": (50, "measured runs of each query (1-10000)"),
    "import_rows": (100_000, "rows in the contacts CSV imported (0-100000)"),
    "database_url": ("", "postgres://user@127.0.0.1:5432/x for PostgreSQL (a throwaway "
                     "database is created beside x and dropped); empty for SQLite"),
}  # fmt: skip

PROJECT_DIR = Path(__file__).resolve().parent.parent
BATCH = 5000
IMPORT_HEADER = [
    "client",
    "programme",
    "occurred_at",
    "mode",
    "place",
    "duration_minutes",
    "support_type",
    "consulting_mode",
    "summary",
]
CHILD_TIMEOUT = 3 * 3600.0


def run(
    clients: int = 100_000,
    contacts_per_client: int = 2,
    advisers: int = 20,
    iterations: int = 50,
    import_rows: int = 100_000,
    database_url: str = "",
) -> dict[str, Any]:
    if not 100 <= clients <= 1_000_000:
        raise ValueError("clients must be between 100 and 1,000,000")
    if not (0 <= contacts_per_client <= 20 and 1 <= advisers <= 500):
        raise ValueError("contacts_per_client must be 0-20 and advisers 1-500")
    if not (1 <= iterations <= 10_000 and 0 <= import_rows <= 100_000):
        raise ValueError("iterations must be 1-10000 and import_rows 0-100000")
    workdir = Path(tempfile.mkdtemp(prefix="waypoint-bench-"))
    dropper = None
    try:
        if database_url:
            url, dropper = _throwaway_postgres(database_url)
            engine = "postgresql"
        else:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            engine = "sqlite"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "WAYPOINT_")) and key != "DATABASE_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="waypoint.settings.local",
            DJANGO_DEBUG="false",
            DATABASE_URL=url,
            WAYPOINT_VAR_DIR=str(workdir),
            PYTHONPATH=str(PROJECT_DIR / "src"),
        )
        parameters = {
            "clients": clients,
            "contacts_per_client": contacts_per_client,
            "advisers": advisers,
            "iterations": iterations,
            "import_rows": import_rows,
            "workdir": str(workdir),
        }
        completed = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(parameters)],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
        sys.stderr.write(completed.stderr[-4000:])
        if completed.returncode != 0:
            raise RuntimeError(f"the benchmark process failed: {completed.stderr[-2000:]}")
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        result["database"] = engine
        return result
    finally:
        if dropper is not None:
            dropper()
        shutil.rmtree(workdir, ignore_errors=True)


def _throwaway_postgres(database_url: str) -> tuple[str, Any]:
    """A new, empty database on the server of ``database_url``, and a function dropping it."""
    import psycopg

    parts = urlsplit(database_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("The benchmark only uses a PostgreSQL server on loopback.")
    name = f"waypoint_bench_{secrets.token_hex(4)}"
    admin_url = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


# The child process ----------------------------------------------------------------------------


def _summary(durations: list[float]) -> dict[str, Any]:
    ordered = sorted(durations)

    def pick(fraction: float) -> float:
        index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
        return round(ordered[index] * 1000, 2)

    return {
        "runs": len(ordered),
        "p50_ms": pick(0.5),
        "p95_ms": pick(0.95),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def _timed(action: Any, iterations: int) -> dict[str, Any]:
    action()  # warm-up, not measured
    durations = []
    for _ in range(iterations):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return _summary(durations)


def _generate(parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt
    import random

    from django.utils import timezone

    from waypoint.clients.models import Client
    from waypoint.core.models import Organisation, RoleAssignment, User
    from waypoint.core.roles import Role
    from waypoint.delivery.models import Engagement, Interaction, Programme

    rng = random.Random(13)
    hub = Organisation.objects.create(name="Benchmark Hub", kind=Organisation.Kind.PROVIDER)
    owner = Organisation.objects.create(
        name="Benchmark Authority", kind=Organisation.Kind.COMMISSIONER
    )
    programme = Programme.objects.create(
        organisation=owner, name="Benchmark Growth", start_date=dt.date(2024, 4, 1)
    )
    programme.delivering_organisations.set([hub])
    manager = User.objects.create(username="bench.manager", first_name="Bench")
    RoleAssignment.objects.create(user=manager, organisation=hub, role=Role.SERVICE_MANAGER)
    advisers = [
        User.objects.create(username=f"bench.adviser{i}", first_name=f"Adviser {i}")
        for i in range(parameters["advisers"])
    ]
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, organisation=hub, role=Role.ADVISER) for user in advisers
    )
    words = ["Harbour", "Copper", "Tyne", "Willow", "Beacon", "Granite", "Lantern", "Quay"]
    trades = ["Bakery", "Digital", "Builders", "Logistics", "Studios", "Care", "Makers"]
    statuses = [
        Engagement.Status.ENQUIRY,
        Engagement.Status.ACTIVE,
        Engagement.Status.ACTIVE,
        Engagement.Status.ACTIVE,
        Engagement.Status.PAUSED,
        Engagement.Status.CLOSED,
    ]
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    total = parameters["clients"]
    for first in range(0, total, BATCH):
        batch = range(first, min(total, first + BATCH))
        clients = [
            Client(
                organisation=hub,
                kind=Client.Kind.BUSINESS,
                name=f"{rng.choice(words)} {rng.choice(trades)} {i}",
                registered_number=f"BM{i:08d}",
                sic_division="62",
                sic_section="J",
                postcode=f"NE{i % 60 + 1} {i % 9 + 1}{'ABDEFGHJ'[i % 8]}{'LNPQRSTU'[i // 8 % 8]}",
                region="TLC",
                email=f"client{i}@example.org",
                created_by=advisers[i % len(advisers)],
            )
            for i in batch
        ]
        Client.objects.bulk_create(clients)
        engagements = []
        for client in clients:
            status = rng.choice(statuses)
            engagements.append(
                Engagement(
                    organisation=hub,
                    client=client,
                    programme=programme,
                    lead_adviser=client.created_by,
                    status=status,
                    end_reason=Engagement.EndReason.COMPLETED
                    if status == Engagement.Status.CLOSED
                    else "",
                    enquiry_date=today - dt.timedelta(days=rng.randint(10, 700)),
                )
            )
        Engagement.objects.bulk_create(engagements)
        Interaction.objects.bulk_create(
            Interaction(
                organisation=hub,
                engagement=engagement,
                occurred_at=now - dt.timedelta(days=rng.randint(1, 365), minutes=j),
                mode=Interaction.Mode.PHONE,
                place=Interaction.Place.OTHER,
                duration_minutes=30,
                support_type=Interaction.SupportType.ADVICE,
                summary="Generated contact.",
                recorded_by=engagement.lead_adviser,
            )
            for engagement in engagements
            for j in range(parameters["contacts_per_client"])
        )
    # Fresh planner statistics, as autovacuum (PostgreSQL) or a routine ANALYZE would give.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "hub": hub,
        "manager": manager,
        "adviser": advisers[0],
        "programme": programme,
        "generate_seconds": round(time.perf_counter() - started, 1),
    }


def _measure(parameters: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    from waypoint.clients.models import Client
    from waypoint.clients.selectors import client_search, clients_for
    from waypoint.delivery.models import Engagement, Interaction
    from waypoint.delivery.selectors import caseload_for

    total = parameters["clients"]
    terms = ["harbour bakery", f"BM{total // 2:08d}", "NE17 ", "client1234@", "Quay Care 77"]
    results: dict[str, Any] = {
        "generated": {
            "clients": Client.objects.count(),
            "engagements": Engagement.objects.count(),
            "contacts": Interaction.objects.count(),
            "seconds": made["generate_seconds"],
        },
        "search_terms": terms,
    }

    def search_as(user: Any) -> Any:
        position = {"i": 0}

        def action() -> None:
            term = terms[position["i"] % len(terms)]
            position["i"] += 1
            found = client_search(clients_for(user=user), term).order_by("name", "pk")
            found.count()
            list(found.select_related("organisation")[:25])

        return action

    iterations = parameters["iterations"]
    results["client_search"] = _timed(search_as(made["manager"]), iterations)
    results["adviser_client_search"] = _timed(search_as(made["adviser"]), iterations)
    # Each term on its own (a fifth of the runs each), to show which searches are slow.
    results["client_search_by_term_p50_ms"] = {}
    for term in terms:

        def one(term: str = term) -> None:
            found = client_search(clients_for(user=made["manager"]), term).order_by("name", "pk")
            found.count()
            list(found.select_related("organisation")[:25])

        timing = _timed(one, max(1, iterations // len(terms)))
        results["client_search_by_term_p50_ms"][term] = timing["p50_ms"]

    def caseload() -> None:
        engagements = caseload_for(user=made["adviser"], scope="mine")
        engagements.count()
        list(engagements.select_related("client", "programme")[:25])

    results["caseload"] = _timed(caseload, iterations)
    results["caseload_rows"] = caseload_for(user=made["adviser"], scope="mine").count()
    if parameters["import_rows"]:
        results["import"] = _import(parameters, made)
    return results


def _import(parameters: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    import csv

    from waypoint.core.audit import acting_as
    from waypoint.delivery.importers import InteractionImporter
    from waypoint.delivery.models import Engagement, Interaction

    path = Path(parameters["workdir"]) / "contacts.csv"
    numbers = list(
        Engagement.objects.filter(organisation=made["hub"])
        .exclude(status=Engagement.Status.CLOSED)
        .values_list("client__registered_number", flat=True)[: parameters["import_rows"]]
    )
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(IMPORT_HEADER)
        for i in range(parameters["import_rows"]):
            writer.writerow(
                [
                    numbers[i % len(numbers)],
                    made["programme"].name,
                    f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d} {9 + i % 8:02d}:30",
                    "Phone",
                    "Other",
                    str(15 + i % 60),
                    "Advice",
                    "Catalytic",
                    f"Imported contact {i}.",
                ]
            )
    before = Interaction.objects.count()
    importer = InteractionImporter(organisation=made["hub"], acting_user=made["manager"])
    started = time.perf_counter()
    preview = importer.preview(path)
    preview_seconds = time.perf_counter() - started
    if not preview.ok:
        raise RuntimeError(f"the generated file has errors: {preview.errors[:5]}")
    started = time.perf_counter()
    with acting_as(made["manager"]):
        result = importer.commit(path)
    commit_seconds = time.perf_counter() - started
    if not result.committed or Interaction.objects.count() != before + result.created:
        raise RuntimeError(f"the import did not commit: {result.file_error}")
    rows = parameters["import_rows"]
    return {
        "rows": rows,
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
        "preview_seconds": round(preview_seconds, 1),
        "preview_rows_per_second": round(rows / preview_seconds),
        "commit_seconds": round(commit_seconds, 1),
        "commit_rows_per_second": round(rows / commit_seconds),
    }


def _child(parameters: dict[str, Any]) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from waypoint.core.audit import acting_as

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = round(time.perf_counter() - started, 1)
    with acting_as(None):
        made = _generate(parameters)
    results = _measure(parameters, made)
    results["migrate_seconds"] = migrate_seconds
    print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(json.loads(sys.argv[2]))
    else:
        print("Run through benchmarks/run.py clients_scale", file=sys.stderr)
        sys.exit(2)
