"""Engagements: the services (open, assign, eligibility, every move), the selectors (caseload,
next review due), the pages and the client-page registrations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.clients.factories import ClientFactory
from tests.delivery.factories import AgreementFactory, EngagementFactory, InteractionFactory
from tests.factories import person
from tests.permissions import check_access, request_as
from waypoint.clients.models import Client
from waypoint.core.models import DomainEvent
from waypoint.core.roles import Role
from waypoint.delivery import selectors
from waypoint.delivery.models import (
    Agreement,
    EligibilityCheck,
    EligibilityCondition,
    Engagement,
    EngagementTransition,
)
from waypoint.delivery.services.engagements import (
    eligibility_check,
    engagement_assign_advisers,
    engagement_move,
    engagement_open,
)

pytestmark = pytest.mark.django_db

S = Engagement.Status
TODAY = dt.date(2026, 11, 20)


def events(verb: str) -> int:
    return DomainEvent.objects.filter(verb=verb).count()


def nova(cast):
    """A hub client of alice's with no engagement yet."""
    return ClientFactory(organisation=cast.hub, name="Nova Ltd", created_by=cast.alice)


def open_for(cast, desk, **overrides):
    args = {
        "client": Client.objects.filter(name="Nova Ltd").first() or nova(cast),
        "programme": desk.growth,
        "organisation": cast.hub,
        "lead_adviser": cast.alice,
        "enquiry_date": timezone.localdate() - dt.timedelta(days=1),
        "acting_user": cast.alice,
    }
    return engagement_open(**{**args, **overrides})


def condition(programme, text, position):
    return EligibilityCondition.objects.create(
        programme=programme, organisation=programme.organisation, text=text, position=position
    )


# Opening ---------------------------------------------------------------------------------------


def test_open_starts_an_enquiry_with_its_history_and_event(cast, desk):
    engagement = open_for(cast, desk)
    assert engagement.status == S.ENQUIRY
    transition = engagement.transitions.get()
    assert (transition.from_status, transition.to_status, transition.by) == (
        "",
        S.ENQUIRY,
        cast.alice,
    )
    assert events("engagement.opened") == 1


def test_open_requires_the_organisation_to_deliver_the_programme(cast, desk):
    desk.growth.delivering_organisations.remove(cast.hub)
    with pytest.raises(ValidationError) as error:
        open_for(cast, desk)
    assert "does not deliver" in error.value.message_dict["programme"][0]


def test_open_refuses_a_client_of_another_organisation(cast, desk):
    with pytest.raises(ValidationError) as error:
        open_for(cast, desk, client=desk.pathways_client)
    assert "client" in error.value.message_dict


def test_open_refuses_a_lead_who_does_not_advise_there(cast, desk):
    with pytest.raises(ValidationError) as error:
        open_for(cast, desk, lead_adviser=cast.ada)  # an administrator, not an adviser
    assert "lead_adviser" in error.value.message_dict
    with pytest.raises(ValidationError):
        open_for(cast, desk, lead_adviser=cast.pat)


def test_open_refuses_a_future_enquiry_date(cast, desk):
    with pytest.raises(ValidationError) as error:
        open_for(cast, desk, enquiry_date=timezone.localdate() + dt.timedelta(days=2))
    assert "enquiry_date" in error.value.message_dict


def test_open_needs_a_role_that_may_add_engagements(cast, desk):
    with pytest.raises(PermissionDenied):
        open_for(cast, desk, acting_user=cast.carl)
    assert not Engagement.objects.filter(status=S.ENQUIRY).exists()


def test_assign_advisers_checks_their_roles_and_records_an_event(cast, desk):
    engagement_assign_advisers(
        engagement=desk.mary_engagement, advisers=[desk.bob], acting_user=cast.mary
    )
    assert list(desk.mary_engagement.advisers.all()) == [desk.bob]
    assert events("engagement.advisers_assigned") == 1
    with pytest.raises(ValidationError):
        engagement_assign_advisers(
            engagement=desk.mary_engagement, advisers=[cast.pat], acting_user=cast.mary
        )
    with pytest.raises(PermissionDenied):
        engagement_assign_advisers(
            engagement=desk.mary_engagement, advisers=[], acting_user=cast.alice
        )


