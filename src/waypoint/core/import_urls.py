from django.urls import path

from waypoint.core import import_views as views

app_name = "imports"

urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/preview/", views.ImportPreviewView.as_view(), name="preview"),
    path("<slug:kind>/importing/", views.ImportRunView.as_view(), name="importing"),
    path("<slug:kind>/errors.csv", views.ImportErrorsView.as_view(), name="errors"),
    path("<slug:kind>/done/", views.ImportDoneView.as_view(), name="done"),
    path("<slug:kind>/template.csv", views.ImportTemplateView.as_view(), name="template"),
]
