"""API resource for the client's self-reviews (000 req 3: clients review their progress
against their action plan; req 5: the concerns they raise).

``/api/v1/self-reviews/``: list (filter by engagement, and by whether a review has considered
it yet) and retrieve, read-only. Self-reviews are submitted by the client through their signed
link, never through the API; they follow their engagement's permissions.
"""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import mixins, serializers
from rest_framework.routers import SimpleRouter

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.views import PolicyViewSet
from waypoint.delivery.models import Engagement
from waypoint.monitoring import selectors_self_reviews as selectors
from waypoint.monitoring.models import SelfReview


def _engagements(request: Any) -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, "view")


class ActionUpdateSerializer(serializers.Serializer):
    action = serializers.IntegerField(
        required=False, help_text="The action's id in the engagement's plan."
    )
    status = serializers.CharField(
        required=False,
        help_text="not_started, in_progress or done; empty when the client did not say.",
    )
    progress = serializers.IntegerField(required=False, min_value=0, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True)


class SelfReviewSerializer(serializers.ModelSerializer):
    action_updates = ActionUpdateSerializer(many=True, read_only=True)
    considered_at_reviews: Any = serializers.PrimaryKeyRelatedField(
        source="reviews", many=True, read_only=True, help_text="Reviews that considered it."
    )
    concerns: Any = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Concerns the client raised with it."
    )

    class Meta:
        model = SelfReview
        fields = [
            "id",
            "engagement",
            "link",
            "submitted_at",
            "submitted_by_name",
            "action_updates",
            "support_rating",
            "progress_comment",
            "improvements",
            "considered_at_reviews",
            "concerns",
            "created_at",
        ]
        read_only_fields = fields


class SelfReviewFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)
    considered = django_filters.BooleanFilter(
        field_name="reviews",
        lookup_expr="isnull",
        exclude=True,
        distinct=True,
        label="Considered at a review",
    )

    class Meta:
        model = SelfReview
        fields = ["engagement", "support_rating"]


class SelfReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Self-reviews of the engagements the caller may see, newest first."""

    model = SelfReview
    serializer_class = SelfReviewSerializer
    filterset_class = SelfReviewFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["progress_comment", "improvements", "submitted_by_name"]
    ordering_fields = ["submitted_at", "support_rating"]

    def get_queryset(self) -> Any:
        return selectors.self_reviews_for(user=self.request.user).prefetch_related(
            "reviews", "concerns"
        )


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("self-reviews", SelfReviewViewSet, basename="self-review")
