"""``/api/v1/referrals/``: the pages' rules and the services' rules through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.helpers import assert_json_error, results
from tests.clients.factories import ConsentFactory
from tests.delivery.factories import ServiceFactory
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.clients.models import Consent
from waypoint.delivery.models import Referral

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"
TODAY = timezone.localdate


def referral_in(desk, status=Referral.Status.MADE, *, engagement=None, **fields):
    engagement = engagement or desk.alice_engagement
    values = {"specialist_name": "Jane Doe", "reason": "Export help.", **fields}
    return Referral.objects.create(
        organisation=engagement.organisation, engagement=engagement, status=status, **values
    )


def consent(client):
    return ConsentFactory(
        client=client,
        kind=Consent.Kind.SHARE_WITH_PARTNERS,
        lawful_basis=Consent.LawfulBasis.CONSENT,
        granted_on=TODAY() - dt.timedelta(days=5),
    )


def test_list_is_the_callers_scope(cast, desk):
    mine = referral_in(desk)
    referral_in(desk, engagement=desk.mary_engagement)
    response = check_access(
        cast, REFERRALS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = results(response)
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["referred_to"] == "Jane Doe"
    assert len(results(request_as(cast.mary, REFERRALS, api=True))) == 2
    assert not results(request_as(cast.pat, REFERRALS, api=True))


def test_list_filters_and_searches(cast, desk):
    made = referral_in(desk)
    suggested = referral_in(desk, Referral.Status.SUGGESTED, specialist_name="Sam Smith")
    marys = referral_in(desk, engagement=desk.mary_engagement)

    def ids(query):
        return {row["id"] for row in results(request_as(cast.mary, REFERRALS + query, api=True))}

    assert ids("?status=suggested") == {suggested.pk}
    assert ids(f"?engagement={desk.mary_engagement.pk}") == {marys.pk}
    assert ids("?search=Sam") == {suggested.pk}
    assert ids("?search=Zenith") == {marys.pk}
    assert made.pk in ids("?status=made")


def test_retrieve(cast, desk):
    referral = referral_in(desk)
    response = check_access(
        cast,
        f"{REFERRALS}{referral.pk}/",
        api=True,
        allowed=cast.carl,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert response.json()["status"] == "made"


def test_create_suggests_by_default(cast, desk):
    response = check_access(
        cast,
        REFERRALS,
        method="post",
        data={
            "engagement": desk.alice_engagement.pk,
            "specialist_name": "Jane Doe",
            "reason": "Export paperwork.",
        },
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Referral, "create")],
    )
    body = response.json()
    assert body["status"] == "suggested" and body["made_on"] is None
    assert Referral.objects.get().created_by == cast.alice


def test_making_one_needs_consent(cast, desk):
    service = ServiceFactory(organisation=cast.hub)
    data = {
        "engagement": desk.alice_engagement.pk,
        "service": service.pk,
        "reason": "Export paperwork.",
        "status": "made",
    }
    with assert_no_audit():
        refused = request_as(cast.alice, REFERRALS, method="post", data=data, api=True)
    body = assert_json_error(refused, 400)
    assert "needs_data_sharing" in body["errors"]
    consent(desk.acme)
    response = request_as(cast.alice, REFERRALS, method="post", data=data, api=True)
    assert response.status_code == 201, response.content
    assert response.json()["made_on"] == TODAY().isoformat()


def test_a_new_referral_cannot_start_further_on(cast, desk):
    data = {
        "engagement": desk.alice_engagement.pk,
        "specialist_name": "Jane Doe",
        "reason": "Export paperwork.",
        "status": "attended",
    }
    response = request_as(cast.alice, REFERRALS, method="post", data=data, api=True)
    assert "status" in assert_json_error(response, 400)["errors"]


def test_move_on_through_the_status_action(cast, desk):
    referral = referral_in(desk)
    url = f"{REFERRALS}{referral.pk}/status/"
    response = check_access(
        cast,
        url,
        method="post",
        data={"status": "accepted", "follow_up_on": TODAY().isoformat()},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Referral, "update")],
    )
    assert response.json()["status"] == "accepted"
    refused = request_as(cast.alice, url, method="post", data={"status": "made"}, api=True)
    assert "status" in assert_json_error(refused, 400)["errors"]


def test_record_the_outcome(cast, desk):
    referral = referral_in(desk, Referral.Status.ATTENDED)
    response = check_access(
        cast,
        f"{REFERRALS}{referral.pk}/outcome/",
        method="post",
        data={"outcome": "Exporting now.", "usefulness_client": "very_useful"},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Referral, "update")],
    )
    body = response.json()
    assert body["outcome"] == "Exporting now." and body["usefulness_client"] == "very_useful"
