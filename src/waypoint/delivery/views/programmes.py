"""Pages for programmes (checklist, budgets, delivering organisations) and the service directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView

from waypoint.core.models import Organisation
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyListView, apply_validation_error, get_object_for
from waypoint.delivery import selectors
from waypoint.delivery.extensions import programme_sections
from waypoint.delivery.filtersets import ProgrammeFilterSet, ServiceFilterSet
from waypoint.delivery.forms_engagements import (
    EligibilityConditionForm,
    ProgrammeBudgetForm,
    ProgrammeForm,
    ServiceForm,
)
from waypoint.delivery.models import EligibilityCondition, Programme, ProgrammeBudget, Service
from waypoint.delivery.services import programmes as services
from waypoint.delivery.tables import ProgrammeTable, ServiceTable

FORM_TEMPLATE = "core/form.html"


def _form_page(request: HttpRequest, form: BaseForm, title: str, cancel_url: str) -> HttpResponse:
    return render(request, FORM_TEMPLATE, {"form": form, "title": title, "cancel_url": cancel_url})


def _save_or_errors(form: BaseForm, save: Callable[[], Any]) -> Any:
    """Run the service; on a ValidationError put its messages on the form and return None."""
    try:
        return save()
    except ValidationError as error:
        apply_validation_error(form, error)
        return None


def _organisations_for_add(request: HttpRequest, model: type[Model]) -> Any:
    allowed = policy_for(model).organisations_for_add(request.user)  # type: ignore[attr-defined]
    if allowed is not None and not allowed:
        raise PermissionDenied(f"Your role does not let you add {model._meta.verbose_name_plural}.")
    organisations = Organisation.objects.filter(is_active=True)
    return organisations if allowed is None else organisations.filter(pk__in=allowed)


# Programmes ------------------------------------------------------------------------------------


class ProgrammeListView(PolicyListView):
    policy_model = Programme
    template_name = "delivery/programme_list.html"
    table_class = ProgrammeTable
    filterset_class = ProgrammeFilterSet

    def get_queryset(self) -> Any:
        return selectors.programmes_for(user=self.request.user)


class ProgrammeDetailView(LoginRequiredMixin, TemplateView):
    template_name = "delivery/programme_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        programme = get_object_for(user, Programme, "view", pk=kwargs["pk"])
        policy = policy_for(Programme)
        context.update(
            programme=programme,
            conditions=programme.eligibility_conditions.all(),
            budgets=programme.budgets.all(),
            delivering=programme.delivering_organisations.all(),
            can_change=policy.allows(user, "change", programme),
            can_audit=policy.allows(user, "audit", programme),
            engagement_count=selectors.engagements_for(user=user)
            .filter(programme=programme)
            .count(),
            extra_sections=programme_sections(),
        )
        return context


class ProgrammeFormView(LoginRequiredMixin, View):
    """Create a programme (no ``pk``) or edit one."""

    def _programme(self, request: HttpRequest, pk: int | None) -> Programme | None:
        return None if pk is None else get_object_for(request.user, Programme, "change", pk=pk)

    def _form(self, request: HttpRequest, programme: Programme | None, data: Any = None) -> Any:
        owners = None if programme else _organisations_for_add(request, Programme)
        initial = (
            {"delivering_organisations": list(programme.delivering_organisations.all())}
            if programme
            else {}
        )
        return ProgrammeForm(data, instance=programme, initial=initial, owners=owners)

    def _page(self, request: HttpRequest, programme: Programme | None, form: Any) -> HttpResponse:
        if programme:
            return _form_page(request, form, f"Edit {programme}", programme.get_absolute_url())
        return _form_page(request, form, "New programme", reverse("delivery:programme-list"))

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        programme = self._programme(request, pk)
        return self._page(request, programme, self._form(request, programme))

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        programme = self._programme(request, pk)
        form = self._form(request, programme, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if programme is None:
                saved = _save_or_errors(
                    form,
                    lambda: services.programme_create(
                        organisation=data["organisation"],
                        delivering_organisations=data["delivering_organisations"],
                        acting_user=request.user,
                        **form.programme_fields(),
                    ),
                )
            else:
                saved = _save_or_errors(
                    form,
                    lambda: services.programme_update(
                        programme=programme,
                        delivering_organisations=data["delivering_organisations"],
                        acting_user=request.user,
                        **form.programme_fields(),
                    ),
                )
            if saved is not None:
                messages.success(request, f"Programme {saved} saved.")
                return redirect(saved)
        return self._page(request, programme, form)


class ConditionFormView(LoginRequiredMixin, View):
    """Add a condition to a programme's checklist (``programme``) or edit one (``pk``)."""

    def _objects(
        self, request: HttpRequest, programme: int | None, pk: int | None
    ) -> tuple[Programme, EligibilityCondition | None]:
        if pk is not None:
            condition = get_object_for(request.user, EligibilityCondition, "change", pk=pk)
            return condition.programme, condition
        return get_object_for(request.user, Programme, "change", pk=programme), None

    def get(
        self, request: HttpRequest, programme: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        owner, condition = self._objects(request, programme, pk)
        form = EligibilityConditionForm(instance=condition)
        if condition is None:
            form.fields["position"].required = False
        return self._page(request, owner, condition, form)

    def post(
        self, request: HttpRequest, programme: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        owner, condition = self._objects(request, programme, pk)
        form = EligibilityConditionForm(request.POST, instance=condition)
        if condition is None:
            form.fields["position"].required = False
        if form.is_valid():
            data = form.cleaned_data
            if condition is None:
                saved = _save_or_errors(
                    form,
                    lambda: services.eligibility_condition_add(
                        programme=owner,
                        text=data["text"],
                        position=data.get("position"),
                        acting_user=request.user,
                    ),
                )
            else:
                saved = _save_or_errors(
                    form,
                    lambda: services.eligibility_condition_update(
                        condition=condition,
                        text=data["text"],
                        position=data["position"],
                        acting_user=request.user,
                    ),
                )
            if saved is not None:
                messages.success(request, "Eligibility checklist saved.")
                return redirect(owner)
        return self._page(request, owner, condition, form)

    def _page(
        self,
        request: HttpRequest,
        programme: Programme,
        condition: EligibilityCondition | None,
        form: Any,
    ) -> HttpResponse:
        title = "Edit eligibility condition" if condition else f"New condition for {programme}"
        return _form_page(request, form, title, programme.get_absolute_url())


class ConditionDeleteView(LoginRequiredMixin, View):
    def _page(self, request: HttpRequest, condition: Any, error: str = "") -> HttpResponse:
        return render(
            request,
            "core/confirm_delete.html",
            {
                "object": condition,
                "title": f"Remove “{condition}” from the checklist?",
                "consequences": [
                    "Eligibility checks not yet recorded will no longer ask it.",
                    "The removal is recorded in the audit log.",
                ],
                "error": error,
                "confirm_label": "Remove",
                "cancel_url": condition.programme.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        condition = get_object_for(request.user, EligibilityCondition, "change", pk=pk)
        return self._page(request, condition)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        condition = get_object_for(request.user, EligibilityCondition, "change", pk=pk)
        programme = condition.programme
        try:
            services.eligibility_condition_remove(condition=condition, acting_user=request.user)
        except ValidationError as error:
            return self._page(request, condition, " ".join(error.messages))
        messages.success(request, "Condition removed.")
        return redirect(programme)


class BudgetFormView(LoginRequiredMixin, View):
    """Set a programme's budget for a period (a new period, or a new amount for one)."""

    def get(self, request: HttpRequest, programme: int) -> HttpResponse:
        owner = get_object_for(request.user, Programme, "change", pk=programme)
        period = request.GET.get("period", "")
        budget = owner.budgets.filter(period=period).first() if period else None
        return self._page(request, owner, ProgrammeBudgetForm(instance=budget))

    def post(self, request: HttpRequest, programme: int) -> HttpResponse:
        owner = get_object_for(request.user, Programme, "change", pk=programme)
        form = ProgrammeBudgetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            saved = _save_or_errors(
                form,
                lambda: services.programme_budget_set(
                    programme=owner,
                    period=data["period"],
                    amount=data["amount"],
                    acting_user=request.user,
                ),
            )
            if saved is not None:
                messages.success(request, f"Budget for {saved.period} saved.")
                return redirect(owner)
        return self._page(request, owner, form)

    def _page(self, request: HttpRequest, programme: Programme, form: Any) -> HttpResponse:
        return _form_page(request, form, f"Budget for {programme}", programme.get_absolute_url())


class BudgetDeleteView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        budget = get_object_for(request.user, ProgrammeBudget, "change", pk=pk)
        return render(
            request,
            "core/confirm_delete.html",
            {
                "object": budget,
                "title": f"Remove the budget for {budget.period}?",
                "consequences": ["The removal is recorded in the audit log."],
                "confirm_label": "Remove",
                "cancel_url": budget.programme.get_absolute_url(),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        budget = get_object_for(request.user, ProgrammeBudget, "change", pk=pk)
        programme = budget.programme
        services.programme_budget_remove(budget=budget, acting_user=request.user)
        messages.success(request, "Budget removed.")
        return redirect(programme)


# Service directory -----------------------------------------------------------------------------


class ServiceListView(PolicyListView):
    policy_model = Service
    template_name = "delivery/service_list.html"
    table_class = ServiceTable
    filterset_class = ServiceFilterSet

    def get_queryset(self) -> Any:
        return selectors.services_for(user=self.request.user)


class ServiceDetailView(LoginRequiredMixin, TemplateView):
    template_name = "delivery/service_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        service = get_object_for(user, Service, "view", pk=kwargs["pk"])
        policy = policy_for(Service)
        context.update(
            service=service,
            can_change=policy.allows(user, "change", service),
            can_audit=policy.allows(user, "audit", service),
        )
        return context


class ServiceFormView(LoginRequiredMixin, View):
    def _service(self, request: HttpRequest, pk: int | None) -> Service | None:
        return None if pk is None else get_object_for(request.user, Service, "change", pk=pk)

    def _form(self, request: HttpRequest, service: Service | None, data: Any = None) -> Any:
        organisations = None if service else _organisations_for_add(request, Service)
        return ServiceForm(data, instance=service, organisations=organisations)

    def _page(self, request: HttpRequest, service: Service | None, form: Any) -> HttpResponse:
        if service:
            return _form_page(request, form, f"Edit {service}", service.get_absolute_url())
        return _form_page(request, form, "New service", reverse("delivery:service-list"))

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        service = self._service(request, pk)
        return self._page(request, service, self._form(request, service))

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        service = self._service(request, pk)
        form = self._form(request, service, request.POST)
        if form.is_valid():
            if service is None:
                saved = _save_or_errors(
                    form,
                    lambda: services.service_create(
                        organisation=form.cleaned_data["organisation"],
                        acting_user=request.user,
                        **form.service_fields(),
                    ),
                )
            else:
                saved = _save_or_errors(
                    form,
                    lambda: services.service_update(
                        service=service, acting_user=request.user, **form.service_fields()
                    ),
                )
            if saved is not None:
                messages.success(request, f"Service {saved} saved.")
                return redirect(saved)
        return self._page(request, service, form)


class ServiceActiveView(LoginRequiredMixin, View):
    """Deactivate a service (``active=False``) or restore it."""

    active = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        service = get_object_for(request.user, Service, "change", pk=pk)
        verb = "Restore" if self.active else "Withdraw"
        return render(
            request,
            "core/confirm_delete.html",
            {
                "object": service,
                "title": f"{verb} {service}?",
                "consequences": [
                    "It is kept, with the referrals made to it, and can be restored."
                    if not self.active
                    else "It will be offered for referrals again.",
                    "The change is recorded in the audit log.",
                ],
                "confirm_label": verb,
                "cancel_url": service.get_absolute_url(),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        service = get_object_for(request.user, Service, "change", pk=pk)
        services.service_set_active(service=service, active=self.active, acting_user=request.user)
        messages.success(request, f"{service} {'restored' if self.active else 'withdrawn'}.")
        return redirect(service)


urlpatterns = [
    path("programmes/", ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/new/", ProgrammeFormView.as_view(), name="programme-create"),
    path("programmes/<int:pk>/", ProgrammeDetailView.as_view(), name="programme-detail"),
    path("programmes/<int:pk>/edit/", ProgrammeFormView.as_view(), name="programme-edit"),
    path(
        "programmes/<int:programme>/conditions/new/",
        ConditionFormView.as_view(),
        name="condition-create",
    ),
    path(
        "programmes/conditions/<int:pk>/edit/", ConditionFormView.as_view(), name="condition-edit"
    ),
    path(
        "programmes/conditions/<int:pk>/remove/",
        ConditionDeleteView.as_view(),
        name="condition-delete",
    ),
    path("programmes/<int:programme>/budget/", BudgetFormView.as_view(), name="budget-set"),
    path("programmes/budgets/<int:pk>/remove/", BudgetDeleteView.as_view(), name="budget-delete"),
    path("services/", ServiceListView.as_view(), name="service-list"),
    path("services/new/", ServiceFormView.as_view(), name="service-create"),
    path("services/<int:pk>/", ServiceDetailView.as_view(), name="service-detail"),
    path("services/<int:pk>/edit/", ServiceFormView.as_view(), name="service-edit"),
    path(
        "services/<int:pk>/withdraw/",
        ServiceActiveView.as_view(active=False),
        name="service-deactivate",
    ),
    path(
        "services/<int:pk>/restore/",
        ServiceActiveView.as_view(active=True),
        name="service-activate",
    ),
]
