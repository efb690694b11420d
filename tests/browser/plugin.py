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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = chromium_problem()
    for item in items:
        if not _is_browser_test(item.path):
            continue
        item.add_marker(pytest.mark.browser)
        # When the browser is required the ``browser`` fixture fails instead (see conftest).
        if problem is not None and browser_required() is None:
            item.add_marker(pytest.mark.skip(reason=problem))


def _browser_reports(stats: dict[str, list[object]]) -> list[pytest.TestReport]:
    reports = []
    for key in ("passed", "failed", "error", "skipped"):
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


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker: the controller prints the line
        return
    reports = _browser_reports(terminalreporter.stats)
    if not reports:
        return
    by_test: dict[str, set[str]] = {}
    skipped: dict[str, str] = {}
    for report in reports:
        outcomes = by_test.setdefault(report.nodeid, set())
        if report.skipped:
            skipped[report.nodeid] = _skip_reason(report)
        elif report.failed:
            outcomes.add("failed" if report.when == "call" else "error")
        elif report.when == "call":
            outcomes.add("passed")
    passed = sum(1 for o in by_test.values() if o == {"passed"})
    failed = sum(1 for o in by_test.values() if "failed" in o)
    errors = sum(1 for o in by_test.values() if "error" in o and "failed" not in o)
    ran = passed + failed
    if ran == 0 and errors == 0 and skipped:
        reasons = sorted(set(skipped.values()))
        line = f"Browser tests: SKIPPED — {'; '.join(reasons)}"
    elif ran == 0 and errors:
        line = f"Browser tests: NOT RUN — {errors} errors"
        problem = chromium_problem()
        if problem is not None:
            line += f": {problem} (required: {browser_required() or 'no'})"
    else:
        parts = [f"{passed} passed"]
        if failed:
            parts.append(f"{failed} failed")
        if errors:
            parts.append(f"{errors} errors")
        if skipped:
            parts.append(f"{len(skipped)} skipped")
        line = f"Browser tests: {ran} ran ({', '.join(parts)})"
    terminalreporter.write_line(line)
