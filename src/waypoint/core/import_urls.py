from django.urls import path

from waypoint.core import import_views as views

app_name = "imports"

urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("jobs/<int:pk>/", views.ImportJobView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.ImportJobStatusView.as_view(), name="job-status"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/preview/", views.ImportPreviewView.as_view(), name="preview"),
    path("<slug:kind>/errors.csv", views.ImportErrorsView.as_view(), name="errors"),
    path("<slug:kind>/template.csv", views.ImportTemplateView.as_view(), name="template"),
]
