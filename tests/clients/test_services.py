"""Client services on the real database: permissions, validation, audit, merging."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from tests.clients.factories import ClientFactory, ConsentFactory, PersonFactory
from tests.delivery.conftest import desk  # noqa: F401  (fixture)
from tests.permissions import assert_audited, assert_no_audit
from waypoint.clients import services
from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.clients.reference import Barrier
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import Engagement

pytestmark = pytest.mark.django_db


def test_client_create_records_creator_and_derives_sector(cast):
    with assert_audited([(Client, "create")]):
        client = services.client_create(
            organisation=cast.hub,
            acting_user=cast.alice,
            kind=Client.Kind.BUSINESS,
            name="  Blue Fern Ltd ",
            sic_division="62",
            postcode="ne14st",
        )
    assert client.created_by == cast.alice
    assert client.name == "Blue Fern Ltd"
    assert client.sic_section == "J"
    assert client.postcode == "NE1 4ST"


def test_client_create_refuses_other_organisations_and_wrong_roles(cast):
    with assert_no_audit():
        with pytest.raises(PermissionDenied):
            services.client_create(
                organisation=cast.pathways, acting_user=cast.alice, kind="business", name="X"
            )
        with pytest.raises(PermissionDenied):
            services.client_create(
                organisation=cast.northshire, acting_user=cast.carl, kind="business", name="X"
            )


def test_client_create_names_the_bad_field_and_writes_nothing(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as caught:
        services.client_create(
            organisation=cast.hub,
            acting_user=cast.alice,
            kind=Client.Kind.INDIVIDUAL,
            name="Jo",
            registered_number="01234567",
            postcode="not a postcode",
        )
    assert set(caught.value.message_dict) == {"registered_number", "postcode"}
    assert not Client.objects.exists()


def test_client_update_checks_change_permission(cast):
    client = ClientFactory(organisation=cast.hub, created_by=cast.mary)
    with pytest.raises(PermissionDenied):
        services.client_update(client=client, acting_user=cast.alice, name="Mine now")
    with assert_audited([(Client, "update")]):
        services.client_update(client=client, acting_user=cast.mary, name="Renamed")
    client.refresh_from_db()
    assert client.name == "Renamed"


def test_client_update_refuses_unknown_fields(cast):
    client = ClientFactory(organisation=cast.hub)
    with pytest.raises(ValueError):
        services.client_update(client=client, acting_user=cast.mary, organisation=cast.pathways)


def test_person_add_update_remove_keeps_one_main_contact(cast):
    client = ClientFactory(organisation=cast.hub, created_by=cast.alice)
    first = services.person_add(
        client=client,
        acting_user=cast.alice,
        first_name="Ann",
        last_name="Lee",
        is_main_contact=True,
    )
    with assert_audited([(Person, "create"), (Person, "update")]):
        second = services.person_add(
            client=client,
            acting_user=cast.alice,
            first_name="Bo",
            last_name="Day",
            is_main_contact=True,
        )
    first.refresh_from_db()
    assert not first.is_main_contact and second.is_main_contact
    services.person_update(person=first, acting_user=cast.alice, role="Director")
    assert Person.objects.get(pk=first.pk).role == "Director"
    with assert_audited([(Person, "delete")]):
        services.person_remove(person=first, acting_user=cast.alice)
    assert list(client.people.all()) == [second]


def test_person_add_names_missing_field(cast):
    client = ClientFactory(organisation=cast.hub)
    with pytest.raises(ValidationError) as caught:
        services.person_add(client=client, acting_user=cast.mary, first_name="", last_name="Lee")
    assert "first_name" in caught.value.message_dict
    assert not Person.objects.exists()


def test_consent_record_and_withdraw_keep_the_record(cast):
    client = ClientFactory(organisation=cast.hub)
    consent = services.consent_record(
        client=client,
        acting_user=cast.mary,
        kind=Consent.Kind.MARKETING,
        granted_on=dt.date(2026, 1, 5),
        how="Signed form",
    )
    assert consent.recorded_by == cast.mary
    with assert_audited([(Consent, "update")]):
        services.consent_withdraw(
            consent=consent, acting_user=cast.mary, withdrawn_on=dt.date(2026, 2, 1)
        )
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2026, 2, 1)
    assert DomainEvent.objects.filter(verb="consent.withdrawn", actor=cast.mary).exists()
    with pytest.raises(ValidationError) as caught:
        services.consent_withdraw(consent=consent, acting_user=cast.mary)
    assert "withdrawn_on" in caught.value.message_dict


def test_privacy_notice_needs_version_and_basis(cast):
    client = ClientFactory(organisation=cast.hub)
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            client=client, acting_user=cast.mary, kind=Consent.Kind.PRIVACY_NOTICE
        )
    assert {"privacy_notice_version", "lawful_basis"} <= set(caught.value.message_dict)
    assert not Consent.objects.exists()


def test_barriers_set_adds_and_removes(cast):
    client = ClientFactory(
        organisation=cast.hub, kind=Client.Kind.INDIVIDUAL, sic_division="", sic_section=""
    )
    services.barriers_set(
        client=client, acting_user=cast.mary, barriers=[Barrier.HEALTH, Barrier.CARING]
    )
    with assert_audited([(ClientBarrier, "delete"), (ClientBarrier, "create")]):
        services.barriers_set(
            client=client, acting_user=cast.mary, barriers=[Barrier.CARING, Barrier.DEBT]
        )
    assert set(client.barriers.values_list("barrier", flat=True)) == {"caring", "debt"}
    with pytest.raises(ValidationError) as caught:
        services.barriers_set(client=client, acting_user=cast.mary, barriers=["nonsense"])
    assert "barriers" in caught.value.message_dict


def test_barriers_are_for_individuals_only(cast):
    business = ClientFactory(organisation=cast.hub)
    with pytest.raises(ValidationError) as caught:
        services.barriers_set(client=business, acting_user=cast.mary, barriers=[Barrier.DEBT])
    assert "barriers" in caught.value.message_dict


def test_equality_record_creates_then_updates_one_row(cast):
    client = ClientFactory(organisation=cast.hub)
    services.equality_record(client=client, acting_user=cast.mary, sex="female")
    services.equality_record(client=client, acting_user=cast.mary, sex="", ethnicity="white")
    row = EqualityMonitoring.objects.get(client=client)
    assert (row.sex, row.ethnicity) == ("", "white")
    with pytest.raises(ValidationError) as caught:
        services.equality_record(client=client, acting_user=cast.mary, age_band="ancient")
    assert "age_band" in caught.value.message_dict


def test_equality_record_refuses_those_who_cannot_change_the_client(cast):
    client = ClientFactory(organisation=cast.hub, created_by=cast.mary)
    with pytest.raises(PermissionDenied):
        services.equality_record(client=client, acting_user=cast.alice, sex="male")


# Merging ---------------------------------------------------------------------------------------


def test_merge_moves_every_record_including_engagements(cast, desk):  # noqa: F811
    duplicate = ClientFactory(organisation=cast.hub, name="ACME Widgets")
    PersonFactory(client=duplicate)
    ConsentFactory(client=duplicate)
    ClientBarrier.objects.create(client=duplicate, organisation=cast.hub, barrier="debt")
    EqualityMonitoring.objects.create(client=duplicate, organisation=cast.hub, sex="male")
    Engagement.objects.filter(pk=desk.mary_engagement.pk).update(client=duplicate)

    counts = services.client_merge(keep=desk.acme, merge=duplicate, acting_user=cast.mary)

    assert counts["engagements"] == 1 and counts["people"] == 1 and counts["consents"] == 1
    assert desk.acme.engagements.count() == 2
    assert desk.acme.people.count() == 1 and desk.acme.consents.count() == 1
    assert desk.acme.barriers.count() == 1
    assert EqualityMonitoring.objects.get(client=desk.acme).sex == "male"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == desk.acme
    event = DomainEvent.objects.get(verb="client.merged")
    assert event.actor == cast.mary and event.data["moved"]["engagements"] == 1
    moved = LogEntry.objects.filter(
        content_type__model="engagement", object_pk=str(desk.mary_engagement.pk)
    )
    assert moved.filter(action=LogEntry.Action.UPDATE).exists()


def test_merge_keeps_the_kept_clients_equality_answers(cast):
    keep = ClientFactory(organisation=cast.hub)
    merge = ClientFactory(organisation=cast.hub)
    EqualityMonitoring.objects.create(client=keep, organisation=cast.hub, sex="female")
    EqualityMonitoring.objects.create(client=merge, organisation=cast.hub, sex="male")
    services.client_merge(keep=keep, merge=merge, acting_user=cast.mary)
    assert EqualityMonitoring.objects.get(client=keep).sex == "female"
    assert EqualityMonitoring.objects.count() == 2  # nothing deleted


def test_merge_refusals(cast):
    keep = ClientFactory(organisation=cast.hub)
    other = ClientFactory(organisation=cast.pathways)
    merged = ClientFactory(organisation=cast.hub, merged_into=keep)
    with pytest.raises(ValidationError):
        services.client_merge(keep=keep, merge=keep, acting_user=cast.mary)
    with pytest.raises(ValidationError):
        services.client_merge(keep=keep, merge=merged, acting_user=cast.mary)
    with pytest.raises(ValidationError):
        services.client_merge(
            keep=merged, merge=ClientFactory(organisation=cast.hub), acting_user=cast.mary
        )
    with pytest.raises((ValidationError, PermissionDenied)):
        services.client_merge(keep=keep, merge=other, acting_user=cast.root)
    with pytest.raises(PermissionDenied):
        services.client_merge(
            keep=keep, merge=ClientFactory(organisation=cast.hub), acting_user=cast.alice
        )
    assert not DomainEvent.objects.filter(verb="client.merged").exists()


def test_business_facts_are_refused_for_individuals(cast):
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            organisation=cast.hub,
            acting_user=cast.mary,
            kind=Client.Kind.INDIVIDUAL,
            name="Jo Bloggs",
            legal_form="private_limited",
            size_band="micro",
        )
    assert set(caught.value.message_dict) == {"legal_form", "size_band"}
