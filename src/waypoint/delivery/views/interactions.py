"""Pages for the contact log: log a contact, read it, correct it, follow-ups, attachments
(downloaded through a policy check, never straight from media) and the confidential note
(opening it is audited)."""

from __future__ import annotations

import os
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views import View

from waypoint.core.audit import record_access
from waypoint.core.periods import local_date
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.extensions import contact_warnings
from waypoint.delivery.forms_records import (
    AttachmentForm,
    ConfidentialNoteForm,
    FollowUpForm,
    InteractionCreateForm,
    InteractionForm,
)
from waypoint.delivery.models import (
    Agreement,
    Attachment,
    ConfidentialNote,
    Engagement,
    FollowUp,
    Interaction,
)
from waypoint.delivery.services import interactions as services
from waypoint.delivery.views.agreements import engagement_url


class InteractionViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _interaction(request: HttpRequest, pk: int, action: str = "view") -> Interaction:
    interaction: Interaction = get_object_for(request.user, Interaction, action, pk=pk)
    return interaction


def _form_page(
    request: HttpRequest, form: Any, *, title: str, cancel_url: str, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "delivery/interaction_form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, "intro": intro},
    )


WARNINGS_SEEN = "warnings_seen"


def _unconfirmed_warnings(
    request: HttpRequest, form: Any, engagement: Engagement, data: dict[str, Any]
) -> list[str]:
    """Warnings from the modules above delivery (a subsidy limit...) that the person has not
    yet confirmed seeing: shown above the form with a checkbox to tick; the contact is saved
    once it is ticked."""
    on = local_date(data["occurred_at"], engagement.organisation.time_zone)
    warnings = contact_warnings(engagement, data["duration_minutes"], on)
    if not warnings or request.POST.get(WARNINGS_SEEN) == "on":
        return []
    form.fields[WARNINGS_SEEN] = forms.BooleanField(
        label="I have seen the subsidy warning", required=False
    )
    form.add_error(WARNINGS_SEEN, "Read the warning above, then tick this to save the contact.")
    for warning in warnings:
        messages.warning(request, warning)
    return warnings


