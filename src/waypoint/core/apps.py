from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "waypoint.core"
    label = "core"
    verbose_name = "Organisations, people and audit"

    def ready(self) -> None:
        from waypoint.core import audit, policies  # noqa: F401  (registers the policies)

        audit.register_audited_models()
        _register_navigation()


def _register_navigation() -> None:
    from waypoint.core.models import Organisation, Team, User
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item
    from waypoint.core.permissions import policy_for
    from waypoint.core.selectors import core_attention

    add_nav_item(NavItem("Home", "core:home", lambda user: True, order=0))
    add_nav_item(
        NavItem(
            "Organisations",
            "core:organisation-list",
            lambda user: policy_for(Organisation).can_any(user, "view"),
            order=900,
            group="Organisation",
        )
    )
    add_nav_item(
        NavItem(
            "Teams",
            "core:team-list",
            lambda user: policy_for(Team).can_any(user, "view"),
            order=910,
            group="Organisation",
        )
    )
    add_nav_item(
        NavItem(
            "People",
            "core:person-list",
            lambda user: policy_for(User).can_any(user, "view"),
            order=920,
            group="Organisation",
        )
    )
    add_attention_source(core_attention)
