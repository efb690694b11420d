from django.contrib import admin
from django.urls import include, path

from waypoint.core.views import healthz

urlpatterns = [
    path("", include("waypoint.core.urls")),
    path("accounts/", include("waypoint.core.account_urls")),
    path("clients/", include("waypoint.clients.urls")),
    path("delivery/", include("waypoint.delivery.urls")),
    path("monitoring/", include("waypoint.monitoring.urls")),
    path("performance/", include("waypoint.measures.urls")),
    path("api/v1/", include("waypoint.api.urls")),
    path("imports/", include("waypoint.core.import_urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

handler403 = "waypoint.core.errors.permission_denied"
handler404 = "waypoint.core.errors.page_not_found"
handler500 = "waypoint.core.errors.server_error"
