"""Importing clients and people: the framework's file checks, row errors, all-or-nothing,
duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry

from tests.clients.factories import ClientFactory
from tests.imports.helpers import csv_file, stream, xlsx_file
from tests.permissions import assert_audited
from waypoint.clients.importers import ClientImporter, PersonImporter
from waypoint.clients.models import Client, Person
from waypoint.core import importing
from waypoint.core.audit import acting_as

HEADER = ["kind", "name", "registered_number", "sic_division", "postcode", "region", "start_date"]
GOOD = [
    ["business", "Acme Widgets Ltd", "01234567", "62", "ne1 4st", "TLC", "2020-03-01"],
    ["Business", "Blue Door Bakery", "", "10", "SW1A 1AA", "London", "01/02/2019"],
    ["individual", "Jo Bloggs", "", "", "LS1 1AA", "Yorkshire and The Humber", ""],
]


def importer(cast, user=None, **options) -> ClientImporter:
    return ClientImporter(organisation=cast.hub, acting_user=user or cast.mary, **options)


def test_preview_reads_a_csv_and_writes_nothing(cast) -> None:
    result = importer(cast).preview(stream(csv_file(HEADER, GOOD, bom=True)))
    assert result.ok, result.errors
    assert (result.total_rows, result.valid_rows, result.to_import) == (3, 3, 3)
    assert [row.number for row in result.sample] == [2, 3, 4]
    assert result.sample[0].values["kind"] == "business"  # the BOM is not part of the header
    assert not Client.objects.exists()


def test_commit_saves_every_row_with_one_audit_entry_each(cast) -> None:
    with acting_as(cast.mary), assert_audited([(Client, "create")] * 3):
        result = importer(cast).commit(stream(csv_file(HEADER, GOOD)))
    assert result.committed and result.created == 3
    acme = Client.objects.get(name="Acme Widgets Ltd")
    assert (acme.postcode, acme.sic_section, acme.region) == ("NE1 4ST", "J", "TLC")
    assert acme.start_date == dt.date(2020, 3, 1)
    assert acme.created_by == cast.mary and acme.organisation == cast.hub
    bakery = Client.objects.get(name="Blue Door Bakery")
    assert (bakery.region, bakery.start_date) == ("TLI", dt.date(2019, 2, 1))
    assert LogEntry.objects.filter(actor=cast.mary, action=LogEntry.Action.CREATE).count() == 3


def test_an_xlsx_workbook_is_read_from_its_first_sheet(cast) -> None:
    rows = [[*GOOD[0][:6], dt.datetime(2020, 3, 1)], [*GOOD[1][:6], None]]
    with acting_as(cast.mary):
        result = importer(cast).commit(stream(xlsx_file(HEADER, rows)))
    assert result.committed, (result.file_error, result.errors)
    assert Client.objects.get(name="Acme Widgets Ltd").start_date == dt.date(2020, 3, 1)
    assert Client.objects.count() == 2


def test_row_errors_name_the_row_and_the_column(cast) -> None:
    rows = [
        GOOD[0],
        ["business", "Bad Postcode Ltd", "", "62", "NOT A CODE", "TLC", ""],
        ["company", "", "", "4", "", "Atlantis", "31/31/2020"],
        ["individual", "Jo Numbered", "12345678", "", "", "", ""],
    ]
    result = importer(cast).preview(stream(csv_file(HEADER, rows)))
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "postcode"),
        (4, "kind"),
        (4, "name"),
        (4, "sic_division"),
        (4, "region"),
        (4, "start_date"),
        (5, "registered_number"),
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "not a UK postcode" in messages[(3, "postcode")]
    assert "Business, Individual" in messages[(4, "kind")]
    assert messages[(4, "name")] == "This field cannot be blank."  # the form's own message
    assert "YYYY-MM-DD or DD/MM/YYYY" in messages[(4, "start_date")]
    assert "no company or charity number" in messages[(5, "registered_number")]
    assert result.valid_rows == 1


def test_one_bad_row_means_nothing_is_written(cast) -> None:
    rows = [*GOOD, ["business", "Bad Postcode Ltd", "", "62", "NOT A CODE", "TLC", ""]]
    with acting_as(cast.mary), assert_audited([]):
        result = importer(cast).commit(stream(csv_file(HEADER, rows)))
    assert not result.committed and result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(5, "postcode")]
    assert not Client.objects.exists()


def test_a_database_failure_part_way_rolls_everything_back(cast, monkeypatch) -> None:
    saved: list[Client] = []

    def save_then_fail(self, objs) -> None:
        for obj in objs:
            obj.save()
            saved.append(obj)
            if len(saved) == 2:
                from django.db import IntegrityError

                raise IntegrityError("boom")

    monkeypatch.setattr(ClientImporter, "save", save_then_fail)
    with acting_as(cast.mary):
        result = importer(cast).commit(stream(csv_file(HEADER, GOOD)))
    assert not result.committed and "Nothing was imported" in result.file_error
    assert len(saved) == 2 and not Client.objects.exists()


@pytest.mark.parametrize("choice,created", [("skip", 1), ("import", 3)])
def test_likely_duplicates_are_reported_and_skipped_or_imported(cast, choice, created) -> None:
    ClientFactory(organisation=cast.hub, name="Acme Widgets (old)", registered_number="01234567")
    ClientFactory(organisation=cast.hub, name="Blue Door Bakery", postcode="SW1A 1AA")
    ClientFactory(organisation=cast.pathways, name="Jo Bloggs", postcode="LS1 1AA")  # elsewhere
    with acting_as(cast.mary):
        result = importer(cast, on_duplicate=choice).commit(stream(csv_file(HEADER, GOOD)))
    assert result.committed
    assert [(d.row, d.message) for d in result.duplicates] == [
        (2, "Likely duplicate of Acme Widgets (old)."),
        (3, "Likely duplicate of Blue Door Bakery."),
    ]
    assert result.created == created and result.skipped == 3 - created
    assert Client.objects.filter(organisation=cast.hub).count() == 2 + created


def test_duplicates_within_the_file_are_found_too(cast) -> None:
    rows = [GOOD[0], ["business", "Acme Again", "0123 4567", "62", "", "", ""]]
    result = importer(cast).preview(stream(csv_file(HEADER, rows)))
    assert [(d.row, d.message) for d in result.duplicates] == [
        (3, "Likely duplicate of Acme Widgets Ltd (row 2).")
    ]
    assert result.to_import == 1


def test_unknown_and_missing_columns_are_named_in_one_message(cast) -> None:
    result = importer(cast).preview(stream(csv_file(["Name", "colour", "size"], [["x", "y", "z"]])))
    assert result.file_error.startswith(
        "Unknown columns: colour, size. Missing required columns: kind."
    )
    assert "The columns for clients are: kind, name," in result.file_error
    assert not result.ok


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        (b"kind,name\n,\n", "no rows to import"),
        ("kind,name\nbusiness,Café\n".encode("latin-1"), "CSV UTF-8"),
        (b"PK\x03\x04not really a workbook", "cannot be read as an Excel workbook"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message(cast, data, message) -> None:
    result = importer(cast).preview(stream(data))
    assert message in result.file_error
    assert not result.ok


def test_file_size_and_row_count_are_limited(cast, monkeypatch) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    result = importer(cast).preview(stream(csv_file(HEADER, GOOD)))
    assert result.file_error == "The file has more than 2 rows; split it into smaller files."
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    result = importer(cast).preview(stream(csv_file(HEADER, GOOD)))
    assert "larger than" in result.file_error


def test_a_row_longer_than_the_header_is_an_error(cast) -> None:
    data = csv_file(["kind", "name"], [["business", "Acme", "extra"]])
    result = importer(cast).preview(stream(data))
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "This row has 3 values but there are only 2 column names.")
    ]


def test_people_are_linked_by_number_or_exact_name(cast) -> None:
    acme = ClientFactory(
        organisation=cast.hub, name="Acme Widgets Ltd", registered_number="01234567"
    )
    bakery = ClientFactory(organisation=cast.hub, name="Blue Door Bakery")
    ClientFactory(organisation=cast.hub, name="Twins")
    ClientFactory(organisation=cast.hub, name="Twins")
    ClientFactory(organisation=cast.pathways, name="Elsewhere Ltd")
    header = ["client", "first_name", "last_name", "role", "is_main_contact"]
    rows = [
        ["01234567", "Ann", "Acme", "Owner", "yes"],
        ["blue door bakery", "Bea", "Baker", "", ""],
        ["Twins", "Tia", "Twin", "", ""],
        ["Elsewhere Ltd", "Eve", "Else", "", ""],
        ["01234567", "", "Nameless", "", "maybe"],
    ]
    importer_ = PersonImporter(organisation=cast.hub, acting_user=cast.mary)
    result = importer_.preview(stream(csv_file(header, rows)))
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert set(messages) == {
        (4, "client"),
        (5, "client"),
        (6, "first_name"),
        (6, "is_main_contact"),
    }
    assert "2 clients are called 'Twins'" in messages[(4, "client")]
    assert "No client numbered or named 'Elsewhere Ltd'" in messages[(5, "client")]
    with acting_as(cast.mary), assert_audited([(Person, "create")] * 2):
        result = importer_.commit(stream(csv_file(header, rows[:2])))
    assert result.committed
    ann = Person.objects.get(first_name="Ann")
    assert ann.client == acme and ann.is_main_contact and ann.organisation == cast.hub
    assert Person.objects.get(first_name="Bea").client == bakery


def test_an_adviser_links_people_only_to_clients_they_can_change(cast) -> None:
    ClientFactory(organisation=cast.hub, name="Alice's Client", created_by=cast.alice)
    ClientFactory(organisation=cast.hub, name="Someone Else's")
    header = ["client", "first_name", "last_name"]
    rows = [["Alice's Client", "A", "B"], ["Someone Else's", "C", "D"]]
    result = PersonImporter(organisation=cast.hub, acting_user=cast.alice).preview(
        stream(csv_file(header, rows))
    )
    assert [(e.row, e.column) for e in result.errors] == [(3, "client")]


def test_a_similar_name_at_the_same_postcode_is_a_likely_duplicate(cast) -> None:
    ClientFactory(organisation=cast.hub, name="The Blue Door Bakery Ltd", postcode="SW1A 1AA")
    rows = [
        ["business", "Blue Door Bakery", "", "10", "sw1a1aa", "", ""],
        ["business", "Red Door Garage", "", "45", "SW1A 1AA", "", ""],
    ]
    result = importer(cast).preview(stream(csv_file(HEADER, rows)))
    assert [(d.row, d.message) for d in result.duplicates] == [
        (2, "Likely duplicate of The Blue Door Bakery Ltd.")
    ]


def test_a_duplicate_the_importer_cannot_open_is_caught_but_not_named(cast) -> None:
    ClientFactory(organisation=cast.hub, name="Private Matters Ltd", registered_number="07654321")
    rows = [["business", "Private Matters", "07654321", "70", "", "", ""]]
    result = importer(cast, user=cast.alice).preview(stream(csv_file(HEADER, rows)))
    assert [d.message for d in result.duplicates] == [
        "Likely duplicate of a client you cannot open (ask a service manager)."
    ]
