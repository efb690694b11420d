"""The Swagger UI page works in a real browser under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

# Swagger UI draws a long list of operations lazily (from 150 tags and operations): only those
# near the window are in the page, so each one is found by scrolling to it.
SHOWN_OPERATIONS = "[...document.querySelectorAll('.opblock[id^=\"operations-\"]')].map(e => e.id)"
# True once the operations that belong in the window have been drawn after a scroll.
DRAWN = """() => {
  const list = document.querySelector('.operations-virtual__list');
  if (list === null) return true;
  const box = list.getBoundingClientRect();
  const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
  if (bottom <= top) return true;
  return [...list.children].some(item => {
    const r = item.getBoundingClientRect();
    return r.bottom > top && r.top < bottom;
  });
}"""
AT_END = "window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 1"


def scroll_through_operations(page: Page, until: str | None = None) -> set[str]:
    """The ids of the operations drawn while scrolling from the top down, stopping at the end
    of the page or once the operation with the id ``until`` is drawn."""
    seen: set[str] = set()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function(DRAWN)
    while True:
        seen.update(page.evaluate(SHOWN_OPERATIONS))
        if until is not None and until in seen:
            return seen
        if page.evaluate(AT_END):
            # The list may still be drawing its last items after the final scroll: look again
            # until two looks in a row find nothing new (bounded, a quarter second apart).
            quiet = 0
            for _ in range(20):
                page.wait_for_timeout(250)
                before = len(seen)
                seen.update(page.evaluate(SHOWN_OPERATIONS))
                quiet = quiet + 1 if len(seen) == before else 0
                if quiet == 2:
                    break
            return seen
        page.evaluate("window.scrollBy(0, Math.floor(window.innerHeight / 2))")
        page.wait_for_function(DRAWN)


@pytest.mark.django_db(transaction=True)
def test_docs_render_and_try_it_out_without_csp_violations(live_server, browser):
    # Its own context, not the shared ``page`` fixture: the 400 answered below is logged by
    # the browser as a failed load, which that fixture would count as a page error.
    problems: list[str] = []
    requested: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.url}/api/v1/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)
        schema = context.request.get(f"{live_server.url}/api/v1/schema/?format=json").json()
        expected = {
            f"operations-{operation['tags'][0]}-{operation['operationId']}"
            for methods in schema["paths"].values()
            for operation in methods.values()
        }
        shown = scroll_through_operations(page)

        # Try the token endpoint from the page: Swagger UI's own scripts must run.
        scroll_through_operations(page, until="operations-auth-auth_token_create")
        page.locator("#operations-auth-auth_token_create .opblock-summary").click()
        page.get_by_role("button", name="Try it out").click()
        page.locator("textarea.body-param__text").fill('{"username": "x", "password": "y"}')
        page.get_by_role("button", name="Execute").click()
        status = page.locator(".live-responses-table .response .response-col_status").first
        status.wait_for(timeout=20_000)
        answered = status.inner_text().strip()
    finally:
        context.close()

    # Every operation of the schema can be reached on the page.
    assert len(expected) >= 10
    assert shown == expected, (expected - shown, shown - expected)
    assert answered.startswith("400")
    # The one expected error is the 400 answer itself, logged as a failed resource load.
    assert [p for p in problems if "status of 400" not in p] == []
    assert all(url.startswith(live_server.url) for url in requested), requested
