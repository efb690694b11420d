"""Pages for clients: list and export, the client page, and the forms that change a client."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from waypoint.clients import extensions, selectors, services
from waypoint.clients.filtersets import client_filterset_for
from waypoint.clients.forms import (
    BarriersForm,
    ClientForm,
    ConsentForm,
    ConsentWithdrawForm,
    EqualityForm,
    MergeForm,
    PersonForm,
)
from waypoint.clients.models import Client, Consent, EqualityMonitoring, Person
from waypoint.clients.policies import equality_summary_organisations
from waypoint.clients.tables import ClientTable
from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)

FORM_TEMPLATE = "core/form.html"
CONFIRM_TEMPLATE = "core/confirm_delete.html"


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    cancel_url: str,
    status: int = 200,
    template: str = FORM_TEMPLATE,
    **extra: Any,
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    return render(request, template, context, status=status)


# List and export -------------------------------------------------------------------------------


class ClientListView(PolicyListView):
    policy_model = Client
    template_name = "clients/client_list.html"
    table_class = ClientTable

    def get_filterset_class(self) -> Any:
        return client_filterset_for(self.request.user)

    def get_queryset(self) -> Any:
        return selectors.clients_for(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        suffix = f"?{query.urlencode()}" if query else ""
        context["export_csv"] = reverse("clients:client-export", args=["csv"]) + suffix
        context["export_xlsx"] = reverse("clients:client-export", args=["xlsx"]) + suffix
        context["equality_organisations"] = Organisation.objects.filter(
            pk__in=equality_summary_organisations(self.request.user)
        )
        return context


EXPORT_COLUMNS = [
    ("id", "pk"),
    ("organisation", "organisation"),
    ("kind", "get_kind_display"),
    ("name", "name"),
    ("trading_name", "trading_name"),
    ("registered_number", "registered_number"),
    ("legal_form", "get_legal_form_display"),
    ("sic_division", "sic_division"),
    ("sic_section", "sic_section"),
    ("size_band", "get_size_band_display"),
    ("trading_status", "get_trading_status_display"),
    ("start_date", "start_date"),
    ("town", "town"),
    ("postcode", "postcode"),
    ("region", "get_region_display"),
    ("email", "email"),
    ("phone", "phone"),
    ("employment_status", "get_employment_status_display"),
]


def _export_row(client: Client) -> list[Any]:
    row = []
    for _, attribute in EXPORT_COLUMNS:
        value = getattr(client, attribute)
        value = value() if callable(value) else value
        row.append(str(value) if attribute == "organisation" else value)
    return row


class _Echo:
    def write(self, value: str) -> str:
        return value


def _spreadsheet_safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


class ClientExportView(PolicyViewMixin, View):
    """The filtered client list as CSV or XLSX: only the clients the user may see."""

    policy_model = Client

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
        if fmt not in {"csv", "xlsx"}:
            raise Http404("Clients export as csv or xlsx.")
        filterset = client_filterset_for(request.user)(
            request.GET, queryset=selectors.clients_for(user=request.user), user=request.user
        )
        queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        clients = selectors.export_clients(queryset)
        services.client_export_record(
            acting_user=request.user,
            fmt=fmt,
            count=clients.count(),
            filters={key: value for key, value in request.GET.items() if value},
        )
        header = [name for name, _ in EXPORT_COLUMNS]
        if fmt == "csv":
            writer = csv.writer(_Echo())
            rows = (
                writer.writerow([_spreadsheet_safe(v) for v in _export_row(c)])
                for c in clients.iterator(chunk_size=1000)
            )
            response = StreamingHttpResponse(
                (line for part in ([writer.writerow(header)], rows) for line in part),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="clients.csv"'
            return response
        from openpyxl import Workbook  # type: ignore[import-untyped]

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Clients")
        sheet.append(header)
        for client in clients.iterator(chunk_size=1000):
            sheet.append([_spreadsheet_safe(v) for v in _export_row(client)])
        buffer = io.BytesIO()
        workbook.save(buffer)
        xlsx = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        xlsx["Content-Disposition"] = 'attachment; filename="clients.xlsx"'
        return xlsx


# The client page -------------------------------------------------------------------------------


class ClientDetailView(LoginRequiredMixin, TemplateView):
    template_name = "clients/client_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        client = get_object_for(user, Client, "view", pk=kwargs["pk"])
        policy = policy_for(Client)
        can_change = policy.allows(user, "change", client) and not client.is_merged
        context.update(
            client=client,
            people=client.people.all(),
            consent_position=selectors.consent_position(client=client),
            consent_history=client.consents.select_related("recorded_by"),
            barriers=client.barriers.all(),
            equality_recorded=selectors.equality_recorded(client=client),
            timeline=extensions.timeline_for(client, user),
            actions=[] if client.is_merged else extensions.actions_for(client, user),
            can_change=can_change,
            can_merge=can_change and selectors.merge_candidates(user=user, keep=client).exists(),
            can_audit=policy.allows(user, "audit", client),
        )
        return context


# Creating and editing a client -----------------------------------------------------------------


def _organisations_for_add(user: Any) -> Any:
    allowed = policy_for(Client).organisations_for_add(user)  # type: ignore[attr-defined]
    if allowed is not None and not allowed:
        raise PermissionDenied("Your role does not let you add clients.")
    organisations = Organisation.objects.filter(is_active=True)
    return organisations if allowed is None else organisations.filter(pk__in=allowed)


class ClientCreateView(LoginRequiredMixin, View):
    """A new client; likely duplicates are shown and must be set aside deliberately."""

    template_name = "clients/client_form.html"

    def _render(
        self,
        request: HttpRequest,
        form: ClientForm,
        duplicates: list[Client] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        # Only records the user may open are named; the others are counted.
        duplicates = duplicates or []
        visible = set(
            selectors.clients_for(user=request.user)
            .filter(pk__in=[d.pk for d in duplicates])
            .values_list("pk", flat=True)
        )
        return _form_page(
            request,
            form,
            title="New client",
            cancel_url=reverse("clients:client-list"),
            status=status,
            template=self.template_name,
            duplicates=[d for d in duplicates if d.pk in visible],
            hidden_duplicates=len(duplicates) - len(visible),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ClientForm(organisations=_organisations_for_add(request.user))
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        organisations = _organisations_for_add(request.user)
        form = ClientForm(request.POST, organisations=organisations, ask_duplicate=True)
        duplicates: list[Client] = []
        if form.is_valid():
            data = form.service_data()
            duplicates = selectors.likely_duplicates(
                organisation=form.cleaned_data["organisation"],
                name=data["name"],
                registered_number=data["registered_number"],
                postcode=data["postcode"],
            )
            if duplicates and not form.cleaned_data.get("not_a_duplicate"):
                form.add_error(
                    "not_a_duplicate",
                    "This looks like a client already recorded. Open the existing record, "
                    "or tick this box if it is a different client.",
                )
            else:
                try:
                    client = services.client_create(
                        organisation=form.cleaned_data["organisation"],
                        acting_user=request.user,
                        **data,
                    )
                except ValidationError as error:
                    apply_validation_error(form, error)
                else:
                    messages.success(request, f"Client {client} created.")
                    return redirect(client)
        if not duplicates:
            form.fields.pop("not_a_duplicate", None)
        # Asking to confirm a likely duplicate is a question, not an error in what was sent.
        only_question = set(form.errors) == {"not_a_duplicate"}
        return self._render(request, form, duplicates, status=200 if only_question else 400)


class ClientEditView(LoginRequiredMixin, View):
    template_name = "clients/client_form.html"

    def _render(
        self, request: HttpRequest, client: Client, form: ClientForm, status: int = 200
    ) -> HttpResponse:
        return _form_page(
            request,
            form,
            title=f"Edit {client}",
            cancel_url=client.get_absolute_url(),
            status=status,
            template=self.template_name,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=pk)
        return self._render(request, client, ClientForm(instance=client))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=pk)
        form = ClientForm(request.POST, instance=Client.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.client_update(
                    client=client, acting_user=request.user, **form.service_data()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Client saved.")
                return redirect(client)
        return self._render(request, client, form, status=400)


# People ----------------------------------------------------------------------------------------


class PersonFormView(LoginRequiredMixin, View):
    """Add a person to a client (``client_pk``) or edit one (``pk``)."""

    def _objects(self, request: HttpRequest, kwargs: dict[str, Any]) -> tuple[Client, Any]:
        if "pk" in kwargs:
            person = get_object_for(request.user, Person, "change", pk=kwargs["pk"])
            return person.client, person
        return get_object_for(request.user, Client, "change", pk=kwargs["client_pk"]), None

    def _render(
        self, request: HttpRequest, client: Client, person: Any, form: Any, status: int = 200
    ) -> HttpResponse:
        title = f"Edit {person}" if person else f"Add a person to {client}"
        return _form_page(
            request, form, title=title, cancel_url=client.get_absolute_url(), status=status
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        client, person = self._objects(request, kwargs)
        return self._render(request, client, person, PersonForm(instance=person))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        client, person = self._objects(request, kwargs)
        instance = Person.objects.get(pk=person.pk) if person else None
        form = PersonForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                if person is None:
                    services.person_add(
                        client=client, acting_user=request.user, **form.cleaned_data
                    )
                else:
                    services.person_update(
                        person=person, acting_user=request.user, **form.cleaned_data
                    )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Person saved.")
                return redirect(client)
        return self._render(request, client, person, form, status=400)


class PersonRemoveView(LoginRequiredMixin, View):
    def _context(self, person: Person) -> dict[str, Any]:
        return {
            "title": f"Remove {person} from {person.client}?",
            "consequences": [
                f"{person} will no longer be listed as one of the client's people.",
                "Contacts they took part in stay on record; the removal is audited.",
            ],
            "confirm_label": "Remove person",
            "cancel_url": person.client.get_absolute_url(),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = get_object_for(request.user, Person, "delete", pk=pk)
        return render(request, CONFIRM_TEMPLATE, self._context(person))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = get_object_for(request.user, Person, "delete", pk=pk)
        client = person.client
        services.person_remove(person=person, acting_user=request.user)
        messages.success(request, "Person removed.")
        return redirect(client)


# Consent, barriers, equality -------------------------------------------------------------------


class ConsentRecordView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        return self._render(request, client, ConsentForm())

    def _render(self, request: HttpRequest, client: Client, form: Any, status: int = 200) -> Any:
        return _form_page(
            request,
            form,
            title=f"Record consent for {client}",
            cancel_url=client.get_absolute_url(),
            status=status,
        )

    def post(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                services.consent_record(
                    client=client, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Consent recorded.")
                return redirect(client)
        return self._render(request, client, form, status=400)


class ConsentWithdrawView(LoginRequiredMixin, View):
    def _render(self, request: HttpRequest, consent: Consent, form: Any, status: int = 200) -> Any:
        return _form_page(
            request,
            form,
            title=f"Withdraw: {consent.get_kind_display()} for {consent.client}",
            intro="The record is kept, with the date it was withdrawn.",
            submit_label="Withdraw",
            cancel_url=consent.client.get_absolute_url(),
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        consent = get_object_for(request.user, Consent, "change", pk=pk)
        return self._render(request, consent, ConsentWithdrawForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        consent = get_object_for(request.user, Consent, "change", pk=pk)
        form = ConsentWithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.consent_withdraw(
                    consent=consent,
                    acting_user=request.user,
                    withdrawn_on=form.cleaned_data["withdrawn_on"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Consent withdrawn.")
                return redirect(consent.client)
        return self._render(request, consent, form, status=400)


class BarriersView(LoginRequiredMixin, View):
    def _render(self, request: HttpRequest, client: Client, form: Any, status: int = 200) -> Any:
        return _form_page(
            request,
            form,
            title=f"Barriers to work: {client}",
            cancel_url=client.get_absolute_url(),
            status=status,
        )

    def get(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        current = list(client.barriers.values_list("barrier", flat=True))
        return self._render(request, client, BarriersForm(initial={"barriers": current}))

    def post(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        form = BarriersForm(request.POST)
        if form.is_valid():
            try:
                services.barriers_set(
                    client=client,
                    acting_user=request.user,
                    barriers=form.cleaned_data["barriers"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Barriers to work saved.")
                return redirect(client)
        return self._render(request, client, form, status=400)


class EqualityRecordView(LoginRequiredMixin, View):
    """Record the answers. They are never shown back: the form always starts empty."""

    def _render(self, request: HttpRequest, client: Client, form: Any, status: int = 200) -> Any:
        return _form_page(
            request,
            form,
            title=f"Equality monitoring: {client}",
            intro=(
                "Answers are optional and kept apart from the client's record. Once saved they "
                "are not shown again; managers see only counts. Saving replaces earlier answers."
            ),
            cancel_url=client.get_absolute_url(),
            status=status,
        )

    def get(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        return self._render(request, client, EqualityForm())

    def post(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client = get_object_for(request.user, Client, "change", pk=client_pk)
        form = EqualityForm(request.POST, instance=EqualityMonitoring(client=client))
        if form.is_valid():
            answers = {name: form.cleaned_data[name] for name in EqualityForm.Meta.fields}
            try:
                services.equality_record(client=client, acting_user=request.user, **answers)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Equality monitoring answers recorded.")
                return redirect(client)
        return self._render(request, client, form, status=400)


class EqualitySummaryView(LoginRequiredMixin, TemplateView):
    """Counts per answer for an organisation, for its administrators and service managers."""

    template_name = "clients/equality_summary.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisation = get_object_for(user, Organisation, "view", pk=kwargs["organisation_pk"])
        if organisation.pk not in equality_summary_organisations(user):
            raise PermissionDenied("Only administrators and service managers see this summary.")
        context.update(
            organisation=organisation,
            questions=selectors.equality_summary(organisation=organisation),
            small_number=selectors.SMALL_NUMBER,
        )
        return context


# Merging ---------------------------------------------------------------------------------------


class ClientMergeView(LoginRequiredMixin, View):
    """Choose the duplicate, see what will move, confirm."""

    template_name = "clients/client_merge.html"

    def _client(self, request: HttpRequest, pk: int) -> Client:
        client = get_object_for(request.user, Client, "change", pk=pk)
        if client.is_merged:
            raise PermissionDenied("This client was merged into another.")
        return client

    def _render(self, request: HttpRequest, client: Client, form: MergeForm, **extra: Any) -> Any:
        status = extra.pop("status", 200)
        context = {
            "client": client,
            "form": form,
            "suggestions": selectors.merge_suggestions(user=request.user, keep=client),
            **extra,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client(request, pk)
        candidates = selectors.merge_candidates(user=request.user, keep=client)
        if not candidates.exists():
            raise PermissionDenied("There is no client you may merge into this one.")
        return self._render(request, client, MergeForm(candidates=candidates))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = self._client(request, pk)
        candidates = selectors.merge_candidates(user=request.user, keep=client)
        if not candidates.exists():
            raise PermissionDenied("There is no client you may merge into this one.")
        form = MergeForm(request.POST, candidates=candidates)
        if not form.is_valid():
            return self._render(request, client, form, status=400)
        merge = form.cleaned_data["merge"]
        if not form.cleaned_data["confirm"]:
            confirm = MergeForm(initial={"merge": merge.pk, "confirm": True}, candidates=candidates)
            return self._render(
                request,
                client,
                confirm,
                merge=merge,
                preview=selectors.merge_preview(merge=merge),
            )
        try:
            counts = services.client_merge(keep=client, merge=merge, acting_user=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, client, form, status=400)
        moved = sum(counts.values())
        messages.success(request, f"{merge} merged into {client}: {moved} record(s) moved.")
        return redirect(client)
