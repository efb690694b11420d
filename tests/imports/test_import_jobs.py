"""Imports as background jobs: the task, its outcome and attribution, and who sees a job."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from tests.imports.helpers import csv_file
from tests.permissions import check_access
from waypoint.clients.importers import ClientImporter
from waypoint.clients.models import Client
from waypoint.core.audit import acting_as
from waypoint.core.importing import upload_folder
from waypoint.core.models import ImportJob, User
from waypoint.core.tasks import fail_stalled_jobs, run_import_job

HEADER = ["kind", "name", "registered_number", "postcode"]
GOOD = [["business", "Acme Widgets Ltd", "01234567", "NE1 4ST"], ["business", "Blue Door", "", ""]]


def make_job(cast, user: User, data: bytes, **fields) -> ImportJob:
    """A queued job whose file waits in the upload folder, as the preview's button leaves it."""
    name = f"{secrets.token_urlsafe(16)}.job"
    (upload_folder() / name).write_bytes(data)
    with acting_as(user):
        return ImportJob.objects.create(
            organisation=fields.pop("organisation", cast.hub),
            kind=fields.pop("kind", "clients"),
            created_by=user,
            file=name,
            file_name="clients.csv",
            total_rows=fields.pop("total_rows", 2),
            **fields,
        )


def test_the_task_records_counts_and_attributes_the_records_to_the_importer(cast) -> None:
    rows = [*GOOD, ["business", "Acme Widgets (again)", "01234567", ""]]  # a likely duplicate
    job = make_job(cast, cast.mary, csv_file(HEADER, rows), on_duplicate="skip")
    assert run_import_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.created_count, job.skipped_count, job.error_count) == (2, 1, 0)
    assert job.total_rows == 3 and job.started_at and job.finished_at and not job.failure
    assert Client.objects.filter(created_by=cast.mary).count() == 2
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Client))
    assert entries.count() == 2
    assert {entry.actor_id for entry in entries} == {cast.mary.pk}
    assert not (upload_folder() / job.file).exists()  # the file is cleaned up


def test_a_failing_row_set_writes_nothing_and_the_job_fails_with_its_errors(cast) -> None:
    rows = [*GOOD, ["business", "", "", "NOPE"]]
    job = make_job(cast, cast.mary, csv_file(HEADER, rows))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not Client.objects.exists()
    assert {(error["row"], error["column"]) for error in job.errors} == {
        (4, "name"),
        (4, "postcode"),
    }
    assert job.error_count == 2 and "nothing was imported" in job.failure
    assert not (upload_folder() / job.file).exists()
    page = cast.client(cast.mary).get(reverse("imports:job", args=[job.pk]))
    assert b"Nothing was imported." in page.content and b"data-import-errors" in page.content


def test_errors_kept_on_the_job_are_capped(cast, monkeypatch) -> None:
    monkeypatch.setattr(ImportJob, "MAX_ERRORS", 2)
    rows = [["business", "", "", ""]] * 3
    job = make_job(cast, cast.mary, csv_file(HEADER, rows))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert len(job.errors) == 2 and job.error_count == 3
    page = cast.client(cast.mary).get(reverse("imports:job", args=[job.pk]))
    assert b"and 1 more problems" in page.content


def test_a_job_never_stays_running_after_an_exception(cast, monkeypatch, caplog) -> None:
    def broken_save(self, objs) -> None:
        objs[0].save()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ClientImporter, "save", broken_save)
    job = make_job(cast, cast.mary, csv_file(HEADER, GOOD))
    assert run_import_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at
    assert "RuntimeError" in job.failure and "nothing was imported" in job.failure
    assert not Client.objects.exists()  # the row saved before the exception is rolled back
    assert not (upload_folder() / job.file).exists()
    assert "Import job" in caplog.text and "disk on fire" in caplog.text


def test_a_job_is_run_once(cast) -> None:
    job = make_job(cast, cast.mary, csv_file(HEADER, GOOD))
    run_import_job(job.pk)
    assert run_import_job(job.pk) == "not queued"  # delivered twice: left alone
    assert Client.objects.count() == 2


def test_a_missing_file_fails_the_job(cast) -> None:
    job = make_job(cast, cast.mary, csv_file(HEADER, GOOD))
    (upload_folder() / job.file).unlink()
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "no longer there" in job.failure


def test_a_stalled_job_is_marked_failed(cast) -> None:
    job = make_job(cast, cast.mary, csv_file(HEADER, GOOD))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now() - dt.timedelta(hours=1)
    )
    fail_stalled_jobs()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "took too long" in job.failure
    (upload_folder() / job.file).unlink()


@pytest.mark.parametrize("name", ["imports:job", "imports:job-status"])
def test_a_job_is_seen_by_its_importer_and_the_organisations_managers(cast, name) -> None:
    job = make_job(cast, cast.alice, csv_file(HEADER, GOOD))
    url = reverse(name, args=[job.pk])
    response = check_access(cast, url, allowed=cast.alice, wrong_role=None, out_of_scope=cast.pat)
    assert b'hx-trigger="every 2s"' in response.content
    for manager in (cast.mary, cast.ada):
        check_access(cast, url, allowed=manager, wrong_role=None, out_of_scope=cast.carl)
    # Another organisation's manager does not see it; nor does a colleague without the role.
    mary_job = make_job(cast, cast.mary, csv_file(HEADER, GOOD))
    assert cast.client(cast.alice).get(reverse(name, args=[mary_job.pk])).status_code == 404
    for job_ in (job, mary_job):
        (upload_folder() / job_.file).unlink()


def test_the_index_lists_recent_imports_the_person_may_see(cast) -> None:
    job = make_job(cast, cast.alice, csv_file(HEADER, GOOD))
    run_import_job(job.pk)
    mine = cast.client(cast.alice).get(reverse("imports:index"))
    assert reverse("imports:job", args=[job.pk]).encode() in mine.content
    assert b"Recent imports" in mine.content
    managers = cast.client(cast.mary).get(reverse("imports:index"))
    assert list(managers.context["jobs"]) == [job]
    assert managers.context["jobs"][0].kind_label == "clients"
    others = cast.client(cast.pat).get(reverse("imports:index"))
    assert list(others.context["jobs"]) == []
