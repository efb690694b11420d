"""API endpoints for organisations, teams and people, on the same policies as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from waypoint.api.permissions import PolicyAccess, TwoFactorVerified
from waypoint.api.serializers import (
    OrganisationSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
)
from waypoint.core import selectors, services
from waypoint.core.models import Organisation, Team, User
from waypoint.core.security import two_factor_required
from waypoint.core.viewkit import get_object_for

_ACTION_FOR_METHOD = {"PUT": "change", "PATCH": "change", "DELETE": "delete"}


class PolicyViewSetMixin:
    """The pages' rules: 403 for a role with no access to the model, objects out of the caller's
    view answer 404, and visible but not changeable ones 403."""

    model: type[Any]
    permission_classes = [IsAuthenticated, TwoFactorVerified, PolicyAccess]
    open_actions: tuple[str, ...] = ()

    def get_object(self) -> Any:
        action_name = _ACTION_FOR_METHOD.get(self.request.method or "GET", "view")
        obj = get_object_for(self.request.user, self.model, action_name, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj


class TokenThrottle(AnonRateThrottle):
    rate = "30/minute"


class TokenView(APIView):
    """Exchange a username and password (and a two-factor code, when required) for a token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            return Response(
                {"detail": "Too many failed sign-in attempts: this account is locked for now. "
                           "Try again later or ask an administrator to unlock it."},
                status=status.HTTP_403_FORBIDDEN,
            )
        if user is None:
            return Response(
                {"detail": "The username or password is not right.",
                 "errors": {"non_field_errors": ["The username or password is not right."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if two_factor_required(user):
            code = data.get("otp_token", "")
            if not code or match_token(user, code) is None:
                return Response(
                    {"detail": "This account must confirm sign-in with a two-factor code.",
                     "errors": {"otp_token": ["Enter the current six-digit code from your "
                                              "authenticator app."]}},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class OrganisationViewSet(PolicyViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Organisations the caller holds a role in; their administrators may update them."""

    model = Organisation
    serializer_class = OrganisationSerializer
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "created_at"]
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self) -> Any:
        return Organisation.objects.restrict(self.request.user, "view").order_by("name")

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.organisation_update(
            organisation=serializer.instance, acting_user=self.request.user,
            **serializer.validated_data,
        )


class TeamViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    model = Team
    serializer_class = TeamSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    filterset_fields = ["organisation"]

    def get_queryset(self) -> Any:
        return selectors.teams_for(user=self.request.user).order_by("organisation__name", "name")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.team_create(
            organisation=data["organisation"], name=data["name"],
            description=data.get("description", ""), acting_user=self.request.user,
        )

    def perform_update(self, serializer: Any) -> None:
        team = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.team_update(
            team=team, name=data.get("name", team.name),
            description=data.get("description", team.description),
            acting_user=self.request.user,
        )

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(team=instance, acting_user=self.request.user)


class UserViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People the caller can see: colleagues in their organisations, and themselves."""

    model = User
    serializer_class = UserSerializer
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "last_name"]
    filterset_fields = ["home_organisation", "is_active"]

    def get_queryset(self) -> Any:
        return selectors.people_for(user=self.request.user).order_by("last_name", "first_name", "pk")

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)
