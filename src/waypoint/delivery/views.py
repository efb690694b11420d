"""Pages for delivery (being built: see the issue "Clients, programmes, engagements...")."""

from __future__ import annotations

from django.views.generic import TemplateView

from waypoint.core.viewkit import PolicyViewMixin
from waypoint.delivery.models import Engagement, Programme, Service


class _Placeholder(PolicyViewMixin, TemplateView):
    template_name = "delivery/placeholder.html"


class CaseloadView(_Placeholder):
    policy_model = Engagement


class EngagementListView(_Placeholder):
    policy_model = Engagement


class ProgrammeListView(_Placeholder):
    policy_model = Programme


class ServiceListView(_Placeholder):
    policy_model = Service
