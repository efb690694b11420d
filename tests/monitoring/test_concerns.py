"""Concerns and problems (000 reqs 5, 6): steps in order, who may take them, referral to the
commissioner, time limits, pages and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.core.navigation import attention_for, nav_links_for
from waypoint.core.roles import Role
from waypoint.monitoring import selectors_concerns as selectors
from waypoint.monitoring.models import Concern, ConcernAction, MonitoringSettings
from waypoint.monitoring.services import concerns as services

pytestmark = pytest.mark.django_db
Status = Concern.Status
API = "/api/v1/concerns/"


def _today() -> dt.date:
    return timezone.localdate()


def _raise(desk, user=None, **fields) -> Concern:
    return services.concern_raise(
        engagement=desk.alice_engagement,
        acting_user=user or desk.alice_engagement.lead_adviser,
        summary=fields.pop("summary", "The adviser missed two meetings."),
        source=fields.pop("source", Concern.Source.CLIENT),
        about=fields.pop("about", Concern.About.DELAY),
        **fields,
    )


def _referred(cast, desk) -> Concern:
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_refer(
        concern=concern,
        acting_user=cast.mary,
        referred_to="Northshire contract team",
        reason="The programme's rules cause the delay, not us.",
        referred_to_organisation=cast.northshire,
    )
    return concern


@pytest.fixture
def vic(cast):
    """A viewer at hub: sees hub's concerns, changes none."""
    return person("vic", "Vic", role=Role.VIEWER, organisation=cast.hub)


# Services --------------------------------------------------------------------------------------


def test_raise_defaults_owner_programme_and_event(cast, desk):
    concern = _raise(desk)
    assert concern.owner == cast.alice
    assert concern.programme == desk.growth
    assert concern.organisation == cast.hub
    assert concern.status == Status.RAISED
    assert DomainEvent.objects.filter(verb="concern.raised", object_id=str(concern.pk)).exists()


def test_raise_refuses_empty_summary_and_future_date(cast, desk):
    with pytest.raises(ValidationError) as error:
        _raise(desk, summary="  ")
    assert "summary" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _raise(desk, raised_on=_today() + dt.timedelta(days=2))
    assert "raised_on" in error.value.message_dict
    assert not Concern.objects.exists()


def test_full_sequence_within_responsibility(cast, desk):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_investigate(
        concern=concern, acting_user=cast.alice, investigation="Diary clash.", cause="Rota"
    )
    action = services.concern_action_add(
        concern=concern,
        acting_user=cast.mary,
        description="Fix the rota",
        due_on=_today() + dt.timedelta(days=7),
        owner=cast.alice,
    )
    services.concern_action_done(action=action, acting_user=cast.alice)
    services.concern_resolve(concern=concern, acting_user=cast.alice, resolution="New rota.")
    services.concern_tell_client(
        concern=concern, acting_user=cast.alice, told_on=_today(), how="By phone", satisfaction=4
    )
    services.concern_close(concern=concern, acting_user=cast.mary)
    concern.refresh_from_db()
    action.refresh_from_db()
    assert concern.status == Status.CLOSED
    assert concern.within_responsibility is True
    assert concern.client_satisfaction == 4
    assert action.done_on == _today()
    verbs = [e.label for e in selectors.concern_timeline(concern)]
    assert verbs[0] == "Raised" and verbs[-1] == "Closed"
    assert f"Action added for Alice Tester, due {action.due_on:%-d %b %Y}" in verbs


@pytest.mark.parametrize(
    "step",
    ["investigate", "refer", "resolve", "close"],
)
def test_steps_out_of_order_are_refused(cast, desk, step):
    concern = _raise(desk)
    calls = {
        "investigate": lambda: services.concern_investigate(
            concern=concern, acting_user=cast.alice, investigation="x"
        ),
        "refer": lambda: services.concern_refer(
            concern=concern, acting_user=cast.alice, referred_to="x", reason="y"
        ),
        "resolve": lambda: services.concern_resolve(
            concern=concern, acting_user=cast.alice, resolution="x"
        ),
        "close": lambda: services.concern_close(concern=concern, acting_user=cast.alice),
    }
    with pytest.raises(ValidationError) as error:
        calls[step]()
    assert "next it can be acknowledged" in error.value.message_dict["status"][0]
    concern.refresh_from_db()
    assert concern.status == Status.RAISED


