"""The Django admin, for platform operators (superusers) only. Audit entries are read-only."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from waypoint.core.models import DomainEvent, Organisation, RoleAssignment, RolePolicy, Team, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "home_organisation",
        "is_active",
        "is_superuser",
    ]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Waypoint", {"fields": ["job_title", "home_organisation"]}),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "time_zone", "is_active"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]


@admin.register(RolePolicy)
class RolePolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "role", "require_two_factor"]


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "verb", "object_repr", "actor_name", "organisation"]
    list_filter = ["verb"]


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "timestamp",
        "action",
        "content_type",
        "object_repr",
        "actor",
        "cid",
        "remote_addr",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username", "cid"]
