"""Importing a file in Chromium: upload, preview, the background job's page (polling with htmx
until the task has run), the recent imports; axe on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, log_in
from tests.conftest import Cast
from tests.imports.helpers import csv_file
from waypoint.clients.models import Client
from waypoint.core import import_views
from waypoint.core.models import ImportJob
from waypoint.core.tasks import run_import_job

HEADER = ["kind", "name", "postcode"]
ROWS = [["business", "Harbour Coffee Roasters", "NE1 4ST"], ["business", "Blue Door", ""]]


def _upload_and_preview(page: Page) -> None:
    page.goto(reverse("imports:upload", args=["clients"]))
    check_page(page, "import-upload")
    page.locator("#id_file").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv_file(HEADER, ROWS)}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview: import clients")
    check_page(page, "import-preview")


def test_an_import_runs_and_its_result_is_shown(page: Page, cast: Cast) -> None:
    log_in(page, cast.mary.username)
    _upload_and_preview(page)
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of clients")
    expect(page.locator("[data-import-done]")).to_contain_text("2 clients imported")
    check_page(page, "import-job-done")
    assert Client.objects.filter(created_by=cast.mary).count() == 2

    page.get_by_role("link", name="All imports").click()
    expect(page.locator("[data-import-jobs]")).to_contain_text("clients.csv")
    check_page(page, "import-index")


def test_the_job_page_follows_the_import_until_it_is_done(
    page: Page, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_views, "start_import_job", lambda job: None)  # no worker yet
    log_in(page, cast.mary.username)
    _upload_and_preview(page)
    page.get_by_role("button", name="Import 2 rows").click()
    status = page.locator("#import-job-status")
    expect(status).to_have_attribute("data-import-job-status", "queued")
    expect(status).to_contain_text("2 rows to import")
    check_page(page, "import-job-queued")

    run_import_job(ImportJob.objects.get().pk)  # the worker picks the job up
    expect(status).to_have_attribute("data-import-job-status", "succeeded", timeout=10_000)
    expect(page.locator("[data-import-done]")).to_contain_text("2 clients imported")
    assert Client.objects.count() == 2
