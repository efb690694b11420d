from django.urls import path

from waypoint.clients import views

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="client-list"),
    path("export/<str:fmt>/", views.ClientExportView.as_view(), name="client-export"),
    path("new/", views.ClientCreateView.as_view(), name="client-create"),
    path("<int:pk>/", views.ClientDetailView.as_view(), name="client-detail"),
    path("<int:pk>/edit/", views.ClientEditView.as_view(), name="client-edit"),
    path("<int:pk>/merge/", views.ClientMergeView.as_view(), name="client-merge"),
    path("<int:client_pk>/people/new/", views.PersonFormView.as_view(), name="person-add"),
    path("people/<int:pk>/edit/", views.PersonFormView.as_view(), name="person-edit"),
    path("people/<int:pk>/remove/", views.PersonRemoveView.as_view(), name="person-remove"),
    path("<int:client_pk>/consents/new/", views.ConsentRecordView.as_view(), name="consent-add"),
    path(
        "consents/<int:pk>/withdraw/", views.ConsentWithdrawView.as_view(), name="consent-withdraw"
    ),
    path("<int:client_pk>/barriers/", views.BarriersView.as_view(), name="barriers"),
    path("<int:client_pk>/equality/", views.EqualityRecordView.as_view(), name="equality"),
    path(
        "equality-summary/<int:organisation_pk>/",
        views.EqualitySummaryView.as_view(),
        name="equality-summary",
    ),
]
