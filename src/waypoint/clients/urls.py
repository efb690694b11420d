from django.urls import path

from waypoint.clients import views

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="client-list"),
]
