"""Pages for programme changes agreed with a client (000 req 8): recorded from the engagement's
page, linked to the review or concern they came from, and listed on that page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views import View

from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Engagement
from waypoint.delivery.views.agreements import engagement_url
from waypoint.monitoring.models import Concern, Review
from waypoint.monitoring.services.programme_changes import programme_change_record

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ProgrammeChangeForm(forms.Form):
    what_changed = forms.CharField(label="What changes", widget=TEXTAREA)
    why = forms.CharField(label="Why", widget=TEXTAREA)
    effective_from = forms.DateField(label="From", widget=DATE_INPUT)
    agreed_with_client = forms.BooleanField(
        label="Agreed with the client", required=False, initial=True
    )
    review = forms.ModelChoiceField(
        label="From the review of",
        queryset=Review.objects.none(),
        required=False,
        empty_label="Not from a review",
    )
    concern = forms.ModelChoiceField(
        label="From the concern",
        queryset=Concern.objects.none(),
        required=False,
        empty_label="Not from a concern",
    )

    def __init__(self, *args: Any, engagement: Engagement, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        review = self.fields["review"]
        assert isinstance(review, forms.ModelChoiceField)
        review.queryset = Review.objects.filter(engagement=engagement).order_by("-held_on")
        review.label_from_instance = lambda r: f"{r.held_on:%d %b %Y}"  # type: ignore[method-assign,assignment]
        concern = self.fields["concern"]
        assert isinstance(concern, forms.ModelChoiceField)
        concern.queryset = Concern.objects.restrict(user, "view").filter(engagement=engagement)


class ProgrammeChangeCreateView(PolicyViewMixin, View):
    """Record a change to the client's programme of support agreed with them (000 req 8)."""

    policy_model = Engagement

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return render(
            request,
            "core/form.html",
            {
                "form": form,
                "title": f"Record a change to {engagement.client}'s programme",
                "intro": "A change to the support agreed with the client, to make it more "
                "effective.",
                "cancel_url": engagement_url(engagement),
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        initial: dict[str, Any] = {}
        concern_pk = request.GET.get("concern", "")
        if concern_pk.isdigit():
            initial["concern"] = int(concern_pk)
        form = ProgrammeChangeForm(initial=initial, engagement=engagement, user=request.user)
        return self._render(request, engagement, form)

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = ProgrammeChangeForm(request.POST, engagement=engagement, user=request.user)
        if form.is_valid():
            try:
                programme_change_record(
                    engagement=engagement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Programme change recorded.")
                return redirect(engagement_url(engagement))
        return self._render(request, engagement, form)


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/programme-changes/new/",
        ProgrammeChangeCreateView.as_view(),
        name="programme-change-create",
    ),
]
