from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class WaypointAdminSite(admin.AdminSite):
    """The Django admin is for platform operators (superusers) only."""

    site_header = "Waypoint administration"
    site_title = "Waypoint admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class WaypointAdminConfig(AdminConfig):
    default_site = "waypoint.core.admin_apps.WaypointAdminSite"
