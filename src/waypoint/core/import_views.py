"""The import pages: upload a file, preview it (row errors, duplicates), import it, see the result.

Between the preview and the import the uploaded file waits in a folder under
``WAYPOINT_VAR_DIR`` (``upload_folder``) under a random name; the session holds a signed token
naming it, the person, the organisation and the options, so nobody can point the import at
someone else's file. Confirming the preview starts an ``ImportJob``: a background task
(waypoint.core.tasks) imports all rows in one transaction, or none, while the job's page shows
its progress and then its result.
"""

from __future__ import annotations

import contextlib
import csv
import secrets
import time
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.importing import (
    DUPLICATE_CHOICES,
    MAX_FILE_BYTES,
    Importer,
    ImportResult,
    importers,
    template_csv,
    upload_folder,
)
from waypoint.core.models import ImportJob, Organisation
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.core.tasks import fail_stalled_jobs, start_import_job
from waypoint.core.viewkit import get_object_for

SALT = "waypoint.imports"
TOKEN_MAX_AGE = 6 * 3600  # seconds a previewed file waits for its import
MAX_ERRORS_SHOWN = 500
RECENT_JOBS = 10


def forget_old_uploads() -> None:
    """Delete uploads nobody imported within the token's lifetime."""
    limit = time.time() - TOKEN_MAX_AGE
    for path in upload_folder().glob("*.upload"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


def organisations_for_import(user: Any, importer_class: type[Importer]) -> Any:
    policy = policy_for(importer_class.permission_model)
    assert isinstance(policy, OrganisationScopedPolicy)
    allowed = policy.organisations_for_add(user)
    organisations = Organisation.objects.filter(is_active=True).order_by("name")
    return organisations if allowed is None else organisations.filter(pk__in=allowed)


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV file (UTF-8) or an Excel workbook (.xlsx), 20 MB at most."
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    on_duplicate = forms.ChoiceField(
        label="Likely duplicates",
        choices=[("skip", "Skip them"), ("import", "Import them anyway")],
        initial="skip",
        required=False,
        widget=forms.RadioSelect,
        help_text="Rows with the same company or charity number, or the same name and postcode, "
        "as a client already held or an earlier row.",
    )

    def __init__(self, *args: Any, organisations: Any, duplicates: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
        if not duplicates:
            del self.fields["on_duplicate"]

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into "
                "smaller files."
            )
        return file


class ImportViewMixin(LoginRequiredMixin):
    """Sign-in required; 404 for an unknown kind; 403 without an organisation to import into."""

    importer_class: type[Importer]
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        importer_class = importers().get(kwargs.get("kind", ""))
        if importer_class is None:
            raise Http404("No such import.")
        self.importer_class = importer_class
        self.organisations = organisations_for_import(request.user, importer_class)
        if not self.organisations.exists():
            raise PermissionDenied(
                f"Your role does not let you import {importer_class.label} anywhere."
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def session_key(self) -> str:
        return f"waypoint-import:{self.importer_class.kind}"

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"kind": self.importer_class.kind, "importer": self.importer_class, **extra}

    def pending(self) -> dict[str, Any] | None:
        """The upload waiting for its import, if the token is genuine, fresh and this user's."""
        token = self.request.session.get(self.session_key)
        if not token:
            return None
        try:
            data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return None
        path = upload_folder() / data["file"]
        if data.get("user") != self.request.user.pk or not path.exists():
            return None
        organisation = self.organisations.filter(pk=data["organisation"]).first()
        if organisation is None:
            return None
        return {**data, "path": path, "organisation": organisation, "token": data}

    def discard(self, pending: dict[str, Any] | None) -> None:
        if pending is not None:
            pending["path"].unlink(missing_ok=True)
        self.request.session.pop(self.session_key, None)

    def importer(self, pending: dict[str, Any]) -> Importer:
        return self.importer_class(
            organisation=pending["organisation"],
            acting_user=self.request.user,
            on_duplicate=pending.get("on_duplicate", "skip"),
        )


class ImportIndexView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        kinds = [
            cls
            for cls in importers().values()
            if organisations_for_import(request.user, cls).exists()
        ]
        if not kinds:
            raise PermissionDenied("Your role does not let you import records.")
        jobs = list(
            ImportJob.objects.restrict(request.user, "view").select_related(
                "organisation", "created_by"
            )[:RECENT_JOBS]
        )
        labels = {key: cls.label for key, cls in importers().items()}
        for job in jobs:
            job.kind_label = labels.get(job.kind, job.kind)
        return render(request, "core/import_index.html", {"kinds": kinds, "jobs": jobs})


class ImportUploadView(ImportViewMixin, View):
    def _form(self, data: Any = None, files: Any = None) -> UploadForm:
        return UploadForm(
            data,
            files,
            organisations=self.organisations,
            duplicates=self.importer_class.handles_duplicates,
        )

    def _render(self, form: UploadForm) -> HttpResponse:
        return render(self.request, "core/import_upload.html", self.context(form=form))

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form)
        self.discard(self.pending())
        forget_old_uploads()
        name = f"{secrets.token_urlsafe(24)}.upload"
        with open(upload_folder() / name, "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        on_duplicate = form.cleaned_data.get("on_duplicate") or "skip"
        if on_duplicate not in DUPLICATE_CHOICES:
            on_duplicate = "skip"
        request.session[self.session_key] = signing.dumps(
            {
                "file": name,
                "name": form.cleaned_data["file"].name,
                "user": request.user.pk,
                "organisation": form.cleaned_data["organisation"].pk,
                "on_duplicate": on_duplicate,
            },
            salt=SALT,
        )
        return redirect("imports:preview", kind=kind)


class ImportPreviewView(ImportViewMixin, View):
    """GET: the preview. POST: start the import (a background job) and show its progress."""

    def _render(self, pending: dict[str, Any], result: ImportResult) -> HttpResponse:
        return render(
            self.request,
            "core/import_preview.html",
            self.context(
                pending=pending,
                result=result,
                errors_shown=result.errors[:MAX_ERRORS_SHOWN],
                errors_hidden=max(0, len(result.errors) - MAX_ERRORS_SHOWN),
            ),
        )

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return redirect("imports:upload", kind=kind)
        result = self.importer(pending).preview(pending["path"])
        # Remember what the preview found, for the job (the rows it will import).
        request.session[self.session_key] = signing.dumps(
            {**pending["token"], "rows": result.to_import if result.ok else 0}, salt=SALT
        )
        return self._render(pending, result)

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return redirect("imports:upload", kind=kind)
        if not pending["token"].get("rows"):  # not previewed, or the preview found problems
            return redirect("imports:preview", kind=kind)
        # Claim the file (an atomic rename), so that a second click cannot import it twice.
        job_file = f"{secrets.token_urlsafe(24)}.job"
        try:
            pending["path"].rename(upload_folder() / job_file)
        except FileNotFoundError:
            return redirect("imports:upload", kind=kind)
        request.session.pop(self.session_key, None)
        with transaction.atomic():
            job = ImportJob.objects.create(
                organisation=pending["organisation"],
                kind=kind,
                created_by=request.user,
                file=job_file,
                file_name=pending["name"][:255],
                on_duplicate=pending.get("on_duplicate", "skip"),
                total_rows=pending["token"]["rows"],
            )
            start_import_job(job)
        return redirect(job)


class ImportErrorsView(ImportViewMixin, View):
    """Every row error of the waiting upload, as CSV (the page shows the first 500)."""

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            raise Http404("No file is waiting to be imported.")
        result = self.importer(pending).preview(pending["path"])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-import-errors.csv"'
        writer = csv.writer(response)
        writer.writerow(["row", "column", "message"])
        if result.file_error:
            writer.writerow(["", "", result.file_error])
        for error in result.errors:
            writer.writerow([error.row, error.column, error.message])
        return response


class ImportTemplateView(ImportViewMixin, View):
    """A CSV file with just the column names, to fill in."""

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        response = HttpResponse(
            "\ufeff" + template_csv(self.importer_class), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class ImportJobView(LoginRequiredMixin, View):
    """An import's progress and result, for the person who started it and the organisation's
    administrators and service managers (``ImportJobPolicy``). While the job runs, the status
    fragment reloads itself every 2 seconds (htmx); without JavaScript, a link reloads the page."""

    template_name = "core/import_job.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        fail_stalled_jobs()
        job = get_object_for(request.user, ImportJob, "view", pk=pk)
        return render(request, self.template_name, self.job_context(job))

    @staticmethod
    def job_context(job: ImportJob) -> dict[str, Any]:
        importer_class = importers().get(job.kind)
        records_url = ""
        if importer_class is not None and importer_class.records_url_name:
            with contextlib.suppress(NoReverseMatch):
                records_url = reverse(importer_class.records_url_name)
        begun = job.started_at or job.created_at
        elapsed = ((job.finished_at or timezone.now()) - begun).total_seconds()
        return {
            "job": job,
            "importer": importer_class,
            "label": importer_class.label if importer_class else job.kind,
            "records_url": records_url,
            "elapsed": _duration(elapsed),
            "errors_hidden": max(0, job.error_count - len(job.errors)),
        }


class ImportJobStatusView(ImportJobView):
    """The status fragment alone, for htmx to swap in."""

    template_name = "core/_import_job_status.html"