def accept(agreement):
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.ACCEPTED, accepted_at=timezone.now(), accepted_via="in_person"
    )


# Moves -----------------------------------------------------------------------------------------


# Sorted: a frozenset's order changes between processes, and pytest-xdist workers must agree.
ALLOWED = sorted((frm, to) for frm, tos in Engagement.TRANSITIONS.items() for to in tos)
REFUSED = [
    (frm, to)
    for frm in S.values
    for to in S.values
    if to not in Engagement.TRANSITIONS[S(frm)] and frm != to
]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_move(cast, desk, from_status, to_status):
    engagement = desk.alice_engagement
    Engagement.objects.filter(pk=engagement.pk).update(status=from_status)
    engagement.refresh_from_db()
    accept(desk.agreement)
    end_reason = Engagement.EndReason.COMPLETED if to_status == S.CLOSED else None
    engagement_move(
        engagement=engagement,
        to_status=to_status,
        reason="Agreed with the client.",
        end_reason=end_reason,
        acting_user=cast.alice,
    )
    engagement.refresh_from_db()
    assert engagement.status == to_status
    assert engagement.transitions.filter(from_status=from_status, to_status=to_status).exists()
    assert (engagement.closed_on is not None) == (to_status == S.CLOSED)
    assert events("engagement.moved") == 1


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_every_refused_move_names_what_is_allowed(cast, desk, from_status, to_status):
    engagement = desk.alice_engagement
    Engagement.objects.filter(pk=engagement.pk).update(
        status=from_status, end_reason="completed" if from_status == S.CLOSED else ""
    )
    engagement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement,
            to_status=to_status,
            reason="Trying.",
            end_reason="completed" if to_status == S.CLOSED else None,
            acting_user=cast.alice,
        )
    message = error.value.message_dict["to_status"][0]
    assert "from here it can move to" in message
    assert not EngagementTransition.objects.filter(engagement=engagement).exists()


def test_pausing_and_closing_need_a_reason_and_closing_an_end_reason(cast, desk):
    engagement = desk.alice_engagement
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement, to_status=S.PAUSED, reason=" ", acting_user=cast.alice
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement, to_status=S.CLOSED, reason="Done.", acting_user=cast.alice
        )
    assert "end_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement,
            to_status=S.PAUSED,
            reason="Holiday.",
            end_reason="completed",
            acting_user=cast.alice,
        )
    assert "end_reason" in error.value.message_dict


def test_unknown_status_is_refused(cast, desk):
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=desk.alice_engagement, to_status="won", reason="", acting_user=cast.alice
        )
    assert "to_status" in error.value.message_dict


def test_moves_need_change_permission(cast, desk):
    for user in (cast.carl, desk.bob, cast.pat):
        with pytest.raises(PermissionDenied):
            engagement_move(
                engagement=desk.alice_engagement,
                to_status=S.PAUSED,
                reason="x",
                acting_user=user,
            )


def test_an_enquiry_with_conditions_becomes_eligible_only_through_the_check(cast, desk):
    condition(desk.growth, "Trading in Northshire", 1)
    engagement = open_for(cast, desk)
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement, to_status=S.ELIGIBLE, reason="", acting_user=cast.alice
        )
    assert "eligibility check" in error.value.message_dict["to_status"][0]


# Eligibility -----------------------------------------------------------------------------------


def test_eligibility_all_met_makes_the_engagement_eligible(cast, desk):
    first = condition(desk.growth, "Trading in Northshire", 1)
    second = condition(desk.growth, "Fewer than 250 employees", 2)
    engagement = open_for(cast, desk)
    eligibility_check(
        engagement=engagement,
        answers={first.pk: (True, "Seen the lease"), second.pk: (True, "")},
        acting_user=cast.alice,
    )
    engagement.refresh_from_db()
    assert engagement.status == S.ELIGIBLE
    assert engagement.eligibility_checked_on is not None
    assert EligibilityCheck.objects.filter(engagement=engagement, met=True).count() == 2
    assert events("engagement.eligibility_checked") == 1


