"""The programme's monitoring settings page: seen by whoever sees the programme, changed by its
owner's administrators, service managers and contract managers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views import View

from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Programme
from waypoint.monitoring.models import MonitoringSettings
from waypoint.monitoring.selectors_settings import settings_for
from waypoint.monitoring.services.compliance import monitoring_settings_update

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Help for each setting, in plain words, shown under its field and beside its value.
HELP = {
    "review_mode": "Whether each client's reviews follow the frequency agreed with them, or "
    "every client is reviewed on the same calendar.",
    "calendar_every_months": "With a fixed calendar: reviews every this many months (1 to 12).",
    "calendar_starts_on": "With a fixed calendar: the date the calendar counts from.",
    "on_time_days": "A review held within this many days either side of its due date counts "
    "as on time (0 to 60).",
    "remind_days_before": "Advisers are emailed this many days before a review is due (0 to 30).",
    "acknowledge_concern_days": "A concern must be acknowledged within this many days.",
    "resolve_concern_days": "A concern must be resolved within this many days.",
    "adviser_hourly_rate": "The value of an hour of adviser time, in pounds: each client's "
    "contacts are valued at this rate to track their support against the limit.",
    "subsidy_limit": "The most support a client may receive over the current and the two "
    "previous UK financial years, in pounds. The default is the UK Minimal Financial Assistance "
    "threshold, £315,000 (Subsidy Control Act 2022).",
    "follow_up_months": "When to follow up outcomes after an engagement closes, in months, "
    "separated by commas (e.g. 6,12; for individuals 3,6 gives about 13 and 26 weeks).",
}


class MonitoringSettingsForm(forms.ModelForm):
    class Meta:
        model = MonitoringSettings
        fields = list(HELP)
        widgets = {"calendar_starts_on": DATE_INPUT, "review_mode": forms.RadioSelect}
        help_texts = HELP


def _rows(settings: MonitoringSettings) -> list[tuple[str, str, str]]:
    """(label, value, help) for each setting, for people who may only read them."""
    rows = []
    for name, help_text in HELP.items():
        field = MonitoringSettings._meta.get_field(name)
        value = getattr(settings, name)
        if name == "review_mode":
            shown = settings.get_review_mode_display()
        elif value is None or value == "":
            shown = "Not set"
        elif name == "calendar_starts_on":
            shown = f"{value:%d %b %Y}"
        elif name in {"adviser_hourly_rate", "subsidy_limit"}:
            shown = f"£{value:,.2f}"
        else:
            shown = str(value)
        rows.append((str(getattr(field, "verbose_name", name)).capitalize(), shown, help_text))
    return rows


class MonitoringSettingsView(PolicyViewMixin, View):
    policy_model = Programme

    def _render(
        self, request: HttpRequest, programme: Programme, settings: MonitoringSettings, form: Any
    ) -> HttpResponse:
        return render(
            request,
            "monitoring/settings.html",
            {
                "programme": programme,
                "settings": settings,
                "form": form,
                "rows": _rows(settings),
                "saved": settings.pk is not None,
            },
        )

    def get(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme: Programme = get_object_for(request.user, Programme, "view", pk=programme_pk)
        settings = settings_for(programme)
        can_change = policy_for(Programme).allows(request.user, "change", programme)
        form = MonitoringSettingsForm(instance=settings) if can_change else None
        return self._render(request, programme, settings, form)

    def post(self, request: HttpRequest, programme_pk: int) -> HttpResponse:
        programme: Programme = get_object_for(request.user, Programme, "change", pk=programme_pk)
        settings = settings_for(programme)
        # Validate on a copy: a refused change must not show as if it were saved.
        form = MonitoringSettingsForm(request.POST, instance=settings_for(programme))
        if form.is_valid():
            try:
                monitoring_settings_update(
                    programme=programme, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Monitoring settings of {programme} saved.")
                return redirect("monitoring:programme-settings", programme_pk=programme.pk)
        return self._render(request, programme, settings, form)


urlpatterns = [
    path(
        "programmes/<int:programme_pk>/monitoring-settings/",
        MonitoringSettingsView.as_view(),
        name="programme-settings",
    ),
]