def test_acknowledge_twice_and_close_before_client_told_are_refused(cast, desk):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    with pytest.raises(ValidationError):
        services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_resolve(concern=concern, acting_user=cast.alice, resolution="Sorted")
    with pytest.raises(ValidationError) as error:
        services.concern_close(concern=concern, acting_user=cast.alice)
    assert "client_told_on" in error.value.message_dict
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED
    with pytest.raises(ValidationError):
        services.concern_tell_client(
            concern=concern, acting_user=cast.alice, told_on=_today(), how="x", satisfaction=6
        )


def test_closed_concern_takes_nothing_more(cast, desk):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_resolve(concern=concern, acting_user=cast.alice, resolution="Sorted")
    services.concern_tell_client(concern=concern, acting_user=cast.alice, told_on=_today(), how="x")
    services.concern_close(concern=concern, acting_user=cast.alice)
    with pytest.raises(ValidationError):
        services.concern_assign(concern=concern, owner=cast.mary, acting_user=cast.mary)
    with pytest.raises(ValidationError) as error:
        services.concern_resolve(concern=concern, acting_user=cast.mary, resolution="again")
    assert "closed" in error.value.message_dict["status"][0]


def test_who_may_act(cast, desk, vic):
    concern = _raise(desk)
    for outsider in (desk.bob, cast.pat, vic, cast.carl, cast.oscar):
        with pytest.raises(PermissionDenied):
            services.concern_acknowledge(concern=concern, acting_user=outsider)
    services.concern_assign(concern=concern, owner=cast.mary, acting_user=cast.alice)
    # Alice is no longer the owner and is no manager: she cannot act on it any more.
    with pytest.raises(PermissionDenied):
        services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_acknowledge(concern=concern, acting_user=cast.mary)
    concern.refresh_from_db()
    assert concern.owner == cast.mary and concern.status == Status.ACKNOWLEDGED


def test_owner_must_hold_a_role_in_the_organisation(cast, desk):
    concern = _raise(desk)
    with pytest.raises(ValidationError) as error:
        services.concern_assign(concern=concern, owner=cast.carl, acting_user=cast.mary)
    assert "owner" in error.value.message_dict
    concern.refresh_from_db()
    assert concern.owner == cast.alice


def test_referral_to_commissioner_makes_it_visible_to_carl(cast, desk):
    concern = _raise(desk)
    # Carl sees the engagement (his programme) but not its concerns until referred.
    assert not Concern.objects.restrict(cast.carl, "view").filter(pk=concern.pk).exists()
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_refer(
        concern=concern,
        acting_user=cast.mary,
        referred_to="Northshire contract team",
        reason="Programme rules",
        referred_to_organisation=cast.northshire,
    )
    concern.refresh_from_db()
    assert concern.status == Status.REFERRED
    assert concern.within_responsibility is False
    assert Concern.objects.restrict(cast.carl, "view").filter(pk=concern.pk).exists()
    assert list(selectors.concerns_referred_to(cast.carl)) == [concern]
    # Carl may respond and resolve, not take the provider's steps.
    services.concern_record_response(
        concern=concern, acting_user=cast.carl, response="We will relax the rule."
    )
    with pytest.raises(PermissionDenied):
        services.concern_assign(concern=concern, owner=cast.mary, acting_user=cast.carl)
    services.concern_resolve(concern=concern, acting_user=cast.carl, resolution="Rule relaxed.")
    with pytest.raises(PermissionDenied):
        services.concern_tell_client(
            concern=concern, acting_user=cast.carl, told_on=_today(), how="x"
        )
    concern.refresh_from_db()
    assert concern.referral_response == "We will relax the rule."
    assert concern.status == Status.RESOLVED


def test_refer_only_to_the_programmes_commissioner(cast, desk):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    with pytest.raises(ValidationError) as error:
        services.concern_refer(
            concern=concern,
            acting_user=cast.mary,
            referred_to="Pathways",
            reason="x",
            referred_to_organisation=cast.pathways,
        )
    assert "referred_to_organisation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.concern_refer(concern=concern, acting_user=cast.mary, referred_to="", reason="")
    assert {"referred_to", "reason"} <= set(error.value.message_dict)
    concern.refresh_from_db()
    assert concern.status == Status.ACKNOWLEDGED
    assert not Concern.objects.restrict(cast.pat, "view").filter(pk=concern.pk).exists()


def test_response_needs_a_referral(cast, desk):
    concern = _raise(desk)
    with pytest.raises(ValidationError) as error:
        services.concern_record_response(concern=concern, acting_user=cast.mary, response="x")
    assert "referral_response" in error.value.message_dict


# Time limits -----------------------------------------------------------------------------------