def test_eligibility_any_unmet_closes_as_not_eligible(cast, desk):
    first = condition(desk.growth, "Trading in Northshire", 1)
    second = condition(desk.growth, "Fewer than 250 employees", 2)
    engagement = open_for(cast, desk)
    eligibility_check(
        engagement=engagement,
        answers={first.pk: (True, ""), second.pk: (False, "300 staff")},
        acting_user=cast.alice,
    )
    engagement.refresh_from_db()
    assert (engagement.status, engagement.end_reason) == (S.CLOSED, "not_eligible")
    assert engagement.closed_on is not None
    assert "Fewer than 250" in engagement.transitions.last().reason


def test_eligibility_needs_every_condition_answered_and_an_enquiry(cast, desk):
    first = condition(desk.growth, "Trading in Northshire", 1)
    condition(desk.growth, "Fewer than 250 employees", 2)
    engagement = open_for(cast, desk)
    with pytest.raises(ValidationError) as error:
        eligibility_check(
            engagement=engagement, answers={first.pk: (True, "")}, acting_user=cast.alice
        )
    assert "Fewer than 250" in error.value.message_dict["answers"][0]
    assert not EligibilityCheck.objects.exists()
    with pytest.raises(ValidationError):
        eligibility_check(engagement=desk.alice_engagement, answers={}, acting_user=cast.alice)


# Selectors -------------------------------------------------------------------------------------


def test_caseload_holds_open_engagements_led_or_assigned(cast, desk):
    desk.mary_engagement.advisers.add(cast.alice)
    closed = EngagementFactory(
        organisation=cast.hub,
        client=desk.acme,
        programme=desk.growth,
        lead_adviser=cast.alice,
        status=S.CLOSED,
        end_reason="completed",
    )
    mine = set(selectors.caseload_for(user=cast.alice))
    assert mine == {desk.alice_engagement, desk.mary_engagement}
    assert closed not in mine
    assert not selectors.caseload_for(user=desk.bob).exists()
    assert set(selectors.caseload_for(user=cast.mary)) == {desk.mary_engagement}
    assert set(selectors.caseload_for(user=cast.mary, scope="organisation")) == {
        desk.alice_engagement,
        desk.mary_engagement,
    }
    # An adviser asking for the organisation view still gets only their own.
    assert set(selectors.caseload_for(user=desk.bob, scope="organisation")) == set()


def test_caseload_team_view_is_the_managers_team(cast, desk):
    from waypoint.core.models import RoleAssignment

    RoleAssignment.objects.filter(user=cast.mary).update(team=cast.startup_team)
    assert set(selectors.caseload_for(user=cast.mary, scope="team")) == {
        desk.alice_engagement,
        desk.mary_engagement,
    }


def test_next_review_due_is_the_later_of_last_contact_and_acceptance_plus_interval(cast, desk):
    accepted = timezone.now() - dt.timedelta(days=40)
    Agreement.objects.filter(pk=desk.agreement.pk).update(
        status=Agreement.Status.ACCEPTED, accepted_at=accepted, accepted_via="in_person"
    )
    contact_at = timezone.now() - dt.timedelta(days=10)
    desk.contact.occurred_at = contact_at
    desk.contact.save()
    row = selectors.caseload_for(user=cast.alice).get(pk=desk.alice_engagement.pk)
    assert row.last_contact_at == contact_at
    assert abs(row.next_review_due - (contact_at + dt.timedelta(days=28))) < dt.timedelta(seconds=1)
    # Without an accepted agreement there is no review due.
    other = selectors.caseload_for(user=cast.mary).get(pk=desk.mary_engagement.pk)
    assert other.next_review_due is None


