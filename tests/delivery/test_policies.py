"""Who sees which clients and engagements: the rules the whole of issue 3 stands on."""

from __future__ import annotations

import pytest

from tests.delivery.factories import InteractionFactory
from waypoint.clients.models import Client
from waypoint.delivery.models import ConfidentialNote, Engagement, Interaction

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:
    return {str(obj) for obj in queryset}


def test_advisers_see_only_their_own_engagements(cast, desk):
    seen = Engagement.objects.restrict(cast.alice, "view")
    assert set(seen) == {desk.alice_engagement}
    assert not Engagement.objects.restrict(desk.bob, "view").exists()


def test_assigned_advisers_see_and_change_the_engagement(cast, desk):
    desk.mary_engagement.advisers.add(desk.bob)
    assert set(Engagement.objects.restrict(desk.bob, "change")) == {desk.mary_engagement}


def test_managers_see_their_whole_organisation(cast, desk):
    assert set(Engagement.objects.restrict(cast.mary, "view")) == {
        desk.alice_engagement,
        desk.mary_engagement,
    }
    assert set(Engagement.objects.restrict(cast.pat, "view")) == {desk.pathways_engagement}


def test_contract_managers_see_engagements_on_their_programmes_read_only(cast, desk):
    assert Engagement.objects.restrict(cast.carl, "view").count() == 3
    assert not Engagement.objects.restrict(cast.carl, "change").exists()
    assert Client.objects.restrict(cast.carl, "view").count() == 3
    assert not Client.objects.restrict(cast.carl, "change").exists()


def test_advisers_see_the_clients_they_work_with_or_created(cast, desk):
    assert names(Client.objects.restrict(cast.alice, "view")) == {"Acme Widgets Ltd"}
    assert names(Client.objects.restrict(cast.mary, "view")) == {
        "Acme Widgets Ltd",
        "Zenith Bakery",
    }
    assert not Client.objects.restrict(desk.bob, "view").exists()
    assert not Client.objects.restrict(cast.oscar, "view").exists()


def test_contacts_follow_their_engagement(cast, desk):
    other = InteractionFactory(engagement=desk.mary_engagement)
    assert set(Interaction.objects.restrict(cast.alice, "view")) == {desk.contact}
    assert set(Interaction.objects.restrict(cast.mary, "view")) == {desk.contact, other}
    assert not Interaction.objects.restrict(cast.pat, "view").exists()


def test_confidential_notes_are_for_their_author_and_shared_roles_only(cast, desk):
    note = ConfidentialNote(
        interaction=desk.contact,
        organisation=cast.hub,
        author=cast.alice,
        text="Worried about the owner's health.",
    )
    note.save()
    assert set(ConfidentialNote.objects.restrict(cast.alice, "view")) == {note}
    assert not ConfidentialNote.objects.restrict(cast.mary, "view").exists()
    note.shared_roles = ["service_manager", "contract_manager"]
    note.save()
    assert set(ConfidentialNote.objects.restrict(cast.mary, "view")) == {note}
    assert not ConfidentialNote.objects.restrict(cast.carl, "view").exists()  # never commissioners
    assert not ConfidentialNote.objects.restrict(cast.ada, "view").exists()


def test_client_page_offers_to_open_an_engagement_to_those_who_may(cast, desk):
    from django.urls import reverse

    from tests.permissions import request_as

    url = reverse("clients:client-detail", args=[desk.acme.pk])
    open_url = reverse("delivery:engagement-open", args=[desk.acme.pk])
    assert open_url in request_as(cast.alice, url).content.decode()
    assert open_url not in request_as(cast.carl, url).content.decode()  # commissioner: read-only


def test_people_without_a_role_are_refused_client_and_contact_lists(cast, desk):
    from django.urls import reverse

    from tests.permissions import request_as

    assert request_as(cast.oscar, reverse("clients:client-list")).status_code == 403
    assert request_as(cast.oscar, "/api/v1/people/", api=True).status_code == 403
    assert request_as(cast.oscar, "/api/v1/interactions/", api=True).status_code == 403


def test_import_is_in_the_menu_of_those_who_may_add_clients(cast):
    from django.urls import reverse

    from tests.permissions import request_as

    imports = reverse("imports:index")
    assert imports in request_as(cast.alice, reverse("core:home")).content.decode()
    assert imports not in request_as(cast.carl, reverse("core:home")).content.decode()
