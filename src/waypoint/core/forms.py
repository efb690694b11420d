from __future__ import annotations

from typing import Any

from django import forms

from waypoint.core.models import Organisation, Team
from waypoint.core.roles import Role

# No role is preselected: giving someone a role should be a deliberate choice.
ROLE_CHOICES = [("", "Choose a role"), *Role.choices]


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "registered_number", "time_zone"]


class TeamForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            _choices(self, "organisation").queryset = organisations
            if organisations.count() == 1:
                self.fields["organisation"].initial = organisations.first()


class OrganisationTeamForm(forms.Form):
    """A form that places something in one of the user's organisations, optionally a team."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="No team"
    )

    def __init__(self, *args: Any, organisations: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organisation").queryset = organisations
        _choices(self, "team").queryset = teams
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, organisation = data.get("team"), data.get("organisation")
        if team and organisation and team.organisation_id != organisation.pk:
            self.add_error("team", f"{team} is not a team of {organisation}.")
        return data


class RoleAssignForm(OrganisationTeamForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    field_order = ["organisation", "role", "team"]


class PersonInviteForm(OrganisationTeamForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="The invitation to choose a password is sent here.")
    username = forms.CharField(
        max_length=150, help_text="What the person types to sign in, e.g. firstname.lastname."
    )
    job_title = forms.CharField(max_length=120, required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    field_order = [
        "organisation",
        "first_name",
        "last_name",
        "email",
        "username",
        "job_title",
        "role",
        "team",
    ]


class RolePoliciesForm(forms.Form):
    two_factor_roles = forms.MultipleChoiceField(
        label="Roles that must use two-factor sign-in",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("Enter the six digits shown in your authenticator app.")
        return code
