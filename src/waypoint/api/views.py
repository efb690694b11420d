"""API endpoints for organisations, teams and people, on the same policies as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django_otp import match_token, user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from waypoint.api.filtersets import OrganisationFilterSet, TeamFilterSet, UserFilterSet
from waypoint.api.permissions import PolicyAccess, TwoFactorVerified
from waypoint.api.serializers import (
    ERROR_SCHEMA,
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

LOCKED_OUT = (
    "Too many failed sign-in attempts: this account is locked for now. "
    "Try again later or ask an administrator to unlock it."
)
WRONG_CREDENTIALS = "The username or password is not right."


def _error(detail: str, status_code: int, **errors: list[str]) -> Response:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code)


@csrf_exempt  # it changes nothing, whatever the method
def endpoint_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """No endpoint or record at this address (ids are whole numbers)."""
    detail = "There is no API endpoint or record at this address."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not endpoint_not_found:
            detail += f" Did you mean {request.path}/ (with the slash)?"
    return JsonResponse({"detail": detail}, status=404)


class PolicyViewSet(viewsets.GenericViewSet):
    """The pages' rules: 403 for a role with no access to the model at all, 404 for a record
    out of the caller's view, 403 for one they can see but not change."""

    model: type[Any]
    permission_classes = [IsAuthenticated, TwoFactorVerified, PolicyAccess]
    open_actions: tuple[str, ...] = ()

    def get_object(self) -> Any:
        action_name = _ACTION_FOR_METHOD.get(self.request.method or "GET", "view")
        obj = get_object_for(self.request.user, self.model, action_name, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj


class TokenThrottle(AnonRateThrottle):
    rate = "30/minute"


class TokenView(APIView):
    """Exchange a username and password (and a two-factor code, when required) for a token.

    Failed attempts count towards the sign-in lockout shared with the web pages (django-axes).
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="Missing or wrong credentials."),
            403: OpenApiResponse(ERROR_SCHEMA, description="Locked after failed attempts."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if getattr(django_request, "axes_locked_out", False):
            # Answer in JSON here; AxesMiddleware would otherwise swap in its HTML page.
            django_request.axes_locked_out = False  # type: ignore[attr-defined]
            return _error(LOCKED_OUT, status.HTTP_403_FORBIDDEN)
        if user is None:
            return _error(
                WRONG_CREDENTIALS, status.HTTP_400_BAD_REQUEST, non_field_errors=[WRONG_CREDENTIALS]
            )
        if two_factor_required(user):
            code = data.get("otp_token", "")
            if not user_has_device(user, confirmed=True):
                message = "Set up two-factor sign-in on the web site first, then ask for a token."
                return _error(message, status.HTTP_400_BAD_REQUEST, otp_token=[message])
            if not code or match_token(user, code) is None:
                return _error(
                    "This account must confirm sign-in with a two-factor code.",
                    status.HTTP_400_BAD_REQUEST,
                    otp_token=["Enter the current six-digit code from your authenticator app."],
                )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, PolicyViewSet
):
    """Organisations the caller holds a role in; their administrators may update them."""

    model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> Any:
        return Organisation.objects.restrict(self.request.user, "view").order_by("name")

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.organisation_update(
            organisation=serializer.instance,
            acting_user=self.request.user,
            **serializer.validated_data,
        )


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    PolicyViewSet,
):
    """Teams in the caller's organisations; service managers and administrators change them."""

    model = Team
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.teams_for(user=self.request.user).order_by("organisation__name", "name")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.team_create(
            organisation=data["organisation"],
            name=data["name"],
            description=data.get("description", ""),
            acting_user=self.request.user,
        )

    def perform_update(self, serializer: Any) -> None:
        team = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.team_update(
            team=team,
            name=data.get("name", team.name),
            description=data.get("description", team.description),
            acting_user=self.request.user,
        )

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(team=instance, acting_user=self.request.user)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """People the caller can see: colleagues in their organisations, and themselves."""

    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "last_name"]
    open_actions = ("me",)

    def get_queryset(self) -> Any:
        return selectors.people_for(user=self.request.user).order_by(
            "last_name", "first_name", "pk"
        )

    @extend_schema(summary="The signed-in person")
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)


class SwaggerDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar package, its start-up script a separate file and no inline
    style, so that it runs under the site's Content-Security-Policy."""

    template_name = "api/swagger_ui.html"
