"""Sign-in and home page latency through gunicorn, on a fresh SQLite database.

Starts gunicorn on 127.0.0.1 (a free port) against a new database in a temporary folder,
migrated and holding one adviser, then measures, one request after another:

- ``login``: a complete sign-in with a fresh cookie jar: GET the sign-in page (CSRF cookie and
  token), POST the credentials, follow the redirect to the home page;
- ``home``: GET the home page in one signed-in session.

Settings: ``waypoint.settings.local`` with DJANGO_DEBUG=false. Not the production settings:
they mark the session and CSRF cookies Secure, and a client speaking plain HTTP on loopback
would never send them back, so no sign-in could succeed. The password hasher is Argon2 (as in
production), which dominates the sign-in time; the results say how long one Argon2 check takes
on this machine.

Standard library only on the client side (urllib, http.cookiejar); every loop is bounded, only
127.0.0.1 is contacted, and gunicorn is always stopped, also when something fails.
"""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import harness

DESCRIPTION = (
    "sign-in (GET form, POST, follow to home) and signed-in home page latency through "
    "gunicorn on a fresh SQLite database"
)
PARAMETERS: dict[str, tuple[Any, str]] = {
    "iterations": (50, "sign-ins measured, and home page requests measured (1-10000)"),
    "warmup": (3, "sign-ins and home page requests made first and not measured (0-100)"),
    "workers": (1, "gunicorn sync workers (1-16); the client is sequential"),
}

HOST = "127.0.0.1"
USERNAME = "bench.adviser"
PASSWORD = "benchmark-password-not-secret"  # noqa: S105 (a throwaway database)
FIRST_NAME = "Bench"
START_TIMEOUT = 60.0  # seconds for gunicorn to answer
REQUEST_TIMEOUT = 30.0
COMMAND_TIMEOUT = 600.0

CREATE_USER = """
from waypoint.core.audit import acting_as
from waypoint.core.models import Organisation, RoleAssignment, User
from waypoint.core.roles import Role
import os
with acting_as(None):
    hub = Organisation.objects.create(name="Benchmark Hub", kind=Organisation.Kind.PROVIDER)
    user = User(username=os.environ["BENCH_USERNAME"], first_name=os.environ["BENCH_FIRST_NAME"],
                last_name="Adviser", email="bench@example.org", home_organisation=hub)
    user.set_password(os.environ["BENCH_PASSWORD"])
    user.save()
    RoleAssignment.objects.create(user=user, organisation=hub, role=Role.ADVISER)
"""

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def _bin(name: str) -> str:
    """An executable of the virtualenv that runs this script, else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (make install)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _environment(workdir: Path) -> dict[str, str]:
    return harness.child_environment(
        workdir,
        harness.sqlite_url(workdir),
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        BENCH_USERNAME=USERNAME,
        BENCH_PASSWORD=PASSWORD,
        BENCH_FIRST_NAME=FIRST_NAME,
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:2])} failed ({result.returncode}):\n{result.stderr[-2000:]}"
        )


class _LoopbackOnly(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urllib.parse.urlsplit(newurl).hostname != HOST:
            raise urllib.error.HTTPError(newurl, code, "redirect away from loopback", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _client(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    """A client with its own cookie jar; no proxy (http_proxy must not see loopback traffic)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _LoopbackOnly(),
        urllib.request.HTTPCookieProcessor(jar if jar is not None else http.cookiejar.CookieJar()),
    )


def _get(client: urllib.request.OpenerDirector, url: str) -> tuple[str, str]:
    with client.open(url, timeout=REQUEST_TIMEOUT) as response:
        return response.geturl(), response.read().decode()


@contextmanager
def _gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://{HOST}:{port}"
    command = [
        _bin("gunicorn"),
        "waypoint.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{_tail(log)}")
            try:
                _get(_client(), f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not answer within {START_TIMEOUT:.0f}s:\n{_tail(log)}"
                    ) from None
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # graceful: workers finish and exit
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _tail(log: Path) -> str:
    try:
        return log.read_text()[-2000:]
    except OSError:
        return "(no log)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # the caller follows it, to time the POST and the next page apart


def _sign_in(
    base: str, phases: dict[str, list[float]] | None = None
) -> urllib.request.OpenerDirector:
    """A complete sign-in with a new cookie jar; fails unless it lands on the home page."""
    jar = http.cookiejar.CookieJar()
    client = _client(jar)
    poster = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect(), urllib.request.HTTPCookieProcessor(jar)
    )
    started = time.perf_counter()
    _, form = _get(client, f"{base}/accounts/login/")
    got_form = time.perf_counter()
    match = _CSRF_FIELD.search(form)
    if match is None:
        raise RuntimeError("The sign-in page has no CSRF token field.")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": USERNAME, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data, method="POST")
    try:
        with poster.open(request, timeout=REQUEST_TIMEOUT) as response:
            raise RuntimeError(f"Sign-in answered {response.status}, not a redirect to home.")
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise
        location = urllib.parse.urljoin(f"{base}/accounts/login/", answer.headers["Location"])
    posted = time.perf_counter()
    _check_home(base, *_get(client, location))
    if phases is not None:
        finished = time.perf_counter()
        phases["get_form"].append((got_form - started) * 1000)
        phases["post_credentials"].append((posted - got_form) * 1000)
        phases["get_home"].append((finished - posted) * 1000)
    return client


