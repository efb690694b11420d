"""Diagnostics at scale: the pure functions of a template, and the reads and writes around a
client's diagnostics in a database holding many of them.

1. Pure functions (no database), per call in microseconds: ``parse_definition`` of the
   business health check and financial ratios templates; ``clean_answers(complete=True)`` +
   ``compute_results`` + ``suggested_findings`` on a fully answered health check and on a
   financial ratios answer set; ``changes_since`` between two health checks.
2. A fresh database (SQLite in a temporary folder, or a throwaway PostgreSQL database when
   ``database_url`` names a server; it is dropped afterwards) holding one provider with
   ``clients`` clients, one engagement each, ``advisers`` advisers sharing the caseload and
   ``diagnostics`` completed diagnostics (health checks, financial ratios and SWOTs, with answers
   and results computed once and reused with small variations), all written with
   ``bulk_create``. One client has 11 health checks (10 earlier ones). Then, in milliseconds:

   - ``previous_diagnostic`` and ``changes_from_previous`` for that client's latest health
     check, as a service manager (sees the whole caseload) and as the client's adviser (sees
     only their own caseload);
   - ``engagement_diagnostics`` for that engagement (both users);
   - ``templates_for(user, engagement)``;
   - ``diagnostic_complete`` through the service (permission check, validation, save, audit
     log entry and domain event), once per draft, over ``complete_calls`` drafts.

The work runs in a child process (its own Django settings and database); every loop is
bounded and only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import time
from typing import Any

import harness

DESCRIPTION = (
    "diagnostic template functions (µs per call) and previous/changes/engagement/templates "
    "reads and diagnostic_complete p50/p95 at N diagnostics (SQLite by default, PostgreSQL "
    "given database_url)"
)
PARAMETERS: dict[str, tuple[Any, str]] = {
    "diagnostics": (100_000, "completed diagnostics to generate (100-1000000; at least "
                    "clients + 10)"),
    "clients": (20_000, "clients (one engagement each) to spread them over (20-200000)"),
    "advisers": (5, "advisers sharing the caseload (1-500)"),
    "iterations": (200, "measured runs of each database read (1-10000)"),
    "pure_iterations": (2000, "measured calls of each pure function (1-100000)"),
    "complete_calls": (200, "drafts completed through diagnostic_complete (1-5000; fewer "
                       "than clients)"),
    "database_url": ("", "postgres://user@127.0.0.1:5432/x for PostgreSQL (a throwaway "
                     "database is created beside x and dropped); empty for SQLite"),
}  # fmt: skip

TEMPLATES_DIR = harness.PROJECT_DIR / "src" / "waypoint" / "delivery" / "diagnostic_templates"
HEALTH_CHECK = "business-health-check"
FINANCIAL_RATIOS = "financial-ratios"
SWOT = "swot"
BATCH = 5000
VARIANTS = 64  # distinct answer sets per template, reused across the generated rows
EARLIER = 10  # earlier health checks of the measured client
CHILD_TIMEOUT = 3 * 3600.0


def run(
    diagnostics: int = 100_000,
    clients: int = 20_000,
    advisers: int = 5,
    iterations: int = 200,
    pure_iterations: int = 2000,
    complete_calls: int = 200,
    database_url: str = "",
) -> dict[str, Any]:
    if not 100 <= diagnostics <= 1_000_000:
        raise ValueError("diagnostics must be between 100 and 1,000,000")
    if not 20 <= clients <= 200_000 or clients + EARLIER > diagnostics:
        raise ValueError("clients must be between 20 and 200,000, and diagnostics - 10 at most")
    if not 1 <= advisers <= 500:
        raise ValueError("advisers must be 1-500")
    if not (1 <= iterations <= 10_000 and 1 <= pure_iterations <= 100_000):
        raise ValueError("iterations must be 1-10000 and pure_iterations 1-100000")
    if not 1 <= complete_calls <= 5000 or complete_calls + 2 > clients:
        raise ValueError("complete_calls must be 1-5000 and at most clients - 2")
    parameters = {
        "diagnostics": diagnostics,
        "clients": clients,
        "advisers": advisers,
        "iterations": iterations,
        "pure_iterations": pure_iterations,
        "complete_calls": complete_calls,
    }
    return harness.run_in_child(__file__, parameters, database_url, CHILD_TIMEOUT)


# The child process ----------------------------------------------------------------------------


def _timed(action: Any, iterations: int) -> dict[str, Any]:
    """Milliseconds per run, with the number of queries one run makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    timing = harness.timed(action, iterations)
    timing["queries"] = len(captured.captured_queries)
    return timing


