from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "waypoint.measures"
    label = "measures"
    verbose_name = "Measures and performance"

    def ready(self) -> None:
        from waypoint.measures import extensions, policies, signals  # noqa: F401  (registers them)
        from waypoint.measures.tasks import refresh_with_time
        from waypoint.monitoring.tasks import add_scheduled_job

        signals.connect()
        extensions.register()
        add_scheduled_job(refresh_with_time)
