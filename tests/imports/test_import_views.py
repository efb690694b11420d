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


def test_upload_preview_import_and_result(cast) -> None:
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

    with assert_audited([(Client, "create"), (Client, "create")]):
        done = browser.post(reverse("imports:preview", args=["clients"]))
    assert done.status_code == 302
    assert Client.objects.filter(organisation=cast.hub, created_by=cast.mary).count() == 2
    page = browser.get(done["Location"])
    assert b"2 clients imported into Enterprise Hub from clients.xlsx" in page.content
    # The waiting file is gone and cannot be imported twice.
    assert "waypoint-import:clients" not in browser.session
    assert not list(upload_folder().glob("*.upload")) or token not in browser.session.values()
    again = browser.post(reverse("imports:preview", args=["clients"]))
    assert again.status_code == 302 and Client.objects.count() == 2


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
    assert refused.status_code == 200 and not Client.objects.exists()


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


def test_contacts_through_the_pages(cast, desk) -> None:
    browser = cast.client(cast.alice)
    header = ["client", "programme", "occurred_at", "mode", "place", "duration_minutes"]
    header += ["support_type", "summary"]
    row = ["Acme Widgets Ltd", "Northshire Growth", "2026-06-01 10:00", "phone", "online", "30"]
    row += ["advice", "Checked in."]
    upload(browser, "contacts", cast.hub, csv_file(header, [row]))
    with assert_audited([(Interaction, "create")]):
        done = browser.post(reverse("imports:preview", args=["contacts"]))
    assert done.status_code == 302
    assert desk.alice_engagement.interactions.filter(summary="Checked in.").exists()


def test_a_file_being_imported_cannot_be_imported_again(cast) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, csv_file(HEADER, ROWS))
    token = signing.loads(browser.session["waypoint-import:clients"], salt=SALT)
    waiting = upload_folder() / token["file"]
    claimed = waiting.rename(waiting.with_suffix(".importing"))  # as if by another request
    response = browser.post(reverse("imports:preview", args=["clients"]))
    assert response.status_code == 302 and not Client.objects.exists()
    claimed.unlink()


def test_uploads_never_imported_are_deleted_later(cast) -> None:
    old = upload_folder() / "forgotten-test.upload"
    old.write_bytes(b"kind,name\n")
    os.utime(old, (time.time() - 7 * 3600, time.time() - 7 * 3600))
    upload(cast.client(cast.mary), "clients", cast.hub, csv_file(HEADER, ROWS))
    assert not old.exists()


def test_the_importing_step_shows_progress_and_posts_the_import(cast) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, csv_file(HEADER, ROWS))
    preview = browser.get(reverse("imports:preview", args=["clients"]))
    assert reverse("imports:importing", args=["clients"]).encode() in preview.content
    running = browser.get(reverse("imports:importing", args=["clients"]))
    assert b"<progress" in running.content and b'hx-trigger="load"' in running.content
    assert b"<noscript>" in running.content  # the import works without JavaScript too
    with assert_audited([(Client, "create"), (Client, "create")]):
        done = browser.post(reverse("imports:preview", args=["clients"]), HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Redirect"] == reverse("imports:done", args=["clients"])


def test_a_failed_import_on_the_importing_step_says_nothing_was_imported(cast) -> None:
    browser = cast.client(cast.mary)
    upload(browser, "clients", cast.hub, csv_file(HEADER, [["business", "", "", ""]]))
    failed = browser.post(reverse("imports:preview", args=["clients"]), HTTP_HX_REQUEST="true")
    assert b"Nothing was imported." in failed.content and not Client.objects.exists()