def _timed_us(action: Any, iterations: int) -> dict[str, Any]:
    return harness.summary(harness.durations(action, iterations), scale=1_000_000, unit="us")


def _definition_data(key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEMPLATES_DIR / f"{key}.v1.json").read_text("utf-8"))
    return data


NOTES = [
    "",
    "",
    "Discussed with the owner.",
    "Evidence seen: last year's accounts and the current plan.",
    "The owner wants to work on this first; agreed to review it at the next meeting.",
]


def _health_check_answers(rng: Any, definition: Any) -> dict[str, Any]:
    """A fully answered health check: every area scored, some with notes."""
    answers: dict[str, Any] = {}
    for item in definition.items():
        if item.type == "score":
            answers[item.key] = {"score": str(rng.randint(1, 5)), "notes": rng.choice(NOTES)}
        elif item.type == "text":
            answers[item.key] = {
                "text": "Strong on customers and reputation; cash flow and the owner's time "
                "are the priorities for the next six months."
            }
    return answers


def _financial_answers(rng: Any) -> dict[str, Any]:
    turnover = rng.randint(80, 4000) * 1000
    figures = {
        "turnover": turnover,
        "cost_of_sales": int(turnover * rng.uniform(0.3, 0.85)),
        "overheads": int(turnover * rng.uniform(0.1, 0.4)),
        "net_profit": int(turnover * rng.uniform(-0.1, 0.2)),
        "current_assets": int(turnover * rng.uniform(0.1, 0.5)),
        "stock": int(turnover * rng.uniform(0, 0.15)),
        "trade_debtors": int(turnover * rng.uniform(0.05, 0.25)),
        "current_liabilities": int(turnover * rng.uniform(0.08, 0.45)),
        "borrowings": int(turnover * rng.uniform(0, 0.5)),
        "equity": int(turnover * rng.uniform(-0.05, 0.6)),
    }
    answers: dict[str, Any] = {key: {"value": f"{value:,}"} for key, value in figures.items()}
    answers["period"] = {"text": f"Year to 31 March {rng.randint(2021, 2025)}"}
    return answers


def _swot_answers(rng: Any) -> dict[str, Any]:
    def lines(what: str) -> dict[str, Any]:
        return {"lines": [f"{what} {i}: noted with the owner" for i in range(rng.randint(2, 6))]}

    return {
        "strengths": lines("Strength"),
        "weaknesses": lines("Weakness"),
        "opportunities": lines("Opportunity"),
        "threats": lines("Threat"),
    }


