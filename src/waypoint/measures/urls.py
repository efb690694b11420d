from waypoint.measures.views import (
    appraisals,
    benchmarking,
    costs,
    dashboards,
    evaluations,
    improvements,
    library,
    targets,
)

app_name = "measures"

urlpatterns = [
    *dashboards.urlpatterns,
    *library.urlpatterns,
    *targets.urlpatterns,
    *costs.urlpatterns,
    *benchmarking.urlpatterns,
    *evaluations.urlpatterns,
    *appraisals.urlpatterns,
    *improvements.urlpatterns,
]
