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

import time
from pathlib import Path
from typing import Any

import harness

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
    parameters = {
        "clients": clients,
        "contacts_per_client": contacts_per_client,
        "advisers": advisers,
        "iterations": iterations,
        "import_rows": import_rows,
    }
    return harness.run_in_child(__file__, parameters, database_url, CHILD_TIMEOUT)


# The child process ----------------------------------------------------------------------------


def _generate(parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt
    import random

    from django.utils import timezone

    from waypoint.clients.models import Client
    from waypoint.delivery.models import Engagement, Interaction

    rng = random.Random(13)
    provider = harness.make_provider(parameters["advisers"], dt.date(2024, 4, 1))
    hub, programme = provider["hub"], provider["programme"]
    manager, advisers = provider["manager"], provider["advisers"]
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
                name=harness.client_name(rng, i),
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
    harness.analyze()
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
    results["client_search"] = harness.timed(search_as(made["manager"]), iterations)
    results["adviser_client_search"] = harness.timed(search_as(made["adviser"]), iterations)
    # Each term on its own (a fifth of the runs each), to show which searches are slow.
    results["client_search_by_term_p50_ms"] = {}
    for term in terms:

        def one(term: str = term) -> None:
            found = client_search(clients_for(user=made["manager"]), term).order_by("name", "pk")
            found.count()
            list(found.select_related("organisation")[:25])

        timing = harness.timed(one, max(1, iterations // len(terms)))
        results["client_search_by_term_p50_ms"][term] = timing["p50_ms"]

    def caseload() -> None:
        engagements = caseload_for(user=made["adviser"], scope="mine")
        engagements.count()
        list(engagements.select_related("client", "programme")[:25])

    results["caseload"] = harness.timed(caseload, iterations)
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


def _child(parameters: dict[str, Any]) -> dict[str, Any]:
    harness.setup_django()
    from waypoint.core.audit import acting_as

    migrate_seconds = harness.migrate()
    with acting_as(None):
        made = _generate(parameters)
    results = _measure(parameters, made)
    results["migrate_seconds"] = migrate_seconds
    return results


if __name__ == "__main__":
    harness.child_main("clients_scale", _child)
