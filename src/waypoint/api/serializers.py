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


class IdField(serializers.PrimaryKeyRelatedField):
    """A record's id: a whole number (or a string of digits), nothing that merely converts to one.

    Without this, ``2.7`` and ``true`` would be taken as the ids 2 and 1.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("incorrect_type", data_type="str")
        return super().to_internal_value(data)


class TeamSerializer(serializers.ModelSerializer):
    organisation = IdField(queryset=Organisation.objects.all())

    class Meta:
        model = Team
        fields = ["id", "organisation", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        organisation = cast(IdField, fields["organisation"])
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
