"""Importing clients and the people linked to them (waypoint.core.importing).

Each row becomes a model instance checked with ``full_clean``, so the messages are the forms'
own. Likely duplicates of clients (same company or charity number, or the same name and
postcode, already held by the organisation or earlier in the file) are reported and, as the
person importing chooses, skipped or imported (issue 3, item 2).
"""

from __future__ import annotations

from typing import Any

from waypoint.clients.models import Client, Person
from waypoint.clients.reference import (
    EmploymentStatus,
    LegalForm,
    Region,
    SizeBand,
    TradingStatus,
)
from waypoint.clients.selectors import names_similar
from waypoint.core.importing import (
    Column,
    Importer,
    Row,
    RowError,
    RowValueError,
    parse_bool,
    parse_choice,
    parse_date,
    register_importer,
)

CLIENT_TEXT_FIELDS = (
    "name",
    "trading_name",
    "registered_number",
    "sic_division",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "email",
    "phone",
)


def _number_key(number: str) -> str:
    return "".join(number.split()).upper()


@register_importer
class ClientImporter(Importer):
    kind = "clients"
    label = "clients"
    model = Client
    permission_model = Client
    records_url_name = "clients:client-list"
    handles_duplicates = True
    columns = (
        Column("kind", True, "business or individual"),
        Column("name", True, "The business's registered or trading name, or the person's name."),
        Column("trading_name"),
        Column("registered_number", help="Company or charity number (businesses only)."),
        Column("legal_form", help="e.g. Sole trader, Private limited company."),
        Column("sic_division", help="SIC 2007 division: two digits, e.g. 62."),
        Column("size_band", help="No employees, Micro, Small, Medium or Large (or the code)."),
        Column("trading_status", help="Pre-start, under 1 year, 1 to 3 years, over 3 years."),
        Column("start_date", help="YYYY-MM-DD or DD/MM/YYYY."),
        Column("address_line_1"),
        Column("address_line_2"),
        Column("town"),
        Column("postcode"),
        Column("region", help="ITL1 code (e.g. TLC) or name (e.g. North East)."),
        Column("email"),
        Column("phone"),
        Column("employment_status", help="Individuals only."),
    )

    def prepare(self, rows: list[Row]) -> None:
        """The organisation's clients by number and by postcode, to find likely duplicates the
        way the client form does (``likely_duplicates``), without a query per row."""
        self.by_number: dict[str, str] = {}
        self.by_postcode: dict[str, list[tuple[str, str]]] = {}
        existing = Client.objects.filter(
            organisation=self.organisation, merged_into__isnull=True
        ).values_list("pk", "name", "registered_number", "postcode")
        # A client the importing person may not open is reported without its name, as on the
        # client form: the duplicate is still caught, and nothing is disclosed.
        visible = set(
            Client.objects.restrict(self.acting_user, "view")
            .filter(organisation=self.organisation)
            .values_list("pk", flat=True)
        )
        for pk, name, number, postcode in existing.iterator():
            label = name if pk in visible else HIDDEN_CLIENT
            self.remember(name, number, postcode, label)

    def remember(self, name: str, number: str, postcode: str, label: str) -> None:
        if number:
            self.by_number.setdefault(_number_key(number), label)
        if postcode:
            self.by_postcode.setdefault(postcode, []).append((name, label))

    def validate_row(self, row: Row) -> Any:
        errors: list[RowError] = []
        client = Client(organisation=self.organisation, created_by=self.acting_user)
        for name in CLIENT_TEXT_FIELDS:
            setattr(client, name, row.text(name))
        client.kind = self.read(row, "kind", parse_choice, errors, Client.Kind.choices) or ""
        for name, choices in (
            ("legal_form", LegalForm.choices),
            ("size_band", SizeBand.choices),
            ("trading_status", TradingStatus.choices),
            ("region", Region.choices),
            ("employment_status", EmploymentStatus.choices),
        ):
            setattr(client, name, self.read(row, name, parse_choice, errors, choices) or "")
        client.start_date = self.read(row, "start_date", parse_date, errors)
        failed = {error.column for error in errors}
        self.check_model(client, row, errors, exclude=["organisation", "created_by", *failed])
        return errors or client

    def duplicate_of(self, obj: Any, row: Row) -> str | None:
        """The same company or charity number, or a similar name at the same postcode, held
        by the organisation or on an earlier row of the file."""
        client: Client = obj
        found = (
            self.by_number.get(_number_key(client.registered_number))
            if client.registered_number
            else None
        )
        if found is None and client.postcode:
            for name, label in self.by_postcode.get(client.postcode, []):
                if names_similar(name, client.name):
                    found = label
                    break
        self.remember(
            client.name,
            client.registered_number,
            client.postcode,
            f"{client.name} (row {row.number})",
        )
        return found


HIDDEN_CLIENT = "a client you cannot open (ask a service manager)"


@register_importer
class PersonImporter(Importer):
    kind = "people"
    label = "people"
    model = Person
    permission_model = Client
    records_url_name = "clients:client-list"
    columns = (
        Column("client", True, "The client's company or charity number, or its exact name."),
        Column("first_name", True),
        Column("last_name", True),
        Column("role", help="e.g. Owner, Director."),
        Column("email"),
        Column("phone"),
        Column("is_main_contact", help="yes or no"),
    )

    def prepare(self, rows: list[Row]) -> None:
        """Clients the importing user may change in the organisation, by number and by name."""
        self.by_number: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        clients = (
            Client.objects.restrict(self.acting_user, "change")
            .filter(organisation=self.organisation, merged_into__isnull=True)
            .values_list("pk", "name", "registered_number")
        )
        for pk, name, number in clients.iterator():
            if number:
                self.by_number.setdefault(_number_key(number), []).append(pk)
            self.by_name.setdefault(" ".join(name.lower().split()), []).append(pk)

    def save(self, objs: list[Any]) -> None:
        """Save each person (one audit entry each), with their client loaded in bulk: the audit
        entry names the client, and loading it row by row would cost a query a row."""
        for start in range(0, len(objs), 2000):
            chunk = objs[start : start + 2000]
            clients = Client.objects.in_bulk({person.client_id for person in chunk})
            for person in chunk:
                person.client = clients[person.client_id]
                person.save()

    def find_client(self, value: str) -> int:
        if not value:
            raise RowValueError("Give the client's company or charity number, or its name.")
        matches = self.by_number.get(_number_key(value)) or self.by_name.get(
            " ".join(value.lower().split()), []
        )
        if not matches:
            raise RowValueError(
                f"No client numbered or named {value!r} that you can change in {self.organisation}."
            )
        if len(matches) > 1:
            raise RowValueError(
                f"{len(matches)} clients are called {value!r}: give the company or charity "
                "number instead."
            )
        return matches[0]

    def validate_row(self, row: Row) -> Any:
        errors: list[RowError] = []
        person = Person(organisation=self.organisation)
        for name in ("first_name", "last_name", "role", "email", "phone"):
            setattr(person, name, row.text(name))
        client_id = self.read(row, "client", lambda v: self.find_client(str(v)), errors)
        if client_id is not None:
            person.client_id = client_id
        person.is_main_contact = bool(self.read(row, "is_main_contact", parse_bool, errors))
        failed = {error.column for error in errors}
        self.check_model(person, row, errors, exclude=["organisation", "client", *failed])
        return errors or person
