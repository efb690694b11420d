from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "waypoint.api"
    label = "api"
    verbose_name = "REST API"
