"""Organisations, teams, people and their roles; the base every domain record builds on."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from waypoint.core.querysets import RestrictedManager, RestrictedQuerySet
from waypoint.core.roles import Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone Waypoint knows (e.g. Europe/London).")


def _blame_field(error: ValidationError, field: str) -> ValidationError:
    """Put a constraint's non-field error on ``field``.

    Django reports an expression constraint (such as a case-insensitive ``Lower(...)``) against
    no field; when one field is at fault, forms and the API should show the message there.
    """
    errors = error.update_error_dict({})
    if NON_FIELD_ERRORS in errors:
        errors.setdefault(field, []).extend(errors.pop(NON_FIELD_ERRORS))
    return ValidationError(errors)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStampedModel):
    """A commissioner, a provider, or both. Every domain record belongs to one."""

    class Kind(models.TextChoices):
        COMMISSIONER = "commissioner", "Commissioner"
        PROVIDER = "provider", "Provider"
        BOTH = "both", "Commissioner and provider"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    registered_number = models.CharField("company or charity number", max_length=20, blank=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:organisation-detail", args=[self.pk])

    @property
    def is_commissioner(self) -> bool:
        return self.kind in {self.Kind.COMMISSIONER, self.Kind.BOTH}

    @property
    def is_provider(self) -> bool:
        return self.kind in {self.Kind.PROVIDER, self.Kind.BOTH}


class BaseModel(TimeStampedModel):
    """A domain record: it belongs to an organisation, is audited and has a restricted manager.

    Every subclass is registered with the audit log automatically (waypoint.core.audit).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()

    class Meta:
        abstract = True


class Team(BaseModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("name"),
                name="core_team_unique_name_per_organisation",
                violation_error_message="This organisation already has a team with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:team-detail", args=[self.pk])

    def validate_constraints(self, exclude: Any = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise _blame_field(error, "name") from None


class UserManager(DjangoUserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. What they may do comes from their role assignments."""

    email = models.EmailField("email address", blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    home_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The organisation the person works for; sets the time zone pages are shown in.",
    )
    is_system = models.BooleanField(
        default=False,
        editable=False,
        help_text="Waypoint's own account, the actor for scheduled jobs and commands.",
    )

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="core_user_unique_email",
                violation_error_message="Another person already uses this email address.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def validate_constraints(self, exclude: Any = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise _blame_field(error, "email") from None

    def get_absolute_url(self) -> str:
        return reverse("core:person-detail", args=[self.pk])


class RoleAssignment(BaseModel):
    """A role a person holds in one organisation, optionally within a team."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="role_assignments"
    )

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                name="core_role_once_per_organisation",
                violation_error_message="This person already holds that role in the organisation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.organisation}"

    def clean(self) -> None:
        team = self.team if self.team_id else None
        if (
            team is not None
            and self.organisation_id
            and team.organisation_id != self.organisation_id
        ):
            raise ValidationError({"team": "The team must belong to the same organisation."})


class RolePolicy(BaseModel):
    """Security rules an organisation's administrators set for one role."""

    role = models.CharField(max_length=30, choices=Role.choices)
    require_two_factor = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="People holding this role must confirm each sign-in with an authenticator code.",
    )

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name_plural = "role policies"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "role"], name="core_role_policy_once_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation}"


class DomainEvent(models.Model):
    """A business event a service records (Zulip's RealmAuditLog), beside the field-level audit.

    Written only by services through ``waypoint.core.audit.record_event``; never changed.
    """

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    verb = models.CharField(max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.verb}: {self.object_repr}"


class ImportJob(BaseModel):
    """One import of a CSV or XLSX file, run as a background task (waypoint.core.tasks).

    Created when the person confirms the preview; the task commits every row or none, as the
    person who started it, and records the outcome here. The uploaded file is deleted when the
    job finishes.
    """

    MAX_ERRORS = 1000  # row errors kept; ``error_count`` has them all

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.CharField(max_length=200, help_text="The waiting file's name in the folder.")
    file_name = models.CharField(max_length=255, blank=True, help_text="As uploaded.")
    on_duplicate = models.CharField(max_length=10, default="skip")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.kind} from {self.file_name or self.file} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("imports:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