def _pure(parameters: dict[str, Any]) -> dict[str, Any]:
    """The template functions alone, in microseconds per call."""
    import random

    from waypoint.delivery.diagnostic_definitions import (
        changes_since,
        clean_answers,
        compute_results,
        parse_definition,
        suggested_findings,
    )

    rng = random.Random(7)
    n = parameters["pure_iterations"]
    hc_data, fr_data = _definition_data(HEALTH_CHECK), _definition_data(FINANCIAL_RATIOS)
    hc, fr = parse_definition(hc_data), parse_definition(fr_data)
    hc_answers = _health_check_answers(rng, hc)
    fr_answers = _financial_answers(rng)

    def full(definition: Any, answers: dict[str, Any]) -> Any:
        def action() -> None:
            cleaned, errors = clean_answers(definition, answers, complete=True)
            if errors:
                raise RuntimeError(f"the generated answers have errors: {errors}")
            suggested_findings(definition, cleaned, compute_results(definition, cleaned))

        return action

    hc_clean, _ = clean_answers(hc, hc_answers, complete=True)
    hc_results = compute_results(hc, hc_clean)
    before_clean, _ = clean_answers(hc, _health_check_answers(rng, hc), complete=True)
    before_results = compute_results(hc, before_clean)
    fr_clean, _ = clean_answers(fr, fr_answers, complete=True)
    fr_results = compute_results(fr, fr_clean)
    return {
        "parse_definition_health_check": _timed_us(lambda: parse_definition(hc_data), n),
        "parse_definition_financial_ratios": _timed_us(lambda: parse_definition(fr_data), n),
        "clean_compute_suggest_health_check": _timed_us(full(hc, hc_answers), n),
        "clean_compute_suggest_financial_ratios": _timed_us(full(fr, fr_answers), n),
        "breakdown_health_check_us_p50": {
            "clean_answers": _timed_us(lambda: clean_answers(hc, hc_answers, complete=True), n)[
                "p50_us"
            ],
            "compute_results": _timed_us(lambda: compute_results(hc, hc_clean), n)["p50_us"],
            "suggested_findings": _timed_us(
                lambda: suggested_findings(hc, hc_clean, hc_results), n
            )["p50_us"],
        },
        "breakdown_financial_ratios_us_p50": {
            "clean_answers": _timed_us(lambda: clean_answers(fr, fr_answers, complete=True), n)[
                "p50_us"
            ],
            "compute_results": _timed_us(lambda: compute_results(fr, fr_clean), n)["p50_us"],
            "suggested_findings": _timed_us(
                lambda: suggested_findings(fr, fr_clean, fr_results), n
            )["p50_us"],
        },
        "changes_since_health_check": _timed_us(
            lambda: changes_since(hc, hc_clean, hc_results, before_clean, before_results), n
        ),
        "changes_since_health_check_count": len(
            changes_since(hc, hc_clean, hc_results, before_clean, before_results)
        ),
    }


