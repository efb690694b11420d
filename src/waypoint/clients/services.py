"""Writes for clients: one function per business action (STYLE.md).

Each runs in a transaction, checks the acting user's permission through the policies, validates
with ``full_clean`` (a ``ValidationError`` names the field) and saves; django-auditlog writes
the change records in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.clients.reference import Barrier
from waypoint.core.audit import record_event
from waypoint.core.models import Organisation
from waypoint.core.services import _save, require_add, require_permission

# The fields a person may set on a client (the rest are derived or kept by Waypoint).
CLIENT_FIELDS = (
    "kind",
    "name",
    "trading_name",
    "registered_number",
    "legal_form",
    "sic_division",
    "size_band",
    "trading_status",
    "start_date",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "region",
    "email",
    "phone",
    "employment_status",
)
PERSON_FIELDS = ("first_name", "last_name", "role", "email", "phone", "is_main_contact")
EQUALITY_FIELDS = ("age_band", "sex", "gender_same_as_at_birth", "ethnicity", "disability")


def _check_fields(changes: dict[str, Any], allowed: Iterable[str], service: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"{service} cannot set {sorted(unknown)}")


# Facts that describe a business, refused for an individual (the model refuses the number).
BUSINESS_ONLY_FIELDS = ("trading_name", "legal_form", "size_band")


def _check_kind(client: Client) -> None:
    if client.kind == Client.Kind.INDIVIDUAL:
        fields: Any = {name: Client._meta.get_field(name) for name in BUSINESS_ONLY_FIELDS}
        errors = {
            name: f"{str(fields[name].verbose_name).capitalize()} is for businesses only."
            for name in BUSINESS_ONLY_FIELDS
            if getattr(client, name)
        }
        if errors:
            raise ValidationError(errors)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# Clients ---------------------------------------------------------------------------------------


@transaction.atomic
def client_create(*, organisation: Organisation, acting_user: Any, **fields: Any) -> Client:
    """A new client held by ``organisation``, created by ``acting_user``."""
    require_add(acting_user, Client, organisation)
    _check_fields(fields, CLIENT_FIELDS, "client_create")
    client = Client(
        organisation=organisation,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        **{name: _strip(value) for name, value in fields.items() if value is not None},
    )
    _check_kind(client)
    return _save(client)


@transaction.atomic
def client_update(*, client: Client, acting_user: Any, **changes: Any) -> Client:
    require_permission(acting_user, "change", client)
    _check_fields(changes, CLIENT_FIELDS, "client_update")
    if client.is_merged:
        raise ValidationError(f"{client} was merged into another client; change that one.")
    for name, value in changes.items():
        field: Any = Client._meta.get_field(name)
        if value is None and not field.null:
            value = ""
        setattr(client, name, _strip(value))
    _check_kind(client)
    return _save(client)


# People ----------------------------------------------------------------------------------------


def _unset_other_main_contacts(person: Person) -> None:
    # One by one (not a bulk update) so that each change is in the audit log.
    for other in Person.objects.filter(client_id=person.client_id, is_main_contact=True).exclude(
        pk=person.pk
    ):
        other.is_main_contact = False
        other.save(update_fields=["is_main_contact", "updated_at"])


@transaction.atomic
def person_add(*, client: Client, acting_user: Any, **fields: Any) -> Person:
    require_permission(acting_user, "change", client)
    _check_fields(fields, PERSON_FIELDS, "person_add")
    person = _save(
        Person(
            client=client,
            organisation_id=client.organisation_id,
            **{name: _strip(value) for name, value in fields.items()},
        )
    )
    if person.is_main_contact:
        _unset_other_main_contacts(person)
    return person


@transaction.atomic
def person_update(*, person: Person, acting_user: Any, **changes: Any) -> Person:
    require_permission(acting_user, "change", person)
    _check_fields(changes, PERSON_FIELDS, "person_update")
    for name, value in changes.items():
        setattr(person, name, _strip(value))
    _save(person)
    if person.is_main_contact:
        _unset_other_main_contacts(person)
    return person


@transaction.atomic
def person_remove(*, person: Person, acting_user: Any) -> None:
    require_permission(acting_user, "delete", person)
    person.delete()


# Consent ---------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    client: Client,
    acting_user: Any,
    kind: str,
    granted_on: dt.date | None = None,
    lawful_basis: str = "",
    privacy_notice_version: str = "",
    how: str = "",
) -> Consent:
    """Record that consent was given (or the privacy notice given). Records are never edited
    away: a later grant is a new record, a withdrawal is dated on the record."""
    require_permission(acting_user, "change", client)
    consent = Consent(
        client=client,
        organisation_id=client.organisation_id,
        kind=kind,
        granted_on=granted_on or timezone.localdate(),
        lawful_basis=lawful_basis,
        privacy_notice_version=_strip(privacy_notice_version),
        how=_strip(how),
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _save(consent)
    record_event(
        verb="consent.granted", obj=client, actor=acting_user, data={"kind": kind, "id": consent.pk}
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, acting_user: Any, withdrawn_on: dt.date | None = None
) -> Consent:
    require_permission(acting_user, "change", consent)
    if consent.withdrawn_on is not None:
        raise ValidationError(
            {"withdrawn_on": f"This consent was already withdrawn on {consent.withdrawn_on}."}
        )
    consent.withdrawn_on = withdrawn_on or timezone.localdate()
    _save(consent)
    record_event(
        verb="consent.withdrawn",
        obj=consent.client,
        actor=acting_user,
        data={"kind": consent.kind, "id": consent.pk},
    )
    return consent


# Barriers and equality monitoring -------------------------------------------------------------


@transaction.atomic
def barriers_set(*, client: Client, acting_user: Any, barriers: Iterable[str]) -> list[str]:
    """Make the individual's barriers to work exactly ``barriers``; returns them, sorted."""
    require_permission(acting_user, "change", client)
    wanted = set(barriers)
    if wanted and client.kind != Client.Kind.INDIVIDUAL:
        raise ValidationError({"barriers": "Barriers to work are recorded for individuals only."})
    unknown = wanted - set(Barrier.values)
    if unknown:
        raise ValidationError({"barriers": f"Unknown barriers: {', '.join(sorted(unknown))}."})
    existing = {b.barrier: b for b in ClientBarrier.objects.filter(client=client)}
    for name, row in existing.items():
        if name not in wanted:
            row.delete()
    for name in sorted(wanted - set(existing)):
        _save(ClientBarrier(client=client, organisation_id=client.organisation_id, barrier=name))
    return sorted(wanted)


