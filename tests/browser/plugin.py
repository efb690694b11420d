"""Pytest hooks for the browser tests: the ``browser`` marker, the skip rule and the summary line.

The browser tests run when Chromium is installed. Without it they are skipped, and the summary
says so plainly, unless the run must include them (``CI=true`` or ``WAYPOINT_REQUIRE_BROWSER=1``):
then every browser test errors instead, so that CI can never pass without them.

``tests/browser/conftest.py`` registers this module. Under pytest-xdist the controller process
collects nothing, so it only loads that conftest when ``tests/browser`` is named on the command
line; ``pytest_plugins = ["tests.browser.plugin"]`` in ``tests/conftest.py`` registers it for
every run (registration is idempotent: the module is registered once under its import name).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_MISSING = "Chromium is not installed (apt-get install --no-install-recommends chromium)"


def chromium_path() -> Path:
    """Debian's Chromium; WAYPOINT_CHROMIUM points elsewhere (used to test the skip path)."""
    return Path(os.environ.get("WAYPOINT_CHROMIUM") or "/usr/bin/chromium")


def browser_required() -> str | None:
    """Why the browser tests may not be skipped here, or None when they may be."""
    if os.environ.get("CI", "").strip().lower() == "true":
        return "CI=true"
    if os.environ.get("WAYPOINT_REQUIRE_BROWSER", "").strip() == "1":
        return "WAYPOINT_REQUIRE_BROWSER=1"
    return None


def chromium_problem() -> str | None:
    """What stops the browser tests from running, or None when Chromium is there."""
    path = chromium_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        if path == Path("/usr/bin/chromium"):
            return CHROMIUM_MISSING
        return f"{CHROMIUM_MISSING}; looked for {path} (WAYPOINT_CHROMIUM)"
    return None


def _is_browser_test(path: Path) -> bool:
    return path.resolve().is_relative_to(BROWSER_DIR)


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = chromium_problem()
    for item in items:
        if _is_browser_test(item.path):
            item.add_marker(pytest.mark.browser)
        elif item.get_closest_marker("browser") is None:
            continue
        # When the browser is required the ``browser`` fixture fails instead (see conftest).
        if problem is not None and browser_required() is None:
            item.add_marker(pytest.mark.skip(reason=problem))


def _browser_reports(stats: dict[str, list[object]]) -> list[pytest.TestReport]:
    reports = []
    for key in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
        for report in stats.get(key, []):
            if not isinstance(report, pytest.TestReport):
                continue
            # Under xdist the controller gets serialised reports: the nodeid (relative to the
            # rootdir) and keywords, which include the marker names, survive the trip.
            nodeid = report.nodeid.replace("\\", "/")
            if nodeid.startswith("tests/browser/") or "browser" in report.keywords:
                reports.append(report)
    return reports


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def summary_line(reports: list[pytest.TestReport]) -> str | None:
    """One plain line: how many browser tests ran and how they ended, or why none ran."""
    if not reports:
        return None
    outcome: dict[str, str] = {}  # nodeid -> outcome of the test itself (its call phase)
    errors: set[str] = set()  # setup or teardown failed
    skipped: dict[str, str] = {}
    for report in reports:
        xfail = hasattr(report, "wasxfail")
        if report.when == "call":
            if xfail and report.skipped:
                outcome[report.nodeid] = "xfailed"
            elif xfail and report.passed:
                outcome[report.nodeid] = "xpassed"
            else:
                outcome[report.nodeid] = report.outcome
        elif report.failed:
            errors.add(report.nodeid)
        elif report.skipped and not xfail:
            skipped[report.nodeid] = _skip_reason(report)
    ran = len(outcome)
    if ran == 0 and not errors:
        return f"Browser tests: SKIPPED — {'; '.join(sorted(set(skipped.values())))}"
    if ran == 0:
        line = f"Browser tests: NOT RUN — {len(errors)} errors"
        problem = chromium_problem()
        if problem is not None:
            line += f": {problem} (required: {browser_required() or 'no'})"
        return line
    counts = [f"{sum(1 for o in outcome.values() if o == 'passed')} passed"]
    for name in ("failed", "xfailed", "xpassed"):
        number = sum(1 for o in outcome.values() if o == name)
        if number:
            counts.append(f"{number} {name}")
    if errors:
        counts.append(f"{len(errors)} errors")
    if skipped:
        counts.append(f"{len(skipped)} skipped")
    return f"Browser tests: {ran} ran ({', '.join(counts)})"


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the short test summary
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> Generator[None]:
    result = yield
    if not hasattr(config, "workerinput"):  # an xdist worker: the controller prints the line
        line = summary_line(_browser_reports(terminalreporter.stats))
        if line is not None:
            terminalreporter.write_line(line)
    return result
