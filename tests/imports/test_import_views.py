"""The import pages: who may use them, and upload → preview → import → result."""

from __future__ import annotations

import os
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.imports.helpers import csv_file, xlsx_file
from tests.permissions import assert_audited, check_access
from waypoint.clients.models import Client
from waypoint.core.import_views import SALT, upload_folder
from waypoint.core.models import ImportJob
from waypoint.delivery.models import Interaction

HEADER = ["kind", "name", "postcode", "region"]
ROWS = [["business", "Acme Widgets Ltd", "NE1 4ST", "TLC"], ["business", "Blue Door", "", ""]]


def upload(client, kind, organisation, data, name="clients.csv", **extra):
    return client.post(
        reverse("imports:upload", args=[kind]),
        {"file": SimpleUploadedFile(name, data), "organisation": organisation.pk, **extra},
    )


@pytest.mark.parametrize("kind", ["clients", "people"])
def test_client_import_pages_are_for_those_who_may_add_clients(cast, kind) -> None:
    response = check_access(
        cast,
        reverse("imports:upload", args=[kind]),
        allowed=cast.alice,
        wrong_role=cast.carl,  # a contract manager adds no clients
        out_of_scope=None,
    )
    organisations = list(response.context["form"].fields["organisation"].queryset)
    assert organisations == [cast.hub]
    check_access(
        cast,
        reverse("imports:template", args=[kind]),
        allowed=cast.pat,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )


def test_the_contact_import_is_for_those_who_change_engagements(cast) -> None:
    check_access(
        cast,
        reverse("imports:upload", args=["contacts"]),
        allowed=cast.alice,
        wrong_role=cast.pat,  # provider staff see engagements but do not change them
        out_of_scope=None,
    )


def test_the_index_lists_the_imports_a_person_may_use(cast) -> None:
    response = check_access(
        cast, reverse("imports:index"), allowed=cast.pat, wrong_role=cast.carl, out_of_scope=None
    )
    assert [kind.kind for kind in response.context["kinds"]] == ["clients", "people"]


def test_an_unknown_kind_is_not_found(cast) -> None:
    assert cast.client(cast.mary).get("/imports/widgets/").status_code == 404


