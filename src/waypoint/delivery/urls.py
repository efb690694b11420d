from waypoint.delivery.views import agreements, engagements, interactions, programmes, referrals

app_name = "delivery"

urlpatterns = [
    *programmes.urlpatterns,
    *engagements.urlpatterns,
    *agreements.urlpatterns,
    *interactions.urlpatterns,
    *referrals.urlpatterns,
]