@transaction.atomic
def equality_record(*, client: Client, acting_user: Any, **answers: str) -> EqualityMonitoring:
    """Create or update the client's equality-monitoring answers (blank: not asked)."""
    require_permission(acting_user, "change", client)
    _check_fields(answers, EQUALITY_FIELDS, "equality_record")
    row = EqualityMonitoring.objects.filter(client=client).first() or EqualityMonitoring(
        client=client, organisation_id=client.organisation_id
    )
    for name, value in answers.items():
        setattr(row, name, value or "")
    return _save(row)


# Merging ---------------------------------------------------------------------------------------


@transaction.atomic
def client_merge(*, keep: Client, merge: Client, acting_user: Any) -> dict[str, int]:
    """Move every record of ``merge`` to ``keep`` and mark ``merge`` as merged into it.

    Works on every relation to Client, including those of upper apps (found through the model's
    meta, not imported), so nothing recorded against the duplicate is lost. Each moved record is
    saved on its own so that the audit log records the move. Returns counts per relation.
    """
    require_permission(acting_user, "change", keep)
    require_permission(acting_user, "delete", merge)
    errors: dict[str, str] = {}
    if keep.pk == merge.pk:
        errors["merge"] = "A client cannot be merged into itself."
    elif keep.organisation_id != merge.organisation_id:
        errors["merge"] = "Clients of different organisations cannot be merged."
    elif merge.is_merged:
        errors["merge"] = f"{merge} was already merged into another client."
    elif keep.is_merged:
        errors["keep"] = f"{keep} was merged into another client; merge into that one instead."
    if errors:
        raise ValidationError(errors)

    counts: dict[str, int] = {}
    for relation in Client._meta.related_objects:
        name = relation.get_accessor_name() or relation.name
        field_name = relation.field.name
        model: Any = relation.related_model
        if relation.many_to_many:
            moved = 0
            for obj in model._base_manager.filter(**{field_name: merge}):
                related = getattr(obj, field_name)
                related.remove(merge)
                related.add(keep)
                moved += 1
            counts[name] = moved
        elif relation.one_to_one:
            obj = model._base_manager.filter(**{field_name: merge}).first()
            if obj is not None and not model._base_manager.filter(**{field_name: keep}).exists():
                # The kept client's own answers win when both have them.
                setattr(obj, field_name, keep)
                obj.save()
                counts[name] = 1
            else:
                counts[name] = 0
        else:
            counts[name] = _move_many(model, field_name, merge, keep)
    merge.merged_into = keep
    merge.save()
    record_event(
        verb="client.merged",
        obj=keep,
        actor=acting_user,
        data={"merged": merge.pk, "merged_name": merge.name, "moved": counts},
    )
    return counts


def _move_many(model: Any, field_name: str, merge: Client, keep: Client) -> int:
    moved = 0
    for obj in model._base_manager.filter(**{field_name: merge}):
        if (
            model is ClientBarrier
            and ClientBarrier.objects.filter(client=keep, barrier=obj.barrier).exists()
        ):
            obj.delete()  # the kept client already records this barrier
            continue
        setattr(obj, field_name, keep)
        obj.save()
        moved += 1
    return moved


# Exports ---------------------------------------------------------------------------------------


@transaction.atomic
def client_export_record(
    *, acting_user: Any, fmt: str, count: int, filters: dict[str, Any]
) -> None:
    """Record that someone took personal data out of Waypoint (UK GDPR accountability)."""
    record_event(
        verb="clients.exported",
        actor=acting_user,
        data={"format": fmt, "count": count, "filters": filters},
    )
