"""The import pages: upload a file, preview it (row errors, duplicates), import it, see the result.

Between the preview and the import the uploaded file waits in a temporary folder under a random
name; the session holds a signed token naming it, the person, the organisation and the options,
so nobody can point the import at someone else's file. The import runs synchronously in the
request, all rows in one transaction.
"""

from __future__ import annotations

import contextlib
import csv
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from waypoint.core.importing import (
    DUPLICATE_CHOICES,
    MAX_FILE_BYTES,
    Importer,
    ImportResult,
    importers,
    template_csv,
)
from waypoint.core.models import Organisation
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for

SALT = "waypoint.imports"
TOKEN_MAX_AGE = 6 * 3600  # seconds a previewed file waits for its import
MAX_ERRORS_SHOWN = 500


def upload_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "waypoint-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


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
        return {**data, "path": path, "organisation": organisation}

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
        return render(request, "core/import_index.html", {"kinds": kinds})


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
    """GET: the preview. POST: import every row, or nothing."""

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
        return self._render(pending, self.importer(pending).preview(pending["path"]))

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return redirect("imports:upload", kind=kind)
        # Claim the file (an atomic rename), so that a second click cannot import it twice.
        claimed = pending["path"].with_suffix(".importing")
        try:
            pending["path"].rename(claimed)
        except FileNotFoundError:
            return redirect("imports:upload", kind=kind)
        try:
            result = self.importer(pending).commit(claimed)
        finally:
            if claimed.exists():
                claimed.rename(pending["path"])
        htmx = request.headers.get("HX-Request") == "true"
        if not result.committed:
            if htmx:  # the "importing…" page: show what went wrong in place of the progress bar
                return render(
                    request, "core/import_failed.html", self.context(result=result, **pending)
                )
            return self._render(pending, result)
        self.discard(pending)
        request.session[f"{self.session_key}:result"] = {
            **result.summary(),
            "organisation": str(pending["organisation"]),
            "name": pending["name"],
        }
        if htmx:
            return HttpResponseClientRedirect(reverse("imports:done", kwargs={"kind": kind}))
        return redirect("imports:done", kind=kind)


class ImportRunView(ImportViewMixin, View):
    """The "importing…" step: a progress bar while the page posts the import (htmx); without
    JavaScript, a button that posts it."""

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return redirect("imports:upload", kind=kind)
        return render(request, "core/import_running.html", self.context(pending=pending))


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


class ImportDoneView(ImportViewMixin, View):
    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        summary = request.session.get(f"{self.session_key}:result")
        if summary is None:
            return redirect("imports:upload", kind=kind)
        return render(request, "core/import_done.html", self.context(summary=summary))


class ImportTemplateView(ImportViewMixin, View):
    """A CSV file with just the column names, to fill in."""

    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        response = HttpResponse(
            "\ufeff" + template_csv(self.importer_class), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response
