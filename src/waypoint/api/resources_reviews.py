"""API resources for reviews (000 req 1: reviews held as often and in as much detail as agreed).

``/api/v1/reviews/``: list (filter by engagement and by the dates held, ``from`` and ``to``),
retrieve with the progress on each goal and action, create (through ``review_record``: the
progress rows, concerns and programme changes in one transaction, all or nothing), and correct
(``PATCH``, through ``review_correct``: the review's narrative, ratings and dates, with a
``reason``; the recorder or a manager, while the engagement is open).
``/api/v1/reviews/due/``: the caller's reviews overdue, due now and coming up, with their
schedule (``scope`` mine, team or organisation; ``within_days``).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.clients.models import Person
from waypoint.core.models import RoleAssignment, User
from waypoint.delivery.models import Action, Engagement, Goal
from waypoint.delivery.selectors import CASELOAD_SCOPES
from waypoint.monitoring import selectors_reviews as selectors
from waypoint.monitoring.models import (
    ActionProgress,
    Concern,
    GoalProgress,
    Review,
    SelfReview,
)
from waypoint.monitoring.services.reviews import review_correct, review_record


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


class GoalProgressSerializer(serializers.ModelSerializer):
    statement = serializers.CharField(source="goal.statement", read_only=True)
    baseline = serializers.DecimalField(
        source="goal.baseline", max_digits=14, decimal_places=2, read_only=True
    )
    target_value = serializers.DecimalField(
        source="goal.target_value", max_digits=14, decimal_places=2, read_only=True
    )
    unit = serializers.CharField(source="goal.unit", read_only=True)

    class Meta:
        model = GoalProgress
        fields = ["goal", "statement", "baseline", "target_value", "unit", "measured_value", "note"]


class ActionProgressSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="action.description", read_only=True)

    class Meta:
        model = ActionProgress
        fields = ["action", "description", "status", "progress", "note"]


REVIEW_FIELDS = [
    "id",
    "engagement",
    "agreement",
    "due_on",
    "held_on",
    "depth",
    "staff",
    "client_people",
    "others_present",
    "client_rating",
    "adviser_rating",
    "went_well",
    "went_badly",
    "learnt",
    "satisfaction",
    "recommend",
    "next_review_on",
    "self_review",
    "recorded_by",
    "created_at",
    "updated_at",
]


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = REVIEW_FIELDS
        read_only_fields = REVIEW_FIELDS


class ReviewDetailSerializer(ReviewSerializer):
    timeliness = serializers.SerializerMethodField(
        help_text='"on time", "late", "early" or "unscheduled" (nothing was due).'
    )
    goal_progress = GoalProgressSerializer(many=True, read_only=True)
    action_progress = ActionProgressSerializer(many=True, read_only=True)
    concerns: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    programme_changes: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [
            *REVIEW_FIELDS,
            "timeliness",
            "goal_progress",
            "action_progress",
            "concerns",
            "programme_changes",
        ]
        read_only_fields = fields

    def get_timeliness(self, review: Review) -> str:
        return selectors.review_timeliness(review)


class GoalRowSerializer(serializers.Serializer):
    goal = IdField(queryset=Goal.objects.all())
    measured_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionRowSerializer(serializers.Serializer):
    action = IdField(queryset=Action.objects.all())
    status = serializers.ChoiceField(choices=Action.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the action becomes blocked or dropped: the reason.",
    )


class ConcernRowSerializer(serializers.Serializer):
    summary = serializers.CharField()
    about = serializers.ChoiceField(choices=Concern.About.choices)
    severity = serializers.ChoiceField(
        choices=Concern.Severity.choices, default=Concern.Severity.MEDIUM
    )


class ChangeRowSerializer(serializers.Serializer):
    what_changed = serializers.CharField()
    why = serializers.CharField()
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewCreateSerializer(serializers.Serializer):
    """A review to record. Goals and actions must belong to the engagement's plan (checked by
    the service, which names the row); the depth defaults to the agreement's."""

    engagement = IdField(queryset=Engagement.objects.none())
    held_on = serializers.DateField()
    depth = serializers.ChoiceField(choices=Review.Depth.choices, required=False, default="")
    staff = IdField(many=True, queryset=User.objects.filter(is_active=True), required=False)
    client_people = IdField(many=True, queryset=Person.objects.all(), required=False)
    others_present = serializers.CharField(required=False, allow_blank=True, default="")
    client_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    adviser_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    went_well = serializers.CharField(required=False, allow_blank=True, default="")
    went_badly = serializers.CharField(required=False, allow_blank=True, default="")
    learnt = serializers.CharField(required=False, allow_blank=True, default="")
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    recommend = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True, default=None
    )
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)
    goal_progress = GoalRowSerializer(many=True, required=False, default=list)
    action_progress = ActionRowSerializer(many=True, required=False, default=list)
    concerns = ConcernRowSerializer(many=True, required=False, default=list)
    programme_changes = ChangeRowSerializer(many=True, required=False, default=list)
    self_review = IdField(queryset=SelfReview.objects.none(), required=False, allow_null=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        cast(IdField, fields["engagement"]).queryset = _engagements(request, "change")
        if request is not None:
            user = request.user
            cast(IdField, fields["self_review"]).queryset = SelfReview.objects.restrict(
                user, "view"
            )
            cast(Any, fields["client_people"]).child_relation.queryset = Person.objects.restrict(
                user, "view"
            )
            for name, model in (("goal_progress", Goal), ("action_progress", Action)):
                row = cast(Any, fields[name]).child
                key = "goal" if model is Goal else "action"
                row.fields[key].queryset = model.objects.restrict(user, "view")
        return fields


# Fields of a review that a correction never changes, and where to change them instead.
NOT_CORRECTED_HERE = {
    "goal_progress": "Progress on goals is kept as recorded: change the goal on the action plan.",
    "action_progress": "Progress on actions is kept as recorded: change the action on the plan.",
    "concerns": "Concerns raised at the review have their own records: change them there.",
    "programme_changes": "Programme changes have their own records: change them there.",
    "engagement": "A review stays with its engagement.",
    "agreement": "The agreement in force when the review was held is kept.",
    "due_on": "When the review was due comes from the schedule and is kept.",
    "self_review": "The self-review considered at the review is kept.",
    "recorded_by": "Who recorded the review is kept.",
}


class ReviewCorrectSerializer(serializers.Serializer):
    """A correction of a review: any of its narrative, ratings and dates, and the ``reason``
    (required). The date held follows the same rules as when it was recorded."""

    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why the review is corrected (required)."
    )
    held_on = serializers.DateField(required=False)
    depth = serializers.ChoiceField(choices=Review.Depth.choices, required=False)
    staff = IdField(many=True, queryset=User.objects.none(), required=False)
    client_people = IdField(many=True, queryset=Person.objects.none(), required=False)
    others_present = serializers.CharField(required=False, allow_blank=True, max_length=300)
    client_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    adviser_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    went_well = serializers.CharField(required=False, allow_blank=True)
    went_badly = serializers.CharField(required=False, allow_blank=True)
    learnt = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    recommend = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    next_review_on = serializers.DateField(required=False, allow_null=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        review = self.context.get("review")
        if request is not None and review is not None:
            # The organisation's people, and whoever took part (even if they have since left).
            members = RoleAssignment.objects.filter(organisation_id=review.organisation_id)
            cast(Any, fields["staff"]).child_relation.queryset = User.objects.filter(
                pk__in=members.values("user_id"), is_active=True
            ) | User.objects.filter(pk__in=review.staff.values("pk"))
            cast(Any, fields["client_people"]).child_relation.queryset = Person.objects.restrict(
                request.user, "view"
            )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = self.initial_data if isinstance(self.initial_data, dict) else {}
        refused = {name: [message] for name, message in NOT_CORRECTED_HERE.items() if name in given}
        if refused:
            raise serializers.ValidationError(refused)
        return attrs


class ReviewFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)

    class Meta:
        model = Review
        fields = ["engagement", "depth"]


