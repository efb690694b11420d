from waypoint.delivery.views import agreements, engagements, interactions, programmes

app_name = "delivery"

urlpatterns = [
    *programmes.urlpatterns,
    *engagements.urlpatterns,
    *agreements.urlpatterns,
    *interactions.urlpatterns,
]
