"""The Swagger UI page works in a real browser under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest


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
        operations = page.locator(".opblock").count()

        # Try the token endpoint from the page: Swagger UI's own scripts must run.
        page.locator("#operations-auth-auth_token_create .opblock-summary").click()
        page.get_by_role("button", name="Try it out").click()
        page.locator("textarea.body-param__text").fill('{"username": "x", "password": "y"}')
        page.get_by_role("button", name="Execute").click()
        status = page.locator(".live-responses-table .response .response-col_status").first
        status.wait_for(timeout=20_000)
        answered = status.inner_text().strip()
    finally:
        context.close()

    assert operations >= 10
    assert answered.startswith("400")
    # The one expected error is the 400 answer itself, logged as a failed resource load.
    assert [p for p in problems if "status of 400" not in p] == []
    assert all(url.startswith(live_server.url) for url in requested), requested