def _variants(rng: Any, template: Any, make: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """VARIANTS (cleaned answers, results) pairs for a template, computed once."""
    from waypoint.delivery.diagnostic_definitions import (
        clean_answers,
        compute_results,
        parse_definition,
    )

    definition = parse_definition(template.definition)
    made = []
    for _ in range(VARIANTS):
        cleaned, errors = clean_answers(definition, make(definition), complete=True)
        if errors:
            raise RuntimeError(f"the generated {template.key} answers have errors: {errors}")
        made.append((cleaned, compute_results(definition, cleaned)))
    return made


def _generate(parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt
    import random

    from django.utils import timezone

    from waypoint.clients.models import Client
    from waypoint.delivery.models import Diagnostic, DiagnosticTemplate, Engagement

    rng = random.Random(11)
    provider = harness.make_provider(parameters["advisers"], dt.date(2021, 4, 1))
    hub, programme = provider["hub"], provider["programme"]
    manager, advisers = provider["manager"], provider["advisers"]
    templates = {
        key: DiagnosticTemplate.objects.get(organisation__isnull=True, key=key, is_active=True)
        for key in (HEALTH_CHECK, FINANCIAL_RATIOS, SWOT)
    }
    variants = {
        HEALTH_CHECK: _variants(
            rng, templates[HEALTH_CHECK], lambda d: _health_check_answers(rng, d)
        ),
        FINANCIAL_RATIOS: _variants(
            rng, templates[FINANCIAL_RATIOS], lambda d: _financial_answers(rng)
        ),
        SWOT: _variants(rng, templates[SWOT], lambda d: _swot_answers(rng)),
    }
    # Most diagnostics are health checks; some clients also get their figures or a SWOT.
    mix = [HEALTH_CHECK] * 6 + [FINANCIAL_RATIOS] * 3 + [SWOT]
    summaries = ["", "", "Agreed priorities: cash flow, then marketing.", "Reviewed progress."]
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=4 * 365)  # every engagement began before this
    total_clients, total = parameters["clients"], parameters["diagnostics"]
    # Client 0 has EARLIER + 1 health checks; the others share the rest as evenly as possible.
    rest = total - (EARLIER + 1)
    base, extra = divmod(rest, total_clients - 1)

    def diagnostics_of(index: int) -> int:
        return EARLIER + 1 if index == 0 else base + (1 if index - 1 < extra else 0)

    started = time.perf_counter()
    for first in range(0, total_clients, BATCH):
        batch = range(first, min(total_clients, first + BATCH))
        clients = [
            Client(
                organisation=hub,
                kind=Client.Kind.BUSINESS,
                name=harness.client_name(rng, i),
                registered_number=f"BD{i:08d}",
                sic_division="62",
                sic_section="J",
                postcode=f"NE{i % 60 + 1} {i % 9 + 1}AB",
                region="TLC",
                created_by=advisers[i % len(advisers)],
            )
            for i in batch
        ]
        Client.objects.bulk_create(clients)
        engagements = [
            Engagement(
                organisation=hub,
                client=client,
                programme=programme,
                lead_adviser=client.created_by,
                status=Engagement.Status.ACTIVE,
                enquiry_date=first_day - dt.timedelta(days=rng.randint(0, 60)),
            )
            for client in clients
        ]
        Engagement.objects.bulk_create(engagements)
        rows = []
        for i, engagement in zip(batch, engagements, strict=True):
            count = diagnostics_of(i)
            # Spread over the last four years, oldest first, a few months apart.
            days = sorted(rng.sample(range(1, 4 * 365 - 1), count), reverse=True)
            for j, ago in enumerate(days):
                key = HEALTH_CHECK if i == 0 else mix[(i + j) % len(mix)]
                answers, results = variants[key][rng.randrange(VARIANTS)]
                rows.append(
                    Diagnostic(
                        organisation=hub,
                        engagement=engagement,
                        template=templates[key],
                        status=Diagnostic.Status.COMPLETED,
                        answers=answers,
                        results=results,
                        summary=rng.choice(summaries),
                        completed_on=today - dt.timedelta(days=ago),
                        completed_by=engagement.lead_adviser,
                        created_by=engagement.lead_adviser,
                    )
                )
        for start in range(0, len(rows), BATCH):
            Diagnostic.objects.bulk_create(rows[start : start + BATCH])
    # Drafts to complete, one on each of engagements 1..complete_calls + 1 (one for warm-up).
    drafts = Engagement.objects.filter(organisation=hub).order_by("pk")[
        1 : parameters["complete_calls"] + 2
    ]
    Diagnostic.objects.bulk_create(
        Diagnostic(
            organisation=hub,
            engagement=engagement,
            template=templates[HEALTH_CHECK],
            answers=variants[HEALTH_CHECK][k % VARIANTS][0],
            created_by=engagement.lead_adviser,
        )
        for k, engagement in enumerate(drafts)
    )
    generate_seconds = round(time.perf_counter() - started, 1)
    harness.analyze()
    return {
        "hub": hub,
        "manager": manager,
        "adviser": advisers[0],
        "templates": templates,
        "variants": variants,
        "generate_seconds": generate_seconds,
    }


def _measure(parameters: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    from waypoint.clients.models import Client
    from waypoint.delivery.models import Diagnostic, Engagement
    from waypoint.delivery.selectors_diagnostics import (
        changes_from_previous,
        engagement_diagnostics,
        previous_diagnostic,
        templates_for,
    )

    completed = Diagnostic.objects.filter(status=Diagnostic.Status.COMPLETED)
    engagement = (
        Engagement.objects.select_related("client").filter(organisation=made["hub"]).earliest("pk")
    )
    latest = (
        completed.filter(engagement=engagement)
        .select_related("template", "engagement")
        .order_by("-completed_on", "-pk")
        .first()
    )
    if latest is None:
        raise RuntimeError("the measured client has no diagnostics")
    manager, adviser = made["manager"], made["adviser"]
    if engagement.lead_adviser_id != adviser.pk:
        raise RuntimeError("the measured engagement is not the adviser's")
    results: dict[str, Any] = {
        "generated": {
            "clients": Client.objects.count(),
            "engagements": Engagement.objects.count(),
            "completed_diagnostics": completed.count(),
            "drafts": Diagnostic.objects.filter(status=Diagnostic.Status.DRAFT).count(),
            "adviser_engagements": Engagement.objects.filter(lead_adviser=adviser).count(),
            "seconds": made["generate_seconds"],
        },
    }
    checks = {}
    for name, user in (("manager", manager), ("adviser", adviser)):
        previous, changes = changes_from_previous(diagnostic=latest, user=user)
        checks[name] = {
            "previous_found": previous is not None,
            "changes": len(changes),
            "engagement_diagnostics": len(engagement_diagnostics(engagement=engagement, user=user)),
            "templates": len(templates_for(user=user, engagement=engagement)),
        }
        if previous is None or checks[name]["engagement_diagnostics"] != EARLIER + 1:
            raise RuntimeError(f"unexpected data for the {name}: {checks[name]}")
    results["checks"] = checks

    iterations = parameters["iterations"]
    for name, user in (("manager", manager), ("adviser", adviser)):
        results[f"previous_diagnostic_{name}"] = _timed(
            lambda user=user: previous_diagnostic(diagnostic=latest, user=user), iterations
        )
        results[f"changes_from_previous_{name}"] = _timed(
            lambda user=user: changes_from_previous(diagnostic=latest, user=user), iterations
        )
        results[f"engagement_diagnostics_{name}"] = _timed(
            lambda user=user: list(engagement_diagnostics(engagement=engagement, user=user)),
            iterations,
        )
        results[f"templates_for_{name}"] = _timed(
            lambda user=user: list(templates_for(user=user, engagement=engagement)), iterations
        )
    results["diagnostic_complete"] = _complete(parameters, made)
    return results


def _complete(parameters: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    """diagnostic_complete through the service, one draft per call, as a view makes it: the
    diagnostic loaded on its own, the posted answers and a summary."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.core.audit import acting_as
    from waypoint.core.models import DomainEvent
    from waypoint.delivery.models import Diagnostic
    from waypoint.delivery.services.diagnostics import diagnostic_complete

    manager = made["manager"]
    raw = [
        {key: {k: str(v) for k, v in answer.items()} for key, answer in cleaned.items()}
        for cleaned, _ in made["variants"][HEALTH_CHECK]
    ]
    drafts = list(
        Diagnostic.objects.filter(status=Diagnostic.Status.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    events_before = DomainEvent.objects.filter(verb="diagnostic.completed").count()
    durations = []
    queries = 0
    with acting_as(manager):
        for k, pk in enumerate(drafts):
            diagnostic = Diagnostic.objects.get(pk=pk)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                diagnostic_complete(
                    diagnostic=diagnostic,
                    acting_user=manager,
                    answers=raw[k % len(raw)],
                    summary="Agreed priorities with the owner.",
                )
                elapsed = time.perf_counter() - started
            if k == 0:
                queries = len(captured.captured_queries)
                continue  # warm-up, not measured
            durations.append(elapsed)
    events = DomainEvent.objects.filter(verb="diagnostic.completed").count() - events_before
    if events != len(drafts) or Diagnostic.objects.filter(status=Diagnostic.Status.DRAFT).exists():
        raise RuntimeError("not every draft was completed with its event")
    timing = harness.summary(durations)
    timing["queries"] = queries
    return timing


def _child(parameters: dict[str, Any]) -> dict[str, Any]:
    harness.setup_django()
    from waypoint.core.audit import acting_as

    results: dict[str, Any] = {"pure_us": _pure(parameters)}
    migrate_seconds = harness.migrate()
    with acting_as(None):
        made = _generate(parameters)
    results.update(_measure(parameters, made))
    results["migrate_seconds"] = migrate_seconds
    return results


if __name__ == "__main__":
    harness.child_main("diagnostics", _child)
