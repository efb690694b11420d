"""The delivery demo data: loaded by ``waypoint demo``, complete, and loaded once."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from waypoint.clients.models import Client, ClientBarrier, Consent, Person
from waypoint.delivery.models import (
    Agreement,
    Engagement,
    EngagementTransition,
    FollowUp,
    Interaction,
    Programme,
    Referral,
    Service,
)

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_loads_clients_programmes_engagements_and_contacts() -> None:
    output = _demo()
    assert "Delivery demo data loaded" in output
    assert Client.objects.count() == 200
    hub = Client.objects.filter(organisation__name="Enterprise Hub Ltd")
    assert set(hub.values_list("kind", flat=True)) == {Client.Kind.BUSINESS}
    assert hub.values("sic_section").distinct().count() >= 15
    assert Client.objects.values("region").distinct().count() == 12
    pathways = Client.objects.filter(organisation__name="Pathways Employment CIC")
    assert pathways.filter(kind=Client.Kind.INDIVIDUAL, employment_status__gt="").count() == 60
    assert ClientBarrier.objects.count() >= 60
    assert Person.objects.count() >= 140
    assert Consent.objects.filter(kind=Consent.Kind.PRIVACY_NOTICE).count() == 200
    for client in Client.objects.all()[:20]:
        client.full_clean()  # bulk-created, but as valid as if entered in a form

    programmes = Programme.objects.filter(organisation__name="Northshire Combined Authority")
    assert set(programmes.values_list("name", flat=True)) == {
        "Northshire Business Growth",
        "Pathways to Work",
    }
    for programme in programmes:
        assert programme.eligibility_conditions.count() >= 3
        assert programme.budgets.count() == 2
        assert programme.delivering_organisations.count() == 1
    assert Service.objects.count() == 10

    assert set(Engagement.objects.values_list("status", flat=True)) == set(Engagement.Status)
    closed = Engagement.objects.filter(status=Engagement.Status.CLOSED)
    assert set(closed.values_list("end_reason", flat=True)) == set(Engagement.EndReason)
    for engagement in Engagement.objects.all()[:30]:
        engagement.full_clean()
        moves = list(engagement.transitions.values_list("to_status", flat=True))
        assert moves[-1] == engagement.status
    assert EngagementTransition.objects.count() > Engagement.objects.count()
    for move in EngagementTransition.objects.exclude(from_status=""):
        assert move.to_status in Engagement.TRANSITIONS[move.from_status], move

    frequencies = set(Agreement.objects.values_list("review_every", "review_unit"))
    assert {(1, "weeks"), (2, "weeks"), (4, "weeks"), (1, "months")} <= frequencies
    mentoring = Agreement.objects.filter(type=Agreement.Type.MENTORING)
    assert mentoring.exists()
    assert set(mentoring.values_list("engagement__lead_adviser__username", flat=True)) == {
        "chris.doyle"
    }
    for agreement in Agreement.objects.all()[:30]:
        agreement.full_clean()

    contacts = Interaction.objects.all()
    assert contacts.count() > 1000
    first, last = (
        contacts.order_by("occurred_at").first(),
        contacts.order_by("occurred_at").last(),
    )
    assert first is not None and last is not None
    assert (last.occurred_at - first.occurred_at).days > 300
    assert contacts.filter(advice_in_mentoring=True).exists()
    assert FollowUp.objects.exists()

    referrals = Referral.objects.all()
    assert referrals.count() == 40
    assert set(referrals.values_list("status", flat=True)) == set(Referral.Status)
    assert referrals.exclude(outcome="").exists()
    assert referrals.exclude(usefulness_client="").exists()
    assert referrals.filter(service__isnull=False).exists()
    overdue = referrals.filter(
        status__in=["made", "accepted"], follow_up_on__lt=timezone.localdate()
    )
    assert 1 <= overdue.count() < 10
    for referral in referrals:
        referral.full_clean()
    made = referrals.exclude(status__in=["suggested"]).filter(needs_data_sharing=True)
    for referral in made:
        assert referral.engagement.client.consents.filter(
            kind=Consent.Kind.SHARE_WITH_PARTNERS, withdrawn_on__isnull=True
        ).exists()


def test_demo_delivery_is_idempotent() -> None:
    _demo()
    counts = (Client.objects.count(), Interaction.objects.count())
    out = io.StringIO()
    call_command("demo_delivery", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Client.objects.count(), Interaction.objects.count()) == counts


def test_demo_delivery_needs_the_core_demo() -> None:
    with pytest.raises(CommandError, match="waypoint demo"):
        call_command("demo_delivery", stdout=io.StringIO())
