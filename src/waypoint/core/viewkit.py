"""What every Waypoint page view shares: policy checks, 404 for out of scope, service errors.

- ``get_object_for(user, model, action, **lookup)``: a record the user may act on; 404 when
  the user cannot see it (its existence is not revealed), 403 when they can see but not act.
- ``PolicyViewMixin``: sign-in required, and 403 for a person whose roles give no access at all.
- ``apply_validation_error(form, error)``: a service's ``ValidationError`` onto the form fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from waypoint.core.permissions import policy_for


def get_object_for(
    user: Any, model: type[models.Model], action: str = "view", **lookup: Any
) -> Any:
    policy = policy_for(model)
    base = model._default_manager.all()
    try:
        return policy.restrict(base, user, action).get(**lookup)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        pass
    except (ValueError, ValidationError):
        # A malformed key (``/api/v1/teams/abc/``) names no record: 404, not a server error.
        raise Http404(f"No {model._meta.verbose_name} found.") from None
    if action != "view" and policy.restrict(base, user, "view").filter(**lookup).exists():
        raise PermissionDenied(
            f"You can see this {model._meta.verbose_name} "
            f"but your role does not let you {action} it."
        )
    raise Http404(f"No {model._meta.verbose_name} found.")


class PolicyViewMixin(LoginRequiredMixin):
    """Requires sign-in and some access to ``policy_model`` for ``policy_action``."""

    policy_model: type[models.Model]
    policy_action = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not policy_for(self.policy_model).can_any(request.user, self.policy_action):
            raise PermissionDenied("Your role does not give you access to this page.")
        return super().dispatch(request, *args, **kwargs)


def apply_validation_error(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for field_error in errors:
                form.add_error(target, field_error)
    else:
        for message in error.messages:
            form.add_error(None, message)


class PolicyListView(PolicyViewMixin, SingleTableMixin, FilterView):
    """A searchable, filterable, paginated list of what the user may see.

    Subclasses set ``policy_model``, ``template_name``, ``table_class``, ``filterset_class`` and
    ``get_queryset`` (from a selector). The filter set receives ``user`` so that its choices
    (organisations, teams...) are restricted too. ``can_add`` drives the "New" button.
    """

    table_pagination = {"per_page": 25}

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def can_add(self) -> bool:
        return policy_for(self.policy_model).can_add(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.can_add()
        return context


def render_form(
    request: HttpRequest,
    form: Any,
    title: str,
    cancel_url: str,
    intro: str = "",
    submit_label: str = "Save",
) -> HttpResponse:
    """A page with one form (core/form.html): its title, an introduction, the submit button's
    label and where Cancel goes."""
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "cancel_url": cancel_url,
            "submit_label": submit_label,
        },
    )
