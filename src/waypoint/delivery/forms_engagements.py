"""Forms for programmes, the service directory, engagements and the eligibility check.

Forms only parse input; the services validate the business rules and save.
"""

from __future__ import annotations

from typing import Any

from django import forms

from waypoint.core.models import Organisation
from waypoint.delivery.models import (
    EligibilityCondition,
    Engagement,
    Programme,
    ProgrammeBudget,
    Service,
)
from waypoint.delivery.services.programmes import PROGRAMME_FIELDS, SERVICE_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _model_choice(form: forms.BaseForm, name: str) -> Any:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class ProgrammeForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Owner organisation"
    )
    delivering_organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Providers that deliver this programme.",
    )

    class Meta:
        model = Programme
        fields = [
            "organisation",
            "name",
            "code",
            "description",
            "funding_source",
            "priorities",
            "delivering_organisations",
            "default_review_every",
            "default_review_unit",
            "default_review_depth",
            "start_date",
            "end_date",
            "is_active",
        ]
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
            "priorities": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "delivering_organisations").queryset = Organisation.objects.filter(
            is_active=True,
            kind__in=[Organisation.Kind.PROVIDER, Organisation.Kind.BOTH],
        )
        if owners is None:
            del self.fields["organisation"]
        else:
            _model_choice(self, "organisation").queryset = owners
            if owners.count() == 1:
                self.fields["organisation"].initial = owners.first()

    def _post_clean(self) -> None:
        # The service validates the model (the owner is not known yet for a new programme).
        pass

    def programme_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in PROGRAMME_FIELDS}


class EligibilityConditionForm(forms.ModelForm):
    class Meta:
        model = EligibilityCondition
        fields = ["text", "position"]
        labels = {"text": "Condition", "position": "Position in the checklist"}

    def _post_clean(self) -> None:
        pass


class ProgrammeBudgetForm(forms.ModelForm):
    class Meta:
        model = ProgrammeBudget
        fields = ["period", "amount"]
        labels = {"amount": "Amount (£)"}

    def _post_clean(self) -> None:
        pass


class ServiceForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Service
        fields = [
            "organisation",
            "kind",
            "name",
            "provider_name",
            "offer",
            "audience",
            "cost",
            "contact_name",
            "email",
            "phone",
            "website",
        ]
        widgets = {"offer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            _model_choice(self, "organisation").queryset = organisations
            if organisations.count() == 1:
                self.fields["organisation"].initial = organisations.first()

    def _post_clean(self) -> None:
        pass

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in SERVICE_FIELDS}


class EngagementOpenForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none())
    lead_adviser = forms.ModelChoiceField(queryset=Organisation.objects.none())
    enquiry_date = forms.DateField(widget=DATE_INPUT)

    def __init__(self, *args: Any, programmes: Any, advisers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "programme").queryset = programmes
        _model_choice(self, "lead_adviser").queryset = advisers
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()


class EngagementMoveForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    end_reason = forms.ChoiceField(
        choices=[("", "Choose the end reason"), *Engagement.EndReason.choices], required=False
    )

    def __init__(self, *args: Any, to_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if to_status != Engagement.Status.CLOSED:
            del self.fields["end_reason"]
        else:
            self.fields["end_reason"].required = True
        if to_status in {Engagement.Status.CLOSED, Engagement.Status.PAUSED}:
            self.fields["reason"].required = True


class AdvisersForm(forms.Form):
    lead_adviser = forms.ModelChoiceField(queryset=Organisation.objects.none())
    advisers = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Others working with the client besides the lead adviser.",
    )

    def __init__(self, *args: Any, advisers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "lead_adviser").queryset = advisers
        _model_choice(self, "advisers").queryset = advisers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = data.get("lead_adviser")
        if lead is not None and lead in data.get("advisers", []):
            self.add_error("advisers", f"{lead} is the lead adviser; leave them unticked here.")
        return data


class EligibilityCheckForm(forms.Form):
    """One yes/no and a note for each condition of the programme's checklist."""

    def __init__(self, *args: Any, conditions: list[EligibilityCondition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conditions = conditions
        for condition in conditions:
            self.fields[f"met_{condition.pk}"] = forms.TypedChoiceField(
                label=condition.text,
                choices=[("yes", "Met"), ("no", "Not met")],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{condition.pk}"] = forms.CharField(
                label=f"Note on “{condition.text}”", max_length=300, required=False
            )

    def answers(self) -> dict[int, tuple[bool, str]]:
        return {
            c.pk: (self.cleaned_data[f"met_{c.pk}"], self.cleaned_data[f"note_{c.pk}"])
            for c in self.conditions
        }
