"""What the benchmarks share: a fresh database and a child process to run against it.

Parent side:

- ``child_environment``: the environment of a Waypoint process with its own settings
  (``waypoint.settings.local``, DJANGO_DEBUG=false), database and var folder, without the
  caller's DJANGO_*, WAYPOINT_* and DATABASE_URL variables;
- ``throwaway_postgres``: a new, empty database on a loopback PostgreSQL server, and a function
  dropping it;
- ``run_in_child``: a temporary work folder and a database (SQLite in that folder, or a
  throwaway PostgreSQL database when ``database_url`` names a server), ``python <script> --child
  <json parameters>`` run against them with a timeout, its last stdout line read as JSON, and
  everything removed afterwards.

Child side: ``child_main`` (the ``--child`` entry point), ``setup_django``, ``migrate`` and the
timing helpers ``durations`` and ``summary``.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent


# The parent process ---------------------------------------------------------------------------


def child_environment(workdir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Waypoint process on ``database_url`` with ``workdir`` as its var
    folder; ``extra`` variables are added last."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WAYPOINT_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="waypoint.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url,
        WAYPOINT_VAR_DIR=str(workdir),
    )
    env.update(extra)
    return env


def sqlite_url(workdir: Path) -> str:
    """A database in ``workdir`` (an absolute path: sqlite:////...)."""
    return f"sqlite:///{workdir / 'bench.sqlite3'}"


def throwaway_postgres(database_url: str) -> tuple[str, Callable[[], None]]:
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


def run_in_child(
    script: str | Path, parameters: dict[str, Any], database_url: str, timeout: float
) -> dict[str, Any]:
    """Run ``python script --child <parameters as JSON>`` against a fresh database and return
    the JSON document it prints last, with ``database`` ("sqlite" or "postgresql") added.

    The database is SQLite in a temporary work folder when ``database_url`` is empty, else a
    throwaway database on that (loopback) PostgreSQL server; both are removed afterwards. The
    child gets ``workdir`` (the work folder) among its parameters; its stderr is passed on.
    """
    workdir = Path(tempfile.mkdtemp(prefix="waypoint-bench-"))
    dropper = None
    try:
        if database_url:
            url, dropper = throwaway_postgres(database_url)
            engine = "postgresql"
        else:
            url = sqlite_url(workdir)
            engine = "sqlite"
        env = child_environment(workdir, url, PYTHONPATH=str(PROJECT_DIR / "src"))
        arguments = {**parameters, "workdir": str(workdir)}
        completed = subprocess.run(
            [sys.executable, str(script), "--child", json.dumps(arguments)],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        sys.stderr.write(completed.stderr[-4000:])
        if completed.returncode != 0:
            raise RuntimeError(f"the benchmark process failed: {completed.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
        result["database"] = engine
        return result
    finally:
        if dropper is not None:
            dropper()
        shutil.rmtree(workdir, ignore_errors=True)


# The child process ----------------------------------------------------------------------------


def child_main(name: str, child: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The ``__main__`` of a benchmark module: with ``--child <json>``, print ``child``'s
    results as one JSON line; otherwise point at ``benchmarks/run.py name`` and exit 2."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2]))))
    else:
        print(f"Run through benchmarks/run.py {name}", file=sys.stderr)
        sys.exit(2)


def setup_django() -> None:
    import django

    django.setup()


def migrate() -> float:
    """Migrate the (empty) database; the seconds it took, to one decimal."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return round(time.perf_counter() - started, 1)


def durations(action: Callable[[], object], iterations: int) -> list[float]:
    """Seconds per call of ``action``, ``iterations`` times after one unmeasured warm-up."""
    action()  # warm-up, not measured
    measured = []
    for _ in range(iterations):
        started = time.perf_counter()
        action()
        measured.append(time.perf_counter() - started)
    return measured


def timed(action: Callable[[], object], iterations: int) -> dict[str, Any]:
    """Milliseconds per run of ``action`` (see ``durations`` and ``summary``)."""
    return summary(durations(action, iterations))


def _pick(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def summary(durations: list[float], scale: float = 1000, unit: str = "ms") -> dict[str, Any]:
    """p50/p95/max/mean of durations in seconds, in ``unit`` (``scale`` units per second)."""
    ordered = sorted(durations)
    return {
        "runs": len(ordered),
        f"p50_{unit}": round(_pick(ordered, 0.5) * scale, 2),
        f"p95_{unit}": round(_pick(ordered, 0.95) * scale, 2),
        f"max_{unit}": round(ordered[-1] * scale, 2),
        f"mean_{unit}": round(statistics.fmean(ordered) * scale, 2),
    }


# Generated data (in the child, inside ``acting_as(None)``) -----------------------------------

WORDS = ["Harbour", "Copper", "Tyne", "Willow", "Beacon", "Granite", "Lantern", "Quay"]
TRADES = ["Bakery", "Digital", "Builders", "Logistics", "Studios", "Care", "Makers"]


def client_name(rng: Any, index: int) -> str:
    """A generated business name ending in ``index`` (two draws from ``rng``)."""
    return f"{rng.choice(WORDS)} {rng.choice(TRADES)} {index}"


def make_provider(advisers: int, programme_start: Any) -> dict[str, Any]:
    """A provider ("Benchmark Hub") delivering a commissioner's programme starting on
    ``programme_start``, with a service manager and ``advisers`` advisers: a dict with ``hub``,
    ``programme``, ``manager`` and ``advisers`` (a list)."""
    from waypoint.core.models import Organisation, RoleAssignment, User
    from waypoint.core.roles import Role
    from waypoint.delivery.models import Programme

    hub = Organisation.objects.create(name="Benchmark Hub", kind=Organisation.Kind.PROVIDER)
    owner = Organisation.objects.create(
        name="Benchmark Authority", kind=Organisation.Kind.COMMISSIONER
    )
    programme = Programme.objects.create(
        organisation=owner, name="Benchmark Growth", start_date=programme_start
    )
    programme.delivering_organisations.set([hub])
    manager = User.objects.create(username="bench.manager", first_name="Bench")
    RoleAssignment.objects.create(user=manager, organisation=hub, role=Role.SERVICE_MANAGER)
    users = [
        User.objects.create(username=f"bench.adviser{i}", first_name=f"Adviser {i}")
        for i in range(advisers)
    ]
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, organisation=hub, role=Role.ADVISER) for user in users
    )
    return {"hub": hub, "programme": programme, "manager": manager, "advisers": users}


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or a routine ANALYZE would give.
    On PostgreSQL a VACUUM as well: after a bulk load autovacuum would otherwise visit the new
    tables while the timings run, and a run at a small scale (timed soon after its load) would
    pay for it where a large one (timed long after) does not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
