from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from tests.clients.factories import ClientFactory
from tests.factories import OrganisationFactory, UserFactory
from waypoint.delivery.models import (
    Agreement,
    Engagement,
    Interaction,
    Programme,
    ReviewDepth,
    ReviewUnit,
    Service,
)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Programme {n}")
    start_date = dt.date(2026, 4, 1)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Service.Kind.EXTERNAL
    name = factory.Sequence(lambda n: f"Specialist service {n}")
    offer = "Help with exporting."


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    organisation = factory.SubFactory(OrganisationFactory)
    client = factory.SubFactory(ClientFactory, organisation=factory.SelfAttribute("..organisation"))
    programme = factory.SubFactory(ProgrammeFactory)
    lead_adviser = factory.SubFactory(UserFactory)
    status = Engagement.Status.ACTIVE
    enquiry_date = dt.date(2026, 5, 1)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    engagement = factory.SubFactory(EngagementFactory)
    organisation = factory.SelfAttribute("engagement.organisation")
    type = Agreement.Type.ADVICE
    adviser_responsibilities = "Meet monthly, prepare for each session, follow up in writing."
    client_responsibilities = "Carry out the agreed actions and tell us about changes."
    review_every = 4
    review_unit = ReviewUnit.WEEKS
    review_depth = ReviewDepth.STANDARD


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    engagement = factory.SubFactory(EngagementFactory)
    organisation = factory.SelfAttribute("engagement.organisation")
    occurred_at = factory.LazyFunction(timezone.now)
    mode = Interaction.Mode.FACE_TO_FACE
    place = Interaction.Place.OUR_PREMISES
    duration_minutes = 60
    support_type = Interaction.SupportType.ADVICE
    summary = "Talked through the cash-flow forecast."
