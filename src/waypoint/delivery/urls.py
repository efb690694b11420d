from django.urls import path

from waypoint.delivery import views

app_name = "delivery"

urlpatterns = [
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("engagements/", views.EngagementListView.as_view(), name="engagement-list"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("services/", views.ServiceListView.as_view(), name="service-list"),
]
