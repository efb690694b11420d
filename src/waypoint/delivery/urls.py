from waypoint.delivery.views import (
    action_plans,
    agreements,
    diagnostic_templates,
    diagnostics,
    engagements,
    interactions,
    mentoring,
    programmes,
    referrals,
)

app_name = "delivery"

urlpatterns = [
    *programmes.urlpatterns,
    *engagements.urlpatterns,
    *agreements.urlpatterns,
    *interactions.urlpatterns,
    *referrals.urlpatterns,
    *action_plans.urlpatterns,
    *diagnostics.urlpatterns,
    *diagnostic_templates.urlpatterns,
    *mentoring.urlpatterns,
]