def _check_home(base: str, url: str, body: str) -> None:
    if url != f"{base}/" or f"Hello, {FIRST_NAME}" not in body:
        raise RuntimeError(f"Expected the signed-in home page, got {url}")


def _timed(action: Callable[[], object], count: int) -> tuple[list[float], float]:
    """Run ``action`` ``count`` times; each duration in ms, and the total in seconds."""
    durations = []
    started = time.perf_counter()
    for _ in range(count):
        before = time.perf_counter()
        action()
        durations.append((time.perf_counter() - before) * 1000)
    return durations, time.perf_counter() - started


def _percentile(ordered: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (as numpy's default)."""
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(durations: list[float], total_seconds: float, requests_each: int) -> dict[str, Any]:
    ordered = sorted(durations)
    return {
        "count": len(ordered),
        "p50_ms": round(_percentile(ordered, 0.50), 2),
        "p95_ms": round(_percentile(ordered, 0.95), 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "max_ms": round(ordered[-1], 2),
        "min_ms": round(ordered[0], 2),
        "per_second": round(len(ordered) / total_seconds, 2),
        "http_requests_per_second": round(len(ordered) * requests_each / total_seconds, 2),
    }


def argon2_check_ms(samples: int = 10) -> dict[str, Any]:
    """How long Django's Argon2 hasher takes to check one password in this process.

    The minimum is the least disturbed by other work on the machine; parallelism 8 on a
    machine with fewer cores makes the check sensitive to load.
    """
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    durations, _ = _timed(lambda: hasher.verify(PASSWORD, encoded), samples)
    return {
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "time_cost": hasher.time_cost,
        "memory_cost_kib": hasher.memory_cost,
        "parallelism": hasher.parallelism,
        "check_min_ms": round(min(durations), 2),
        "check_p50_ms": round(statistics.median(durations), 2),
    }


def run(iterations: int = 50, warmup: int = 3, workers: int = 1) -> dict[str, Any]:
    if not 1 <= iterations <= 10_000:
        raise ValueError("iterations must be between 1 and 10000")
    if not 0 <= warmup <= 100:
        raise ValueError("warmup must be between 0 and 100")
    if not 1 <= workers <= 16:
        raise ValueError("workers must be between 1 and 16")
    workdir = Path(tempfile.mkdtemp(prefix="waypoint-bench-"))
    try:
        env = _environment(workdir)
        waypoint = _bin("waypoint")
        print("  migrating a fresh SQLite database", file=sys.stderr)
        _run([waypoint, "migrate", "--noinput"], env)
        _run([waypoint, "shell", "-c", CREATE_USER], env)
        print(f"  starting gunicorn ({workers} worker(s))", file=sys.stderr)
        with _gunicorn(env, workers, workdir / "gunicorn.log") as base:
            for _ in range(warmup):
                _check_home(base, *_get(_sign_in(base), f"{base}/"))
            print(f"  {iterations} sign-ins", file=sys.stderr)
            phases: dict[str, list[float]] = {
                "get_form": [],
                "post_credentials": [],
                "get_home": [],
            }
            logins, login_total = _timed(lambda: _sign_in(base, phases), iterations)
            session = _sign_in(base)

            def home() -> None:
                _check_home(base, *_get(session, f"{base}/"))

            print(f"  {iterations} home pages", file=sys.stderr)
            homes, home_total = _timed(home, iterations)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    argon2 = argon2_check_ms()
    login = summarise(logins, login_total, requests_each=3)
    login["phases_p50_ms"] = {
        name: round(statistics.median(values), 2) for name, values in phases.items()
    }
    return {
        "login": login,
        "home": summarise(homes, home_total, requests_each=1),
        "password_hasher": argon2,
        "post_credentials_share_of_login_p50": round(
            login["phases_p50_ms"]["post_credentials"] / login["p50_ms"], 2
        ),
        "settings": "waypoint.settings.local, DJANGO_DEBUG=false, SQLite",
        "server": f"gunicorn, {workers} sync worker(s), 127.0.0.1",
        "notes": [
            "login = GET sign-in page + POST credentials + GET home (3 HTTP requests) with a "
            "fresh cookie jar; per_second is sign-ins per second.",
            "The POST checks the password with Argon2 (argon2-cffi, Django's parameters), "
            "which dominates the sign-in time (see phases_p50_ms); password_hasher gives one "
            "check timed in the benchmark process, for comparison.",
            "Local settings, not production: production marks cookies Secure, which a plain "
            "HTTP client on loopback would not send back.",
        ],
    }
