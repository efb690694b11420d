"""Business events of the dashboards: taking the records behind a figure out of Waypoint."""

from __future__ import annotations

from typing import Any

from waypoint.core.audit import record_event


def figure_records_export_record(
    *,
    acting_user: Any,
    measure: Any,
    scope_kind: str,
    scope_id: int,
    period: str,
    fmt: str,
    count: int,
) -> None:
    """Record that someone exported the records behind a figure (they name clients: UK GDPR
    accountability, as for the client export)."""
    record_event(
        verb="measures.records_exported",
        actor=acting_user,
        data={
            "measure": measure.code,
            "scope": f"{scope_kind}:{scope_id}",
            "period": period,
            "format": fmt,
            "count": count,
        },
    )
