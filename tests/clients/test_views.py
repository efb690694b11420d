"""Every client page: anonymous, wrong role, out of scope, allowed, audited when it changes data."""

from __future__ import annotations

import csv
import datetime as dt
import io

import django_filters
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.clients.factories import ClientFactory, ConsentFactory, PersonFactory
from tests.delivery.conftest import desk  # noqa: F401  (fixture)
from tests.factories import person
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.clients import extensions
from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.core.models import DomainEvent
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(cast):
    """Sees hub's clients but may change none of them."""
    return person("vic", "Vic", role=Role.VIEWER, organisation=cast.hub)


@pytest.fixture
def acme(cast):
    return ClientFactory(
        organisation=cast.hub,
        name="Acme Widgets Ltd",
        registered_number="01234567",
        postcode="NE1 4ST",
        created_by=cast.alice,
    )


def client_data(**changes):
    data = {
        "kind": "business",
        "name": "Blue Fern Ltd",
        "registered_number": "",
        "sic_division": "62",
        "postcode": "NE2 1AB",
        "region": "TLC",
    }
    data.update(changes)
    return data


# List and export -------------------------------------------------------------------------------


def test_list_shows_own_caseload_to_advisers(cast, acme):
    ClientFactory(organisation=cast.hub, name="Mary's Client", created_by=cast.mary)
    ClientFactory(organisation=cast.pathways, name="Pathways Client")
    url = reverse("clients:client-list")
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    body = response.content.decode()
    assert "Acme Widgets Ltd" in body
    assert "Mary&#x27;s Client" not in body and "Pathways Client" not in body
    assert "Mary&#x27;s Client" in request_as(cast.mary, url).content.decode()


def test_list_search_and_filters(cast, acme):
    ClientFactory(
        organisation=cast.hub,
        name="Zenith Bakery",
        region="TLI",
        sic_division="56",
        sic_section="I",
    )
    url = reverse("clients:client-list")
    body = request_as(cast.mary, url, data={"q": "01234567"}).content.decode()
    assert "Acme Widgets" in body and "Zenith" not in body
    body = request_as(cast.mary, url, data={"region": "TLI"}).content.decode()
    assert "Zenith" in body and "Acme Widgets" not in body
    body = request_as(cast.mary, url, data={"sic_section": "I"}).content.decode()
    assert "Zenith" in body and "Acme Widgets" not in body


def test_list_includes_filters_registered_by_upper_apps(cast, acme, monkeypatch):
    monkeypatch.setitem(
        extensions.list_filters,
        "town_is",
        lambda user: django_filters.CharFilter(field_name="town", label="Town (test)"),
    )
    ClientFactory(organisation=cast.hub, name="Durham Co", town="Durham")
    body = request_as(cast.mary, reverse("clients:client-list"), data={"town_is": "Durham"})
    text = body.content.decode()
    assert "Town (test)" in text and "Durham Co" in text and "Acme Widgets" not in text


def test_list_links_equality_summary_for_managers_only(cast, acme):
    summary = reverse("clients:equality-summary", args=[cast.hub.pk])
    assert summary in request_as(cast.mary, reverse("clients:client-list")).content.decode()
    assert summary not in request_as(cast.alice, reverse("clients:client-list")).content.decode()


def test_csv_export_contains_only_visible_filtered_clients(cast, acme):
    ClientFactory(organisation=cast.hub, name="Mary's Client", created_by=cast.mary)
    ClientFactory(organisation=cast.hub, name="=HYPERLINK()", created_by=cast.alice, region="TLI")
    url = reverse("clients:client-export", args=["csv"])
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "organisation", "kind", "name"]
    names = {row[3] for row in rows[1:]}
    assert names == {"Acme Widgets Ltd", "'=HYPERLINK()"}
    event = DomainEvent.objects.get(verb="clients.exported")
    assert event.actor == cast.alice and event.data["count"] == 2
    filtered = request_as(cast.alice, url, data={"region": "TLC"})
    rows = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode())))
    assert [row[3] for row in rows[1:]] == ["Acme Widgets Ltd"]


