"""Monitoring's hooks into shared pages (navigation, home attention, client timeline): each
area adds its own in its ``register`` function below."""

from __future__ import annotations


def register() -> None:
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
