"""Keeping rollups in step: which record changes touch which facts, applied after commit.

The lower layers know nothing of measures (DESIGN.md: layers). Measures listens to Django's
model signals for the records it reads; each change is noted in a batch attached to the
transaction (``transaction.on_commit``), and the batch refreshes the facts and rollups once,
after the commit. A rolled-back transaction drops its batch with it. Changes made with
``QuerySet.update`` or ``bulk_create`` send no signals: code that uses them on these records
must call ``refresh`` itself, or leave it to ``waypoint rollups rebuild`` (the demo does).

Refreshing never fails the change that caused it: the change has committed. A failure is
logged, and the nightly rebuild (``waypoint run-scheduled``) puts the figures right.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save

from waypoint.clients.models import Client, ClientBarrier, EqualityMonitoring
from waypoint.core.models import RoleAssignment
from waypoint.delivery.models import Agreement, Engagement, Interaction
from waypoint.measures import sources
from waypoint.monitoring.models import MonitoringSettings, OutcomeValue

log = logging.getLogger(__name__)


class _Batch:
    """The records changed in one transaction, refreshed once it commits."""

    def __init__(self) -> None:
        self.changes: dict[str, set[int]] = defaultdict(set)
        self.engagements: set[int] = set()
        self.done = False

    def __call__(self) -> None:
        from waypoint.measures import rollups

        if self.done:
            return
        self.done = True
        try:
            for source, ids in sources.ids_of_engagements(self.engagements):
                self.changes[source] |= ids
            rollups.refresh(self.changes)
        except Exception:  # the change itself has committed: never undo or fail it here
            log.exception("Rollups could not be refreshed; `waypoint rollups rebuild` repairs them")


def _batch() -> _Batch:
    """The connection's open batch. Every change registers it with ``on_commit`` again: the
    first call after the commit refreshes everything noted and later calls find it done. So a
    registration lost with a rolled-back savepoint loses nothing, and notes left over from a
    rolled-back transaction are refreshed (harmlessly: refreshing reads the records as they
    are) with the next change."""
    batch = getattr(connection, "waypoint_rollup_batch", None)
    if batch is None or batch.done:
        batch = _Batch()
        connection.waypoint_rollup_batch = batch  # type: ignore[attr-defined]
    return batch


def enabled() -> bool:
    return getattr(settings, "WAYPOINT_ROLLUPS_LIVE", True)


def note(source: str, record_id: int) -> None:
    if enabled():
        batch = _batch()
        batch.changes[source].add(record_id)
        transaction.on_commit(batch)  # after noting: outside a transaction it runs at once


def note_engagements(engagement_ids: set[int]) -> None:
    """Every record of these engagements: their client, programme or adviser changed."""
    if enabled() and engagement_ids:
        batch = _batch()
        batch.engagements |= engagement_ids
        transaction.on_commit(batch)


def _record_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    for reader in sources.READERS.values():
        if reader.model is sender:
            note(reader.key, instance.pk)
    if sender is Interaction or sender is Agreement:
        note("engagements", instance.engagement_id)  # first contact, agreement in place
    if sender is OutcomeValue:
        # a new follow-up replaces the previous one as the latest
        for pk in OutcomeValue.objects.filter(
            engagement_id=instance.engagement_id, measure_id=instance.measure_id
        ).values_list("pk", flat=True):
            note("outcomes", pk)
    if sender is Engagement and _placement_changed(instance):
        note_engagements({instance.pk})


# What an engagement's records take from it: when none of these change (a status move, the
# next review date), only the engagement's own fact needs refreshing.
PLACEMENT = ("organisation_id", "programme_id", "lead_adviser_id", "client_id")


def _remember_placement(sender: Any, instance: Engagement, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._measures_placement = (  # type: ignore[attr-defined]
        Engagement.objects.filter(pk=instance.pk).values_list(*PLACEMENT).first()
    )


def _placement_changed(instance: Engagement) -> bool:
    before = getattr(instance, "_measures_placement", None)
    if before is None:  # new, or deleted: its records are noted one by one
        return False
    return before != tuple(getattr(instance, name) for name in PLACEMENT)


def _client_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or (kwargs.get("created", False) and sender is Client):
        return  # a new client has no engagements yet
    client_id = instance.pk if sender is Client else instance.client_id
    note_engagements(
        set(Engagement.objects.filter(client_id=client_id).values_list("pk", flat=True))
    )


def _role_changed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    note_engagements(sources.engagements_of_adviser(instance.user_id, instance.organisation_id))


def _settings_changed(sender: Any, instance: MonitoringSettings, **kwargs: Any) -> None:
    """On-time windows and time limits count in reviews' and concerns' facts."""
    if kwargs.get("raw"):
        return
    from waypoint.monitoring.models import Concern, Review

    programme = instance.programme_id
    for pk in Review.objects.filter(engagement__programme_id=programme).values_list(
        "pk", flat=True
    ):
        note("reviews", pk)
    concerns = Concern.objects.filter(
        Q(programme_id=programme) | Q(engagement__programme_id=programme)
    )
    for pk in concerns.values_list("pk", flat=True):
        note("concerns", pk)


def connect() -> None:
    pre_save.connect(_remember_placement, sender=Engagement, dispatch_uid="measures-placement")
    for reader in sources.READERS.values():
        uid = f"measures-{reader.key}"
        post_save.connect(_record_changed, sender=reader.model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_record_changed, sender=reader.model, dispatch_uid=f"{uid}-delete")
    post_save.connect(_record_changed, sender=Agreement, dispatch_uid="measures-agreement-save")
    post_delete.connect(_record_changed, sender=Agreement, dispatch_uid="measures-agreement-del")
    client_models: tuple[type[Any], ...] = (Client, EqualityMonitoring, ClientBarrier)
    for model in client_models:
        name = model.__name__.lower()
        post_save.connect(_client_changed, sender=model, dispatch_uid=f"measures-{name}-save")
        post_delete.connect(_client_changed, sender=model, dispatch_uid=f"measures-{name}-del")
    post_save.connect(_role_changed, sender=RoleAssignment, dispatch_uid="measures-role-save")
    post_delete.connect(_role_changed, sender=RoleAssignment, dispatch_uid="measures-role-del")
    post_save.connect(
        _settings_changed, sender=MonitoringSettings, dispatch_uid="measures-settings-save"
    )
