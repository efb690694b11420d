"""The delivery demo data: loaded by ``waypoint demo``, complete, and loaded once."""

from __future__ import annotations

import io
import statistics

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Min
from django.utils import timezone

from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.core.periods import PeriodKind, local_date, period_of
from waypoint.delivery.models import (
    Agreement,
    Engagement,
    EngagementTransition,
    FollowUp,
    Goal,
    Interaction,
    PlanChange,
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
        # The programmes began the financial year before last: a budget for each year.
        assert programme.budgets.count() == 3
        this_year = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
        assert programme.start_date == this_year.previous().previous().start
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


def test_demo_first_contacts_vary_and_stay_within_the_engagement() -> None:
    _demo()
    today = timezone.localdate()
    firsts = dict(
        Interaction.objects.values("engagement_id")
        .annotate(first=Min("occurred_at"))
        .values_list("engagement_id", "first")
    )
    assert len(firsts) >= 180  # a few recent enquiries are still waiting for a first contact
    delays: dict[str, list[int]] = {}
    for engagement in Engagement.objects.select_related("lead_adviser", "organisation"):
        first = firsts.get(engagement.pk)
        if first is None:
            assert engagement.status == Engagement.Status.ENQUIRY, engagement
            continue
        day = local_date(first, engagement.organisation.time_zone)
        days = (day - engagement.enquiry_date).days
        assert 0 <= days <= 21, engagement
        assert day <= today
        if engagement.closed_on is not None:
            assert day <= engagement.closed_on, engagement
        # The engagement moves on only after the first conversation.
        later = engagement.transitions.exclude(from_status="").order_by("occurred_at").first()
        if later is not None:
            assert day <= local_date(later.occurred_at, engagement.organisation.time_zone)
        delays.setdefault(engagement.lead_adviser.username, []).append(days)
    everyone = [days for found in delays.values() for days in found]
    assert len(set(everyone)) >= 8
    assert sum(days <= 7 for days in everyone) > 0.75 * len(everyone)  # most within a week
    assert max(everyone) >= 10  # some slow
    medians = {name: statistics.median(found) for name, found in delays.items()}
    assert len(set(medians.values())) > 1, medians  # differing by adviser
    assert not Interaction.objects.filter(occurred_at__gt=timezone.now()).exists()


def test_demo_has_equality_answers_for_most_clients() -> None:
    _demo()
    answers = EqualityMonitoring.objects.all()
    assert 0.6 * 200 <= answers.count() <= 0.8 * 200
    owners = answers.filter(client__kind=Client.Kind.BUSINESS)
    women = owners.filter(sex=EqualityMonitoring.Sex.FEMALE).count()
    assert 0.25 * owners.count() <= women <= 0.55 * owners.count()
    assert answers.filter(disability=EqualityMonitoring.YesNo.YES).exists()
    assert answers.exclude(ethnicity__in=["white", "prefer_not"]).exists()
    assert answers.filter(age_band=EqualityMonitoring.AgeBand.UNDER_25).exists()
    assert (
        answers.filter(sex=EqualityMonitoring.Sex.PREFER_NOT).exists()
        or answers.filter(disability=EqualityMonitoring.YesNo.PREFER_NOT).exists()
    )
    for answer in answers[:20]:
        answer.full_clean()
    # Individuals are younger than business owners.
    young = answers.filter(age_band="under_25")
    assert (
        young.filter(client__kind=Client.Kind.INDIVIDUAL).count()
        / answers.filter(client__kind=Client.Kind.INDIVIDUAL).count()
        > young.filter(client__kind=Client.Kind.BUSINESS).count() / owners.count()
    )


def test_demo_has_goals_achieved_this_year_and_last() -> None:
    _demo()
    today = timezone.localdate()
    this_year = period_of(today, PeriodKind.FINANCIAL_YEAR)
    achieved = Goal.objects.filter(status=Goal.Status.ACHIEVED)
    assert achieved.filter(deadline__gte=this_year.start).exists()
    assert achieved.filter(
        deadline__gte=this_year.previous().start, deadline__lt=this_year.start
    ).exists()
    past = Goal.objects.filter(deadline__lt=today)
    assert 0 < past.filter(status=Goal.Status.ACHIEVED).count() < past.count()
    for goal in achieved:
        goal.full_clean()
        assert goal.actions.exists()
        assert not goal.actions.exclude(status="done").exists()
        assert PlanChange.objects.filter(
            plan=goal.plan, kind=PlanChange.Kind.GOAL_CHANGED, target_id=goal.pk
        ).exists()
    assert not PlanChange.objects.filter(occurred_at__gt=timezone.now()).exists()
    # Finished engagements have their plans too.
    assert Goal.objects.filter(plan__engagement__status=Engagement.Status.CLOSED).exists()


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
