from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "waypoint.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from waypoint.core.navigation import NavItem, add_nav_item
        from waypoint.core.permissions import policy_for
        from waypoint.delivery import policies  # noqa: F401  (registers the policies)
        from waypoint.delivery.models import Engagement, Programme, Service

        add_nav_item(
            NavItem(
                "My caseload",
                "delivery:caseload",
                lambda user: policy_for(Engagement).can_any(user, "view"),
                order=10,
            )
        )
        add_nav_item(
            NavItem(
                "Engagements",
                "delivery:engagement-list",
                lambda user: policy_for(Engagement).can_any(user, "view"),
                order=30,
            )
        )
        add_nav_item(
            NavItem(
                "Programmes",
                "delivery:programme-list",
                lambda user: policy_for(Programme).can_any(user, "view"),
                order=40,
            )
        )
        add_nav_item(
            NavItem(
                "Services",
                "delivery:service-list",
                lambda user: policy_for(Service).can_any(user, "view"),
                order=50,
            )
        )