def test_deadlines_and_overdue_with_default_limits(cast, desk):
    concern = _raise(desk, raised_on=_today() - dt.timedelta(days=6))
    deadlines = selectors.concern_deadlines(concern)
    assert deadlines.acknowledge_by == concern.raised_on + dt.timedelta(days=5)
    assert deadlines.resolve_by == concern.raised_on + dt.timedelta(days=20)
    assert deadlines.acknowledge_overdue and not deadlines.resolve_overdue
    assert deadlines.acknowledge_words == "Overdue: acknowledgement was due 1 day ago."
    assert list(selectors.overdue_concerns(cast.mary)) == [concern]
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    concern.refresh_from_db()
    deadlines = selectors.concern_deadlines(concern)
    assert not deadlines.is_overdue and deadlines.acknowledged_late
    assert not selectors.overdue_concerns(cast.mary).exists()


def test_programme_settings_change_the_limits(cast, desk):
    MonitoringSettings.objects.create(
        programme=desk.growth,
        organisation=cast.northshire,
        acknowledge_concern_days=10,
        resolve_concern_days=12,
    )
    concern = _raise(desk, raised_on=_today() - dt.timedelta(days=8))
    assert not selectors.overdue_concerns(cast.mary).exists()
    old = _raise(desk, raised_on=_today() - dt.timedelta(days=13))
    services.concern_acknowledge(concern=old, acting_user=cast.alice)
    old.refresh_from_db()
    assert selectors.concern_deadlines(old).resolve_overdue
    assert list(selectors.overdue_concerns(cast.mary)) == [old]
    assert not selectors.concern_deadlines(concern).is_overdue


def test_home_attention_and_nav(cast, desk):
    _raise(desk, raised_on=_today() - dt.timedelta(days=30))
    titles = [item.title for item in attention_for(cast.mary)]
    assert "1 concern overdue" in titles
    assert not any("referred to you" in t for t in [i.title for i in attention_for(cast.carl)])
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_refer(
        concern=concern,
        acting_user=cast.mary,
        referred_to="Northshire",
        reason="x",
        referred_to_organisation=cast.northshire,
    )
    assert "1 concern referred to you" in [item.title for item in attention_for(cast.carl)]
    assert "Concerns" in [item.label for item in nav_links_for(cast.mary)]
    assert "Concerns" not in [item.label for item in nav_links_for(cast.oscar)]


# Pages -----------------------------------------------------------------------------------------


def test_list_page(cast, desk):
    concern = _raise(desk, summary="Nobody called back", raised_on=_today() - dt.timedelta(9))
    _raise(desk, summary="Recent and fine")
    url = reverse("monitoring:concern-list")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=None)
    assert b"Nobody called back" in response.content
    overdue = request_as(cast.mary, url + "?overdue=on")
    assert b"Nobody called back" in overdue.content
    assert b"Recent and fine" not in overdue.content
    searched = request_as(cast.mary, url + "?q=called")
    assert b"Recent and fine" not in searched.content
    assert concern.get_absolute_url().encode() in searched.content
    assert b"Nobody called back" not in request_as(cast.pat, url).content


def test_detail_page(cast, desk):
    concern = _raise(desk, raised_on=_today() - dt.timedelta(days=7))
    url = concern.get_absolute_url()
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert b"Overdue: acknowledgement was due 2 days ago." in response.content
    assert reverse("monitoring:concern-acknowledge", args=[concern.pk]).encode() in response.content
    assert request_as(cast.carl, url).status_code == 404


def test_detail_page_for_carl_after_referral(cast, desk):
    concern = _referred(cast, desk)
    response = request_as(cast.carl, concern.get_absolute_url())
    assert response.status_code == 200
    assert reverse("monitoring:concern-response", args=[concern.pk]).encode() in response.content
    assert reverse("monitoring:concern-assign", args=[concern.pk]).encode() not in response.content


def test_detail_page_offers_only_what_the_concerns_state_allows(cast, desk):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    action = services.concern_action_add(
        concern=concern,
        acting_user=cast.alice,
        description="Call the client back",
        due_on=_today() + dt.timedelta(days=7),
        owner=cast.alice,
    )
    url = concern.get_absolute_url()
    change = reverse("monitoring:programme-change-create", args=[desk.alice_engagement.pk])
    done = reverse("monitoring:concern-action-done", args=[concern.pk, action.pk])
    step = lambda name: reverse(f"monitoring:concern-{name}", args=[concern.pk])  # noqa: E731

    body = request_as(cast.alice, url).content.decode()
    assert "Record a change agreed with the client" in body and change in body
    assert done in body and "Next steps" in body
    for name in ("assign", "investigate", "refer", "action", "resolve"):
        assert step(name) in body

    services.concern_resolve(concern=concern, acting_user=cast.alice, resolution="Sorted")
    services.concern_tell_client(concern=concern, acting_user=cast.alice, told_on=_today(), how="x")
    body = request_as(cast.alice, url).content.decode()
    assert step("close") in body and step("resolve") not in body and step("refer") not in body

    services.concern_close(concern=concern, acting_user=cast.alice)
    body = request_as(cast.alice, url).content.decode()
    assert "Status: <strong>Closed</strong>" in body
    assert "Record a change agreed with the client" not in body and change not in body
    assert done not in body and "Mark done" not in body and "Next steps" not in body
    for name in ("assign", "action", "resolve", "tell-client", "close"):
        assert step(name) not in body
    # A manager of the organisation (who may change the engagement) is offered nothing either.
    body = request_as(cast.mary, url).content.decode()
    assert change not in body and "Next steps" not in body


