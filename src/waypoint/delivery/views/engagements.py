"""Pages for engagements and the caseload."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from waypoint.core.viewkit import PolicyViewMixin
from waypoint.delivery.models import Engagement


class CaseloadView(PolicyViewMixin, TemplateView):
    policy_model = Engagement
    template_name = "delivery/placeholder.html"


class EngagementListView(PolicyViewMixin, TemplateView):
    policy_model = Engagement
    template_name = "delivery/placeholder.html"


urlpatterns = [
    path("caseload/", CaseloadView.as_view(), name="caseload"),
    path("engagements/", EngagementListView.as_view(), name="engagement-list"),
]
