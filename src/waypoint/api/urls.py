from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from waypoint.api import (
    resources_action_plans,
    resources_clients,
    resources_compliance,
    resources_concerns,
    resources_delivery,
    resources_diagnostics,
    resources_measures,
    resources_outcomes,
    resources_records,
    resources_referrals,
    resources_reviews,
    resources_self_reviews,
    views,
)

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("teams", views.TeamViewSet, basename="team")
router.register("users", views.UserViewSet, basename="user")

# Each module registers its resources on the router (one module per area, so that areas are
# built and reviewed independently).
for _module in (
    resources_clients,
    resources_delivery,
    resources_records,
    resources_referrals,
    resources_action_plans,
    resources_diagnostics,
    resources_reviews,
    resources_self_reviews,
    resources_outcomes,
    resources_concerns,
    resources_compliance,
    resources_measures,
):
    _module.register(router)

urlpatterns = [
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.SwaggerDocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers a JSON 404, not the site's HTML page.
    re_path(r"^.*$", views.endpoint_not_found),
]
