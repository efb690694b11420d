"""Browser tests: Debian's Chromium driven by Playwright (sync API) against ``live_server``.

Never ``playwright install``: only Debian's Chromium is used (WAYPOINT_CHROMIUM overrides the
path, which is how the skip path is tested). See ``plugin.py`` for the skip rule and the summary.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API keeps an asyncio event loop in this thread, so Django would refuse ORM
# calls made here (factories, assertions on the database) with SynchronousOnlyOperation. The
# tests are ordinary synchronous code; nothing runs concurrently with the ORM in this thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


def pytest_configure(config: pytest.Config) -> None:
    # Idempotent: a no-op when tests/conftest.py already lists it in pytest_plugins.
    config.pluginmanager.import_plugin("tests.browser.plugin")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test process (per xdist worker)."""
    from tests.browser import plugin  # registered by pytest_configure above, then imported

    problem = plugin.chromium_problem()
    if problem is not None:
        required = plugin.browser_required()
        if required is not None:
            pytest.fail(f"{problem}. The browser tests must run here ({required}).", pytrace=False)
        pytest.skip(problem)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(plugin.chromium_path()), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test, its base URL the live server.

    The test fails if the page logs a JavaScript error or a Content-Security-Policy violation.
    """
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    problems: list[str] = []
    new_page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    new_page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        yield new_page
    finally:
        context.close()
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)
