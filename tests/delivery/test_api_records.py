"""``/api/v1/agreements/`` and ``/api/v1/interactions/``: the pages' rules through the API, and
confidential notes never exposed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.helpers import assert_json_error, results
from tests.delivery.factories import AgreementFactory, InteractionFactory
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.delivery.models import (
    Agreement,
    ConfidentialNote,
    Engagement,
    EngagementTransition,
    FollowUp,
    Interaction,
)
from waypoint.delivery.services import agreements as agreement_services
from waypoint.delivery.services import interactions as interaction_services

pytestmark = pytest.mark.django_db

AGREEMENTS = "/api/v1/agreements/"
INTERACTIONS = "/api/v1/interactions/"


def agreement_data(desk, **overrides):
    data = {
        "engagement": desk.alice_engagement.pk,
        "type": "advice",
        "adviser_responsibilities": "Meet monthly.",
        "client_responsibilities": "Do the actions.",
    }
    data.update(overrides)
    return data


def interaction_data(desk, **overrides):
    data = {
        "engagement": desk.alice_engagement.pk,
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "mode": "phone",
        "place": "online",
        "duration_minutes": 20,
        "support_type": "advice",
        "summary": "Checked the VAT registration.",
    }
    data.update(overrides)
    return data


# Agreements ------------------------------------------------------------------------------------


def test_agreement_list_is_the_callers_scope(cast, desk):
    AgreementFactory(engagement=desk.mary_engagement)
    response = check_access(
        cast, AGREEMENTS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = results(response)
    assert [row["id"] for row in rows] == [desk.agreement.pk]
    assert rows[0]["review_frequency"] == "every 4 weeks"
    assert len(results(request_as(cast.mary, AGREEMENTS, api=True))) == 2
    assert not results(request_as(cast.pat, AGREEMENTS, api=True))


def test_agreement_list_filters_by_engagement_and_searches(cast, desk):
    other = AgreementFactory(engagement=desk.mary_engagement)
    url = f"{AGREEMENTS}?engagement={desk.mary_engagement.pk}"
    assert [row["id"] for row in results(request_as(cast.mary, url, api=True))] == [other.pk]
    found = results(request_as(cast.mary, f"{AGREEMENTS}?search=Zenith", api=True))
    assert [row["id"] for row in found] == [other.pk]
    paged = request_as(cast.mary, f"{AGREEMENTS}?page_size=1", api=True).json()
    assert paged["count"] == 2 and len(paged["results"]) == 1 and paged["next"]


def test_agreement_detail(cast, desk):
    url = f"{AGREEMENTS}{desk.agreement.pk}/"
    response = check_access(
        cast, url, api=True, allowed=cast.carl, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert response.json()["version"] == 1


def accepted(desk, cast):
    return agreement_services.agreement_accept(
        agreement=desk.agreement, accepted_by_name="Ann", via="in_person", acting_user=cast.alice
    )


def test_agreement_create_drafts_the_next_version(cast, desk):
    accepted(desk, cast)
    response = check_access(
        cast,
        AGREEMENTS,
        method="post",
        data=agreement_data(desk),
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Agreement, "create")],
    )
    body = response.json()
    assert body["version"] == 2 and body["status"] == "draft"
    assert body["review_every"] == desk.growth.default_review_every


def test_agreement_create_outside_scope_names_the_engagement(cast, desk):
    with assert_no_audit():
        response = request_as(
            desk.bob, AGREEMENTS, method="post", data=agreement_data(desk), api=True
        )
    body = assert_json_error(response, 400)  # an engagement bob cannot change looks unknown
    assert "engagement" in body["errors"]


def test_agreement_create_names_missing_mentoring_fields(cast, desk):
    accepted(desk, cast)
    with assert_no_audit():
        response = request_as(
            cast.alice,
            AGREEMENTS,
            method="post",
            data=agreement_data(desk, type="mentoring"),
            api=True,
        )
    body = assert_json_error(response, 400)
    assert {"mentoring_goals", "meeting_frequency", "code_of_ethics"} <= set(body["errors"])


def test_agreement_update(cast, desk):
    url = f"{AGREEMENTS}{desk.agreement.pk}/"
    check_access(
        cast,
        url,
        method="patch",
        data={"confidentiality": "Between us."},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Agreement, "update")],
    )
    desk.agreement.refresh_from_db()
    assert desk.agreement.confidentiality == "Between us."


def test_an_accepted_agreement_cannot_be_changed_through_the_api(cast, desk):
    accepted(desk, cast)
    with assert_no_audit():
        response = request_as(
            cast.alice,
            f"{AGREEMENTS}{desk.agreement.pk}/",
            method="patch",
            data={"confidentiality": "x", "status": "draft"},
            api=True,
        )
    assert_json_error(response, 400)


def test_offer_accept_and_new_version_through_the_api(cast, desk):
    base = f"{AGREEMENTS}{desk.agreement.pk}"
    body = check_access(
        cast,
        f"{base}/offer/",
        method="post",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Agreement, "update")],
    ).json()
    assert body["status"] == "offered"
    desk.alice_engagement.status = Engagement.Status.AGREEMENT_PENDING
    desk.alice_engagement.save()
    body = check_access(
        cast,
        f"{base}/accept/",
        method="post",
        data={"accepted_by_name": "Ann Acme", "via": "phone"},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Agreement, "update"), (Engagement, "update"), (EngagementTransition, "create")],
    ).json()
    assert body["status"] == "accepted" and body["accepted_via"] == "phone"
    with assert_no_audit():
        response = request_as(
            cast.alice, f"{base}/accept/", method="post", data={"via": "link"}, api=True
        )
    assert {"accepted_by_name", "via"} <= set(assert_json_error(response, 400)["errors"])
    body = check_access(
        cast,
        f"{base}/new-version/",
        method="post",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=201,
        audited=[(Agreement, "create")],
    ).json()
    assert body["version"] == 2 and body["status"] == "draft"


# Interactions ----------------------------------------------------------------------------------


def test_interaction_list_and_filters(cast, desk):
    other = InteractionFactory(engagement=desk.mary_engagement, summary="Ovens and flour.")
    response = check_access(
        cast, INTERACTIONS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [row["id"] for row in results(response)] == [desk.contact.pk]
    url = f"{INTERACTIONS}?engagement={desk.mary_engagement.pk}"
    assert [row["id"] for row in results(request_as(cast.mary, url, api=True))] == [other.pk]
    found = results(request_as(cast.mary, f"{INTERACTIONS}?search=flour", api=True))
    assert [row["id"] for row in found] == [other.pk]


def test_interaction_detail_never_shows_the_confidential_note(cast, desk):
    interaction_services.confidential_note_save(
        interaction=desk.contact, acting_user=cast.alice, text="Secret worries."
    )
    url = f"{INTERACTIONS}{desk.contact.pk}/"
    response = check_access(
        cast, url, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert "Secret worries." not in response.content.decode()
    assert "confidential" not in " ".join(response.json())


def test_interaction_create_flags_advice_in_mentoring(cast, desk):
    desk.agreement.type = Agreement.Type.MENTORING
    desk.agreement.mentoring_goals = "Confidence."
    desk.agreement.meeting_frequency = "Monthly"
    desk.agreement.code_of_ethics = "Ours."
    desk.agreement.save()
    due = timezone.localdate().isoformat()
    response = check_access(
        cast,
        INTERACTIONS,
        method="post",
        data=interaction_data(desk, staff=[cast.alice.pk]),
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Interaction, "create")],
    )
    body = response.json()
    assert body["advice_in_mentoring"] is True and body["staff"] == [cast.alice.pk]
    assert due  # follow-ups are added on the page; the API reads them
    assert not ConfidentialNote.objects.exists() and not FollowUp.objects.exists()


def test_interaction_create_names_the_bad_field(cast, desk):
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    with assert_no_audit():
        response = request_as(
            cast.alice,
            INTERACTIONS,
            method="post",
            data=interaction_data(desk, occurred_at=future, mode="carrier pigeon"),
            api=True,
        )
    body = assert_json_error(response, 400)
    assert "mode" in body["errors"]
    with assert_no_audit():
        response = request_as(
            cast.alice,
            INTERACTIONS,
            method="post",
            data=interaction_data(desk, occurred_at=future),
            api=True,
        )
    assert "occurred_at" in assert_json_error(response, 400)["errors"]


def test_interaction_update(cast, desk):
    url = f"{INTERACTIONS}{desk.contact.pk}/"
    check_access(
        cast,
        url,
        method="patch",
        data={"summary": "Corrected."},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Interaction, "update")],
    )
    desk.contact.refresh_from_db()
    assert desk.contact.summary == "Corrected."
