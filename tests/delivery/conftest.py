"""``desk``: the named cast plus a programme, clients and engagements to work on.

- growth: a programme owned by northshire (the commissioner), delivered by hub and pathways;
- bob: a second adviser at hub, with nothing assigned;
- acme: hub's client, created by alice, with ``alice_engagement`` (led by alice, active, with
  an accepted four-weekly standard agreement and one contact);
- zenith: hub's client with ``mary_engagement`` (led by mary; alice not assigned);
- pathways_client: pathways' client with ``pathways_engagement`` (led by pat's colleague).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.clients.factories import ClientFactory
from tests.delivery.factories import (
    AgreementFactory,
    EngagementFactory,
    InteractionFactory,
    ProgrammeFactory,
)
from tests.factories import person
from waypoint.clients.models import Client
from waypoint.core.models import User
from waypoint.core.roles import Role
from waypoint.delivery.models import Agreement, Engagement, Interaction, Programme


@dataclass
class Desk:
    growth: Programme
    bob: User
    acme: Client
    zenith: Client
    pathways_client: Client
    alice_engagement: Engagement
    mary_engagement: Engagement
    pathways_engagement: Engagement
    agreement: Agreement
    contact: Interaction


@pytest.fixture
def desk(cast) -> Desk:
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub, cast.pathways])
    bob = person("bob", "Bob", role=Role.ADVISER, organisation=cast.hub)
    tom = person("tom", "Tom", role=Role.ADVISER, organisation=cast.pathways)
    acme = ClientFactory(organisation=cast.hub, name="Acme Widgets Ltd", created_by=cast.alice)
    zenith = ClientFactory(organisation=cast.hub, name="Zenith Bakery")
    pathways_client = ClientFactory(
        organisation=cast.pathways,
        name="Jo Bloggs",
        kind=Client.Kind.INDIVIDUAL,
        sic_division="",
        sic_section="",
    )
    alice_engagement = EngagementFactory(
        organisation=cast.hub, client=acme, programme=growth, lead_adviser=cast.alice
    )
    mary_engagement = EngagementFactory(
        organisation=cast.hub, client=zenith, programme=growth, lead_adviser=cast.mary
    )
    pathways_engagement = EngagementFactory(
        organisation=cast.pathways, client=pathways_client, programme=growth, lead_adviser=tom
    )
    agreement = AgreementFactory(engagement=alice_engagement)
    contact = InteractionFactory(engagement=alice_engagement, recorded_by=cast.alice)
    return Desk(
        growth=growth,
        bob=bob,
        acme=acme,
        zenith=zenith,
        pathways_client=pathways_client,
        alice_engagement=alice_engagement,
        mary_engagement=mary_engagement,
        pathways_engagement=pathways_engagement,
        agreement=agreement,
        contact=contact,
    )
