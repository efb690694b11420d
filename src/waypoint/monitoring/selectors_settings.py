"""Reads for a programme's monitoring settings (review calendar, on-time window, time limits)."""

from __future__ import annotations

from collections.abc import Iterable

from waypoint.delivery.models import Programme
from waypoint.monitoring.models import MonitoringSettings


def _defaults(programme: Programme) -> MonitoringSettings:
    return MonitoringSettings(programme=programme, organisation_id=programme.organisation_id)


def settings_for(programme: Programme) -> MonitoringSettings:
    """The programme's monitoring settings, or the defaults when none have been saved.

    The defaults are returned unsaved: reading a page must not write a record (and its audit
    entry). Whoever changes the settings saves the instance returned here.
    """
    found = MonitoringSettings.objects.filter(programme=programme).first()
    return found if found is not None else _defaults(programme)


def settings_for_programmes(programmes: Iterable[Programme]) -> dict[int, MonitoringSettings]:
    """Settings for several programmes in one query, keyed by programme id (defaults when
    none are saved)."""
    by_id = {programme.pk: programme for programme in programmes}
    saved = {
        found.programme_id: found
        for found in MonitoringSettings.objects.filter(programme_id__in=list(by_id))
    }
    return {pk: saved.get(pk) or _defaults(programme) for pk, programme in by_id.items()}
