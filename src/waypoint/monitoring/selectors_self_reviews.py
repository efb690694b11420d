"""Reads for the client's self-review (000 req 3): the links of an engagement, the
self-reviews a user may see, and the latest one not yet considered at a review."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from waypoint.delivery.models import Engagement
from waypoint.monitoring.models import SelfReview, SelfReviewLink


def latest_unconsidered(engagement: Engagement) -> SelfReview | None:
    """The newest self-review of the engagement that no review has considered yet (a review
    points at the self-review it considered through ``Review.self_review``)."""
    return (
        SelfReview.objects.filter(engagement=engagement, reviews__isnull=True)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def links_for(engagement: Engagement, user: Any) -> QuerySet[SelfReviewLink]:
    """The engagement's links the user may see, newest first, with how often each was used."""
    return (
        SelfReviewLink.objects.restrict(user, "view")
        .filter(engagement=engagement)
        .select_related("created_by")
        .annotate(submissions=Count("self_reviews"))
        .order_by("-created_at", "-pk")
    )


def self_reviews_for(*, user: Any) -> QuerySet[SelfReview]:
    """The self-reviews of the engagements the user may see, newest first, each with the
    number of reviews that considered it."""
    return (
        SelfReview.objects.restrict(user, "view")
        .select_related("engagement__client", "engagement__programme")
        .annotate(considered_at=Count("reviews"))
        .order_by("-submitted_at", "-pk")
    )


def updates_with_actions(self_review: SelfReview) -> list[dict[str, Any]]:
    """The client's action updates with each action's description and the labels to show
    (only actions of the self-review's own engagement; rows whose action has gone are kept,
    marked so)."""
    from waypoint.delivery.models import Action

    updates = [u for u in self_review.action_updates or [] if isinstance(u, dict)]
    actions = Action.objects.filter(goal__plan__engagement=self_review.engagement_id).in_bulk(
        [u["action"] for u in updates if isinstance(u.get("action"), int)]
    )
    labels = dict(Action.Status.choices)
    rows = []
    for update in updates:
        action = actions.get(update.get("action"))
        rows.append(
            {
                "action": action,
                "description": action.description if action else "An action since removed",
                "status": labels.get(str(update.get("status") or ""), "Not said"),
                "progress": update.get("progress"),
                "note": update.get("note", ""),
                "plan_status": action.get_status_display() if action else "",
                "plan_progress": action.progress if action else None,
            }
        )
    return rows
