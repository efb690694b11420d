"""Agreements: versioning, acceptance (by the adviser and through the client's signed link),
the engagement starting on acceptance, and every page's access rules (001 E5.07 3.1; 004 a, d)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.delivery.factories import AgreementFactory
from tests.permissions import assert_audited, assert_no_audit, check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import (
    Agreement,
    Engagement,
    EngagementTransition,
    ReviewDepth,
    ReviewUnit,
)
from waypoint.delivery.services import agreements as services
from waypoint.delivery.signing import LinkExpired, LinkInvalid, agreement_token, read_token

pytestmark = pytest.mark.django_db

TERMS = {
    "type": Agreement.Type.ADVICE,
    "adviser_responsibilities": "Meet every four weeks and follow up in writing.",
    "client_responsibilities": "Carry out the agreed actions.",
}


def form_data(**overrides):
    data = {
        **TERMS,
        "review_every": "4",
        "review_unit": ReviewUnit.WEEKS,
        "review_depth": ReviewDepth.STANDARD,
    }
    data.update(overrides)
    return data


def accept(agreement, user, name="Ann Acme", via=Agreement.AcceptedVia.IN_PERSON):
    return services.agreement_accept(
        agreement=agreement, accepted_by_name=name, via=via, acting_user=user
    )


# Services --------------------------------------------------------------------------------------


def test_a_draft_takes_the_next_version_and_the_programme_review_defaults(cast, desk):
    desk.growth.default_review_every = 2
    desk.growth.default_review_unit = ReviewUnit.MONTHS
    desk.growth.default_review_depth = ReviewDepth.IN_DEPTH
    desk.growth.save()
    accept(desk.agreement, cast.alice)
    draft = services.agreement_draft(
        engagement=desk.alice_engagement, acting_user=cast.alice, **TERMS
    )
    assert draft.version == 2  # desk.agreement is version 1
    assert draft.status == Agreement.Status.DRAFT
    assert (draft.review_every, draft.review_unit, draft.review_depth) == (2, "months", "in_depth")
    assert draft.review_frequency_text == "every 2 months"
    assert DomainEvent.objects.filter(verb="agreement.drafted", object_id=str(draft.pk)).exists()


def test_a_closed_engagement_takes_no_new_agreement(cast, desk):
    desk.alice_engagement.status = Engagement.Status.CLOSED
    desk.alice_engagement.end_reason = Engagement.EndReason.COMPLETED
    desk.alice_engagement.save()
    with pytest.raises(ValidationError, match="closed"):
        services.agreement_draft(engagement=desk.alice_engagement, acting_user=cast.alice, **TERMS)


def test_one_version_at_a_time_is_open(cast, desk):
    with pytest.raises(ValidationError, match="Version 1 is not accepted yet"):
        services.agreement_draft(engagement=desk.alice_engagement, acting_user=cast.alice, **TERMS)


def test_mentoring_agreements_need_goals_frequency_and_code_of_ethics(cast, desk):
    accept(desk.agreement, cast.alice)
    with pytest.raises(ValidationError) as error:
        services.agreement_draft(
            engagement=desk.alice_engagement,
            acting_user=cast.alice,
            **{**TERMS, "type": Agreement.Type.MENTORING},
        )
    assert {"mentoring_goals", "meeting_frequency", "code_of_ethics"} <= set(
        error.value.message_dict
    )


def test_only_people_who_may_change_the_engagement_draft(cast, desk):
    with pytest.raises(PermissionDenied):
        services.agreement_draft(engagement=desk.alice_engagement, acting_user=cast.carl, **TERMS)


def test_accepted_versions_are_never_changed(cast, desk):
    agreement = accept(desk.agreement, cast.alice)
    with pytest.raises(ValidationError):
        services.agreement_update(agreement=agreement, acting_user=cast.alice, confidentiality="x")
    with pytest.raises(ValidationError):
        services.agreement_offer(agreement=agreement, acting_user=cast.alice)
    with pytest.raises(ValidationError):
        accept(agreement, cast.alice)


def test_a_new_version_copies_the_terms_and_supersedes_on_acceptance(cast, desk):
    first = accept(desk.agreement, cast.alice)
    second = services.agreement_new_version(agreement=first, acting_user=cast.alice)
    assert second.version == 2 and second.status == Agreement.Status.DRAFT
    assert second.adviser_responsibilities == first.adviser_responsibilities
    with pytest.raises(ValidationError):  # one open version at a time
        services.agreement_new_version(agreement=first, acting_user=cast.alice)
    services.agreement_offer(agreement=second, acting_user=cast.alice)
    accept(second, cast.alice, via=Agreement.AcceptedVia.PHONE)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Agreement.Status.SUPERSEDED
    assert second.status == Agreement.Status.ACCEPTED
    assert second.accepted_via == Agreement.AcceptedVia.PHONE and second.accepted_at


def test_acceptance_moves_a_pending_engagement_to_active(cast, desk):
    engagement = desk.alice_engagement
    engagement.status = Engagement.Status.AGREEMENT_PENDING
    engagement.save()
    accept(desk.agreement, cast.alice)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE
    transition = EngagementTransition.objects.get(engagement=engagement)
    assert (transition.from_status, transition.to_status) == ("agreement_pending", "active")
    assert transition.reason == "Agreement v1 accepted"
    assert transition.by == cast.alice


def test_acceptance_without_an_adviser_is_only_through_the_link(cast, desk):
    with pytest.raises(PermissionDenied):
        services.agreement_accept(
            agreement=desk.agreement, accepted_by_name="Ann", via=Agreement.AcceptedVia.PHONE
        )


def test_acceptance_needs_a_name(cast, desk):
    with pytest.raises(ValidationError) as error:
        accept(desk.agreement, cast.alice, name="  ")
    assert "accepted_by_name" in error.value.message_dict


# Pages -----------------------------------------------------------------------------------------


def test_create_page(cast, desk):
    accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-create", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    for legend in ("Roles and responsibilities", "Limits", "Reviewing progress", "Mentoring"):
        assert f">{legend}</legend>" in body


def test_create_page_sends_to_the_open_version(cast, desk):
    url = reverse("delivery:agreement-create", args=[desk.alice_engagement.pk])
    response = request_as(cast.alice, url)
    assert response.status_code == 302
    assert response["Location"] == desk.agreement.get_absolute_url()


def test_create_drafts_the_next_version(cast, desk):
    accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-create", args=[desk.alice_engagement.pk])
    check_access(
        cast,
        url,
        method="post",
        data=form_data(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Agreement, "create")],
    )
    assert desk.alice_engagement.agreements.filter(version=2).exists()


def test_create_names_the_missing_mentoring_fields(cast, desk):
    accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-create", args=[desk.alice_engagement.pk])
    with assert_no_audit():
        response = request_as(
            cast.alice, url, method="post", data=form_data(type=Agreement.Type.MENTORING)
        )
    assert response.status_code == 200
    assert "A mentoring agreement records the code of ethics" in response.content.decode()


def test_detail_page(cast, desk):
    url = reverse("delivery:agreement-detail", args=[desk.agreement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "every 4 weeks" in body and "Versions" in body
    assert "Copy client link" not in body  # a draft is not offered yet
    # Contract managers read it, without actions.
    carl_page = request_as(cast.carl, url).content.decode()
    assert "every 4 weeks" in carl_page and "Offer to the client" not in carl_page


def test_edit_changes_a_draft(cast, desk):
    url = reverse("delivery:agreement-edit", args=[desk.agreement.pk])
    check_access(
        cast,
        url,
        method="post",
        data=form_data(confidentiality="Nothing leaves the room."),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Agreement, "update")],
    )
    desk.agreement.refresh_from_db()
    assert desk.agreement.confidentiality == "Nothing leaves the room."


def test_edit_refuses_an_accepted_version(cast, desk):
    agreement = accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-edit", args=[agreement.pk])
    response = request_as(cast.alice, url)
    assert response.status_code == 302
    with assert_no_audit():
        response = request_as(cast.alice, url, method="post", data=form_data(confidentiality="x"))
    assert "cannot be changed" in response.content.decode()


def test_offer_shows_the_client_link(cast, desk):
    url = reverse("delivery:agreement-offer", args=[desk.agreement.pk])
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Agreement, "update")],
    )
    page = request_as(cast.alice, desk.agreement.get_absolute_url()).content.decode()
    assert "Copy client link" in page and "/delivery/agreement/" in page


def test_record_acceptance_in_person(cast, desk):
    url = reverse("delivery:agreement-accept", args=[desk.agreement.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={"accepted_by_name": "Ann Acme", "via": Agreement.AcceptedVia.IN_PERSON},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Agreement, "update")],
    )
    desk.agreement.refresh_from_db()
    assert desk.agreement.status == Agreement.Status.ACCEPTED
    assert desk.agreement.accepted_by_name == "Ann Acme"


def test_record_acceptance_starts_a_pending_engagement(cast, desk):
    desk.alice_engagement.status = Engagement.Status.AGREEMENT_PENDING
    desk.alice_engagement.save()
    url = reverse("delivery:agreement-accept", args=[desk.agreement.pk])
    with assert_audited(
        [(Agreement, "update"), (Engagement, "update"), (EngagementTransition, "create")]
    ):
        response = request_as(
            cast.alice,
            url,
            method="post",
            data={"accepted_by_name": "Ann Acme", "via": Agreement.AcceptedVia.EMAIL},
        )
    assert response.status_code == 302
    desk.alice_engagement.refresh_from_db()
    assert desk.alice_engagement.status == Engagement.Status.ACTIVE


def test_new_version_page(cast, desk):
    agreement = accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-new-version", args=[agreement.pk])
    response = check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Agreement, "create")],
    )
    draft = desk.alice_engagement.agreements.get(version=2)
    assert response["Location"] == draft.get_absolute_url()


def test_print_page_has_every_section_and_the_acceptance(cast, desk):
    agreement = accept(desk.agreement, cast.alice)
    url = reverse("delivery:agreement-print", args=[agreement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert 'lang="en-GB"' in body and "<main" in body and "delivery/agreement.css" in body
    assert "Accepted by <strong>Ann Acme</strong>" in body and "Signatures" in body
    assert "navbar" not in body


# The client's signed link ----------------------------------------------------------------------


def signed_url(agreement):
    return reverse("delivery:agreement-signed", args=[agreement_token(agreement)])


def offered(desk, cast):
    return services.agreement_offer(agreement=desk.agreement, acting_user=cast.alice)


def test_the_token_names_the_agreement_and_version(cast, desk):
    link = read_token(agreement_token(desk.agreement))
    assert (link.agreement_id, link.version) == (desk.agreement.pk, 1)
    with pytest.raises(LinkInvalid):
        read_token(agreement_token(desk.agreement) + "x")


def test_the_client_reads_the_agreement_in_plain_language_without_an_account(cast, desk):
    agreement = offered(desk, cast)
    with assert_no_audit():
        response = Client().get(signed_url(agreement))
    assert response.status_code == 200
    body = response.content.decode()
    assert "every 4 weeks" in body
    assert escape(agreement.review_depth_covers) in body
    assert "I accept this agreement" in body and "navbar" not in body


def test_the_client_accepts_through_the_link(cast, desk):
    agreement = offered(desk, cast)
    desk.alice_engagement.status = Engagement.Status.AGREEMENT_PENDING
    desk.alice_engagement.save()
    with assert_audited(
        [(Agreement, "update"), (Engagement, "update"), (EngagementTransition, "create")]
    ):
        response = Client().post(
            signed_url(agreement), {"accepted_by_name": "Ann Acme", "confirm": "on"}
        )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACCEPTED
    assert agreement.accepted_via == Agreement.AcceptedVia.LINK
    event = DomainEvent.objects.get(verb="agreement.accepted")
    assert event.data["accepted_by_name"] == "Ann Acme" and event.data["via"] == "link"


def test_the_client_must_tick_and_give_a_name(cast, desk):
    agreement = offered(desk, cast)
    with assert_no_audit():
        response = Client().post(signed_url(agreement), {"accepted_by_name": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "Tick the box to accept" in body
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OFFERED


def test_an_expired_link_answers_410(cast, desk, settings):
    agreement = offered(desk, cast)
    fifteen_days_ago = time.time() - 15 * 86400
    with mock.patch.object(signing.time, "time", return_value=fifteen_days_ago):
        token = agreement_token(agreement)
    with pytest.raises(LinkExpired):
        read_token(token)
    url = reverse("delivery:agreement-signed", args=[token])
    response = Client().get(url)
    assert response.status_code == 410
    body = response.content.decode()
    assert "expired" in body and "Acme" not in body
    settings.WAYPOINT_AGREEMENT_LINK_DAYS = 30  # the lifetime is a setting
    assert Client().get(url).status_code == 200


def test_a_tampered_link_answers_404_and_reveals_nothing(cast, desk):
    agreement = offered(desk, cast)
    other = AgreementFactory(engagement=desk.mary_engagement)
    token = agreement_token(agreement).replace(f"{agreement.pk}.1.", f"{other.pk}.1.", 1)
    response = Client().get(reverse("delivery:agreement-signed", args=[token]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "does not work" in body and "Zenith" not in body and "Acme" not in body
    assert Client().get("/delivery/agreement/nonsense/").status_code == 404


def test_a_link_sent_before_the_terms_changed_answers_410(cast, desk):
    agreement = offered(desk, cast)
    url = signed_url(agreement)
    services.agreement_update(agreement=agreement, acting_user=cast.alice, confidentiality="New.")
    response = Client().get(url)
    assert response.status_code == 410 and "has changed" in response.content.decode()
    assert Client().get(signed_url(agreement)).status_code == 200  # the new link works


def test_a_superseded_link_answers_410(cast, desk):
    first = accept(desk.agreement, cast.alice)
    old_url = signed_url(first)
    second = services.agreement_new_version(agreement=first, acting_user=cast.alice)
    response = Client().get(old_url)  # still the agreement in force while v2 is a draft
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    accept(second, cast.alice)
    response = Client().get(old_url)
    assert response.status_code == 410
    assert "replaced" in response.content.decode()
    with assert_no_audit():
        Client().post(old_url, {"accepted_by_name": "Ann", "confirm": "on"})