def test_xlsx_export(cast, acme):
    ClientFactory(organisation=cast.pathways, name="Pathways Client")
    response = request_as(cast.mary, reverse("clients:client-export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Acme Widgets Ltd"]
    assert request_as(cast.mary, reverse("clients:client-export", args=["pdf"])).status_code == 404


# The client page -------------------------------------------------------------------------------


def test_detail_shows_facts_people_consent_and_timeline(cast, acme):
    PersonFactory(client=acme, first_name="Ann", last_name="Lee")
    ConsentFactory(client=acme, kind=Consent.Kind.PRIVACY_NOTICE, privacy_notice_version="v9")
    url = reverse("clients:client-detail", args=[acme.pk])
    response = check_access(cast, url, allowed=cast.alice, wrong_role=None, out_of_scope=cast.pat)
    body = response.content.decode()
    assert "Ann Lee" in body and "notice version v9" in body
    assert "Client record created" in body and "Ann Lee added" in body
    assert "Not recorded." in body  # equality monitoring
    assert reverse("clients:client-edit", args=[acme.pk]) in body
    assert "History" not in body  # advisers cannot read the audit history


def test_detail_never_shows_equality_answers(cast, acme):
    EqualityMonitoring.objects.create(
        client=acme, organisation=cast.hub, ethnicity="mixed", sex="female"
    )
    body = request_as(cast.mary, reverse("clients:client-detail", args=[acme.pk])).content.decode()
    assert "Recorded." in body
    assert "Mixed or multiple" not in body and "Female" not in body


def test_detail_of_another_advisers_client_is_404(cast):
    theirs = ClientFactory(organisation=cast.hub, created_by=cast.mary)
    url = reverse("clients:client-detail", args=[theirs.pk])
    assert request_as(cast.alice, url).status_code == 404


# Create and edit -------------------------------------------------------------------------------


def test_create_client(cast):
    url = reverse("clients:client-create")
    assert request_as(cast.alice, url).status_code == 200
    check_access(
        cast,
        url,
        method="post",
        data=client_data(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=302,
        audited=[(Client, "create")],
    )
    client = Client.objects.get(name="Blue Fern Ltd")
    assert client.created_by == cast.alice and client.organisation == cast.hub


def test_create_names_the_bad_field_and_writes_nothing(cast):
    url = reverse("clients:client-create")
    with assert_no_audit():
        response = request_as(
            cast.alice,
            url,
            method="post",
            data=client_data(kind="individual", registered_number="123", postcode="nope"),
        )
    assert response.status_code == 400
    body = response.content.decode()
    assert "An individual has no company or charity number" in body
    assert "is not a UK postcode" in body
    assert not Client.objects.exists()


def test_create_shows_likely_duplicates_and_needs_confirmation(cast, acme):
    url = reverse("clients:client-create")
    data = client_data(name="ACME WIDGETS LIMITED", postcode="ne1 4st")
    with assert_no_audit():
        response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "This may be a client already recorded" in body
    assert acme.get_absolute_url() in body
    assert "This is a different client" in body
    response = request_as(cast.alice, url, method="post", data={**data, "not_a_duplicate": "on"})
    assert response.status_code == 302
    assert Client.objects.filter(name="ACME WIDGETS LIMITED").exists()


def test_create_does_not_name_duplicates_the_user_cannot_see(cast):
    ClientFactory(
        organisation=cast.hub, name="Secret Co", registered_number="999", created_by=cast.mary
    )
    data = client_data(name="Another", registered_number="999")
    body = request_as(cast.alice, reverse("clients:client-create"), method="post", data=data)
    text = body.content.decode()
    assert "Secret Co" not in text and "1 similar record that you cannot open" in text


def test_edit_client(cast, acme, viewer):
    url = reverse("clients:client-edit", args=[acme.pk])
    check_access(
        cast,
        url,
        method="post",
        data=client_data(name="Acme Widgets (North) Ltd", postcode="NE1 4ST"),
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Client, "update")],
    )
    acme.refresh_from_db()
    assert acme.name == "Acme Widgets (North) Ltd"


# People ----------------------------------------------------------------------------------------


def test_person_add_edit_remove(cast, acme, viewer):
    check_access(
        cast,
        reverse("clients:person-add", args=[acme.pk]),
        method="post",
        data={"first_name": "Ann", "last_name": "Lee", "role": "Owner"},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Person, "create")],
    )
    ann = Person.objects.get(first_name="Ann")
    check_access(
        cast,
        reverse("clients:person-edit", args=[ann.pk]),
        method="post",
        data={"first_name": "Ann", "last_name": "Leigh"},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Person, "update")],
    )
    remove = reverse("clients:person-remove", args=[ann.pk])
    assert "Remove Ann Leigh" in request_as(cast.alice, remove).content.decode()
    check_access(
        cast,
        remove,
        method="post",
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Person, "delete")],
    )
    assert not Person.objects.exists()


def test_person_add_names_the_bad_field(cast, acme):
    response = request_as(
        cast.alice,
        reverse("clients:person-add", args=[acme.pk]),
        method="post",
        data={"first_name": "", "last_name": "Lee", "email": "nope"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert not Person.objects.exists()


# Consent, barriers, equality -------------------------------------------------------------------


def test_consent_record_and_withdraw(cast, acme, viewer):
    check_access(
        cast,
        reverse("clients:consent-add", args=[acme.pk]),
        method="post",
        data={"kind": "marketing", "granted_on": "2026-01-05", "how": "Web form"},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Consent, "create")],
    )
    consent = Consent.objects.get()
    check_access(
        cast,
        reverse("clients:consent-withdraw", args=[consent.pk]),
        method="post",
        data={"withdrawn_on": "2026-02-01"},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Consent, "update")],
    )
    consent.refresh_from_db()
    assert str(consent.withdrawn_on) == "2026-02-01"
    body = request_as(cast.alice, acme.get_absolute_url()).content.decode()
    assert "Withdrawn" in body and "Marketing: withdrawn" in body


