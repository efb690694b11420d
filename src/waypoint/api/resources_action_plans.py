"""API resource for action plans (001 E5.08 3.1, 3.2).

``/api/v1/action-plans/``: list (filter by engagement), retrieve, with the goals and their
actions nested read-only; create starts an engagement's plan; ``POST {id}/goals/`` adds a SMART
goal and ``POST {id}/actions/`` an action to one of its goals; ``PATCH {id}/goals/{goal}/``
and ``PATCH {id}/actions/{action}/`` change them. Each change is kept in the plan's history with
its reason; moving a date, blocking or dropping is re-planning and needs one (001 E5.08 3.2).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from waypoint.api.resources_records import EngagementAccess
from waypoint.api.serializers import ERROR_SCHEMA, IdField
from waypoint.api.views import PolicyViewSet
from waypoint.core.viewkit import get_object_for
from waypoint.delivery import selectors
from waypoint.delivery.models import Action, ActionPlan, Engagement, Goal
from waypoint.delivery.services import action_plans as services


def _engagements(request: Any, action: str = "view") -> Any:
    if request is None:
        return Engagement.objects.none()
    return Engagement.objects.restrict(request.user, action)


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Action
        fields = ["id", *services.ACTION_FIELDS, "position"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["id", *services.GOAL_FIELDS, "position", "actions"]
        read_only_fields = fields


class ActionPlanSerializer(serializers.ModelSerializer):
    engagement = IdField(queryset=Engagement.objects.none())
    goals = GoalSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "engagement", "title", "goals", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "goals", "created_by", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        cast(IdField, fields["engagement"]).queryset = _engagements(
            self.context.get("request"), "change"
        )
        return fields


class GoalWriteSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = Goal
        fields = [*services.NEW_GOAL_FIELDS, "reason"]


class ActionWriteSerializer(serializers.ModelSerializer):
    goal = serializers.IntegerField(help_text="One of this plan's goals.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = Action
        fields = ["goal", *services.NEW_ACTION_FIELDS, "reason"]


class GoalChangeSerializer(GoalWriteSerializer):
    class Meta(GoalWriteSerializer.Meta):
        fields = [*services.GOAL_FIELDS, "reason"]


class ActionChangeSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = Action
        fields = [*services.ACTION_FIELDS, "reason"]


class ActionPlanFilterSet(django_filters.FilterSet):
    engagement = django_filters.ModelChoiceFilter(queryset=_engagements)

    class Meta:
        model = ActionPlan
        fields = ["engagement"]


class ActionPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    """Action plans of the engagements the caller may see, with their goals and actions."""

    model = ActionPlan
    serializer_class = ActionPlanSerializer
    filterset_class = ActionPlanFilterSet
    permission_classes = [*PolicyViewSet.permission_classes, EngagementAccess]
    search_fields = ["title", "engagement__client__name"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> Any:
        return selectors.plans_for(user=self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.plan_start(
            acting_user=self.request.user, **serializer.validated_data
        )

    def _plan_to_change(self) -> ActionPlan:
        plan: ActionPlan = get_object_for(
            self.request.user, ActionPlan, "change", pk=self.kwargs["pk"]
        )
        return plan

    @extend_schema(
        request=GoalWriteSerializer, responses={201: ActionPlanSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def goals(self, request: Request, pk: Any = None) -> Response:
        """Add a SMART goal (refused without a measure, target value, unit or deadline)."""
        plan = self._plan_to_change()
        data = GoalWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.goal_add(plan=plan, acting_user=request.user, **data.validated_data)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ActionWriteSerializer, responses={201: ActionPlanSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["post"])
    def actions(self, request: Request, pk: Any = None) -> Response:
        """Add an action to one of the plan's goals."""
        plan = self._plan_to_change()
        data = ActionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        goal = plan.goals.filter(pk=fields.pop("goal")).first()
        if goal is None:
            raise serializers.ValidationError({"goal": ["Choose one of this plan's goals."]})
        services.action_add(goal=goal, acting_user=request.user, **fields)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GoalChangeSerializer, responses={200: ActionPlanSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["patch"], url_path=r"goals/(?P<goal_pk>[0-9]+)")
    def change_goal(self, request: Request, pk: Any = None, goal_pk: Any = None) -> Response:
        """Change a goal; a new deadline or dropping it needs a ``reason``."""
        plan = self._plan_to_change()
        goal = plan.goals.filter(pk=goal_pk).first()
        if goal is None:
            raise NotFound("This plan has no such goal.")
        data = GoalChangeSerializer(goal, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("reason", "")
        services.goal_update(goal=goal, reason=reason, acting_user=request.user, **fields)
        return Response(self.get_serializer(plan).data)

    @extend_schema(
        request=ActionChangeSerializer, responses={200: ActionPlanSerializer, 400: ERROR_SCHEMA}
    )
    @action(detail=True, methods=["patch"], url_path=r"actions/(?P<action_pk>[0-9]+)")
    def change_action(self, request: Request, pk: Any = None, action_pk: Any = None) -> Response:
        """Change an action; a new due date, blocking or dropping it needs a ``reason``."""
        plan = self._plan_to_change()
        target = Action.objects.filter(goal__plan=plan, pk=action_pk).first()
        if target is None:
            raise NotFound("This plan has no such action.")
        data = ActionChangeSerializer(target, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("reason", "")
        services.action_update(action=target, reason=reason, acting_user=request.user, **fields)
        return Response(self.get_serializer(plan).data)


def register(router: SimpleRouter) -> None:
    """Add this module's viewsets to the router."""
    router.register("action-plans", ActionPlanViewSet, basename="action-plan")
