from __future__ import annotations

import factory

from tests.factories import OrganisationFactory
from waypoint.clients.models import Client, Consent, Person
from waypoint.clients.reference import Region, SizeBand, TradingStatus


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Client.Kind.BUSINESS
    name = factory.Sequence(lambda n: f"Client Business {n} Ltd")
    sic_division = "62"
    sic_section = "J"
    size_band = SizeBand.MICRO
    trading_status = TradingStatus.UNDER_1_YEAR
    postcode = "NE1 4ST"
    region = Region.NORTH_EAST


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    client = factory.SubFactory(ClientFactory)
    organisation = factory.SelfAttribute("client.organisation")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    role = "Owner"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    organisation = factory.SelfAttribute("client.organisation")
    kind = Consent.Kind.PRIVACY_NOTICE
    lawful_basis = Consent.LawfulBasis.PUBLIC_TASK
    privacy_notice_version = "2026-04"
    granted_on = factory.Faker("date_this_year")
