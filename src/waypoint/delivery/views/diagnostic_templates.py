"""Pages for diagnostic templates: the standard ones (files shipped with Waypoint) and an
organisation's own, added by its administrators as JSON (pasted, uploaded or copied from another
template), new versions and retiring. See docs/diagnostic-templates.md."""

from __future__ import annotations

import json
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views import View

from waypoint.core.models import Organisation
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)
from waypoint.delivery import selectors_diagnostics as selectors
from waypoint.delivery.models import DiagnosticTemplate
from waypoint.delivery.services import diagnostics as services

CONFIRM_TEMPLATE = "core/confirm_delete.html"
MAX_UPLOAD = 200 * 1024
NEW_TEMPLATE = "New diagnostic template"


class TemplateForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    definition = forms.CharField(
        label="Template (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 20, "class": "font-monospace", "spellcheck": "false"}),
        help_text="Paste the template's JSON, or upload a file below.",
    )
    upload = forms.FileField(
        label="Or upload a .json file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        help_text="At most 200 KB.",
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        self.single_organisation = organisations.first() if organisations.count() == 1 else None
        if self.single_organisation is not None:
            field.initial = self.single_organisation.pk
            field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        where = "definition"
        text = data.get("definition") or ""
        if upload:
            where = "upload"
            if upload.size > MAX_UPLOAD:
                self.add_error("upload", "The file is larger than 200 KB.")
                return data
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("upload", "The file is not UTF-8 text.")
                return data
            data["definition"] = text
        if not text.strip():
            self.add_error("definition", "Paste the template's JSON or upload a .json file.")
            return data
        try:
            data["parsed"] = json.loads(text)
        except json.JSONDecodeError as error:
            self.add_error(where, f"Line {error.lineno}, column {error.colno}: {error.msg}.")
        return data


class TemplateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(
        choices=DiagnosticTemplate.Kind.choices, empty_label="Any kind"
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[("active", "Active"), ("retired", "Retired")],
        empty_label="Active or retired",
        method="filter_status",
    )

    class Meta:
        model = DiagnosticTemplate
        fields = ["q", "kind", "status"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(is_active=value == "active")


class TemplateTable(tables.Table):
    name = tables.Column(linkify=True)
    organisation = tables.Column(verbose_name="Owner", default="Standard (ships with Waypoint)")
    is_active = tables.Column(verbose_name="Status")

    class Meta:
        model = DiagnosticTemplate
        fields = ["name", "kind", "audience", "version", "organisation", "is_active"]
        empty_text = "No templates match."

    def render_is_active(self, value: bool) -> str:
        return "Active" if value else "Retired"


class TemplateListView(PolicyListView):
    policy_model = DiagnosticTemplate
    template_name = "delivery/diagnostic_template_list.html"
    table_class = TemplateTable
    filterset_class = TemplateFilterSet

    def get_queryset(self) -> Any:
        return (
            DiagnosticTemplate.objects.restrict(self.request.user, "view")
            .select_related("organisation")
            .order_by("name", "-version")
        )


class TemplateViewMixin(PolicyViewMixin):
    policy_model = DiagnosticTemplate


def _template(request: HttpRequest, pk: int, action: str = "view") -> DiagnosticTemplate:
    template: DiagnosticTemplate = get_object_for(request.user, DiagnosticTemplate, action, pk=pk)
    return template


class TemplateDetailView(TemplateViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = _template(request, pk)
        policy = policy_for(DiagnosticTemplate)
        return render(
            request,
            "delivery/diagnostic_template_detail.html",
            {
                "template": template,
                "definition": selectors.definition_of(template),
                "json": json.dumps(template.definition, indent=2, ensure_ascii=False),
                "can_change": policy.allows(request.user, "change", template),
                "can_copy": policy.can_add(request.user),
            },
        )


class TemplateJsonView(TemplateViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = _template(request, pk)
        response = HttpResponse(
            json.dumps(template.definition, indent=2, ensure_ascii=False) + "\n",
            content_type="application/json; charset=utf-8",
        )
        name = f"{template.key}.v{template.version}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class TemplateActiveView(TemplateViewMixin, View):
    """Retire a template (it stays for the diagnostics that used it) or bring it back."""

    active = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = _template(request, pk, "change")
        if self.active:
            title = f"Bring back {template}?"
            consequences = ["Advisers can start diagnostics with it again."]
            label = "Reactivate"
        else:
            title = f"Retire {template}?"
            consequences = [
                "Advisers can no longer start diagnostics with it.",
                "Diagnostics that used it keep it, and stay as they are.",
            ]
            label = "Retire"
        return render(
            request,
            CONFIRM_TEMPLATE,
            {
                "title": title,
                "consequences": consequences,
                "confirm_label": label,
                "cancel_url": template.get_absolute_url(),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = _template(request, pk, "change")
        services.template_set_active(
            template=template, active=self.active, acting_user=request.user
        )
        messages.success(request, "Template reactivated." if self.active else "Template retired.")
        return redirect(template)


class TemplateCreateView(TemplateViewMixin, View):
    """Add an organisation's template or a new version of one, from JSON pasted or uploaded."""

    policy_action = "add"

    def _organisations(self, request: HttpRequest) -> QuerySet[Organisation]:
        policy = policy_for(DiagnosticTemplate)
        assert isinstance(policy, OrganisationScopedPolicy)
        allowed = policy.organisations_for_add(request.user)
        organisations = Organisation.objects.order_by("name")
        return organisations if allowed is None else organisations.filter(pk__in=allowed)

    def _render(
        self, request: HttpRequest, form: TemplateForm, source: Any, heading: str
    ) -> HttpResponse:
        return render(
            request,
            "delivery/diagnostic_template_form.html",
            {"form": form, "source": source, "heading": heading},
        )

    def _initial(
        self, request: HttpRequest, organisations: QuerySet[Organisation]
    ) -> tuple[dict[str, Any], DiagnosticTemplate | None, str]:
        source_pk = request.GET.get("from", "")
        if not source_pk.isdigit():
            return {}, None, NEW_TEMPLATE
        source = _template(request, int(source_pk))
        definition = dict(source.definition)
        ours = source.organisation_id is not None and organisations.filter(
            pk=source.organisation_id
        )
        initial: dict[str, Any] = {}
        if ours:
            latest = (
                DiagnosticTemplate.objects.filter(
                    organisation_id=source.organisation_id, key=source.key
                )
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            definition["version"] = (latest or source.version) + 1
            initial["organisation"] = source.organisation_id
            heading = f"New version of {source.name}"
        else:
            heading = f"New template from a copy of {source.name}"
            definition["key"] = f"{source.key}-copy"
            definition["version"] = 1
            definition["name"] = f"{source.name} (copy)"
        initial["definition"] = json.dumps(definition, indent=2, ensure_ascii=False)
        return initial, source, heading

    def get(self, request: HttpRequest) -> HttpResponse:
        organisations = self._organisations(request)
        initial, source, heading = self._initial(request, organisations)
        form = TemplateForm(initial=initial, organisations=organisations)
        return self._render(request, form, source, heading)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TemplateForm(request.POST, request.FILES, organisations=self._organisations(request))
        if form.is_valid():
            try:
                template = services.template_create(
                    organisation=form.cleaned_data["organisation"],
                    definition=form.cleaned_data["parsed"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{template} saved.")
                return redirect(template)
        if form.cleaned_data.get("upload") and "definition" in form.cleaned_data:
            # Show an uploaded file's text, so that its problems can be fixed here.
            data = request.POST.copy()
            data["definition"] = form.cleaned_data["definition"]
            form.data = data
        return self._render(request, form, None, NEW_TEMPLATE)


urlpatterns = [
    path("diagnostic-templates/", TemplateListView.as_view(), name="diagnostic-template-list"),
    path(
        "diagnostic-templates/new/",
        TemplateCreateView.as_view(),
        name="diagnostic-template-create",
    ),
    path(
        "diagnostic-templates/<int:pk>/",
        TemplateDetailView.as_view(),
        name="diagnostic-template-detail",
    ),
    path(
        "diagnostic-templates/<int:pk>/json/",
        TemplateJsonView.as_view(),
        name="diagnostic-template-json",
    ),
    path(
        "diagnostic-templates/<int:pk>/retire/",
        TemplateActiveView.as_view(active=False),
        name="diagnostic-template-retire",
    ),
    path(
        "diagnostic-templates/<int:pk>/reactivate/",
        TemplateActiveView.as_view(active=True),
        name="diagnostic-template-reactivate",
    ),
]
