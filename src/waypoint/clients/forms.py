"""Forms for clients. They parse input; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms

from waypoint.clients.models import Client, Consent, EqualityMonitoring, Person
from waypoint.clients.reference import Barrier
from waypoint.clients.services import CLIENT_FIELDS, EQUALITY_FIELDS, PERSON_FIELDS
from waypoint.core.models import Organisation

BUSINESS_FIELDS = (
    "trading_name",
    "registered_number",
    "legal_form",
    "sic_division",
    "size_band",
    "trading_status",
    "start_date",
)
INDIVIDUAL_FIELDS = ("employment_status",)


class ClientForm(forms.ModelForm):
    """A client's facts. Fields for businesses and for individuals are marked so that a small
    script can hide those that do not apply; the service decides what is valid."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    not_a_duplicate = forms.BooleanField(
        label="This is a different client", required=False, widget=forms.CheckboxInput()
    )

    class Meta:
        model = Client
        fields = list(CLIENT_FIELDS)
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "kind": forms.RadioSelect,
        }

    def __init__(
        self, *args: Any, organisations: Any = None, ask_duplicate: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations
            if organisations.count() == 1:
                # The only choice: taken when the field is not sent.
                self.only_organisation = organisations.first()
                field.initial = self.only_organisation
                field.required = False
                field.widget = forms.HiddenInput()
        if not ask_duplicate:
            del self.fields["not_a_duplicate"]
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = Client.Kind.choices  # no empty radio button
        for name in BUSINESS_FIELDS:
            self.fields[name].widget.attrs["data-client-kind"] = "business"
            help_text = self.fields[name].help_text
            self.fields[name].help_text = f"{help_text} (Businesses only.)".strip()
        for name in INDIVIDUAL_FIELDS:
            self.fields[name].widget.attrs["data-client-kind"] = "individual"

    only_organisation: Organisation | None = None

    def clean_organisation(self) -> Organisation | None:
        return self.cleaned_data.get("organisation") or self.only_organisation

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CLIENT_FIELDS}


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "granted_on", "lawful_basis", "privacy_notice_version", "how"]
        widgets = {"granted_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"granted_on": "Given on"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["granted_on"].required = False
        self.fields["granted_on"].help_text = "Leave empty for today."


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )


class BarriersForm(forms.Form):
    barriers = forms.MultipleChoiceField(
        label="Barriers to work",
        choices=Barrier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class EqualityForm(forms.ModelForm):
    class Meta:
        model = EqualityMonitoring
        fields = list(EQUALITY_FIELDS)


class MergeForm(forms.Form):
    merge = forms.ModelChoiceField(
        label="Record number of the duplicate",
        queryset=Client.objects.none(),
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=(
            "The number shown after # on the duplicate's page or in the suggestions above. "
            "Its people, consents, engagements and every other record move to this client."
        ),
        error_messages={
            "invalid_choice": "There is no client with this number that you may merge here."
        },
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["merge"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
