"""The audit trail: who changed what, when, from where, under which request.

- django-auditlog writes a LogEntry for every create, change and delete of a domain model
  (every ``BaseModel`` subclass is registered automatically in ``register_audited_models``).
- Each web request gets a request id (``RequestIdMiddleware``) that becomes the entry's
  correlation id; commands and tasks get one from ``acting_as``.
- ``acting_as(user)`` sets the actor outside a web request, so a change made by a command or a
  scheduled job is attributed too (NetBox's ``if request is None: return`` is the trap avoided).
- Entries cannot be changed, and deleted only inside ``audit_purge_allowed()`` (retention).
- Services record business events with ``record_event`` (a ``DomainEvent``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from auditlog.context import auditlog_value, disable_auditlog, set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.signals import pre_delete, pre_save
from django.utils import timezone

from waypoint.core.request_context import (
    current_request_id,
    new_request_id,
    request_id_context,
)

_purge_allowed: ContextVar[bool] = ContextVar("waypoint_audit_purge", default=False)

SYSTEM_USERNAME = "waypoint-system"


def system_user() -> Any:
    """Waypoint's own account: the actor of scheduled jobs and operator commands."""
    from waypoint.core.models import User

    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        # The account is Waypoint's own bootstrap, not a domain change, and would otherwise be
        # the one entry in the log without an actor.
        with disable_auditlog():
            user, _ = User.objects.get_or_create(
                username=SYSTEM_USERNAME,
                defaults={
                    "first_name": "Waypoint",
                    "last_name": "system",
                    "is_active": False,
                    "is_system": True,
                },
            )
    return user


@contextlib.contextmanager
def acting_as(user: Any | None = None, *, remote_addr: str | None = None) -> Iterator[Any]:
    """Attribute every change inside the block to ``user`` (Waypoint's system user if None).

    Used by management commands and tasks; the web request sets the actor itself. Blocks
    nest: after an inner block, changes are attributed to the outer block's user again
    (django-auditlog's ``set_actor`` leaves the inner one's context behind, which matches no
    receiver, so without this they would be attributed to nobody).
    """
    actor = user if user is not None else system_user()
    outer = auditlog_value.get(None)
    try:
        with (
            request_id_context(current_request_id() or new_request_id()),
            set_actor(actor, remote_addr=remote_addr),
        ):
            yield actor
    finally:
        if outer is not None:
            auditlog_value.set(outer)


@contextlib.contextmanager
def audit_purge_allowed() -> Iterator[None]:
    """Let the retention job delete audit entries past their retention period."""
    token = _purge_allowed.set(True)
    try:
        yield
    finally:
        _purge_allowed.reset(token)


def _refuse_change(sender: Any, instance: LogEntry, **kwargs: Any) -> None:
    if instance.pk is not None and not kwargs.get("raw"):
        raise PermissionDenied("Audit entries cannot be changed.")


def _attribute_outside_requests(sender: Any, instance: LogEntry, **kwargs: Any) -> None:
    """An entry made outside a web request and outside ``acting_as`` (a management command,
    the shell, a task that forgot) is attributed to Waypoint's system account, never to nobody.
    """
    if instance.pk is None and instance.actor_id is None and current_request_id() is None:
        instance.actor = system_user()
        instance.actor_email = ""
        instance.cid = instance.cid or new_request_id()


def _refuse_delete(sender: Any, instance: LogEntry, **kwargs: Any) -> None:
    if not _purge_allowed.get():
        raise PermissionDenied("Audit entries cannot be deleted.")


def _tracked_fields(model: type[models.Model], also_exclude: set[str] | None = None) -> list[str]:
    """The record's own data: its columns less the id and timestamps (no reverse relations)."""
    skip = {"created_at", "updated_at"} | (also_exclude or set())
    return [f.name for f in model._meta.concrete_fields if f.name not in skip and not f.primary_key]


def register_audited_models() -> None:
    """Register every domain model with django-auditlog, and guard the entries."""
    from waypoint.core.models import BaseModel, Organisation, User

    auditlog.register(Organisation, include_fields=_tracked_fields(Organisation))
    auditlog.register(
        User,
        include_fields=_tracked_fields(
            User, also_exclude={"password", "last_login", "date_joined"}
        ),
    )
    for model in apps.get_models():
        if issubclass(model, BaseModel) and not auditlog.contains(model):
            auditlog.register(model, include_fields=_tracked_fields(model))
    pre_save.connect(_refuse_change, sender=LogEntry, dispatch_uid="waypoint-audit-immutable")
    pre_save.connect(
        _attribute_outside_requests, sender=LogEntry, dispatch_uid="waypoint-audit-attribute"
    )
    pre_delete.connect(_refuse_delete, sender=LogEntry, dispatch_uid="waypoint-audit-no-delete")


def record_event(
    *,
    verb: str,
    obj: models.Model | None = None,
    organisation: Any = None,
    actor: Any,
    data: dict[str, Any] | None = None,
) -> Any:
    """Record a business event (e.g. ``engagement.closed``) in the caller's transaction.

    ``actor`` is required: services always know who acts (``acting_user``). None means
    Waypoint's system account. (django-auditlog's own actor context is not read: it is never
    reset after a request, so it can name someone from an earlier request.)
    """
    from waypoint.core.models import DomainEvent

    if actor is None:
        actor = system_user()
    if organisation is None and obj is not None:
        organisation = getattr(obj, "organisation", None)
    return DomainEvent.objects.create(
        organisation=organisation,
        occurred_at=timezone.now(),
        actor=actor,
        actor_name=str(actor) if actor is not None else "",
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        request_id=current_request_id() or "",
    )


def record_access(obj: models.Model) -> None:
    """Record that the current actor opened a confidential record (DESIGN.md: Audit).

    Call it from the view or endpoint that shows the confidential part, after the policy has
    allowed it; the entry carries the actor, request id and address like any other.
    """
    from auditlog.signals import accessed

    accessed.send(sender=obj.__class__, instance=obj)
