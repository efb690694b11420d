"""Background tasks (django-q2): importing a previewed file.

``start_import_job`` queues ``run_import_job`` once the job's row is committed. In production a
separate ``waypoint qcluster`` process runs the tasks; locally and in the tests they run
synchronously (``Q_CLUSTER["sync"]``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from waypoint.core.audit import acting_as
from waypoint.core.importing import importers, upload_folder
from waypoint.core.models import ImportJob

logger = logging.getLogger(__name__)


def start_import_job(job: ImportJob) -> None:
    """Queue the job's task when the transaction that created the job commits."""
    job_id = job.pk
    transaction.on_commit(
        lambda: async_task(
            "waypoint.core.tasks.run_import_job", job_id, task_name=f"import-job-{job_id}"
        )
    )


def run_import_job(job_id: int) -> str:
    """Commit the job's file, all rows or none, as the person who started it.

    The job ends succeeded or failed, never running; the file is deleted either way. A job
    that is no longer queued (a task delivered twice) is left alone.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.warning("Import job %s is not queued; not run again.", job_id)
        return "not queued"
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_id)
    path = upload_folder() / job.file
    try:
        with acting_as(job.created_by):
            try:
                _run(job, path)
            except Exception as error:
                logger.exception("Import job %s failed", job.pk)
                _finish(
                    job,
                    ImportJob.Status.FAILED,
                    failure=f"The import stopped unexpectedly ({type(error).__name__}); "
                    "nothing was imported.",
                )
    finally:
        path.unlink(missing_ok=True)
        # The last resort, should recording the outcome fail too: never left running.
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.FAILED,
            failure="The import stopped unexpectedly; nothing was imported.",
            finished_at=timezone.now(),
        )
    return str(job.status)


def fail_stalled_jobs() -> None:
    """Mark failed the jobs running longer than a task may (the worker was stopped)."""
    timeout: Any = settings.Q_CLUSTER.get("timeout") or 300
    limit = timezone.now() - dt.timedelta(seconds=int(timeout) + 60)
    ImportJob.objects.filter(status=ImportJob.Status.RUNNING, started_at__lt=limit).update(
        status=ImportJob.Status.FAILED,
        failure="The import took too long and was stopped; nothing was imported. Split the "
        "file into smaller files.",
        finished_at=timezone.now(),
    )


def _run(job: ImportJob, path: Any) -> None:
    importer_class = importers().get(job.kind)
    if importer_class is None:
        _finish(job, ImportJob.Status.FAILED, failure=f"No import of the kind {job.kind!r}.")
        return
    if not path.exists():
        _finish(
            job,
            ImportJob.Status.FAILED,
            failure="The uploaded file is no longer there; upload it again.",
        )
        return
    importer = importer_class(
        organisation=job.organisation, acting_user=job.created_by, on_duplicate=job.on_duplicate
    )
    result = importer.commit(path)
    job.errors = [
        {"row": error.row, "column": error.column, "message": error.message}
        for error in result.errors[: ImportJob.MAX_ERRORS]
    ]
    job.error_count = len(result.errors)
    if result.total_rows:
        job.total_rows = result.total_rows
    if result.committed:
        job.created_count = result.created
        job.skipped_count = result.skipped
        _finish(job, ImportJob.Status.SUCCEEDED)
        return
    failure = result.file_error or (
        f"{len(result.errors)} row{'s' if len(result.errors) != 1 else ''} now have problems "
        "(the records may have changed since the preview); nothing was imported."
    )
    _finish(job, ImportJob.Status.FAILED, failure=failure)


def _finish(job: ImportJob, status: str, *, failure: str = "") -> None:
    job.status = status
    job.failure = failure[:1000]
    job.finished_at = timezone.now()
    job.save()
