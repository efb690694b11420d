from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "waypoint.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from waypoint.monitoring import extensions, policies  # noqa: F401  (registers them)

        extensions.register()
