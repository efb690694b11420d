from waypoint.measures.views import costs, dashboards, library, targets

app_name = "measures"

urlpatterns = [
    *dashboards.urlpatterns,
    *library.urlpatterns,
    *targets.urlpatterns,
    *costs.urlpatterns,
]
