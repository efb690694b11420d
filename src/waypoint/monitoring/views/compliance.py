"""Pages for compliance reports (000 req 7) and subsidy tracking: the list of reports with
filters, reporting one (from an engagement or on its own), a report's page with the form that
moves it on, recording a grant against the client's support limit, a client's support value
year by year, and the clients near their limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from waypoint.clients.models import Client
from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)
from waypoint.delivery.models import Engagement
from waypoint.delivery.views.agreements import engagement_url
from waypoint.monitoring.models import ComplianceReport, Concern, Grant
from waypoint.monitoring.selectors_subsidy import (
    SupportValue,
    clients_near_limit,
    money,
    support_value,
)
from waypoint.monitoring.services import compliance as services

FORM_TEMPLATE = "core/form.html"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})
Category = ComplianceReport.Category
Status = ComplianceReport.Status


# Forms -----------------------------------------------------------------------------------------


class ComplianceReportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        help_text="The organisation whose support infringed the rules.",
    )
    category = forms.ChoiceField(
        label="What was infringed",
        choices=[("", "Choose one"), *Category.choices],
        help_text="Legislation (data protection, equality...), advisory regulation (such as "
        "regulated financial advice), subsidy control, organisational guidelines or the code of "
        "ethics.",
    )
    what_happened = forms.CharField(label="What happened", widget=TEXTAREA)
    occurred_on = forms.DateField(label="When it happened", widget=DATE_INPUT)
    concern = forms.ModelChoiceField(
        label="Linked concern",
        queryset=Concern.objects.none(),
        required=False,
        empty_label="None",
    )
    reported_to = forms.CharField(
        label="Reported to",
        max_length=200,
        required=False,
        help_text="The person, role or body it was reported to (e.g. the Data Protection "
        "Officer, the ICO, the commissioner).",
    )
    reported_on = forms.DateField(label="Reported on", required=False, widget=DATE_INPUT)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        concerns: QuerySet[Concern] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = organisations
        if organisations.count() == 1:
            organisation.initial = organisations.first()
            organisation.widget = forms.HiddenInput()
        concern = self.fields["concern"]
        assert isinstance(concern, forms.ModelChoiceField)
        if concerns is None:
            del self.fields["concern"]
        else:
            concern.queryset = concerns


class ComplianceUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, widget=forms.RadioSelect)
    reported_to = forms.CharField(label="Reported to", max_length=200, required=False)
    reported_on = forms.DateField(label="Reported on", required=False, widget=DATE_INPUT)
    outcome = forms.CharField(
        widget=TEXTAREA, required=False, help_text="How it ended; needed to close the report."
    )
    lessons = forms.CharField(label="Lessons learnt", widget=TEXTAREA, required=False)


class GrantForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount (£)", max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    awarded_on = forms.DateField(label="Awarded on", widget=DATE_INPUT)
    description = forms.CharField(
        max_length=300, help_text="What the grant is for, e.g. a capital grant for equipment."
    )

    def __init__(self, *args: Any, confirm: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if confirm:
            self.fields["confirm_over_limit"] = forms.BooleanField(
                label="Record it anyway and report it",
                required=False,
                help_text="A subsidy-control compliance report is made with the grant.",
            )


# List ------------------------------------------------------------------------------------------


class ComplianceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_q")
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    open = django_filters.BooleanFilter(
        label="Not closed", method="filter_open", widget=forms.CheckboxInput
    )

    class Meta:
        model = ComplianceReport
        fields = ["q", "category", "status", "open"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_q(
        self, queryset: QuerySet[ComplianceReport], name: str, value: str
    ) -> QuerySet[ComplianceReport]:
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(what_happened__icontains=value)
            | Q(client__name__icontains=value)
            | Q(reported_to__icontains=value)
        )

    def filter_open(
        self, queryset: QuerySet[ComplianceReport], name: str, value: bool
    ) -> QuerySet[ComplianceReport]:
        return queryset.exclude(status=Status.CLOSED) if value else queryset


class ComplianceTable(tables.Table):
    occurred_on = tables.DateColumn(
        verbose_name="Happened on", format="j M Y", linkify=lambda record: record.get_absolute_url()
    )
    category = tables.Column()
    client = tables.Column(default="None", order_by=("client__name",))
    status = tables.Column()
    reported_to = tables.Column(verbose_name="Reported to", default="Not yet")
    reported_on = tables.DateColumn(verbose_name="Reported on", format="j M Y", default="Not yet")

    class Meta:
        model = ComplianceReport
        fields = ["occurred_on", "category", "client", "status", "reported_to", "reported_on"]
        empty_text = "No compliance reports match."


class ComplianceListView(PolicyListView):
    policy_model = ComplianceReport
    template_name = "monitoring/compliance_list.html"
    table_class = ComplianceTable
    filterset_class = ComplianceFilterSet

    def get_queryset(self) -> Any:
        return ComplianceReport.objects.restrict(self.request.user, "view").select_related("client")


# Reports ---------------------------------------------------------------------------------------


def _organisations_for_report(user: Any) -> QuerySet[Organisation]:
    allowed = policy_for(ComplianceReport).organisations_for_add(user)  # type: ignore[attr-defined]
    organisations = Organisation.objects.filter(is_active=True).order_by("name")
    return organisations if allowed is None else organisations.filter(pk__in=allowed)


class ComplianceCreateView(PolicyViewMixin, View):
    """Report an infringement, on its own or from an engagement (``?engagement=``)."""

    policy_model = ComplianceReport
    policy_action = "add"

    def _engagement(self, request: HttpRequest) -> Engagement | None:
        pk = request.GET.get("engagement")
        if not pk:
            return None
        engagement: Engagement = get_object_for(request.user, Engagement, "view", pk=pk)
        return engagement

    def _form(self, request: HttpRequest, engagement: Engagement | None, data: Any = None) -> Any:
        if engagement is not None:
            organisations = Organisation.objects.filter(pk=engagement.organisation_id)
            concerns = Concern.objects.restrict(request.user, "view").filter(engagement=engagement)
        else:
            organisations = _organisations_for_report(request.user)
            concerns = None
        return ComplianceReportForm(
            data,
            organisations=organisations,
            concerns=concerns,
            initial={"occurred_on": timezone.localdate()},
        )

    def _render(self, request: HttpRequest, engagement: Engagement | None, form: Any) -> Any:
        if engagement is not None:
            intro = f"About {engagement}. Managers of {engagement.organisation} will see it."
            cancel = engagement_url(engagement)
        else:
            intro = "Your organisation's managers will see it."
            cancel = reverse("monitoring:compliance-list")
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": "Report an infringement",
                "intro": intro,
                "cancel_url": cancel,
                "submit_label": "Report it",
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        engagement = self._engagement(request)
        return self._render(request, engagement, self._form(request, engagement))

    def post(self, request: HttpRequest) -> HttpResponse:
        engagement = self._engagement(request)
        form = self._form(request, engagement, request.POST)
        if form.is_valid():
            try:
                report = services.compliance_report(
                    acting_user=request.user, engagement=engagement, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Compliance report made.")
                return redirect(report)
        return self._render(request, engagement, form)


class ComplianceDetailView(PolicyViewMixin, View):
    """A report, and (for its reporter and the managers) the form that moves it on."""

    policy_model = ComplianceReport

    def _render(self, request: HttpRequest, report: ComplianceReport, form: Any) -> HttpResponse:
        policy = policy_for(ComplianceReport)
        return render(
            request,
            "monitoring/compliance_detail.html",
            {
                "report": report,
                "form": form,
                "can_change": form is not None,
                "can_audit": policy.allows(request.user, "audit", report),
                "engagement_url": engagement_url(report.engagement) if report.engagement else "",
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report: ComplianceReport = get_object_for(request.user, ComplianceReport, "view", pk=pk)
        form = None
        if policy_for(ComplianceReport).allows(request.user, "change", report):
            form = ComplianceUpdateForm(
                initial={name: getattr(report, name) for name in ComplianceUpdateForm.base_fields}
            )
        return self._render(request, report, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report: ComplianceReport = get_object_for(request.user, ComplianceReport, "change", pk=pk)
        form = ComplianceUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.compliance_update(
                    report=report, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Compliance report saved.")
                return redirect(report)
        return self._render(request, report, form)


# Grants and support value ----------------------------------------------------------------------


class GrantCreateView(PolicyViewMixin, View):
    """Record a grant, seeing what it would make the client's support value; over the limit,
    the person confirms and a subsidy-control report is made with it."""

    policy_model = Engagement

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(
        self,
        request: HttpRequest,
        engagement: Engagement,
        form: GrantForm,
        *,
        value: SupportValue,
        amount: Decimal | None = None,
        warning: str = "",
    ) -> HttpResponse:
        return render(
            request,
            "monitoring/grant_form.html",
            {
                "form": form,
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "value": value,
                "amount": amount,
                "after": value.total + amount if amount is not None else None,
                "after_over": amount is not None and value.would_exceed(amount),
                "warning": warning,
                "money": money,
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = GrantForm(initial={"awarded_on": timezone.localdate()})
        return self._render(request, engagement, form, value=support_value(engagement.client))

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = GrantForm(request.POST, confirm="confirm_over_limit" in request.POST)
        if not form.is_valid():
            value = support_value(engagement.client)
            return self._render(request, engagement, form, value=value)
        data = form.cleaned_data
        value = support_value(engagement.client, on=data["awarded_on"])
        if "check" in request.POST:
            return self._render(request, engagement, form, value=value, amount=data["amount"])
        try:
            grant = services.grant_record(
                engagement=engagement,
                acting_user=request.user,
                amount=data["amount"],
                awarded_on=data["awarded_on"],
                description=data["description"],
                confirm_over_limit=bool(data.get("confirm_over_limit")),
            )
        except ValidationError as error:
            over = [
                e
                for e in getattr(error, "error_dict", {}).get("amount", [])
                if e.code == services.OVER_LIMIT
            ]
            if over:
                form = GrantForm(request.POST, confirm=True)
                form.is_valid()
                form.add_error(
                    "confirm_over_limit", "Tick this to record the grant over the limit."
                )
                return self._render(
                    request,
                    engagement,
                    form,
                    value=value,
                    amount=data["amount"],
                    warning=over[0].messages[0],
                )
            apply_validation_error(form, error)
            return self._render(request, engagement, form, value=value, amount=data["amount"])
        if value.would_exceed(grant.amount):
            messages.warning(
                request,
                f"Grant of {money(grant.amount)} recorded over the limit; a subsidy-control "
                "compliance report was made.",
            )
        else:
            messages.success(request, f"Grant of {money(grant.amount)} recorded.")
        return redirect("monitoring:support-value", client_pk=engagement.client_id)


class SupportValueView(PolicyViewMixin, View):
    """A client's support value per financial year, against their limit."""

    policy_model = Client

    def get(self, request: HttpRequest, client_pk: int) -> HttpResponse:
        client: Client = get_object_for(request.user, Client, "view", pk=client_pk)
        value = support_value(client)
        engagements = (
            Engagement.objects.restrict(request.user, "change")
            .filter(client=client)
            .exclude(status=Engagement.Status.CLOSED)
        )
        grants = (
            Grant.objects.restrict(request.user, "view")
            .filter(engagement__client=client)
            .select_related("engagement__programme")[:50]
        )
        return render(
            request,
            "monitoring/support_value.html",
            {
                "client": client,
                "value": value,
                "grant_engagements": engagements.select_related("programme"),
                "grants": grants,
                "money": money,
                "today": timezone.localdate(),
            },
        )


