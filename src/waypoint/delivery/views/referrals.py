"""Pages for referrals: make or suggest one from the engagement, its page (moving it on,
recording the outcome and how useful it was) and the list with overdue follow-ups (001 E5.07
2.2: direct clients to other services when these meet their needs more closely; 004 j)."""

from __future__ import annotations

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
from django.utils import timezone
from django.views import View

from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)
from waypoint.delivery import selectors
from waypoint.delivery.models import Engagement, Referral, Service
from waypoint.delivery.services import referrals as services
from waypoint.delivery.services.referrals import has_sharing_consent
from waypoint.delivery.views.agreements import engagement_url

FORM_TEMPLATE = "core/form.html"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
# The label of the button that moves a referral to each status.
STATUS_ACTIONS = {
    Referral.Status.MADE: "Mark as made",
    Referral.Status.ACCEPTED: "Accepted by the service",
    Referral.Status.ATTENDED: "The client attended",
    Referral.Status.DECLINED: "Declined",
    Referral.Status.NO_RESPONSE: "No response",
}


# Forms -----------------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    action = forms.ChoiceField(
        label="What to do",
        choices=[
            (Referral.Status.SUGGESTED, "Suggest it to the client first"),
            (Referral.Status.MADE, "Make the referral now"),
        ],
        initial=Referral.Status.SUGGESTED,
        widget=forms.RadioSelect,
    )
    service = forms.ModelChoiceField(
        label="Service in the directory",
        queryset=Service.objects.none(),
        required=False,
        empty_label="None: a named specialist",
    )
    specialist_name = forms.CharField(label="Or a named specialist", max_length=200, required=False)
    specialist_contact = forms.CharField(
        label="Specialist's contact details",
        max_length=300,
        required=False,
        help_text="Email, phone or website.",
    )
    reason = forms.CharField(
        widget=TEXTAREA, help_text="Why this service meets the client's needs more closely."
    )
    needs_data_sharing = forms.BooleanField(
        label="The referral passes on the client's details",
        required=False,
        initial=True,
        help_text="Needs the client's consent to sharing data with referral partners.",
    )
    follow_up_on = forms.DateField(label="Follow up on", required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Service.objects.filter(
            organisation_id=engagement.organisation_id, is_active=True
        ).order_by("name")


class ReferralOutcomeForm(forms.Form):
    outcome = forms.CharField(widget=TEXTAREA, required=False)
    usefulness_client = forms.ChoiceField(
        label="How useful, by the client's account",
        choices=[("", "Not known yet"), *Referral.Usefulness.choices],
        required=False,
    )
    usefulness_adviser = forms.ChoiceField(
        label="How useful, by your account",
        choices=[("", "Not known yet"), *Referral.Usefulness.choices],
        required=False,
    )
    follow_up_on = forms.DateField(label="Follow up on", required=False, widget=DATE_INPUT)


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Referral.Status.choices)


# List ------------------------------------------------------------------------------------------


class ReferralFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Client name", field_name="engagement__client__name", lookup_expr="icontains"
    )
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices, empty_label="Any status")
    overdue = django_filters.BooleanFilter(
        label="Follow-up overdue",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Referral
        fields = ["q", "status", "overdue"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_overdue(
        self, queryset: QuerySet[Referral], name: str, value: bool
    ) -> QuerySet[Referral]:
        if not value:
            return queryset
        return queryset.filter(
            status__in=selectors.REFERRAL_AWAITING_FOLLOW_UP,
            follow_up_on__lt=timezone.localdate(),
        )


class ReferralTable(tables.Table):
    client = tables.Column(
        accessor="engagement__client",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("engagement__client__name",),
    )
    referred_to = tables.Column(verbose_name="Referred to", orderable=False)
    status = tables.Column()
    made_on = tables.DateColumn(format="j M Y", default="Not yet")
    follow_up_on = tables.DateColumn(verbose_name="Follow up on", format="j M Y", default="Not yet")

    class Meta:
        model = Referral
        fields = ["client", "referred_to", "status", "made_on", "follow_up_on"]
        empty_text = "No referrals match."


class ReferralListView(PolicyListView):
    policy_model = Referral
    template_name = "delivery/referral_list.html"
    table_class = ReferralTable
    filterset_class = ReferralFilterSet

    def get_queryset(self) -> Any:
        return selectors.referrals_for(user=self.request.user)

    def can_add(self) -> bool:
        return False  # referrals are made from an engagement's page


# Pages -----------------------------------------------------------------------------------------


class ReferralViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _referral(request: HttpRequest, pk: int, action: str = "view") -> Referral:
    referral: Referral = get_object_for(request.user, Referral, action, pk=pk)
    return referral


class ReferralCreateView(ReferralViewMixin, View):
    """Suggest or make a referral for the engagement's client."""

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        if has_sharing_consent(engagement.client):
            intro = f"{engagement.client} consents to sharing their data with referral partners."
        else:
            intro = (
                f"{engagement.client} has not consented to sharing their data with referral "
                "partners: record their consent on the client's page before making a referral "
                "that passes on their details."
            )
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Make a referral for {engagement.client}",
                "intro": intro,
                "cancel_url": engagement_url(engagement),
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        return self._render(request, engagement, ReferralForm(engagement=engagement))

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = ReferralForm(request.POST, engagement=engagement)
        if form.is_valid():
            data = dict(form.cleaned_data)
            create = (
                services.referral_make
                if data.pop("action") == Referral.Status.MADE
                else services.referral_suggest
            )
            try:
                referral = create(engagement=engagement, acting_user=request.user, **data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{referral} saved.")
                return redirect(referral)
        return self._render(request, engagement, form)


class ReferralDetailView(ReferralViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = _referral(request, pk)
        policy = policy_for(Referral)
        can_change = policy.allows(request.user, "change", referral)
        moves = [
            (status, STATUS_ACTIONS[Referral.Status(status)])
            for status in Referral.Status.values
            if referral.can_move_to(status)
        ]
        return render(
            request,
            "delivery/referral_detail.html",
            {
                "referral": referral,
                "engagement": referral.engagement,
                "engagement_url": engagement_url(referral.engagement),
                "can_change": can_change,
                "can_audit": policy.allows(request.user, "audit", referral),
                "moves": moves if can_change else [],
            },
        )


class ReferralStatusView(ReferralViewMixin, View):
    """Move the referral on (a small form per button on its page)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = _referral(request, pk, "change")
        form = ReferralStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status to move the referral to.")
            return redirect(referral)
        try:
            services.referral_update_status(
                referral=referral, status=form.cleaned_data["status"], acting_user=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Referral now {referral.get_status_display().lower()}.")
        return redirect(referral)


class ReferralOutcomeView(ReferralViewMixin, View):
    def _render(self, request: HttpRequest, referral: Referral, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Outcome of the referral to {referral.referred_to}",
                "cancel_url": referral.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = _referral(request, pk, "change")
        form = ReferralOutcomeForm(
            initial={
                "outcome": referral.outcome,
                "usefulness_client": referral.usefulness_client,
                "usefulness_adviser": referral.usefulness_adviser,
                "follow_up_on": referral.follow_up_on,
            }
        )
        return self._render(request, referral, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = _referral(request, pk, "change")
        form = ReferralOutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.referral_record_outcome(
                    referral=referral, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Outcome saved.")
                return redirect(referral)
        return self._render(request, referral, form)


urlpatterns = [
    path("referrals/", ReferralListView.as_view(), name="referral-list"),
    path(
        "engagements/<int:engagement_pk>/referrals/new/",
        ReferralCreateView.as_view(),
        name="referral-create",
    ),
    path("referrals/<int:pk>/", ReferralDetailView.as_view(), name="referral-detail"),
    path("referrals/<int:pk>/status/", ReferralStatusView.as_view(), name="referral-status"),
    path("referrals/<int:pk>/outcome/", ReferralOutcomeView.as_view(), name="referral-outcome"),
]