def test_raise_page(cast, desk):
    url = reverse("monitoring:concern-create", args=[desk.alice_engagement.pk])
    data = {
        "source": Concern.Source.CLIENT,
        "raised_by_name": "Ann Acme",
        "about": Concern.About.ADVISER,
        "severity": Concern.Severity.HIGH,
        "summary": "Advice on VAT was wrong.",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "create")],
    )
    concern = Concern.objects.get()
    assert concern.severity == Concern.Severity.HIGH and concern.raised_by_name == "Ann Acme"
    bad = request_as(cast.alice, url, method="post", data={**data, "summary": ""})
    assert bad.status_code == 200 and b"The concern" in bad.content
    assert Concern.objects.count() == 1


def test_programme_wide_raise_page_is_for_managers(cast, desk):
    url = reverse("monitoring:concern-create-programme")
    data = {
        "programme": desk.growth.pk,
        "source": Concern.Source.MANAGER,
        "about": Concern.About.DATA,
        "severity": Concern.Severity.LOW,
        "summary": "Data returns are late across the programme.",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Concern, "create")],
    )
    concern = Concern.objects.get()
    assert concern.engagement is None and concern.organisation == cast.hub
    assert concern.owner == cast.mary


def test_acknowledge_page(cast, desk, vic):
    concern = _raise(desk)
    url = reverse("monitoring:concern-acknowledge", args=[concern.pk])
    check_access(
        cast,
        url,
        method="post",
        data={},
        allowed=cast.alice,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    concern.refresh_from_db()
    assert concern.status == Status.ACKNOWLEDGED
    again = request_as(cast.alice, url, method="post", data={})
    assert again.status_code == 200 and b"cannot move to" in again.content


def test_refer_page_offers_the_commissioner(cast, desk, vic):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    url = reverse("monitoring:concern-refer", args=[concern.pk])
    form = request_as(cast.mary, url)
    assert cast.northshire.name.encode() in form.content
    assert cast.pathways.name.encode() not in form.content
    check_access(
        cast,
        url,
        method="post",
        data={
            "referred_to": "Northshire contract team",
            "reason": "Programme rules",
            "referred_to_organisation": cast.northshire.pk,
        },
        allowed=cast.mary,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    concern.refresh_from_db()
    assert concern.referred_to_organisation == cast.northshire


def test_response_and_resolve_pages_for_the_commissioner(cast, desk, vic):
    concern = _referred(cast, desk)
    check_access(
        cast,
        reverse("monitoring:concern-response", args=[concern.pk]),
        method="post",
        data={"response": "We agree."},
        allowed=cast.carl,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    check_access(
        cast,
        reverse("monitoring:concern-resolve", args=[concern.pk]),
        method="post",
        data={"resolution": "Rule changed."},
        allowed=cast.carl,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED and concern.referral_response == "We agree."
    # Carl cannot take the provider's steps: 403, nothing written.
    assert (
        request_as(
            cast.carl, reverse("monitoring:concern-close", args=[concern.pk]), method="post"
        ).status_code
        == 403
    )


def test_action_pages(cast, desk, vic):
    concern = _raise(desk)
    due = (_today() + dt.timedelta(days=5)).isoformat()
    check_access(
        cast,
        reverse("monitoring:concern-action", args=[concern.pk]),
        method="post",
        data={"description": "Call the client", "owner": cast.alice.pk, "due_on": due},
        allowed=cast.mary,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ConcernAction, "create")],
    )
    action = ConcernAction.objects.get()
    check_access(
        cast,
        reverse("monitoring:concern-action-done", args=[concern.pk, action.pk]),
        method="post",
        allowed=cast.alice,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ConcernAction, "update")],
    )
    action.refresh_from_db()
    assert action.done_on == _today()
    missing = request_as(
        cast.mary,
        reverse("monitoring:concern-action", args=[concern.pk]),
        method="post",
        data={"description": "x", "due_on": due},
    )
    assert b"Say who will do it" in missing.content


