import pytest
from playwright.sync_api import sync_playwright

@pytest.mark.django_db(transaction=True)
def test_docs_browser(live_server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        messages, requests = [], []
        page.on("console", lambda m: messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(live_server.url + "/api/v1/docs/")
        page.wait_for_selector(".opblock", timeout=15000)
        page.locator(".opblock-summary").first.click()
        page.get_by_role("button", name="Try it out").click()
        page.locator("textarea.body-param__text").fill('{"username": "nobody", "password": "x"}')
        page.get_by_role("button", name="Execute").click()
        page.wait_for_selector(".live-responses-table", timeout=15000)
        print(page.locator(".live-responses-table .response-col_status").first.inner_text())
        page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body{margin:5px}</style>')")
        page.wait_for_timeout(500)
        print(messages)
        print(sorted(set(requests)))
        browser.close()
