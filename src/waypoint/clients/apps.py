from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "waypoint.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from waypoint.clients import policies  # noqa: F401  (registers the policies)
        from waypoint.clients.extensions import add_timeline_source
        from waypoint.clients.models import Client
        from waypoint.clients.timeline import client_timeline
        from waypoint.core.navigation import NavItem, add_nav_item
        from waypoint.core.permissions import policy_for

        add_nav_item(
            NavItem(
                "Clients",
                "clients:client-list",
                lambda user: policy_for(Client).can_any(user, "view"),
                order=20,
                group="Clients",
            )
        )
        add_nav_item(
            NavItem(
                "Import records",
                "imports:index",
                lambda user: policy_for(Client).can_add(user),
                order=60,
                group="Clients",
            )
        )
        add_timeline_source(client_timeline)
