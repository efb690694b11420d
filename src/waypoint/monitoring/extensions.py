"""Monitoring's hooks into shared pages (navigation, home attention, client timeline): each
area adds its own in its ``register`` function below."""

from __future__ import annotations


def register() -> None:
    from waypoint.delivery.extensions import add_engagement_section, add_programme_section
    from waypoint.monitoring import (
        extensions_compliance,
        extensions_concerns,
        extensions_outcomes,
        extensions_reviews,
    )

    for module in (
        extensions_reviews,
        extensions_concerns,
        extensions_outcomes,
        extensions_compliance,
    ):
        module.register()
    # The engagement page's monitoring sections, in this order.
    for order, name in enumerate(
        ["reviews", "self_reviews", "outcomes", "concerns", "programme_changes"], start=100
    ):
        add_engagement_section(f"monitoring/_engagement_{name}.html", order)
    add_programme_section("monitoring/_programme_monitoring.html")