def test_consent_withdrawn_before_given_names_the_field(cast, acme):
    consent = ConsentFactory(client=acme, kind="marketing", granted_on=dt.date(2026, 3, 1))
    response = request_as(
        cast.alice,
        reverse("clients:consent-withdraw", args=[consent.pk]),
        method="post",
        data={"withdrawn_on": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "cannot be withdrawn before it was given" in response.content.decode()


def test_barriers_page(cast, viewer):
    jo = ClientFactory(
        organisation=cast.hub,
        kind="individual",
        sic_division="",
        sic_section="",
        created_by=cast.alice,
    )
    check_access(
        cast,
        reverse("clients:barriers", args=[jo.pk]),
        method="post",
        data={"barriers": ["health", "transport"]},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ClientBarrier, "create"), (ClientBarrier, "create")],
    )
    assert "Transport" in request_as(cast.alice, jo.get_absolute_url()).content.decode()


def test_equality_record_page_never_shows_answers_back(cast, acme, viewer):
    url = reverse("clients:equality", args=[acme.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"ethnicity": "asian", "sex": "", "age_band": "", "disability": ""},
        allowed=cast.alice,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(EqualityMonitoring, "create")],
    )
    form = request_as(cast.alice, url).content.decode()
    assert 'value="asian" checked' not in form and 'value="asian" selected' not in form


def test_equality_summary_for_managers(cast, acme):
    EqualityMonitoring.objects.create(client=acme, organisation=cast.hub, ethnicity="asian")
    url = reverse("clients:equality-summary", args=[cast.hub.pk])
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "fewer than 5" in body and "Asian or Asian British" in body


# Merge -----------------------------------------------------------------------------------------


def test_merge_shows_what_moves_then_merges(cast, acme, viewer):
    duplicate = ClientFactory(organisation=cast.hub, name="ACME Widgets")
    PersonFactory(client=duplicate)
    url = reverse("clients:client-merge", args=[acme.pk])
    page = request_as(cast.mary, url).content.decode()
    assert "ACME Widgets" in page and f"#{duplicate.pk}" in page  # suggested
    with assert_no_audit():
        preview = request_as(cast.mary, url, method="post", data={"merge": duplicate.pk})
    assert preview.status_code == 200
    assert "1 people" in preview.content.decode()
    check_access(
        cast,
        url,
        method="post",
        data={"merge": duplicate.pk, "confirm": "True"},
        allowed=cast.mary,
        wrong_role=viewer,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Person, "update"), (Client, "update")],
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into == acme and acme.people.count() == 1


def test_merge_refuses_a_client_of_another_organisation(cast, acme):
    ClientFactory(organisation=cast.hub)
    theirs = ClientFactory(organisation=cast.pathways)
    url = reverse("clients:client-merge", args=[acme.pk])
    response = request_as(cast.mary, url, method="post", data={"merge": theirs.pk})
    assert response.status_code == 400
    assert "no client with this number" in response.content.decode()


def test_merge_is_refused_to_advisers(cast, acme):
    ClientFactory(organisation=cast.hub, name="Acme dup", created_by=cast.alice)
    assert (
        request_as(cast.alice, reverse("clients:client-merge", args=[acme.pk])).status_code == 403
    )


# With delivery's extensions -------------------------------------------------------------------


def test_list_and_detail_with_delivery_extensions(cast, desk):  # noqa: F811
    body = request_as(cast.mary, reverse("clients:client-list")).content.decode()
    for name in extensions.list_filters:
        assert f'name="{name}"' in body
    assert "Acme Widgets Ltd" in body and "Zenith Bakery" in body
    detail = request_as(cast.alice, desk.acme.get_absolute_url())
    assert detail.status_code == 200
    # carl (commissioner) reads clients on his programmes, but may not change them
    assert request_as(cast.carl, desk.acme.get_absolute_url()).status_code == 200
    assert (
        request_as(cast.carl, reverse("clients:client-edit", args=[desk.acme.pk])).status_code
        == 403
    )


def test_list_queries_do_not_grow_with_clients(cast, django_assert_max_num_queries):
    for _ in range(30):
        ClientFactory(organisation=cast.hub)
    client = cast.client(cast.mary)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("clients:client-list")).status_code == 200


def test_merge_page_moves_the_engagement(cast, desk):  # noqa: F811
    url = reverse("clients:client-merge", args=[desk.acme.pk])
    response = request_as(
        cast.mary, url, method="post", data={"merge": desk.zenith.pk, "confirm": "True"}
    )
    assert response.status_code == 302
    assert set(desk.acme.engagements.all()) == {desk.alice_engagement, desk.mary_engagement}
    merged = request_as(cast.mary, desk.zenith.get_absolute_url()).content.decode()
    assert "was merged into" in merged
