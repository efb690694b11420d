"""Importing the contact log: engagements found by client and programme, within scope."""

from __future__ import annotations

import datetime as dt

from tests.delivery.factories import AgreementFactory
from tests.imports.helpers import csv_file, stream, xlsx_file
from tests.permissions import assert_audited
from waypoint.core.audit import acting_as
from waypoint.delivery.importers import InteractionImporter
from waypoint.delivery.models import Agreement, Interaction

HEADER = [
    "client",
    "programme",
    "occurred_at",
    "mode",
    "place",
    "duration_minutes",
    "support_type",
    "consulting_mode",
    "summary",
]


def row(client="Acme Widgets Ltd", when="2026-06-01 10:30", **changes) -> list[str]:
    values = {
        "client": client,
        "programme": "Northshire Growth",
        "occurred_at": when,
        "mode": "Phone",
        "place": "online",
        "duration_minutes": "45",
        "support_type": "advice",
        "consulting_mode": "Catalytic",
        "summary": "Went through the plan.",
        **changes,
    }
    return [values[name] for name in HEADER]


def test_contacts_are_recorded_on_the_engagement_by_the_importing_user(cast, desk) -> None:
    before = Interaction.objects.count()
    importer = InteractionImporter(organisation=cast.hub, acting_user=cast.alice)
    with acting_as(cast.alice), assert_audited([(Interaction, "create")] * 2):
        result = importer.commit(stream(csv_file(HEADER, [row(), row(when="02/06/2026 14:00")])))
    assert result.committed, result.errors
    assert Interaction.objects.count() == before + 2
    contact = Interaction.objects.filter(engagement=desk.alice_engagement).order_by("pk").last()
    assert contact is not None
    assert contact.recorded_by == cast.alice and contact.organisation == cast.hub
    assert (contact.mode, contact.place, contact.consulting_mode) == (
        "phone",
        "online",
        "catalytic",
    )
    # Local time (Europe/London, summer) stored in UTC.
    assert contact.occurred_at == dt.datetime(2026, 6, 2, 13, 0, tzinfo=dt.UTC)
    assert not contact.advice_in_mentoring


def test_contact_rows_with_problems_name_row_and_column(cast, desk) -> None:
    rows = [
        row(client="Zenith Bakery"),  # mary's engagement: not alice's to change
        row(client="Nobody Ltd"),
        row(when="yesterday", mode="carrier pigeon", duration_minutes="0"),
        row(when="2999-01-01 09:00", summary=""),
    ]
    importer = InteractionImporter(organisation=cast.hub, acting_user=cast.alice)
    with acting_as(cast.alice), assert_audited([]):
        result = importer.commit(stream(csv_file(HEADER, rows)))
    assert not result.committed
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "client"),
        (3, "client"),
        (4, "occurred_at"),
        (4, "mode"),
        (4, "duration_minutes"),
        (5, "occurred_at"),
        (5, "summary"),
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "No engagement of 'Zenith Bakery' on 'Northshire Growth'" in messages[(2, "client")]
    assert messages[(5, "occurred_at")] == "A contact cannot be in the future."


def test_a_manager_imports_for_the_whole_organisation_from_xlsx(cast, desk) -> None:
    rows = [row(client="Zenith Bakery", when=dt.datetime(2026, 6, 1, 9, 0)), row()]
    importer = InteractionImporter(organisation=cast.hub, acting_user=cast.mary)
    with acting_as(cast.mary):
        result = importer.commit(stream(xlsx_file(HEADER, rows)))
    assert result.committed, (result.file_error, result.errors)
    assert desk.mary_engagement.interactions.count() == 1


def test_advice_on_a_mentoring_engagement_is_flagged(cast, desk) -> None:
    Agreement.objects.filter(pk=desk.agreement.pk).update(status=Agreement.Status.SUPERSEDED)
    AgreementFactory(
        engagement=desk.alice_engagement,
        version=2,
        type=Agreement.Type.MENTORING,
        mentoring_goals="Grow",
        meeting_frequency="Monthly",
        code_of_ethics="EMCC",
    )
    importer = InteractionImporter(organisation=cast.hub, acting_user=cast.alice)
    with acting_as(cast.alice):
        result = importer.commit(
            stream(
                csv_file(HEADER, [row(), row(support_type="Mentoring", when="2026-06-03 10:00")])
            )
        )
    assert result.committed
    flags = dict(
        desk.alice_engagement.interactions.filter(
            recorded_by=cast.alice, summary__startswith="Went"
        ).values_list("support_type", "advice_in_mentoring")
    )
    assert flags == {"advice": True, "mentoring": False}
