"""Pages for programmes and the service directory."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from waypoint.core.viewkit import PolicyViewMixin
from waypoint.delivery.models import Programme, Service


class ProgrammeListView(PolicyViewMixin, TemplateView):
    policy_model = Programme
    template_name = "delivery/placeholder.html"


class ServiceListView(PolicyViewMixin, TemplateView):
    policy_model = Service
    template_name = "delivery/placeholder.html"


urlpatterns = [
    path("programmes/", ProgrammeListView.as_view(), name="programme-list"),
    path("services/", ServiceListView.as_view(), name="service-list"),
]