def test_next_review_due_counts_from_acceptance_when_no_later_contact(cast, desk):
    desk.contact.occurred_at = timezone.now() - dt.timedelta(days=100)
    desk.contact.save()
    accepted = timezone.now() - dt.timedelta(days=5)
    Agreement.objects.filter(pk=desk.agreement.pk).update(
        status=Agreement.Status.ACCEPTED,
        accepted_at=accepted,
        accepted_via="in_person",
        review_every=2,
        review_unit="months",
    )
    row = selectors.caseload_for(user=cast.alice).get()
    assert abs(row.next_review_due - (accepted + dt.timedelta(days=60))) < dt.timedelta(seconds=1)


def test_first_contact_is_derived_from_the_contact_log(cast, desk):
    earlier = timezone.now() - dt.timedelta(days=30)
    InteractionFactory(engagement=desk.alice_engagement, occurred_at=earlier)
    row = selectors.engagements_for(user=cast.alice).get(pk=desk.alice_engagement.pk)
    assert row.first_contact_at == earlier
    assert row.last_contact_at == desk.contact.occurred_at


def test_attention_counts_waiting_and_old_enquiries(cast, desk):
    open_for(cast, desk)
    other = ClientFactory(organisation=cast.hub, created_by=cast.alice)
    open_for(cast, desk, client=other, enquiry_date=timezone.localdate() - dt.timedelta(days=20))
    counts = selectors.attention_counts(user=cast.alice)
    assert counts == {"awaiting_eligibility": 2, "old_enquiries": 1}
    assert selectors.attention_counts(user=desk.bob) == {
        "awaiting_eligibility": 0,
        "old_enquiries": 0,
    }


# Pages -----------------------------------------------------------------------------------------


def test_engagement_list_shows_what_the_user_may_see(cast, desk):
    url = reverse("delivery:engagement-list")
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    body = response.content.decode()
    assert "Acme Widgets Ltd" in body
    assert "Zenith Bakery" not in body and "Jo Bloggs" not in body


def test_engagement_list_filters_and_searches(cast, desk):
    url = reverse("delivery:engagement-list")
    body = request_as(cast.mary, url, data={"q": "zen"}).content.decode()
    assert "Zenith Bakery" in body and "Acme Widgets Ltd" not in body
    body = request_as(cast.mary, url, data={"lead_adviser": cast.alice.pk}).content.decode()
    assert "Acme Widgets Ltd" in body and "Zenith Bakery" not in body
    body = request_as(cast.carl, url, data={"organisation": cast.pathways.pk}).content.decode()
    assert "Jo Bloggs" in body and "Acme Widgets Ltd" not in body
    body = request_as(cast.mary, url, data={"status": "enquiry"}).content.decode()
    assert "Acme Widgets Ltd" not in body


def test_engagement_list_filter_choices_are_restricted(cast, desk):
    url = reverse("delivery:engagement-list")
    response = request_as(cast.alice, url, data={"organisation": cast.pathways.pk})
    assert "Select a valid choice" in response.content.decode()


def test_engagement_detail(cast, desk):
    url = reverse("delivery:engagement-detail", args=[desk.alice_engagement.pk])
    response = check_access(cast, url, allowed=cast.alice, wrong_role=None, out_of_scope=desk.bob)
    body = response.content.decode()
    assert "Acme Widgets Ltd" in body
    assert reverse("delivery:engagement-move", args=[desk.alice_engagement.pk, "paused"]) in body
    assert reverse("delivery:engagement-move", args=[desk.alice_engagement.pk, "closed"]) in body
    assert "Contact log" in body and "Agreement" in body


def test_engagement_detail_is_read_only_for_contract_managers(cast, desk):
    url = reverse("delivery:engagement-detail", args=[desk.alice_engagement.pk])
    body = request_as(cast.carl, url).content.decode()
    assert "Acme Widgets Ltd" in body
    assert "Move to" not in body


def viewer(cast):
    """Sees every hub client, may open no engagement."""
    return person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub)