def test_tell_client_and_close_pages(cast, desk, vic):
    concern = _raise(desk)
    services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    services.concern_resolve(concern=concern, acting_user=cast.alice, resolution="Done")
    check_access(
        cast,
        reverse("monitoring:concern-tell-client", args=[concern.pk]),
        method="post",
        data={"told_on": _today().isoformat(), "how": "By letter", "satisfaction": "5"},
        allowed=cast.alice,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    check_access(
        cast,
        reverse("monitoring:concern-close", args=[concern.pk]),
        method="post",
        allowed=cast.mary,
        wrong_role=vic,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Concern, "update")],
    )
    concern.refresh_from_db()
    assert concern.status == Status.CLOSED and concern.client_satisfaction == 5


def test_engagement_page_lists_concerns_seen(cast, desk):
    _raise(desk, summary="Slow replies to emails")
    url = desk.alice_engagement.get_absolute_url()
    page = request_as(cast.alice, url)
    assert b"Slow replies to emails" in page.content
    assert (
        reverse("monitoring:concern-create", args=[desk.alice_engagement.pk]).encode()
        in page.content
    )
    carl_page = request_as(cast.carl, url)
    assert carl_page.status_code == 200
    assert b"Slow replies to emails" not in carl_page.content


# API -------------------------------------------------------------------------------------------


def test_api_list_and_retrieve(cast, desk):
    concern = _raise(desk, raised_on=_today() - dt.timedelta(days=6))
    response = check_access(
        cast, API, api=True, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [concern.pk]
    assert rows[0]["is_overdue"] is True
    detail = check_access(
        cast,
        f"{API}{concern.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert detail.json()["acknowledge_by"] == (concern.raised_on + dt.timedelta(days=5)).isoformat()
    assert request_as(cast.pat, API, api=True).json()["results"] == []


def test_api_create(cast, desk):
    data = {
        "engagement": desk.alice_engagement.pk,
        "source": "adviser",
        "about": "service",
        "severity": "low",
        "summary": "Room bookings fail.",
    }
    response = check_access(
        cast,
        API,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
        expect=201,
        audited=[(Concern, "create")],
    )
    assert response.json()["owner"] == cast.alice.pk
    # Bob advises at hub but not on this engagement: it is not one he may choose.
    refused = request_as(desk.bob, API, method="post", data=data, api=True)
    assert refused.status_code == 400 and "engagement" in refused.json()["errors"]
    assert Concern.objects.count() == 1
    bad = request_as(cast.alice, API, method="post", data={**data, "summary": ""}, api=True)
    assert bad.status_code == 400 and "summary" in bad.json()["errors"]


def test_api_steps(cast, desk, vic):
    concern = _raise(desk)
    base = f"{API}{concern.pk}"
    check_access(
        cast,
        f"{base}/acknowledge/",
        method="post",
        data={},
        api=True,
        allowed=cast.alice,
        wrong_role=vic,
        out_of_scope=cast.pat,
        audited=[(Concern, "update")],
    )
    out_of_order = request_as(
        cast.alice,
        f"{base}/tell-client/",
        method="post",
        api=True,
        data={"told_on": _today().isoformat(), "how": "x"},
    )
    assert out_of_order.status_code == 400 and "client_told_on" in out_of_order.json()["errors"]
    referred = check_access(
        cast,
        f"{base}/refer/",
        method="post",
        data={
            "referred_to": "Northshire",
            "reason": "Programme rules",
            "referred_to_organisation": cast.northshire.pk,
        },
        api=True,
        allowed=cast.mary,
        wrong_role=vic,
        out_of_scope=cast.pat,
        audited=[(Concern, "update")],
    )
    assert referred.json()["status"] == "referred"
    resolved = check_access(
        cast,
        f"{base}/resolve/",
        method="post",
        data={"resolution": "Agreed with the commissioner."},
        api=True,
        allowed=cast.carl,
        wrong_role=vic,
        out_of_scope=cast.pat,
        audited=[(Concern, "update")],
    )
    assert resolved.json()["status"] == "resolved"
    told = check_access(
        cast,
        f"{base}/tell-client/",
        method="post",
        data={"told_on": _today().isoformat(), "how": "Email", "satisfaction": 3},
        api=True,
        allowed=cast.alice,
        wrong_role=vic,
        out_of_scope=cast.pat,
        audited=[(Concern, "update")],
    )
    assert told.json()["client_satisfaction"] == 3