def test_the_template_holds_the_column_names(cast) -> None:
    response = cast.client(cast.mary).get(reverse("imports:template", args=["clients"]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("kind,name,trading_name,")


def test_upload_preview_import_and_result(cast, django_capture_on_commit_callbacks) -> None:
    browser = cast.client(cast.mary)
    response = upload(browser, "clients", cast.hub, xlsx_file(HEADER, ROWS), "clients.xlsx")
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:preview", args=["clients"])
    token = browser.session["waypoint-import:clients"]
    preview = browser.get(response["Location"])
    assert preview.status_code == 200
    assert preview.context["result"].valid_rows == 2
    assert b"Import 2 rows" in preview.content
    assert not Client.objects.exists()

    expected = [(ImportJob, "create"), (Client, "create"), (Client, "create")]
    with (
        assert_audited([*expected, (ImportJob, "update")]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        done = browser.post(reverse("imports:preview", args=["clients"]))
    assert done.status_code == 302
    job = ImportJob.objects.get()
    assert done["Location"] == reverse("imports:job", args=[job.pk])
    assert Client.objects.filter(organisation=cast.hub, created_by=cast.mary).count() == 2
    page = browser.get(done["Location"])
    assert b"2 clients imported into Enterprise Hub from clients.xlsx" in page.content
    assert reverse("clients:client-list").encode() in page.content
    # The waiting file is gone and cannot be imported twice.
    assert "waypoint-import:clients" not in browser.session
    assert not list(upload_folder().glob("*.upload")) or token not in browser.session.values()
    assert not (upload_folder() / job.file).exists()
    again = browser.post(reverse("imports:preview", args=["clients"]))
    assert again.status_code == 302 and Client.objects.count() == 2
    assert ImportJob.objects.count() == 1


def test_the_preview_shows_row_errors_and_offers_no_import(cast) -> None:
    browser = cast.client(cast.mary)
    rows = [*ROWS, ["business", "Bad Postcode", "NOPE", ""]]
    upload(browser, "clients", cast.hub, csv_file(HEADER, rows))
    preview = browser.get(reverse("imports:preview", args=["clients"]))
    assert b"data-import-errors" in preview.content
    assert b"<td>4</td><td><code>postcode</code></td>" in preview.content
    assert b"data-import-commit" not in preview.content
    errors = browser.get(reverse("imports:errors", args=["clients"]))
    assert errors.content.decode().splitlines()[1].startswith("4,postcode,")
    with assert_audited([]):
        refused = browser.post(reverse("imports:preview", args=["clients"]))
    assert refused.status_code == 302
    assert refused["Location"] == reverse("imports:preview", args=["clients"])
    assert not Client.objects.exists() and not ImportJob.objects.exists()


def test_wrong_headers_and_empty_files_are_explained_on_the_preview(cast) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, b"nom,colour\nx,y\n")
    preview = browser.get(reverse("imports:preview", args=["clients"]))
    assert b"Unknown columns: nom, colour. Missing required columns: kind, name." in (
        preview.content
    )
    upload(browser, "clients", cast.hub, b"kind,name\n")
    preview = browser.get(reverse("imports:preview", args=["clients"]))
    assert b"no rows to import" in preview.content


def test_an_organisation_outside_the_users_reach_is_refused(cast) -> None:
    browser = cast.client(cast.alice)
    response = upload(browser, "clients", cast.pathways, csv_file(HEADER, ROWS))
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors


def test_a_duplicate_choice_is_carried_to_the_import(cast, desk) -> None:
    browser = cast.client(cast.mary)
    rows = [["business", "Acme Widgets Ltd", "NE1 4ST", "TLC"]]  # desk's acme has that postcode
    upload(browser, "clients", cast.hub, csv_file(HEADER, rows), on_duplicate="skip")
    preview = browser.get(reverse("imports:preview", args=["clients"]))
    assert b"Likely duplicate of Acme Widgets Ltd." in preview.content
    assert b"they will be skipped" in preview.content


def test_contacts_through_the_pages(cast, desk, django_capture_on_commit_callbacks) -> None:
    browser = cast.client(cast.alice)
    header = ["client", "programme", "occurred_at", "mode", "place", "duration_minutes"]
    header += ["support_type", "summary"]
    row = ["Acme Widgets Ltd", "Northshire Growth", "2026-06-01 10:00", "phone", "online", "30"]
    row += ["advice", "Checked in."]
    upload(browser, "contacts", cast.hub, csv_file(header, [row]))
    browser.get(reverse("imports:preview", args=["contacts"]))
    expected = [(ImportJob, "create"), (Interaction, "create"), (ImportJob, "update")]
    with assert_audited(expected), django_capture_on_commit_callbacks(execute=True):
        done = browser.post(reverse("imports:preview", args=["contacts"]))
    assert done.status_code == 302
    assert desk.alice_engagement.interactions.filter(summary="Checked in.").exists()
    page = browser.get(done["Location"])
    assert b"1 contacts imported into Enterprise Hub" in page.content
    assert reverse("delivery:engagement-list").encode() in page.content


def test_a_file_being_imported_cannot_be_imported_again(cast) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, csv_file(HEADER, ROWS))
    browser.get(reverse("imports:preview", args=["clients"]))
    token = signing.loads(browser.session["waypoint-import:clients"], salt=SALT)
    waiting = upload_folder() / token["file"]
    claimed = waiting.rename(waiting.with_suffix(".job"))  # as if by another request
    response = browser.post(reverse("imports:preview", args=["clients"]))
    assert response.status_code == 302 and not Client.objects.exists()
    assert not ImportJob.objects.exists()
    claimed.unlink()


def test_uploads_never_imported_are_deleted_later(cast) -> None:
    old = upload_folder() / "forgotten-test.upload"
    old.write_bytes(b"kind,name\n")
    os.utime(old, (time.time() - 7 * 3600, time.time() - 7 * 3600))
    upload(cast.client(cast.mary), "clients", cast.hub, csv_file(HEADER, ROWS))
    assert not old.exists()


def test_the_import_runs_in_the_background_and_its_page_polls_until_done(
    cast, django_capture_on_commit_callbacks
) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, csv_file(HEADER, ROWS))
    browser.get(reverse("imports:preview", args=["clients"]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = browser.post(reverse("imports:preview", args=["clients"]))
    assert len(callbacks) == 1  # the task is queued once the job is saved
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and not Client.objects.exists()
    waiting = browser.get(started["Location"])
    status_url = reverse("imports:job-status", args=[job.pk])
    assert f'hx-get="{status_url}"'.encode() in waiting.content
    assert b'hx-trigger="every 2s"' in waiting.content
    assert b"data-import-refresh" in waiting.content  # without JavaScript: a link to reload
    assert b"2 rows to import" in waiting.content
    assert b"<script" not in waiting.content.split(b"<main", 1)[1]  # no inline script

    callbacks[0]()  # the worker runs the task
    fragment = browser.get(status_url)
    assert b'data-import-job-status="succeeded"' in fragment.content
    assert b"hx-trigger" not in fragment.content  # finished: the polling stops
    assert b"<html" not in fragment.content
    assert b"2 clients imported into Enterprise Hub" in fragment.content
    assert Client.objects.count() == 2
