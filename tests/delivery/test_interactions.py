"""The contact log: recording contacts, the advice-in-mentoring flag (004 g), follow-ups,
attachments through the policy, and confidential notes (author and shared roles only; opening
one is audited; contract managers never see it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.clients.factories import ClientFactory
from tests.delivery.factories import AgreementFactory
from tests.permissions import assert_audited, assert_no_audit, check_access, request_as
from waypoint.clients.models import Person
from waypoint.core.models import DomainEvent
from waypoint.delivery.models import (
    Agreement,
    Attachment,
    ConfidentialNote,
    FollowUp,
    Interaction,
)
from waypoint.delivery.services import interactions as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def record(desk, user, **overrides):
    fields = {
        "engagement": desk.alice_engagement,
        "acting_user": user,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "mode": Interaction.Mode.PHONE,
        "place": Interaction.Place.ONLINE,
        "duration_minutes": 30,
        "support_type": Interaction.SupportType.ADVICE,
        "summary": "Went through the pricing of the new range.",
    }
    fields.update(overrides)
    return services.interaction_record(**fields)


def mentoring(desk, status=Agreement.Status.ACCEPTED):
    desk.agreement.status = Agreement.Status.SUPERSEDED
    desk.agreement.save()
    return AgreementFactory(
        engagement=desk.alice_engagement,
        version=2,
        type=Agreement.Type.MENTORING,
        status=status,
        mentoring_goals="Grow in confidence as an employer.",
        meeting_frequency="Monthly",
        code_of_ethics="The scheme's code.",
        accepted_at=timezone.now() if status == Agreement.Status.ACCEPTED else None,
        accepted_via="in_person" if status == Agreement.Status.ACCEPTED else "",
    )


class RewindingUpload(SimpleUploadedFile):
    """An upload that can be posted several times (check_access posts it four times)."""

    def read(self, *args):
        if not args:
            self.seek(0)
        return super().read(*args)


def add_person(client, first="Ann"):
    return Person.objects.create(
        organisation=client.organisation, client=client, first_name=first, last_name="Person"
    )


def form_data(**overrides):
    data = {
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "mode": Interaction.Mode.FACE_TO_FACE,
        "place": Interaction.Place.CLIENT_PREMISES,
        "place_detail": "",
        "duration_minutes": "45",
        "others_present": "",
        "consulting_mode": Interaction.ConsultingMode.CATALYTIC,
        "support_type": Interaction.SupportType.MENTORING,
        "summary": "Talked about hiring the first employee.",
    }
    data.update(overrides)
    return data


# Services --------------------------------------------------------------------------------------


def test_advice_on_a_mentoring_engagement_is_flagged_and_recorded(cast, desk):
    mentoring(desk)
    contact = record(desk, cast.alice)
    assert contact.advice_in_mentoring
    assert DomainEvent.objects.filter(
        verb="interaction.advice_in_mentoring", object_id=str(contact.pk)
    ).exists()
    plain = record(desk, cast.alice, support_type=Interaction.SupportType.MENTORING)
    assert not plain.advice_in_mentoring


def test_the_current_agreement_is_the_latest_accepted_else_the_latest(cast, desk):
    assert not record(desk, cast.alice).advice_in_mentoring  # v1 is advice
    mentoring(desk, status=Agreement.Status.DRAFT)  # only a draft: still the latest
    assert record(desk, cast.alice).advice_in_mentoring


def test_changing_a_contact_to_advice_raises_the_flag(cast, desk):
    mentoring(desk)
    contact = record(desk, cast.alice, support_type=Interaction.SupportType.MENTORING)
    services.interaction_update(
        interaction=contact, acting_user=cast.alice, support_type=Interaction.SupportType.ADVICE
    )
    contact.refresh_from_db()
    assert contact.advice_in_mentoring


def test_participants_must_belong_to_the_client(cast, desk):
    own = add_person(desk.acme)
    stranger = add_person(desk.zenith, "Zed")
    with pytest.raises(ValidationError) as error:
        record(desk, cast.alice, client_people=[own, stranger])
    assert "client_people" in error.value.message_dict
    contact = record(desk, cast.alice, client_people=[own], staff=[cast.alice])
    assert list(contact.client_people.all()) == [own]
    with pytest.raises(ValidationError) as error:
        record(desk, cast.alice, staff=[cast.pat])
    assert "staff" in error.value.message_dict


def test_a_contact_cannot_be_in_the_future(cast, desk):
    with pytest.raises(ValidationError) as error:
        record(desk, cast.alice, occurred_at=timezone.now() + dt.timedelta(days=1))
    assert "occurred_at" in error.value.message_dict


def test_follow_ups_and_the_confidential_note_are_recorded_with_the_contact(cast, desk):
    due = timezone.localdate() + dt.timedelta(days=7)
    contact = record(
        desk,
        cast.alice,
        follow_ups=[{"description": "Send the pricing template", "due_on": due}],
        confidential_note="Owner under strain.",
        shared_with_roles=["service_manager"],
    )
    follow_up = contact.follow_ups.get()
    assert follow_up.due_on == due
    services.follow_up_complete(follow_up=follow_up, acting_user=cast.alice)
    follow_up.refresh_from_db()
    assert follow_up.done_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.follow_up_complete(follow_up=follow_up, acting_user=cast.alice)
    note = contact.confidential_note
    assert note.author == cast.alice and note.shared_roles == ["service_manager"]


def test_confidential_notes_cannot_be_shared_with_commissioners(cast, desk):
    with pytest.raises(ValidationError):
        record(desk, cast.alice, confidential_note="x", shared_with_roles=["contract_manager"])


def test_only_the_author_changes_a_confidential_note(cast, desk):
    note = services.confidential_note_save(
        interaction=desk.contact, acting_user=cast.alice, text="First thoughts."
    )
    with pytest.raises(PermissionDenied):
        services.confidential_note_save(
            interaction=desk.contact, acting_user=cast.mary, text="Overwritten."
        )
    services.confidential_note_save(
        interaction=desk.contact, acting_user=cast.alice, text="Second thoughts."
    )
    note.refresh_from_db()
    assert note.text == "Second thoughts."


def test_attachments_are_limited_in_size_and_kind(cast, desk, monkeypatch):
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    attachment = services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=pdf)
    assert attachment.name == "plan.pdf"
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="PDF, image, office document or text"):
        services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=script)
    liar = SimpleUploadedFile("photo.png", b"%PDF", content_type="application/pdf")
    with pytest.raises(ValidationError, match="does not match"):
        services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=liar)
    fake = SimpleUploadedFile("plan.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match=r"not a \.pdf file"):
        services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=fake)
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 4)
    big = SimpleUploadedFile("notes.txt", b"too long", content_type="text/plain")
    with pytest.raises(ValidationError, match="at most 10 MB"):
        services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=big)


# Pages -----------------------------------------------------------------------------------------


def test_log_a_contact_page(cast, desk):
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Consulting mode" in body and "Confidential note" in body


def test_log_a_contact(cast, desk):
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    data = form_data(follow_up="Send the template", follow_up_due_on=due, staff=[cast.alice.pk])
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Interaction, "create"), (FollowUp, "create")],
    )
    contact = desk.alice_engagement.interactions.get(summary__startswith="Talked about hiring")
    assert contact.recorded_by == cast.alice and contact.follow_ups.count() == 1
    assert list(contact.staff.all()) == [cast.alice]


def test_log_a_contact_names_the_bad_field(cast, desk):
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    with assert_no_audit():
        response = request_as(cast.alice, url, method="post", data=form_data(occurred_at=future))
    assert response.status_code == 200
    assert "A contact cannot be in the future" in response.content.decode()


def test_contact_page_shows_the_flag_and_hides_the_note_from_others(cast, desk):
    mentoring(desk)
    contact = record(desk, cast.alice, confidential_note="Private.")
    url = reverse("delivery:interaction-detail", args=[contact.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Advice given on a mentoring engagement" in body
    assert "Open the confidential note" in body and "Private." not in body  # not opened yet
    for other in (cast.mary, cast.carl):
        page = request_as(other, url).content.decode()
        assert "Open the confidential note" not in page and "Private." not in page


def test_edit_a_contact(cast, desk):
    url = reverse("delivery:interaction-edit", args=[desk.contact.pk])
    check_access(
        cast,
        url,
        method="post",
        data=form_data(summary="Corrected summary."),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Interaction, "update")],
    )
    desk.contact.refresh_from_db()
    assert desk.contact.summary == "Corrected summary."


def test_complete_a_follow_up(cast, desk):
    follow_up = services.follow_up_add(
        interaction=desk.contact,
        acting_user=cast.alice,
        description="Call the bank",
        due_on=timezone.localdate(),
    )
    url = reverse("delivery:follow-up-complete", args=[follow_up.pk])
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(FollowUp, "update")],
    )
    follow_up.refresh_from_db()
    assert follow_up.done_on == timezone.localdate()


def test_add_a_follow_up(cast, desk):
    url = reverse("delivery:interaction-follow-up-add", args=[desk.contact.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"description": "Book the workshop", "due_on": timezone.localdate().isoformat()},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(FollowUp, "create")],
    )


def test_attach_a_file(cast, desk):
    url = reverse("delivery:interaction-attachment-add", args=[desk.contact.pk])
    upload = RewindingUpload("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    check_access(
        cast,
        url,
        method="post",
        data={"file": upload, "name": "Business plan"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Attachment, "create")],
    )
    assert desk.contact.attachments.get().name == "Business plan"


def test_attach_refuses_other_kinds_with_a_clear_message(cast, desk):
    url = reverse("delivery:interaction-attachment-add", args=[desk.contact.pk])
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")
    with assert_no_audit():
        response = request_as(cast.alice, url, method="post", data={"file": upload})
    assert response.status_code == 200
    assert "Attach a PDF, image, office document or text" in response.content.decode()


def test_attachments_are_downloaded_through_the_policy(cast, desk):
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    attachment = services.attachment_add(interaction=desk.contact, acting_user=cast.alice, file=pdf)
    url = reverse("delivery:attachment-download", args=[attachment.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'


def test_opening_a_confidential_note_is_audited(cast, desk):
    note = services.confidential_note_save(
        interaction=desk.contact, acting_user=cast.alice, text="Worried about cash."
    )
    url = reverse("delivery:interaction-note", args=[desk.contact.pk])
    # Contract managers never see it (404, nothing revealed), nor colleagues it is not shared with.
    response = check_access(
        cast,
        url,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.carl,
        audited=[(ConfidentialNote, "access")],
    )
    assert "Worried about cash." in response.content.decode()
    with assert_no_audit():
        assert request_as(cast.mary, url).status_code == 404
    note.shared_roles = ["service_manager"]
    note.save()
    with assert_audited([(ConfidentialNote, "access")]):
        assert request_as(cast.mary, url).status_code == 200


def test_write_a_confidential_note(cast, desk):
    url = reverse("delivery:interaction-note-edit", args=[desk.contact.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"text": "Keep this between us.", "shared_with_roles": ["service_manager"]},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ConfidentialNote, "create")],
    )
    # A manager who may change the contact still cannot change someone else's note.
    with assert_no_audit():
        response = request_as(cast.mary, url, method="post", data={"text": "Overwritten."})
    assert response.status_code == 403


def test_engagement_contact_list_partial_shows_the_flag(cast, desk, rf):
    from django.template.loader import render_to_string

    mentoring(desk)
    record(desk, cast.alice)
    request = rf.get("/")
    request.user = cast.alice
    html = render_to_string(
        "delivery/_engagement_contacts.html",
        {"engagement": desk.alice_engagement, "user": cast.alice},
        request=request,
    )
    assert "Contact log" in html and "Log a contact" in html
    assert "Advice given on a mentoring engagement" in html
    html = render_to_string(
        "delivery/_engagement_agreements.html",
        {"engagement": desk.alice_engagement, "user": cast.carl},
        request=request,
    )
    assert "Version 2" in html and "Add an agreement" not in html


def test_participants_from_another_client_are_not_offered(cast, desk):
    add_person(ClientFactory(organisation=cast.hub, name="Other Ltd"), "Olga")
    add_person(desk.acme, "Ann")
    url = reverse("delivery:interaction-create", args=[desk.alice_engagement.pk])
    body = request_as(cast.alice, url).content.decode()
    assert "Ann Person" in body and "Olga" not in body