def test_open_an_engagement_from_a_client(cast, desk):
    url = reverse("delivery:engagement-open", args=[nova(cast).pk])
    data = {
        "programme": desk.growth.pk,
        "lead_adviser": cast.alice.pk,
        "enquiry_date": timezone.localdate().isoformat(),
    }
    response = check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=viewer(cast),
        out_of_scope=desk.bob,
        expect=302,
        audited=[(Engagement, "create"), (EngagementTransition, "create")],
    )
    engagement = Engagement.objects.get(status=S.ENQUIRY)
    assert response["Location"] == engagement.get_absolute_url()
    assert events("engagement.opened") == 1


def test_open_form_offers_only_programmes_the_organisation_delivers(cast, desk):
    from tests.delivery.factories import ProgrammeFactory

    ProgrammeFactory(organisation=cast.northshire, name="Not delivered by hub")
    url = reverse("delivery:engagement-open", args=[nova(cast).pk])
    body = request_as(cast.alice, url).content.decode()
    assert "Northshire Growth" in body and "Not delivered by hub" not in body


def test_open_form_names_the_bad_field(cast, desk):
    url = reverse("delivery:engagement-open", args=[nova(cast).pk])
    data = {"programme": desk.growth.pk, "lead_adviser": cast.alice.pk, "enquiry_date": "soon"}
    response = request_as(cast.alice, url, method="post", data=data)
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_move_page_asks_the_reason_and_moves(cast, desk):
    url = reverse("delivery:engagement-move", args=[desk.alice_engagement.pk, "closed"])
    data = {"reason": "Goals met.", "end_reason": "completed"}
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        expect=302,
        audited=[(Engagement, "update"), (EngagementTransition, "create")],
    )
    desk.alice_engagement.refresh_from_db()
    assert (desk.alice_engagement.status, desk.alice_engagement.end_reason) == (
        S.CLOSED,
        "completed",
    )


def test_move_page_refuses_a_move_the_lifecycle_does_not_allow(cast, desk):
    url = reverse("delivery:engagement-move", args=[desk.alice_engagement.pk, "eligible"])
    body = request_as(cast.alice, url).content.decode()
    assert "from here it can move to" in body
    response = request_as(cast.alice, url, method="post", data={"reason": "x"})
    assert response.status_code == 200
    assert "from here it can move to" in response.content.decode()
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.status == S.ACTIVE


