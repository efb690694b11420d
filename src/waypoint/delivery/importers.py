"""Importing the contact log (waypoint.core.importing).

Each row is one contact on an engagement the importing user may change, found by the client
(its company or charity number, or its exact name) and the programme's name within the
organisation. The importing user is recorded as the one who recorded each contact.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.utils import timezone

from waypoint.core.importing import (
    Column,
    Importer,
    Row,
    RowError,
    RowValueError,
    parse_choice,
    parse_datetime,
    parse_int,
    register_importer,
)
from waypoint.delivery.models import Agreement, Engagement, Interaction

_MAX_MINUTES = 32767  # PositiveSmallIntegerField


def _key(text: str) -> str:
    return " ".join(str(text).lower().split())


@register_importer
class InteractionImporter(Importer):
    kind = "contacts"
    label = "contacts"
    model = Interaction
    permission_model = Engagement
    records_url_name = "delivery:engagement-list"
    columns = (
        Column("client", True, "The client's company or charity number, or its exact name."),
        Column("programme", True, "The programme's name."),
        Column("occurred_at", True, "YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM, local time."),
        Column("mode", True, "Face to face, Phone, Video call, Email, Message, Workshop or event."),
        Column("place", True, "Our premises, Client's premises, Online or Other."),
        Column("place_detail"),
        Column("duration_minutes", True, "Whole minutes."),
        Column("support_type", True, "Advice or Mentoring."),
        Column("consulting_mode", help="Acceptant, Catalytic, Confrontational or Prescriptive."),
        Column("summary", True),
    )
    field_columns = {"engagement": "client"}

    def prepare(self, rows: list[Row]) -> None:
        """Engagements the user may change in the organisation, keyed by client and programme."""
        self.time_zone = zoneinfo.ZoneInfo(self.organisation.time_zone)
        self.now = timezone.now()
        self.engagements: dict[tuple[str, str], list[tuple[int, bool]]] = {}
        found = (
            Engagement.objects.restrict(self.acting_user, "change")
            .filter(organisation=self.organisation)
            .values_list(
                "pk", "client__name", "client__registered_number", "programme__name", "status"
            )
        )
        for pk, name, number, programme, status in found.iterator():
            entry = (pk, status != Engagement.Status.CLOSED)
            self.engagements.setdefault((_key(name), _key(programme)), []).append(entry)
            if number:
                self.engagements.setdefault((_key(number), _key(programme)), []).append(entry)
        # 004 g: advice logged on a mentoring engagement is flagged for a second look.
        self.mentoring = set(
            Agreement.objects.filter(
                engagement__organisation=self.organisation, type=Agreement.Type.MENTORING
            )
            .exclude(status=Agreement.Status.SUPERSEDED)
            .values_list("engagement_id", flat=True)
        )

    def save(self, objs: list[Any]) -> None:
        """Save each contact (one audit entry each), its engagement loaded beforehand: the audit
        entry names the engagement, and loading it one row at a time would cost three queries
        a row."""
        for start in range(0, len(objs), 2000):
            chunk = objs[start : start + 2000]
            engagements = Engagement.objects.select_related("client", "programme").in_bulk(
                {contact.engagement_id for contact in chunk}
            )
            for contact in chunk:
                contact.engagement = engagements[contact.engagement_id]
                contact.save()

    def find_engagement(self, row: Row) -> int:
        client, programme = row.text("client"), row.text("programme")
        if not client or not programme:
            raise RowValueError("Give the client and the programme.")
        matches = self.engagements.get((_key(client), _key(programme)), [])
        if len(matches) > 1:
            matches = [m for m in matches if m[1]] or matches
        if not matches:
            raise RowValueError(
                f"No engagement of {client!r} on {programme!r} that you can change in "
                f"{self.organisation}."
            )
        if len(matches) > 1:
            raise RowValueError(
                f"{client!r} has {len(matches)} engagements on {programme!r}; record these "
                "contacts on the engagement's page."
            )
        return matches[0][0]

    def validate_row(self, row: Row) -> Any:
        errors: list[RowError] = []
        contact = Interaction(
            organisation=self.organisation,
            recorded_by=self.acting_user,
            summary=row.text("summary"),
            place_detail=row.text("place_detail"),
        )
        engagement_id = self.read(row, "client", lambda _: self.find_engagement(row), errors)
        if engagement_id is not None:
            contact.engagement_id = engagement_id
        occurred_at = self.read(row, "occurred_at", parse_datetime, errors, self.time_zone)
        if isinstance(occurred_at, dt.datetime) and occurred_at > self.now:
            errors.append(RowError(row.number, "occurred_at", "A contact cannot be in the future."))
        contact.occurred_at = occurred_at
        for name, choices in (
            ("mode", Interaction.Mode.choices),
            ("place", Interaction.Place.choices),
            ("support_type", Interaction.SupportType.choices),
            ("consulting_mode", Interaction.ConsultingMode.choices),
        ):
            setattr(contact, name, self.read(row, name, parse_choice, errors, choices) or "")
        minutes = self.read(row, "duration_minutes", parse_int, errors)
        if minutes is not None and minutes > _MAX_MINUTES:
            errors.append(RowError(row.number, "duration_minutes", "That is too long a contact."))
            minutes = None
        contact.duration_minutes = minutes
        contact.advice_in_mentoring = (
            contact.support_type == Interaction.SupportType.ADVICE
            and engagement_id in self.mentoring
        )
        failed = {error.column for error in errors}
        exclude = ["organisation", "recorded_by", "engagement", *failed]
        self.check_model(contact, row, errors, exclude=exclude)
        return errors or contact
