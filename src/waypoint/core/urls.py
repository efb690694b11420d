from django.urls import path

from waypoint.core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("me/", views.ProfileRedirectView.as_view(), name="me"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation-edit",
    ),
    path(
        "organisations/<int:pk>/security/",
        views.SecuritySettingsView.as_view(),
        name="organisation-security",
    ),
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/new/", views.TeamFormView.as_view(), name="team-create"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("teams/<int:pk>/edit/", views.TeamFormView.as_view(), name="team-edit"),
    path("teams/<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team-delete"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/new/", views.PersonInviteView.as_view(), name="person-invite"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/active/", views.PersonActiveView.as_view(), name="person-active"),
    path("people/<int:pk>/roles/", views.RoleAssignView.as_view(), name="role-assign"),
    path("roles/<int:pk>/remove/", views.RoleRevokeView.as_view(), name="role-revoke"),
    path(
        "audit/<str:app_label>/<str:model_name>/<int:pk>/",
        views.AuditHistoryView.as_view(),
        name="audit-history",
    ),
]