def test_move_page_needs_a_reason_to_pause(cast, desk):
    url = reverse("delivery:engagement-move", args=[desk.alice_engagement.pk, "paused"])
    response = request_as(cast.alice, url, method="post", data={"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_eligibility_check_page(cast, desk):
    first = condition(desk.growth, "Trading in Northshire", 1)
    engagement = open_for(cast, desk)
    url = reverse("delivery:engagement-eligibility", args=[engagement.pk])
    assert "Trading in Northshire" in request_as(cast.alice, url).content.decode()
    check_access(
        cast,
        url,
        method="post",
        data={f"met_{first.pk}": "yes", f"note_{first.pk}": "Lease seen"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=desk.bob,
        expect=302,
        audited=[
            (EligibilityCheck, "create"),
            (Engagement, "update"),
            (EngagementTransition, "create"),
        ],
    )
    engagement.refresh_from_db()
    assert engagement.status == S.ELIGIBLE
    detail = request_as(cast.alice, engagement.get_absolute_url()).content.decode()
    assert "Lease seen" in detail


def test_eligibility_check_page_needs_every_answer(cast, desk):
    first = condition(desk.growth, "Trading in Northshire", 1)
    engagement = open_for(cast, desk)
    url = reverse("delivery:engagement-eligibility", args=[engagement.pk])
    response = request_as(cast.alice, url, method="post", data={f"note_{first.pk}": "?"})
    assert response.status_code == 200
    assert not EligibilityCheck.objects.exists()


def test_assign_advisers_page(cast, desk):
    url = reverse("delivery:engagement-advisers", args=[desk.mary_engagement.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"lead_adviser": cast.mary.pk, "advisers": [desk.bob.pk]},
        allowed=cast.mary,
        wrong_role=cast.carl,
        out_of_scope=cast.alice,
        expect=302,
        audited=[],  # many-to-many: recorded as a domain event
    )
    assert list(desk.mary_engagement.advisers.all()) == [desk.bob]
    assert events("engagement.advisers_assigned") == 1


def test_caseload_page(cast, desk):
    url = reverse("delivery:caseload")
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    body = response.content.decode()
    assert "Acme Widgets Ltd" in body and "Zenith Bakery" not in body
    assert "?view=organisation" not in body


def test_caseload_page_lets_managers_switch_view(cast, desk):
    url = reverse("delivery:caseload")
    mine = request_as(cast.mary, url).content.decode()
    assert "Zenith Bakery" in mine and "Acme Widgets Ltd" not in mine
    organisation = request_as(cast.mary, url, data={"view": "organisation"}).content.decode()
    assert "Zenith Bakery" in organisation and "Acme Widgets Ltd" in organisation
    sorted_page = request_as(cast.mary, url, data={"view": "organisation", "sort": "-client"})
    body = sorted_page.content.decode()
    assert body.index("Zenith Bakery") < body.index("Acme Widgets Ltd")


def test_caseload_page_shows_next_review_due(cast, desk):
    accepted = timezone.now() - dt.timedelta(days=3)
    Agreement.objects.filter(pk=desk.agreement.pk).update(
        status=Agreement.Status.ACCEPTED, accepted_at=accepted, accepted_via="in_person"
    )
    desk.contact.occurred_at = accepted - dt.timedelta(days=1)
    desk.contact.save()
    body = request_as(cast.alice, reverse("delivery:caseload")).content.decode()
    due = timezone.localtime(accepted + dt.timedelta(days=28))
    assert f"{due:%-d %b %Y}" in body


# Client page registrations and the home page ---------------------------------------------------


def test_client_timeline_shows_engagement_moves_the_user_may_see(cast, desk):
    from waypoint.clients.extensions import timeline_for

    engagement = open_for(cast, desk)
    engagement_move(
        engagement=engagement,
        to_status=S.CLOSED,
        reason="Went elsewhere",
        end_reason="withdrew",
        acting_user=cast.alice,
    )
    client = engagement.client
    titles = [e.title for e in timeline_for(client, cast.alice) if e.kind == "Engagement"]
    assert titles == ["Northshire Growth: Closed", "Enquiry about Northshire Growth"]
    assert not [e for e in timeline_for(client, desk.bob) if e.kind == "Engagement"]


def test_client_list_filters_by_programme_and_adviser(cast, desk):
    from waypoint.clients.extensions import list_filters
    from waypoint.clients.models import Client

    EngagementFactory(
        organisation=cast.hub, client=desk.acme, programme=desk.growth, lead_adviser=cast.alice
    )
    programme_filter = list_filters["programme"](cast.mary)
    assert set(programme_filter.queryset) == {desk.growth}
    clients = programme_filter.filter(Client.objects.all(), desk.growth)
    assert sorted(c.name for c in clients) == ["Acme Widgets Ltd", "Jo Bloggs", "Zenith Bakery"]
    adviser_filter = list_filters["adviser"](cast.mary)
    assert set(adviser_filter.queryset) == {cast.alice, cast.mary}
    assert [c.name for c in adviser_filter.filter(Client.objects.all(), cast.alice)] == [
        "Acme Widgets Ltd"
    ]
    assert not list_filters["adviser"](desk.bob).queryset.exists()


def test_home_page_lists_enquiries_waiting(cast, desk):
    open_for(cast, desk, enquiry_date=timezone.localdate() - dt.timedelta(days=30))
    body = request_as(cast.alice, reverse("core:home")).content.decode()
    assert "1 engagement waiting for an eligibility check" in body
    assert "1 enquiry older than 14 days" in body
    assert "eligibility check" not in request_as(desk.bob, reverse("core:home")).content.decode()


def test_form_pages_open_for_those_allowed(cast, desk):
    engagement = desk.alice_engagement
    pages = [
        reverse("delivery:engagement-open", args=[desk.acme.pk]),
        reverse("delivery:engagement-move", args=[engagement.pk, "paused"]),
        reverse("delivery:engagement-move", args=[engagement.pk, "closed"]),
        reverse("delivery:engagement-advisers", args=[engagement.pk]),
    ]
    for url in pages:
        check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=desk.bob)
    closing = request_as(cast.alice, pages[2]).content.decode()
    assert "End reason" in closing and "Lost contact" in closing
    bad_status = reverse("delivery:engagement-move", args=[engagement.pk, "won"])
    assert request_as(cast.alice, bad_status).status_code == 404


def test_caseload_sorts_by_next_review_due(cast, desk):
    Agreement.objects.filter(pk=desk.agreement.pk).update(
        status=Agreement.Status.ACCEPTED, accepted_at=timezone.now(), accepted_via="in_person"
    )
    url = reverse("delivery:caseload")
    response = request_as(cast.mary, url, data={"view": "organisation", "sort": "next_review_due"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Widgets Ltd" in body and "No accepted agreement" in body


def test_advisers_page_changes_the_lead(cast, desk):
    url = reverse("delivery:engagement-advisers", args=[desk.mary_engagement.pk])
    data = {"lead_adviser": desk.bob.pk, "advisers": [cast.mary.pk]}
    response = request_as(cast.mary, url, method="post", data=data)
    assert response.status_code == 302
    desk.mary_engagement.refresh_from_db()
    assert desk.mary_engagement.lead_adviser == desk.bob
    assert list(desk.mary_engagement.advisers.all()) == [cast.mary]
    assert events("engagement.lead_changed") == 1
    both = {"lead_adviser": desk.bob.pk, "advisers": [desk.bob.pk]}
    assert request_as(cast.mary, url, method="post", data=both).status_code == 200


def test_moving_an_enquiry_without_conditions_to_eligible_records_the_check(cast, desk):
    engagement = open_for(cast, desk)
    engagement_move(engagement=engagement, to_status=S.ELIGIBLE, reason="", acting_user=cast.alice)
    engagement.refresh_from_db()
    assert engagement.eligibility_checked_on is not None


def test_an_engagement_becomes_active_only_with_an_accepted_agreement(cast, desk):
    engagement = desk.alice_engagement
    Engagement.objects.filter(pk=engagement.pk).update(status=S.AGREEMENT_PENDING)
    engagement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        engagement_move(
            engagement=engagement, to_status=S.ACTIVE, reason="", acting_user=cast.alice
        )
    assert "not accepted an agreement" in error.value.message_dict["to_status"][0]
    accept(desk.agreement)
    engagement_move(engagement=engagement, to_status=S.ACTIVE, reason="", acting_user=cast.alice)
    engagement.refresh_from_db()
    assert engagement.status == S.ACTIVE


@pytest.mark.parametrize("url_name", ["delivery:caseload", "delivery:engagement-list"])
def test_list_pages_cost_the_same_whatever_the_number_of_rows(cast, desk, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = cast.client(cast.alice)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(5):
        engagement = EngagementFactory(
            organisation=cast.hub, client=desk.acme, programme=desk.growth, lead_adviser=cast.alice
        )
        InteractionFactory(engagement=engagement)
        AgreementFactory(engagement=engagement)
    assert queries() == before


def test_open_refuses_a_second_open_engagement_on_the_same_programme(cast, desk):
    with pytest.raises(ValidationError) as error:
        open_for(cast, desk, client=desk.acme)
    assert "already has an open engagement" in error.value.message_dict["programme"][0]
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=S.CLOSED, end_reason="completed"
    )
    assert open_for(cast, desk, client=desk.acme).status == S.ENQUIRY


def test_engagement_detail_shows_the_next_review_due(cast, desk):
    accept(desk.agreement)
    url = reverse("delivery:engagement-detail", args=[desk.alice_engagement.pk])
    body = request_as(cast.alice, url).content.decode()
    row = selectors.caseload_for(user=cast.alice).get()
    assert f"{timezone.localtime(row.next_review_due):%-d %b %Y}" in body
    other = reverse("delivery:engagement-detail", args=[desk.mary_engagement.pk])
    assert "When an agreement is accepted" in request_as(cast.mary, other).content.decode()
