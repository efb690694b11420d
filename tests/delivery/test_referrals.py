"""Referrals (001 E5.07 2.2; 004 j): the consent rule, the moves a referral may make, overdue
follow-ups, the home page's attention item, and every page through ``check_access``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.clients.factories import ConsentFactory
from tests.delivery.factories import ServiceFactory
from tests.permissions import check_access, request_as
from waypoint.clients.models import Consent
from waypoint.core.models import DomainEvent
from waypoint.core.navigation import attention_for, nav_links_for
from waypoint.delivery import selectors
from waypoint.delivery.models import Engagement, Referral
from waypoint.delivery.services import referrals as services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def consent(client, *, days_ago=10, withdrawn_on=None):
    return ConsentFactory(
        client=client,
        kind=Consent.Kind.SHARE_WITH_PARTNERS,
        lawful_basis=Consent.LawfulBasis.CONSENT,
        granted_on=TODAY() - dt.timedelta(days=days_ago),
        withdrawn_on=withdrawn_on,
    )


def make(desk, user, engagement=None, **overrides):
    fields = {
        "engagement": engagement or desk.alice_engagement,
        "acting_user": user,
        "specialist_name": "Jane Doe, export accountant",
        "specialist_contact": "jane@example.org",
        "reason": "Export paperwork is beyond our programme.",
    }
    fields.update(overrides)
    return services.referral_make(**fields)


def suggest(desk, user, engagement=None, **overrides):
    fields = {
        "engagement": engagement or desk.alice_engagement,
        "acting_user": user,
        "specialist_name": "Jane Doe",
        "reason": "Help with export paperwork.",
    }
    fields.update(overrides)
    return services.referral_suggest(**fields)


def referral_in(desk, status, *, engagement=None, follow_up_on=None):
    engagement = engagement or desk.alice_engagement
    return Referral.objects.create(
        organisation=engagement.organisation,
        engagement=engagement,
        specialist_name="Jane Doe",
        reason="Export help.",
        status=status,
        made_on=TODAY() - dt.timedelta(days=30) if status != Referral.Status.SUGGESTED else None,
        follow_up_on=follow_up_on,
    )


# The consent rule ------------------------------------------------------------------------------


def test_a_referral_passing_on_details_is_refused_without_consent(cast, desk):
    with pytest.raises(ValidationError) as refused:
        make(desk, cast.alice)
    message = refused.value.message_dict["needs_data_sharing"][0]
    assert "has not consented" in message and "client's page" in message
    assert not Referral.objects.exists()


def test_a_referral_is_made_with_current_consent(cast, desk):
    consent(desk.acme)
    referral = make(desk, cast.alice, follow_up_on=TODAY() + dt.timedelta(days=14))
    assert referral.status == Referral.Status.MADE
    assert referral.made_on == TODAY() and referral.created_by == cast.alice
    assert DomainEvent.objects.filter(verb="referral.made", object_id=str(referral.pk)).exists()


def test_withdrawn_consent_refuses_again(cast, desk):
    consent(desk.acme, days_ago=30, withdrawn_on=TODAY() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        make(desk, cast.alice)
    assert "needs_data_sharing" in refused.value.message_dict
    consent(desk.acme, days_ago=0)  # given again: the latest record counts
    assert make(desk, cast.alice).status == Referral.Status.MADE


def test_other_kinds_of_consent_do_not_count(cast, desk):
    ConsentFactory(client=desk.acme, kind=Consent.Kind.MARKETING, granted_on=TODAY())
    with pytest.raises(ValidationError):
        make(desk, cast.alice)


def test_a_referral_that_passes_nothing_on_needs_no_consent(cast, desk):
    referral = make(desk, cast.alice, needs_data_sharing=False)
    assert referral.status == Referral.Status.MADE


def test_a_suggestion_needs_no_consent_until_it_is_made(cast, desk):
    referral = suggest(desk, cast.alice)
    assert referral.status == Referral.Status.SUGGESTED and referral.made_on is None
    with pytest.raises(ValidationError) as refused:
        services.referral_update_status(
            referral=referral, status=Referral.Status.MADE, acting_user=cast.alice
        )
    assert "needs_data_sharing" in refused.value.message_dict
    consent(desk.acme)
    services.referral_update_status(
        referral=referral, status=Referral.Status.MADE, acting_user=cast.alice
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.MADE and referral.made_on == TODAY()


# What is referred to ---------------------------------------------------------------------------


def test_a_service_or_a_specialist_not_both_nor_neither(cast, desk):
    service = ServiceFactory(organisation=cast.hub)
    with pytest.raises(ValidationError) as both:
        suggest(desk, cast.alice, service=service)
    assert "service" in both.value.message_dict
    with pytest.raises(ValidationError) as neither:
        suggest(desk, cast.alice, specialist_name="")
    assert "specialist_name" in neither.value.message_dict
    referral = suggest(desk, cast.alice, service=service, specialist_name="")
    assert referral.referred_to == service.name


def test_the_service_is_an_active_one_of_the_delivering_organisation(cast, desk):
    for service in (
        ServiceFactory(organisation=cast.pathways),
        ServiceFactory(organisation=cast.hub, is_active=False),
    ):
        with pytest.raises(ValidationError) as refused:
            suggest(desk, cast.alice, service=service, specialist_name="")
        assert "service" in refused.value.message_dict


def test_a_closed_engagement_takes_no_new_referral(cast, desk):
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason=Engagement.EndReason.COMPLETED
    )
    desk.alice_engagement.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        suggest(desk, cast.alice)


def test_only_those_who_may_change_the_engagement_refer(cast, desk):
    for user in (desk.bob, cast.carl, cast.pat):
        with pytest.raises(PermissionDenied):
            suggest(desk, user)


# Moves -----------------------------------------------------------------------------------------

ALLOWED = [
    ("suggested", "declined"),
    ("made", "accepted"),
    ("made", "declined"),
    ("made", "no_response"),
    ("accepted", "attended"),
    ("accepted", "declined"),
    ("accepted", "no_response"),
]
REFUSED = [
    ("suggested", "accepted"),
    ("suggested", "attended"),
    ("made", "made"),
    ("made", "attended"),
    ("attended", "declined"),
    ("declined", "made"),
    ("no_response", "accepted"),
]


@pytest.mark.parametrize(("start", "end"), ALLOWED)
def test_allowed_moves(cast, desk, start, end):
    referral = referral_in(desk, start)
    services.referral_update_status(
        referral=referral, status=end, outcome="They called back.", acting_user=cast.alice
    )
    referral.refresh_from_db()
    assert referral.status == end and referral.outcome == "They called back."
    event = DomainEvent.objects.get(verb="referral.status_changed", object_id=str(referral.pk))
    assert event.data == {"from": start, "to": end} and event.actor == cast.alice


@pytest.mark.parametrize(("start", "end"), REFUSED)
def test_refused_moves(cast, desk, start, end):
    referral = referral_in(desk, start)
    with pytest.raises(ValidationError) as refused:
        services.referral_update_status(referral=referral, status=end, acting_user=cast.alice)
    assert "status" in refused.value.message_dict
    referral.refresh_from_db()
    assert referral.status == start
    assert not DomainEvent.objects.filter(verb="referral.status_changed").exists()


def test_the_outcome_is_recorded_after_the_end(cast, desk):
    referral = referral_in(desk, Referral.Status.ATTENDED)
    services.referral_record_outcome(
        referral=referral,
        acting_user=cast.alice,
        outcome="Exports started in June.",
        usefulness_client=Referral.Usefulness.VERY_USEFUL,
        usefulness_adviser=Referral.Usefulness.USEFUL,
    )
    referral.refresh_from_db()
    assert referral.usefulness_client == "very_useful" and referral.usefulness_adviser == "useful"
    with pytest.raises(ValidationError) as refused:
        services.referral_record_outcome(
            referral=referral, acting_user=cast.alice, outcome="", usefulness_client="brilliant"
        )
    assert "usefulness_client" in refused.value.message_dict


# Overdue follow-ups ----------------------------------------------------------------------------


def test_overdue_follow_ups_are_made_or_accepted_and_in_scope(cast, desk):
    past = TODAY() - dt.timedelta(days=1)
    made = referral_in(desk, Referral.Status.MADE, follow_up_on=past)
    accepted = referral_in(desk, Referral.Status.ACCEPTED, follow_up_on=past)
    referral_in(desk, Referral.Status.ATTENDED, follow_up_on=past)
    referral_in(desk, Referral.Status.MADE, follow_up_on=TODAY())
    referral_in(desk, Referral.Status.MADE)
    marys = referral_in(
        desk, Referral.Status.MADE, engagement=desk.mary_engagement, follow_up_on=past
    )
    assert set(selectors.referral_follow_ups_overdue(user=cast.alice)) == {made, accepted}
    assert set(selectors.referral_follow_ups_overdue(user=cast.mary)) == {made, accepted, marys}
    assert not selectors.referral_follow_ups_overdue(user=cast.pat).exists()
    assert not selectors.referral_follow_ups_overdue(user=cast.alice, on=past).exists()


def test_the_home_page_names_overdue_follow_ups(cast, desk):
    past = TODAY() - dt.timedelta(days=3)
    assert not [i for i in attention_for(cast.alice) if "referral" in i.title]
    referral_in(desk, Referral.Status.MADE, follow_up_on=past)
    titles = [i.title for i in attention_for(cast.alice)]
    assert "1 referral follow-up overdue" in titles
    referral_in(desk, Referral.Status.ACCEPTED, follow_up_on=past)
    items = [i for i in attention_for(cast.alice) if "referral" in i.title]
    assert [i.title for i in items] == ["2 referral follow-ups overdue"]
    assert items[0].url == reverse("delivery:referral-list") + "?overdue=on"
    assert not [i for i in attention_for(desk.bob) if "referral" in i.title]
    assert not [i for i in attention_for(cast.oscar) if "referral" in i.title]


def test_the_menu_shows_referrals_to_those_who_see_engagements(cast, desk):
    assert "Referrals" in [i.label for i in nav_links_for(cast.alice)]
    assert "Referrals" not in [i.label for i in nav_links_for(cast.oscar)]


# Pages -----------------------------------------------------------------------------------------


def test_referral_list(cast, desk):
    past = TODAY() - dt.timedelta(days=1)
    overdue = referral_in(desk, Referral.Status.MADE, follow_up_on=past)
    referral_in(desk, Referral.Status.SUGGESTED)
    referral_in(desk, Referral.Status.MADE, engagement=desk.mary_engagement)
    url = reverse("delivery:referral-list")
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    assert len(response.context["table"].rows) == 2
    assert len(request_as(cast.mary, url).context["table"].rows) == 3
    assert not request_as(cast.pat, url).context["table"].rows
    rows = request_as(cast.alice, url + "?overdue=on").context["table"].rows
    assert [row.record for row in rows] == [overdue]
    rows = request_as(cast.alice, url + "?status=suggested").context["table"].rows
    assert [row.record.status for row in rows] == ["suggested"]


def test_the_engagement_page_lists_its_referrals(cast, desk):
    referral_in(desk, Referral.Status.MADE, follow_up_on=TODAY() - dt.timedelta(days=1))
    body = request_as(cast.alice, desk.alice_engagement.get_absolute_url()).content.decode()
    assert "Make a referral" in body and "Jane Doe" in body and "Follow-up overdue" in body
    body = request_as(cast.carl, desk.alice_engagement.get_absolute_url()).content.decode()
    assert "Jane Doe" in body and "Make a referral" not in body


def test_referral_form_page(cast, desk):
    ServiceFactory(organisation=cast.hub, name="Export Desk")
    ServiceFactory(organisation=cast.hub, name="Old Desk", is_active=False)
    ServiceFactory(organisation=cast.pathways, name="Their Desk")
    url = reverse("delivery:referral-create", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Export Desk" in body and "Old Desk" not in body and "Their Desk" not in body
    assert "has not consented" in body


def form_data(**overrides):
    data = {
        "action": "made",
        "service": "",
        "specialist_name": "Jane Doe",
        "specialist_contact": "jane@example.org",
        "reason": "Export paperwork.",
        "needs_data_sharing": "on",
        "follow_up_on": (TODAY() + dt.timedelta(days=14)).isoformat(),
    }
    data.update(overrides)
    return data


def test_make_a_referral(cast, desk):
    consent(desk.acme)
    url = reverse("delivery:referral-create", args=[desk.alice_engagement.pk])
    check_access(
        cast,
        url,
        method="post",
        data=form_data(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Referral, "create")],
    )
    referral = desk.alice_engagement.referrals.get()
    assert referral.status == "made" and referral.made_on == TODAY()


def test_making_a_referral_without_consent_says_what_to_do(cast, desk):
    url = reverse("delivery:referral-create", args=[desk.alice_engagement.pk])
    response = request_as(cast.alice, url, method="post", data=form_data())
    assert response.status_code == 200
    assert "client&#x27;s page first" in response.content.decode()
    assert not Referral.objects.exists()
    response = request_as(cast.alice, url, method="post", data=form_data(action="suggested"))
    assert response.status_code == 302
    assert Referral.objects.get().status == "suggested"


def test_referral_page(cast, desk):
    referral = referral_in(desk, Referral.Status.MADE)
    response = check_access(
        cast,
        referral.get_absolute_url(),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.content.decode()
    assert "Accepted by the service" in body and "Record the outcome" in body
    assert "Mark as made" not in body
    carls = request_as(cast.carl, referral.get_absolute_url()).content.decode()
    assert "Jane Doe" in carls and "Record the outcome" not in carls


def test_move_a_referral_on(cast, desk):
    referral = referral_in(desk, Referral.Status.MADE)
    url = reverse("delivery:referral-status", args=[referral.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"status": "accepted"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Referral, "update")],
    )
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_a_refused_move_is_explained(cast, desk):
    referral = referral_in(desk, Referral.Status.ATTENDED)
    url = reverse("delivery:referral-status", args=[referral.pk])
    response = cast.client(cast.alice).post(url, {"status": "declined"}, follow=True)
    assert "cannot move to declined" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "attended"


def test_record_the_outcome(cast, desk):
    referral = referral_in(desk, Referral.Status.ATTENDED)
    url = reverse("delivery:referral-outcome", args=[referral.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={
            "outcome": "Now exporting to France.",
            "usefulness_client": "very_useful",
            "usefulness_adviser": "useful",
            "follow_up_on": "",
        },
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Referral, "update")],
    )
    referral.refresh_from_db()
    assert referral.outcome == "Now exporting to France."
    assert referral.usefulness_client == "very_useful"


def test_referrals_and_plan_changes_are_on_the_client_timeline_for_those_who_see_them(cast, desk):
    from waypoint.clients.extensions import timeline_for
    from waypoint.delivery.services import action_plans

    suggest(desk, cast.alice)
    action_plans.plan_start(
        engagement=desk.alice_engagement, title="Growth plan", acting_user=cast.alice
    )
    entries = timeline_for(desk.acme, cast.alice)
    referral_titles = [e.title for e in entries if e.kind == "Referral"]
    plan_titles = [e.title for e in entries if e.kind == "Action plan"]
    assert referral_titles == ["Referral to Jane Doe"]
    assert plan_titles == ["Growth plan: plan started"]
    # bob advises at hub but is not on acme's engagement: he sees neither.
    assert not [
        e for e in timeline_for(desk.acme, desk.bob) if e.kind in {"Referral", "Action plan"}
    ]
