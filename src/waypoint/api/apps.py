from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "waypoint.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from waypoint.api import schema  # noqa: F401  (registers the OpenAPI extensions)
