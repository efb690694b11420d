"""Forms for agreements and the contact log. They validate input at the edge; the services
decide (and the views put a service's ``ValidationError`` back on the form)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from waypoint.clients.models import Person
from waypoint.core.models import User
from waypoint.core.roles import Role
from waypoint.delivery.models import Agreement, Interaction
from waypoint.delivery.services.agreements import AGREEMENT_FIELDS
from waypoint.delivery.services.interactions import SHAREABLE_ROLES

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class AgreementForm(forms.ModelForm):
    """The agreement's terms, grouped as the client reads them (001 E5.07 3.1; 004 a, d)."""

    # (legend, hint, fields): rendered as one <fieldset> each.
    FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        (
            "Roles and responsibilities",
            "What the adviser and the client each do (001 E5.07 3.1).",
            ("type", "adviser_responsibilities", "client_responsibilities"),
        ),
        ("Limits", "", ("contractual_limits",)),
        ("Confidentiality", "", ("confidentiality",)),
        ("Availability and channels", "", ("availability", "preferred_channels")),
        ("Feedback", "", ("feedback_timing",)),
        (
            "Reviewing progress",
            "How often progress is reviewed, and in how much detail (004 d).",
            ("review_every", "review_unit", "review_depth"),
        ),
        ("Duration", "", ("planned_duration_weeks",)),
        (
            "Mentoring",
            "For a mentoring agreement: the goals, the rules of the mentoring process and the "
            "code of ethics (004 a, k). Goals, meeting frequency and code of ethics are required.",
            (
                "mentoring_goals",
                "meeting_frequency",
                "meeting_places",
                "missed_sessions",
                "involving_colleagues",
                "dealing_with_problems",
                "code_of_ethics",
            ),
        ),
    )

    class Meta:
        model = Agreement
        fields = list(AGREEMENT_FIELDS)
        labels = {
            "review_every": "Review progress every",
            "review_unit": "Unit",
            "review_depth": "Review depth",
            "planned_duration_weeks": "Planned duration (weeks)",
        }
        widgets = dict.fromkeys(
            (
                "adviser_responsibilities",
                "client_responsibilities",
                "contractual_limits",
                "confidentiality",
                "mentoring_goals",
                "missed_sessions",
                "involving_colleagues",
                "dealing_with_problems",
                "code_of_ethics",
            ),
            TEXTAREA,
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from waypoint.delivery.models import REVIEW_DEPTH_COVERS

        self.fields["review_depth"].help_text = " ".join(
            f"{label}: {REVIEW_DEPTH_COVERS[value]}"  # type: ignore[index]
            for value, label in Agreement._meta.get_field("review_depth").choices or []
        )

    def _post_clean(self) -> None:
        # The service validates the whole agreement (with its version and status); the form
        # checks only its own fields, so that errors are not reported twice.
        pass

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (legend, hint, [self[name] for name in names]) for legend, hint, names in self.FIELDSETS
        ]


class AcceptanceForm(forms.Form):
    """The adviser records how the client accepted (in person, by phone or by email)."""

    accepted_by_name = forms.CharField(label="Name of the person who accepted", max_length=200)
    via = forms.ChoiceField(
        label="How they accepted",
        choices=[
            (value, label)
            for value, label in Agreement.AcceptedVia.choices
            if value != Agreement.AcceptedVia.LINK
        ],
        widget=forms.RadioSelect,
    )


class ClientAcceptanceForm(forms.Form):
    """The client's own acceptance through the signed link."""

    accepted_by_name = forms.CharField(label="Your full name", max_length=200)
    confirm = forms.BooleanField(
        label="I accept this agreement",
        error_messages={"required": "Tick the box to accept the agreement."},
    )


class InteractionForm(forms.ModelForm):
    """A contact with the client (004 n; 001 E5.07 1.2, 2.1)."""

    occurred_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    staff = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Staff who took part",
    )
    client_people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="The client's people present",
    )

    class Meta:
        model = Interaction
        fields = [
            "occurred_at",
            "mode",
            "place",
            "place_detail",
            "duration_minutes",
            "staff",
            "client_people",
            "others_present",
            "consulting_mode",
            "support_type",
            "summary",
        ]
        labels = {
            "support_type": "Was this advice or mentoring?",
            "duration_minutes": "Duration (minutes)",
        }
        help_texts = {
            "consulting_mode": "Acceptant, catalytic, confrontational or prescriptive "
            "(001 E5.07 2.1).",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, engagement: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from waypoint.core.models import RoleAssignment

        staff_ids = RoleAssignment.objects.filter(
            organisation_id=engagement.organisation_id
        ).values("user_id")
        staff = self.fields["staff"]
        people = self.fields["client_people"]
        assert isinstance(staff, forms.ModelMultipleChoiceField)
        assert isinstance(people, forms.ModelMultipleChoiceField)
        staff.queryset = User.objects.filter(pk__in=staff_ids, is_active=True).order_by(
            "first_name", "last_name"
        )
        people.queryset = Person.objects.filter(client_id=engagement.client_id)
        if not people.queryset.exists():
            people.help_text = (
                "No people are recorded for this client yet; add them on the client's page."
            )

    def _post_clean(self) -> None:
        pass  # the service validates the record

    def clean_occurred_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError("A contact cannot be in the future.")
        return value


class InteractionCreateForm(InteractionForm):
    """Logging a contact: also its first follow-up and a confidential note."""

    follow_up = forms.CharField(
        label="Follow-up", max_length=300, required=False, help_text="Something to do next."
    )
    follow_up_due_on = forms.DateField(
        label="Follow-up due on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confidential_note = forms.CharField(
        widget=TEXTAREA,
        required=False,
        help_text="Only you, and the roles you share it with, can open it; opening it is "
        "recorded. Contract managers never see it (004 k).",
    )
    shared_with_roles = forms.MultipleChoiceField(
        label="Share the confidential note with",
        choices=[(value, label) for value, label in Role.choices if value in SHAREABLE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up") and not data.get("follow_up_due_on"):
            self.add_error("follow_up_due_on", "Say when the follow-up is due.")
        if data.get("follow_up_due_on") and not data.get("follow_up"):
            self.add_error("follow_up", "Say what is to be done.")
        return data


class FollowUpForm(forms.Form):
    description = forms.CharField(max_length=300)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, image, office document or text; at most 10 MB.",
    )
    name = forms.CharField(max_length=200, required=False, help_text="Defaults to the file name.")


class ConfidentialNoteForm(forms.Form):
    text = forms.CharField(label="Confidential note", widget=forms.Textarea(attrs={"rows": 6}))
    shared_with_roles = forms.MultipleChoiceField(
        label="Share with",
        choices=[(value, label) for value, label in Role.choices if value in SHAREABLE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