# "from" is a Python keyword: these two filters are added by name.
ReviewFilterSet.base_filters["from"] = django_filters.DateFilter(
    field_name="held_on", lookup_expr="gte", label="Held on or after"
)
ReviewFilterSet.base_filters["to"] = django_filters.DateFilter(
    field_name="held_on", lookup_expr="lte", label="Held on or before"
)


class ScheduleSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(source="engagement.pk")
    client = serializers.CharField(source="engagement.client.name")
    programme = serializers.CharField(source="engagement.programme.name")
    lead_adviser = serializers.IntegerField(source="engagement.lead_adviser_id")
    next_due = serializers.DateField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    state = serializers.ChoiceField(choices=[(s, s) for s in selectors.STATES])
    state_text = serializers.CharField()
    last_review = serializers.IntegerField(source="last_review.pk", allow_null=True)
    last_held_on = serializers.DateField(source="last_review.held_on", allow_null=True)


class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Reviews of the engagements the caller may see, newest first."""

    model = Review
    filterset_class = ReviewFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["engagement__client__name", "went_well", "went_badly", "learnt"]
    ordering_fields = ["held_on", "due_on", "created_at"]

    def get_queryset(self) -> Any:
        reviews = selectors.reviews_for(user=self.request.user)
        if self.action == "retrieve":
            reviews = reviews.prefetch_related(
                "goal_progress__goal",
                "action_progress__action",
                "staff",
                "client_people",
                "concerns",
                "programme_changes",
            )
        else:
            reviews = reviews.prefetch_related("staff", "client_people")
        return reviews

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return ReviewDetailSerializer
        if self.action == "create":
            return ReviewCreateSerializer
        return ReviewSerializer

    @extend_schema(
        request=ReviewCreateSerializer,
        responses={201: ReviewDetailSerializer, 400: ERROR_SCHEMA},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a review with its progress rows, concerns and programme changes."""
        data = ReviewCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        review = review_record(acting_user=request.user, **data.validated_data)
        body = ReviewDetailSerializer(review, context=self.get_serializer_context()).data
        return Response(body, status=201)

    @extend_schema(
        request=ReviewCorrectSerializer,
        responses={200: ReviewDetailSerializer, 400: ERROR_SCHEMA},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct a review's narrative, ratings and dates, saying why (``reason``): its
        recorder or a manager of the organisation, while the engagement is open. Progress,
        concerns and programme changes are not corrected here."""
        review = self.get_object()  # 404 out of view, 403 seen but not to be corrected
        context = {**self.get_serializer_context(), "review": review}
        data = ReviewCorrectSerializer(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        corrected = review_correct(
            review=review, acting_user=request.user, reason=reason, **changes
        )
        corrected = self.get_queryset().get(pk=corrected.pk)
        return Response(
            ReviewDetailSerializer(corrected, context=self.get_serializer_context()).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=list(CASELOAD_SCOPES), required=False),
            OpenApiParameter("within_days", int, required=False),
        ],
        responses={200: ScheduleSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def due(self, request: Request) -> Response:
        """The caller's reviews overdue (past the on-time window), due now and coming up
        within ``within_days`` (14 by default): overdue first. Managers may ask for their
        team's or organisation's (``scope``)."""
        scope = request.query_params.get("scope", "mine")
        if scope not in CASELOAD_SCOPES:
            raise serializers.ValidationError({"scope": [f"One of {', '.join(CASELOAD_SCOPES)}."]})
        try:
            within = int(request.query_params.get("within_days", 14))
        except ValueError:
            within = -1
        if not 0 <= within <= 366:
            raise serializers.ValidationError(
                {"within_days": ["A whole number of days, 0 to 366."]}
            )
        schedules = selectors.reviews_due(request.user, within_days=within, scope=scope)
        page: Any = self.paginate_queryset(schedules)  # type: ignore[arg-type]
        rows = ScheduleSerializer(page if page is not None else schedules, many=True).data
        return self.get_paginated_response(rows) if page is not None else Response(rows)


def register(router: SimpleRouter) -> None:
    """Add the reviews resources to the API router."""
    router.register("reviews", ReviewViewSet, basename="review")
