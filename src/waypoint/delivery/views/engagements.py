"""Pages for engagements (list, page, opening, moves, eligibility, advisers) and the caseload."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from waypoint.clients.models import Client
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)
from waypoint.delivery import selectors
from waypoint.delivery.extensions import engagement_sections
from waypoint.delivery.filtersets import EngagementFilterSet
from waypoint.delivery.forms_engagements import (
    AdvisersForm,
    EligibilityCheckForm,
    EngagementMoveForm,
    EngagementOpenForm,
)
from waypoint.delivery.models import Engagement
from waypoint.delivery.services import engagements as services
from waypoint.delivery.tables import CaseloadTable, EngagementTable

FORM_TEMPLATE = "core/form.html"


def _status_label(status: str) -> str:
    return str(Engagement.Status(status).label)


class EngagementListView(PolicyListView):
    policy_model = Engagement
    template_name = "delivery/engagement_list.html"
    table_class = EngagementTable
    filterset_class = EngagementFilterSet

    def get_queryset(self) -> Any:
        return selectors.engagements_for(user=self.request.user)

    def can_add(self) -> bool:
        return False  # engagements are opened from a client's page


class EngagementDetailView(LoginRequiredMixin, TemplateView):
    template_name = "delivery/engagement_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        engagement = selectors.engagement_with_contacts(user=user, pk=kwargs["pk"])
        if engagement is None:  # not there, or out of the user's view: the same answer
            raise Http404("No engagement found.")
        policy = policy_for(Engagement)
        can_change = policy.allows(user, "change", engagement)
        checks = engagement.eligibility_checks.select_related("condition").order_by(
            "condition__position", "condition__pk"
        )
        context.update(
            engagement=engagement,
            can_change=can_change,
            can_audit=policy.allows(user, "audit", engagement),
            next_steps=[
                (status, _status_label(status))
                for status in services.allowed_moves(engagement)
                if not services.move_refusal(engagement, status)
            ]
            if can_change
            else [],
            needs_eligibility_check=can_change
            and engagement.status == Engagement.Status.ENQUIRY
            and engagement.programme.eligibility_conditions.exists(),
            history=selectors.engagement_history(engagement=engagement),
            checks=checks,
            advisers=engagement.advisers.all(),
            extra_sections=engagement_sections(),
        )
        return context


class EngagementOpenView(LoginRequiredMixin, View):
    """Open an engagement for a client, on a programme the client's organisation delivers."""

    def _setup(self, request: HttpRequest, client_id: int) -> tuple[Client, Any, Any]:
        client = get_object_for(request.user, Client, "view", pk=client_id)
        if not policy_for(Engagement).can_add(request.user, client.organisation_id):
            raise PermissionDenied("Your role does not let you open engagements for this client.")
        programmes = selectors.programmes_delivered_by(
            user=request.user, organisation_id=client.organisation_id
        )
        advisers = selectors.advisers_for(organisation_id=client.organisation_id)
        return client, programmes, advisers

    def _page(self, request: HttpRequest, client: Client, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Open an engagement for {client}",
                "intro": f"Programmes that {client.organisation} delivers.",
                "cancel_url": client.get_absolute_url(),
                "submit_label": "Open engagement",
            },
        )

    def get(self, request: HttpRequest, client_id: int) -> HttpResponse:
        client, programmes, advisers = self._setup(request, client_id)
        initial: dict[str, Any] = {"enquiry_date": timezone.localdate()}
        if advisers.filter(pk=request.user.pk).exists():
            initial["lead_adviser"] = request.user
        form = EngagementOpenForm(initial=initial, programmes=programmes, advisers=advisers)
        return self._page(request, client, form)

    def post(self, request: HttpRequest, client_id: int) -> HttpResponse:
        client, programmes, advisers = self._setup(request, client_id)
        form = EngagementOpenForm(request.POST, programmes=programmes, advisers=advisers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                engagement = services.engagement_open(
                    client=client,
                    programme=data["programme"],
                    organisation=client.organisation,
                    lead_adviser=data["lead_adviser"],
                    enquiry_date=data["enquiry_date"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Engagement opened: {engagement}.")
                return redirect(engagement)
        return self._page(request, client, form)


class EngagementMoveView(LoginRequiredMixin, View):
    """Move an engagement to ``to_status``, asking the reason (and end reason, to close)."""

    def _page(
        self, request: HttpRequest, engagement: Engagement, to: str, form: Any, intro: str = ""
    ) -> Any:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Move {engagement} to {_status_label(to)}",
                "intro": intro or f"It is at {_status_label(engagement.status)} now.",
                "cancel_url": engagement.get_absolute_url(),
                "submit_label": f"Move to {_status_label(to)}",
            },
        )

    def _setup(self, request: HttpRequest, pk: int, to_status: str) -> Engagement:
        engagement = get_object_for(request.user, Engagement, "change", pk=pk)
        if to_status not in Engagement.Status.values:
            raise Http404("No such status.")
        return engagement

    def get(self, request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
        engagement = self._setup(request, pk, to_status)
        form = EngagementMoveForm(to_status=to_status)
        return self._page(
            request, engagement, to_status, form, services.move_refusal(engagement, to_status)
        )

    def post(self, request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
        engagement = self._setup(request, pk, to_status)
        form = EngagementMoveForm(request.POST, to_status=to_status)
        if form.is_valid():
            try:
                services.engagement_move(
                    engagement=engagement,
                    to_status=to_status,
                    reason=form.cleaned_data["reason"],
                    end_reason=form.cleaned_data.get("end_reason") or None,
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Engagement moved to {_status_label(to_status)}.")
                return redirect(engagement)
        return self._page(request, engagement, to_status, form)


class EligibilityCheckView(LoginRequiredMixin, View):
    def _page(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Eligibility check: {engagement}",
                "intro": f"Answer every condition of {engagement.programme}. If any is not met, "
                "the engagement closes as not eligible.",
                "cancel_url": engagement.get_absolute_url(),
                "submit_label": "Record the eligibility check",
            },
        )

    def _setup(self, request: HttpRequest, pk: int) -> tuple[Engagement, list[Any]]:
        engagement = get_object_for(request.user, Engagement, "change", pk=pk)
        return engagement, list(engagement.programme.eligibility_conditions.all())

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        engagement, conditions = self._setup(request, pk)
        return self._page(request, engagement, EligibilityCheckForm(conditions=conditions))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        engagement, conditions = self._setup(request, pk)
        form = EligibilityCheckForm(request.POST, conditions=conditions)
        if form.is_valid():
            try:
                engagement = services.eligibility_check(
                    engagement=engagement, answers=form.answers(), acting_user=request.user
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"Eligibility recorded: {_status_label(engagement.status)}."
                )
                return redirect(engagement)
        return self._page(request, engagement, form)


class EngagementAdvisersView(LoginRequiredMixin, View):
    def _setup(self, request: HttpRequest, pk: int) -> tuple[Engagement, Any]:
        engagement = get_object_for(request.user, Engagement, "change", pk=pk)
        advisers = selectors.advisers_for(organisation_id=engagement.organisation_id)
        return engagement, advisers

    def _page(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Advisers for {engagement}",
                "cancel_url": engagement.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        engagement, advisers = self._setup(request, pk)
        initial = {
            "lead_adviser": engagement.lead_adviser,
            "advisers": list(engagement.advisers.all()),
        }
        form = AdvisersForm(initial=initial, advisers=advisers)
        return self._page(request, engagement, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        engagement, advisers = self._setup(request, pk)
        form = AdvisersForm(request.POST, advisers=advisers)
        if form.is_valid():
            try:
                with transaction.atomic():  # both or neither
                    services.engagement_change_lead(
                        engagement=engagement,
                        lead_adviser=form.cleaned_data["lead_adviser"],
                        acting_user=request.user,
                    )
                    services.engagement_assign_advisers(
                        engagement=engagement,
                        advisers=form.cleaned_data["advisers"],
                        acting_user=request.user,
                    )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Advisers saved.")
                return redirect(engagement)
        return self._page(request, engagement, form)


class CaseloadView(PolicyViewMixin, TemplateView):
    """The signed-in person's open engagements; managers can switch to their team or
    organisation."""

    policy_model = Engagement
    template_name = "delivery/caseload.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        scopes = selectors.caseload_scopes(user=user)
        scope = self.request.GET.get("view", "mine")
        if scope not in scopes:
            scope = "mine"
        table = CaseloadTable(selectors.caseload_for(user=user, scope=scope))
        RequestConfig(self.request, paginate={"per_page": 25}).configure(table)
        labels = {"mine": "Mine", "team": "My team", "organisation": "Organisation"}
        context.update(
            table=table,
            scope=scope,
            scopes=[(s, labels[s]) for s in scopes] if len(scopes) > 1 else [],
        )
        return context


urlpatterns = [
    path("caseload/", CaseloadView.as_view(), name="caseload"),
    path("engagements/", EngagementListView.as_view(), name="engagement-list"),
    path("engagements/<int:pk>/", EngagementDetailView.as_view(), name="engagement-detail"),
    path(
        "clients/<int:client_id>/engagements/new/",
        EngagementOpenView.as_view(),
        name="engagement-open",
    ),
    path(
        "engagements/<int:pk>/move/<str:to_status>/",
        EngagementMoveView.as_view(),
        name="engagement-move",
    ),
    path(
        "engagements/<int:pk>/eligibility/",
        EligibilityCheckView.as_view(),
        name="engagement-eligibility",
    ),
    path(
        "engagements/<int:pk>/advisers/",
        EngagementAdvisersView.as_view(),
        name="engagement-advisers",
    ),
]
