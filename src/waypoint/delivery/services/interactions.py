"""Writes for the contact log: contacts, follow-ups, attachments and confidential notes.

Records of client contact are kept up to date and accurate (004 n; 001 E5.07 1.2: maintain
contact in ways that meet the client's needs; 2.1: the mode of consulting used). Advice logged
on a mentoring engagement is flagged (004 g: recognise when you are giving advice and no longer
mentoring). A confidential note is written and changed by its author only (004 k).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Person
from waypoint.core.audit import record_event
from waypoint.core.roles import Role
from waypoint.core.services import require_permission
from waypoint.delivery.models import (
    Agreement,
    Attachment,
    ConfidentialNote,
    Engagement,
    FollowUp,
    Interaction,
)
from waypoint.delivery.services.agreements import save_record

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What a contact's attachment may be: PDF, images, office documents and plain text.
ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".gif": {"image/gif"},
    ".webp": {"image/webp"},
    ".txt": {"text/plain"},
    ".csv": {"text/csv", "text/plain", "application/vnd.ms-excel"},
    ".doc": {"application/msword"},
    ".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    ".xls": {"application/vnd.ms-excel"},
    ".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    ".ppt": {"application/vnd.ms-powerpoint"},
    ".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    ".odt": {"application/vnd.oasis.opendocument.text"},
    ".ods": {"application/vnd.oasis.opendocument.spreadsheet"},
}
# The first bytes of the kinds that have a signature: a file must be what its name says.
_ZIP = b"PK\x03\x04"  # the Office Open XML and OpenDocument formats are zip files
FILE_SIGNATURES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".gif": b"GIF8",
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".odt": _ZIP,
    ".ods": _ZIP,
}
# Roles a confidential note may be shared with: never a commissioner's (DESIGN.md).
SHAREABLE_ROLES = tuple(role for role in Role.values if role != Role.CONTRACT_MANAGER)

INTERACTION_FIELDS = (
    "occurred_at",
    "mode",
    "place",
    "place_detail",
    "duration_minutes",
    "consulting_mode",
    "support_type",
    "others_present",
    "summary",
)


def current_agreement(engagement: Engagement) -> Agreement | None:
    """The agreement in force: the latest accepted version, else the latest version."""
    agreements = engagement.agreements.order_by("-version")
    return agreements.filter(status=Agreement.Status.ACCEPTED).first() or agreements.first()


def _is_advice_in_mentoring(engagement: Engagement, support_type: str) -> bool:
    if support_type != Interaction.SupportType.ADVICE:
        return False
    agreement = current_agreement(engagement)
    return agreement is not None and agreement.type == Agreement.Type.MENTORING


def _check_when(occurred_at: dt.datetime | None) -> None:
    if occurred_at is not None and occurred_at > timezone.now():
        raise ValidationError({"occurred_at": "A contact cannot be in the future."})


def _check_people(engagement: Engagement, client_people: Iterable[Person]) -> list[Person]:
    people = list(client_people)
    strangers = [str(p) for p in people if p.client_id != engagement.client_id]
    if strangers:
        raise ValidationError(
            {"client_people": f"Not people of {engagement.client}: {', '.join(strangers)}."}
        )
    return people


def _check_staff(engagement: Engagement, staff: Iterable[Any]) -> list[Any]:
    from waypoint.core.models import RoleAssignment

    people = list(staff)
    members = set(
        RoleAssignment.objects.filter(
            organisation_id=engagement.organisation_id, user__in=[p.pk for p in people]
        ).values_list("user_id", flat=True)
    )
    strangers = [str(p) for p in people if p.pk not in members]
    if strangers:
        raise ValidationError(
            {"staff": f"Not staff of {engagement.organisation}: {', '.join(strangers)}."}
        )
    return people


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    unknown = [role for role in roles if role not in SHAREABLE_ROLES]
    if unknown:
        raise ValidationError(
            {"shared_with_roles": f"A confidential note cannot be shared with {unknown}."}
        )
    return roles


def _flag(interaction: Interaction, acting_user: Any) -> None:
    flagged = _is_advice_in_mentoring(interaction.engagement, interaction.support_type)
    if flagged and not interaction.advice_in_mentoring:
        # 004 g: advice given where the client agreed to mentoring is worth a second look.
        record_event(
            verb="interaction.advice_in_mentoring",
            obj=interaction,
            actor=acting_user,
            data={"engagement": interaction.engagement_id},
        )
    interaction.advice_in_mentoring = flagged


@transaction.atomic
def interaction_record(
    *,
    engagement: Engagement,
    acting_user: Any,
    occurred_at: dt.datetime,
    mode: str,
    place: str,
    duration_minutes: int,
    support_type: str,
    summary: str,
    consulting_mode: str = "",
    place_detail: str = "",
    staff: Iterable[Any] = (),
    client_people: Iterable[Person] = (),
    others_present: str = "",
    follow_ups: Iterable[Mapping[str, Any]] = (),
    confidential_note: str | None = None,
    shared_with_roles: Iterable[str] = (),
) -> Interaction:
    """Log a contact with its participants, follow-ups and (optionally) a confidential note.

    Each follow-up is a mapping with ``description``, ``due_on`` and optionally ``owner``.
    """
    require_permission(acting_user, "change", engagement)
    _check_when(occurred_at)
    people = _check_people(engagement, client_people)
    staff_members = _check_staff(engagement, staff)
    interaction = Interaction(
        engagement=engagement,
        organisation_id=engagement.organisation_id,
        occurred_at=occurred_at,
        mode=mode,
        place=place,
        place_detail=place_detail,
        duration_minutes=duration_minutes,
        consulting_mode=consulting_mode,
        support_type=support_type,
        others_present=others_present,
        summary=summary,
        recorded_by=acting_user,
    )
    interaction.advice_in_mentoring = _is_advice_in_mentoring(engagement, support_type)
    save_record(interaction)
    if interaction.advice_in_mentoring:
        record_event(
            verb="interaction.advice_in_mentoring",
            obj=interaction,
            actor=acting_user,
            data={"engagement": engagement.pk},
        )
    interaction.staff.set(staff_members)
    interaction.client_people.set(people)
    for follow_up in follow_ups:
        save_record(
            FollowUp(
                interaction=interaction,
                organisation_id=interaction.organisation_id,
                description=follow_up["description"],
                due_on=follow_up["due_on"],
                owner=follow_up.get("owner"),
            )
        )
    if confidential_note:
        save_record(
            ConfidentialNote(
                interaction=interaction,
                organisation_id=interaction.organisation_id,
                author=acting_user,
                text=confidential_note,
                shared_with=_shared_with(shared_with_roles),
            )
        )
    record_event(
        verb="interaction.recorded",
        obj=interaction,
        actor=acting_user,
        data={"mode": mode, "support_type": support_type},
    )
    return interaction


def _shared_with(roles: Iterable[str]) -> str:
    note = ConfidentialNote()
    note.shared_roles = _check_roles(roles)
    return note.shared_with


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    acting_user: Any,
    staff: Iterable[Any] | None = None,
    client_people: Iterable[Person] | None = None,
    **changes: Any,
) -> Interaction:
    """Correct a contact's record; the advice-in-mentoring flag is worked out again."""
    require_permission(acting_user, "change", interaction)
    unknown = set(changes) - set(INTERACTION_FIELDS)
    if unknown:
        raise ValueError(f"interaction_update cannot change {sorted(unknown)}")
    _check_when(changes.get("occurred_at"))
    engagement = interaction.engagement
    people = None if client_people is None else _check_people(engagement, client_people)
    staff_members = None if staff is None else _check_staff(engagement, staff)
    for field, value in changes.items():
        setattr(interaction, field, value)
    _flag(interaction, acting_user)
    save_record(interaction)
    if staff_members is not None:
        interaction.staff.set(staff_members)
    if people is not None:
        interaction.client_people.set(people)
    return interaction