class InteractionCreateView(PolicyViewMixin, View):
    """Log a contact on an engagement (004 n)."""

    policy_model = Engagement

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _form_page(
            request,
            form,
            title=f"Log a contact with {engagement.client}",
            cancel_url=engagement_url(engagement),
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        agreement = services.current_agreement(engagement)
        mentoring = agreement is not None and agreement.type == Agreement.Type.MENTORING
        form = InteractionCreateForm(
            engagement=engagement,
            initial={
                "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                "staff": [request.user.pk],
                "support_type": Interaction.SupportType.MENTORING
                if mentoring
                else Interaction.SupportType.ADVICE,
            },
        )
        return self._render(request, engagement, form)

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = InteractionCreateForm(request.POST, engagement=engagement)
        if form.is_valid() and not _unconfirmed_warnings(
            request, form, engagement, form.cleaned_data
        ):
            data = form.cleaned_data
            follow_ups = (
                [{"description": data["follow_up"], "due_on": data["follow_up_due_on"]}]
                if data.get("follow_up")
                else []
            )
            try:
                interaction = services.interaction_record(
                    engagement=engagement,
                    acting_user=request.user,
                    occurred_at=data["occurred_at"],
                    mode=data["mode"],
                    place=data["place"],
                    place_detail=data["place_detail"],
                    duration_minutes=data["duration_minutes"],
                    consulting_mode=data["consulting_mode"],
                    support_type=data["support_type"],
                    summary=data["summary"],
                    staff=data["staff"],
                    client_people=data["client_people"],
                    others_present=data["others_present"],
                    follow_ups=follow_ups,
                    confidential_note=data["confidential_note"] or None,
                    shared_with_roles=data["shared_with_roles"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Contact logged.")
                if interaction.advice_in_mentoring:
                    messages.warning(
                        request,
                        "This engagement is mentoring and the contact was advice: "
                        "check that this was the right thing to do (004 g).",
                    )
                return redirect(interaction)
        return self._render(request, engagement, form)


class InteractionDetailView(InteractionViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk)
        user = request.user
        policy = policy_for(Interaction)
        note = ConfidentialNote.objects.filter(interaction=interaction).only(
            "pk", "author_id", "interaction_id", "organisation_id", "shared_with"
        )
        visible_note = policy_for(ConfidentialNote).restrict(note, user, "view").first()
        can_change = policy.allows(user, "change", interaction)
        return render(
            request,
            "delivery/interaction_detail.html",
            {
                "interaction": interaction,
                "engagement": interaction.engagement,
                "engagement_url": engagement_url(interaction.engagement),
                "staff": interaction.staff.all(),
                "client_people": interaction.client_people.all(),
                "follow_ups": interaction.follow_ups.select_related("owner"),
                "attachments": interaction.attachments.all(),
                "can_change": can_change,
                "can_audit": policy.allows(user, "audit", interaction),
                "visible_note": visible_note,
                "has_note": note.exists(),
                "can_write_note": can_change and not note.exists(),
                "can_edit_note": visible_note is not None and visible_note.author_id == user.pk,
            },
        )


class InteractionEditView(InteractionViewMixin, View):
    def _render(self, request: HttpRequest, interaction: Interaction, form: Any) -> HttpResponse:
        return _form_page(
            request,
            form,
            title=f"Edit contact: {interaction}",
            cancel_url=interaction.get_absolute_url(),
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        form = InteractionForm(instance=interaction, engagement=interaction.engagement)
        return self._render(request, interaction, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        form = InteractionForm(
            request.POST, instance=interaction, engagement=interaction.engagement
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            staff, people = data.pop("staff"), data.pop("client_people")
            try:
                services.interaction_update(
                    interaction=interaction,
                    acting_user=request.user,
                    staff=staff,
                    client_people=people,
                    **data,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Contact saved.")
                return redirect(interaction)
        return self._render(request, interaction, form)


class FollowUpAddView(InteractionViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        return _form_page(
            request,
            FollowUpForm(),
            title="Add a follow-up",
            cancel_url=interaction.get_absolute_url(),
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.follow_up_add(
                    interaction=interaction, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Follow-up added.")
                return redirect(interaction)
        return _form_page(
            request, form, title="Add a follow-up", cancel_url=interaction.get_absolute_url()
        )


class FollowUpCompleteView(PolicyViewMixin, View):
    policy_model = Engagement

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        follow_up: FollowUp = get_object_for(request.user, FollowUp, "change", pk=pk)
        try:
            services.follow_up_complete(follow_up=follow_up, acting_user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Follow-up done: {follow_up}.")
        return redirect(follow_up.interaction)


class AttachmentAddView(InteractionViewMixin, View):
    def _render(self, request: HttpRequest, interaction: Interaction, form: Any) -> HttpResponse:
        return render(
            request,
            "delivery/interaction_attachment_form.html",
            {"form": form, "interaction": interaction},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        return self._render(request, interaction, AttachmentForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = _interaction(request, pk, "change")
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(
                    interaction=interaction,
                    acting_user=request.user,
                    file=form.cleaned_data["file"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "File attached.")
                return redirect(interaction)
        return self._render(request, interaction, form)


class AttachmentDownloadView(PolicyViewMixin, View):
    """Files are served only through this policy check, never from the media folder."""

    policy_model = Engagement

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        attachment: Attachment = get_object_for(request.user, Attachment, "view", pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file is missing from storage.") from None
        stored = os.path.basename(attachment.file.name)
        extension = os.path.splitext(stored)[1]
        filename = attachment.name
        if extension and not filename.lower().endswith(extension.lower()):
            filename += extension
        return FileResponse(handle, as_attachment=True, filename=filename)


class ConfidentialNoteView(InteractionViewMixin, View):
    """Open a contact's confidential note: its author and the roles it is shared with only;
    every opening is recorded in the audit log (DESIGN.md; 004 k)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        note: ConfidentialNote = get_object_for(
            request.user, ConfidentialNote, "view", interaction_id=pk
        )
        record_access(note)
        return render(
            request,
            "delivery/interaction_note.html",
            {
                "note": note,
                "interaction": note.interaction,
                "can_edit": note.author_id == request.user.pk,
            },
        )


class ConfidentialNoteEditView(InteractionViewMixin, View):
    """Write the note (anyone who may change the contact) or change it (its author only)."""

    def _note(self, request: HttpRequest, pk: int) -> tuple[Interaction, ConfidentialNote | None]:
        interaction = _interaction(request, pk, "change")
        if not ConfidentialNote.objects.filter(interaction=interaction).exists():
            return interaction, None
        note: ConfidentialNote = get_object_for(
            request.user, ConfidentialNote, "change", interaction_id=pk
        )
        return interaction, note

    def _render(self, request: HttpRequest, interaction: Interaction, form: Any) -> HttpResponse:
        return _form_page(
            request,
            form,
            title="Confidential note",
            intro="Only you, and the roles you share it with, can open it; every opening is "
            "recorded. Contract managers never see it.",
            cancel_url=interaction.get_absolute_url(),
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction, note = self._note(request, pk)
        initial = {"text": note.text, "shared_with_roles": note.shared_roles} if note else {}
        return self._render(request, interaction, ConfidentialNoteForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction, _ = self._note(request, pk)
        form = ConfidentialNoteForm(request.POST)
        if form.is_valid():
            try:
                services.confidential_note_save(
                    interaction=interaction,
                    acting_user=request.user,
                    text=form.cleaned_data["text"],
                    shared_with_roles=form.cleaned_data["shared_with_roles"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Confidential note saved.")
                return redirect(interaction)
        return self._render(request, interaction, form)


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/contacts/new/",
        InteractionCreateView.as_view(),
        name="interaction-create",
    ),
    path("contacts/<int:pk>/", InteractionDetailView.as_view(), name="interaction-detail"),
    path("contacts/<int:pk>/edit/", InteractionEditView.as_view(), name="interaction-edit"),
    path(
        "contacts/<int:pk>/follow-ups/new/",
        FollowUpAddView.as_view(),
        name="interaction-follow-up-add",
    ),
    path(
        "follow-ups/<int:pk>/complete/",
        FollowUpCompleteView.as_view(),
        name="follow-up-complete",
    ),
    path(
        "contacts/<int:pk>/attachments/new/",
        AttachmentAddView.as_view(),
        name="interaction-attachment-add",
    ),
    path(
        "attachments/<int:pk>/download/",
        AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(
        "contacts/<int:pk>/confidential-note/",
        ConfidentialNoteView.as_view(),
        name="interaction-note",
    ),
    path(
        "contacts/<int:pk>/confidential-note/edit/",
        ConfidentialNoteEditView.as_view(),
        name="interaction-note-edit",
    ),
]
