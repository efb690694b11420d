from waypoint.monitoring.views import (
    calendar,
    compliance,
    concerns,
    outcomes,
    programme_changes,
    reviews,
    self_reviews,
    settings,
)

app_name = "monitoring"

urlpatterns = [
    *calendar.urlpatterns,
    *reviews.urlpatterns,
    *self_reviews.urlpatterns,
    *outcomes.urlpatterns,
    *concerns.urlpatterns,
    *compliance.urlpatterns,
    *programme_changes.urlpatterns,
    *settings.urlpatterns,
]