@transaction.atomic
def follow_up_add(
    *,
    interaction: Interaction,
    acting_user: Any,
    description: str,
    due_on: dt.date,
    owner: Any = None,
) -> FollowUp:
    require_permission(acting_user, "change", interaction)
    return save_record(
        FollowUp(
            interaction=interaction,
            organisation_id=interaction.organisation_id,
            description=description,
            due_on=due_on,
            owner=owner,
        )
    )


@transaction.atomic
def follow_up_complete(
    *, follow_up: FollowUp, acting_user: Any, done_on: dt.date | None = None
) -> FollowUp:
    """Mark a follow-up done (today unless said otherwise)."""
    require_permission(acting_user, "change", follow_up)
    if follow_up.done_on is not None:
        raise ValidationError("This follow-up is already done.")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "A follow-up cannot be done in the future."})
    follow_up.done_on = done_on
    return save_record(follow_up)


def _check_upload(upload: UploadedFile) -> str:
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower()
    allowed = ALLOWED_ATTACHMENT_TYPES.get(extension)
    if not name or allowed is None:
        kinds = ", ".join(sorted(ALLOWED_ATTACHMENT_TYPES))
        raise ValidationError({"file": f"Attach a PDF, image, office document or text ({kinds})."})
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/octet-stream" and content_type not in allowed:
        raise ValidationError(
            {"file": f"The file says it is {content_type}, which does not match {extension}."}
        )
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": "Attachments can be at most 10 MB."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    signature = FILE_SIGNATURES.get(extension)
    if signature is not None:
        upload.seek(0)
        head = upload.read(len(signature))
        upload.seek(0)
        if head != signature:
            raise ValidationError({"file": f"This is not a {extension} file, whatever its name."})
    return name


@transaction.atomic
def attachment_add(
    *, interaction: Interaction, acting_user: Any, file: UploadedFile, name: str = ""
) -> Attachment:
    """Attach a file (at most 10 MB; PDF, images, office documents or text) to a contact."""
    require_permission(acting_user, "change", interaction)
    filename = _check_upload(file)
    attachment = Attachment(
        interaction=interaction,
        organisation_id=interaction.organisation_id,
        file=file,
        name=(name.strip() or filename)[:200],
        uploaded_by=acting_user,
    )
    return save_record(attachment)


@transaction.atomic
def confidential_note_save(
    *, interaction: Interaction, acting_user: Any, text: str, shared_with_roles: Iterable[str] = ()
) -> ConfidentialNote:
    """Write the contact's confidential note, or change it: its author only (004 k)."""
    require_permission(acting_user, "change", interaction)
    roles = _check_roles(shared_with_roles)
    note = ConfidentialNote.objects.filter(interaction=interaction).first()
    if note is None:
        note = ConfidentialNote(
            interaction=interaction,
            organisation_id=interaction.organisation_id,
            author=acting_user,
        )
    elif note.author_id != acting_user.pk:
        raise PermissionDenied("Only the author of a confidential note can change it.")
    note.text = text
    note.shared_roles = roles
    return save_record(note)