class NearLimitTable(tables.Table):
    name = tables.Column(
        verbose_name="Client",
        linkify=lambda record: reverse("monitoring:support-value", args=[record.pk]),
    )
    support_total = tables.Column(verbose_name="Support value")
    support_limit = tables.Column(verbose_name="Limit")

    class Meta:
        model = Client
        fields = ["name", "support_total", "support_limit"]
        empty_text = "No client is near their support limit."

    def render_support_total(self, value: Decimal) -> str:
        return money(Decimal(value))

    def render_support_limit(self, value: Decimal) -> str:
        return money(Decimal(value))


class NearLimitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Client name", field_name="name", lookup_expr="icontains")

    class Meta:
        model = Client
        fields = ["q"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class NearLimitListView(PolicyListView):
    """Clients whose support has reached 80% of their limit, fullest first."""

    policy_model = Client
    template_name = "monitoring/support_value_list.html"
    table_class = NearLimitTable
    filterset_class = NearLimitFilterSet

    def get_queryset(self) -> Any:
        return clients_near_limit(self.request.user)

    def can_add(self) -> bool:
        return False


urlpatterns = [
    path("compliance/", ComplianceListView.as_view(), name="compliance-list"),
    path("compliance/new/", ComplianceCreateView.as_view(), name="compliance-create"),
    path("compliance/<int:pk>/", ComplianceDetailView.as_view(), name="compliance-detail"),
    path(
        "engagements/<int:engagement_pk>/grants/new/",
        GrantCreateView.as_view(),
        name="grant-create",
    ),
    path(
        "clients/<int:client_pk>/support-value/",
        SupportValueView.as_view(),
        name="support-value",
    ),
    path("support-values/near-limit/", NearLimitListView.as_view(), name="support-near-limit"),
]
