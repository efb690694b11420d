"""Reads: duplicates, search, consent position, equality counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clients.factories import ClientFactory, ConsentFactory
from waypoint.clients import selectors
from waypoint.clients.models import Client, Consent, EqualityMonitoring

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "second", "similar"),
    [
        ("Acme Widgets Ltd", "ACME WIDGETS LIMITED", True),
        ("The Acme Widgets Ltd.", "Acme Widget", True),
        ("Acme Widgets", "Zenith Bakery", False),
        ("Ltd", "Limited", False),
    ],
)
def test_names_similar(first, second, similar):
    assert selectors.names_similar(first, second) is similar


def test_likely_duplicates_by_number_or_similar_name_at_same_postcode(cast):
    by_number = ClientFactory(organisation=cast.hub, name="Other Name", registered_number="0123")
    by_name = ClientFactory(organisation=cast.hub, name="Acme Widgets Ltd", postcode="NE1 4ST")
    ClientFactory(organisation=cast.hub, name="Acme Widgets Ltd", postcode="SW1A 1AA")
    ClientFactory(organisation=cast.hub, name="Quite Different", postcode="NE1 4ST")
    ClientFactory(organisation=cast.pathways, name="Acme Widgets", registered_number="0123")
    ClientFactory(
        organisation=cast.hub, name="Acme Widgets", postcode="NE1 4ST", merged_into=by_name
    )
    with CaptureQueriesContext(connection) as queries:
        found = selectors.likely_duplicates(
            organisation=cast.hub,
            name="ACME widgets limited",
            registered_number="0123",
            postcode="ne1 4st",
        )
    assert set(found) == {by_number, by_name}
    assert len(queries) == 1
    assert (
        selectors.likely_duplicates(
            organisation=cast.hub, name="Acme Widgets", postcode="NE1 4ST", exclude=by_name
        )
        == []
    )
    assert selectors.likely_duplicates(organisation=cast.hub, name="Acme Widgets") == []


def test_search_matches_name_number_postcode_email(cast):
    acme = ClientFactory(
        organisation=cast.hub,
        name="Acme",
        trading_name="Widgets R Us",
        registered_number="SC123",
        postcode="EH1 1AA",
        email="hello@acme.test",
    )
    ClientFactory(organisation=cast.hub, name="Zenith")
    base = Client.objects.all()
    for text in ["acme", "widgets r", "sc123", "eh11aa", "EH1 1AA", "hello@acme"]:
        assert list(selectors.client_search(base, text)) == [acme], text


def test_clients_for_leaves_out_merged_and_out_of_scope(cast):
    mine = ClientFactory(organisation=cast.hub, created_by=cast.alice)
    ClientFactory(organisation=cast.hub, created_by=cast.alice, merged_into=mine)
    ClientFactory(organisation=cast.hub, created_by=cast.mary)
    ClientFactory(organisation=cast.pathways)
    assert list(selectors.clients_for(user=cast.alice)) == [mine]
    assert selectors.clients_for(user=cast.mary).count() == 2


def test_consent_position_is_the_latest_record_per_kind(cast):
    client = ClientFactory(organisation=cast.hub)
    import datetime as dt

    ConsentFactory(client=client, kind=Consent.Kind.MARKETING, granted_on=dt.date(2025, 1, 1))
    latest = ConsentFactory(
        client=client,
        kind=Consent.Kind.MARKETING,
        granted_on=dt.date(2026, 1, 1),
        withdrawn_on=dt.date(2026, 2, 1),
    )
    position = {row["kind"]: row["consent"] for row in selectors.consent_position(client=client)}
    assert position["Marketing"] == latest
    assert position["Privacy notice given"] is None


def test_equality_summary_counts_and_suppresses_small_numbers(cast):
    for _ in range(5):
        client = ClientFactory(organisation=cast.hub)
        EqualityMonitoring.objects.create(client=client, organisation=cast.hub, sex="female")
    client = ClientFactory(organisation=cast.hub)
    EqualityMonitoring.objects.create(client=client, organisation=cast.hub, sex="male")
    other = ClientFactory(organisation=cast.pathways)
    EqualityMonitoring.objects.create(client=other, organisation=cast.pathways, sex="female")
    summary = {
        q["question"]: q["answers"] for q in selectors.equality_summary(organisation=cast.hub)
    }
    sex = {a["label"]: a["count"] for a in summary["Sex"]}
    assert sex == {"Female": 5, "Male": None, "Prefer not to say": 0}
