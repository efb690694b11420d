from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from waypoint.core.models import Organisation, RoleAssignment, Team, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "registered_number",
            "time_zone",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "kind", "is_active", "created_at", "updated_at"]


class TeamSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())

    class Meta:
        model = Team
        fields = ["id", "organisation", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        organisation = cast(serializers.PrimaryKeyRelatedField, fields["organisation"])
        request = self.context.get("request")
        if request is not None:
            # Only organisations the caller can see are accepted (others look non-existent).
            organisation.queryset = Organisation.objects.restrict(request.user, "view")
        if self.instance is not None and not isinstance(self.instance, list):
            # A team stays in its organisation.
            organisation.read_only = True
        return fields


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoleAssignment
        fields = ["id", "organisation", "role", "team"]


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "job_title",
            "home_organisation",
            "is_active",
        ]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(
        required=False, help_text="Six-digit code, when the account's role requires two-factor."
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


# The shape of every error (see waypoint.api.exceptions), for the OpenAPI document. Built
# inline because a class attribute named ``errors`` clashes with ``Serializer.errors``.
ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Messages for each field at fault; non_field_errors for the whole request.",
        ),
    },
)
