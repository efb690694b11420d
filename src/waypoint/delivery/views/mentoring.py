"""Pages for mentoring: the engagement's mentoring page (sessions, the client taking the lead
in goal-setting, the mentee's goals, the ending, advice flags), session and goal forms, the
planned end, ending the relationship, and the managers' list of advice given in mentoring
(004 b, g, h, i, m, n, 13)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.periods import local_date
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
    render_form,
)
from waypoint.delivery import selectors_mentoring as selectors
from waypoint.delivery.models import (
    AdviceReview,
    ClientLead,
    Engagement,
    Interaction,
    MenteeGoal,
    MentoringRelationship,
    MentoringSession,
)
from waypoint.delivery.services import mentoring as services
from waypoint.delivery.views.agreements import engagement_url

FORM_TEMPLATE = "core/form.html"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
FLAGS_PER_PAGE = 25
SUPPORT_TYPE_HELP = (
    "Say so when you gave advice rather than mentoring: advice given on a mentoring "
    "engagement is flagged to your manager to look at (004 g)."
)


# Forms -----------------------------------------------------------------------------------------


class SessionEditForm(forms.Form):
    """The mentoring side of a session (004 b, h, i, m)."""

    topics = forms.CharField(max_length=300, help_text="What you talked about.")
    reflections = forms.CharField(
        label="The client's reflections",
        widget=TEXTAREA,
        required=False,
        help_text="What the client made of things, including what did not go as expected.",
    )
    next_steps = forms.CharField(
        label="What the client will do next", widget=TEXTAREA, required=False
    )
    client_lead = forms.TypedChoiceField(
        label="Who led the goal-setting",
        choices=ClientLead.choices,
        coerce=int,
        initial=ClientLead.TOGETHER,
        widget=forms.RadioSelect,
        help_text="Over time the client should take more and more of it (004 m).",
    )


class SessionForm(SessionEditForm):
    """A session: the contact (004 n) and its mentoring side."""

    occurred_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    mode = forms.ChoiceField(choices=Interaction.Mode.choices)
    place = forms.ChoiceField(choices=Interaction.Place.choices)
    place_detail = forms.CharField(label="Where exactly", max_length=200, required=False)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    support_type = forms.ChoiceField(
        label="Was this mentoring or advice?",
        choices=[
            (Interaction.SupportType.MENTORING, "Mentoring"),
            (Interaction.SupportType.ADVICE, "Advice"),
        ],
        initial=Interaction.SupportType.MENTORING,
        widget=forms.RadioSelect,
        help_text=SUPPORT_TYPE_HELP,
    )

    field_order = [
        "occurred_at",
        "mode",
        "place",
        "place_detail",
        "duration_minutes",
        "support_type",
        "summary",
        "topics",
        "reflections",
        "next_steps",
        "client_lead",
    ]

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError("A session cannot be in the future.")
        return value


class MenteeGoalForm(forms.Form):
    statement = forms.CharField(
        label="The goal", widget=TEXTAREA, help_text="In the client's own words."
    )
    set_by = forms.ChoiceField(
        label="Who set it",
        choices=MenteeGoal.SetBy.choices,
        initial=MenteeGoal.SetBy.CLIENT,
        widget=forms.RadioSelect,
    )
    target_date = forms.DateField(label="Target date", required=False, widget=DATE_INPUT)
    notes = forms.CharField(widget=TEXTAREA, required=False)


class MenteeGoalEditForm(MenteeGoalForm):
    status = forms.ChoiceField(choices=MenteeGoal.Status.choices)
    achieved_on = forms.DateField(
        label="Achieved on",
        required=False,
        widget=DATE_INPUT,
        help_text="When achieved; today if left empty.",
    )


class PlannedEndForm(forms.Form):
    planned_end_on = forms.DateField(
        label="Planned end",
        required=False,
        widget=DATE_INPUT,
        help_text="Leave empty when no end is planned yet.",
    )


class RelationshipEndForm(forms.Form):
    ended_on = forms.DateField(label="Ended on", widget=DATE_INPUT)
    end_reason = forms.ChoiceField(
        label="Why it ended",
        choices=MentoringRelationship.EndReason.choices,
        widget=forms.RadioSelect,
    )
    relationship_review = forms.CharField(
        label="Review of the relationship",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What worked, what did not, and what both of you learned.",
    )
    closing_summary = forms.CharField(
        label="Closing summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Where the client stands now and what they will do next.",
    )
    invited_back = forms.BooleanField(label="The client is invited to come back", required=False)
    invitation = forms.CharField(
        label="How to come back",
        widget=TEXTAREA,
        required=False,
        help_text="When and how the client can return. Required when invited back.",
    )
    close_engagement = forms.BooleanField(
        label="Also close the engagement", required=False, initial=True
    )


class AdviceReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your view", choices=AdviceReview.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(widget=TEXTAREA, required=False)


class FlagFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="Show",
        choices=[("unreviewed", "Not reviewed yet"), ("reviewed", "Reviewed"), ("all", "All")],
        required=False,
    )


# Helpers ---------------------------------------------------------------------------------------


class MentoringViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _engagement(request: HttpRequest, pk: int, action: str = "view") -> Engagement:
    engagement: Engagement = get_object_for(request.user, Engagement, action, pk=pk)
    return engagement


def mentoring_url(engagement: Engagement | int) -> str:
    pk = engagement if isinstance(engagement, int) else engagement.pk
    return reverse("delivery:mentoring", args=[pk])


_render_form = render_form


# The mentoring page ----------------------------------------------------------------------------


class MentoringView(MentoringViewMixin, View):
    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk)
        summary = selectors.mentoring_summary(engagement)
        can_change = policy_for(Engagement).allows(request.user, "change", engagement)
        relationship = summary.relationship
        days_left = None
        if relationship and relationship.planned_end_on and not relationship.has_ended:
            today = local_date(timezone.now(), engagement.organisation.time_zone)
            days_left = (relationship.planned_end_on - today).days
        policy = policy_for(AdviceReview)
        return render(
            request,
            "delivery/mentoring_detail.html",
            {
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "summary": summary,
                "relationship": relationship,
                "has_ended": bool(relationship and relationship.has_ended),
                "days_left": days_left,
                "days_over": -days_left if days_left is not None else None,
                "can_change": can_change,
                "can_change_open": can_change and engagement.is_open,
                "can_review": policy.can_add(request.user, engagement.organisation_id),
                "is_mentoring": selectors.is_mentoring(engagement),
            },
        )


# Sessions --------------------------------------------------------------------------------------


class SessionCreateView(MentoringViewMixin, View):
    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Record a mentoring session with {engagement.client}",
            mentoring_url(engagement),
            "The session goes into the contact log too (004 n).",
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        form = SessionForm(
            initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
        return self._render(request, engagement, form)

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session = services.session_record(
                    engagement=engagement,
                    acting_user=request.user,
                    staff=[request.user],
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                if session.interaction.advice_in_mentoring:
                    messages.warning(
                        request,
                        "Session recorded. As advice was given on a mentoring engagement, "
                        "it is flagged to your manager.",
                    )
                else:
                    messages.success(request, "Session recorded.")
                return redirect(mentoring_url(engagement))
        return self._render(request, engagement, form)


class SessionEditView(MentoringViewMixin, View):
    def _session(self, request: HttpRequest, pk: int) -> MentoringSession:
        session: MentoringSession = get_object_for(request.user, MentoringSession, "change", pk=pk)
        return session

    def _render(self, request: HttpRequest, session: MentoringSession, form: Any) -> HttpResponse:
        interaction = session.interaction
        return _render_form(
            request,
            form,
            f"Change the session of {timezone.localtime(interaction.occurred_at):%d %b %Y}",
            mentoring_url(interaction.engagement_id),
            "The date, mode and summary are changed on the contact's own page in the contact log.",
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self._session(request, pk)
        form = SessionEditForm(
            initial={name: getattr(session, name) for name in services.SESSION_FIELDS}
        )
        return self._render(request, session, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self._session(request, pk)
        form = SessionEditForm(request.POST)
        if form.is_valid():
            try:
                services.session_update(
                    session=session, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Session saved.")
                return redirect(mentoring_url(session.interaction.engagement_id))
        return self._render(request, session, form)


# Mentee goals ----------------------------------------------------------------------------------


class MenteeGoalCreateView(MentoringViewMixin, View):
    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Add a goal for {engagement.client}",
            mentoring_url(engagement),
            "A goal in the client's own words: a specific problem with the business or a "
            "broader personal or business target.",
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        return self._render(request, engagement, MenteeGoalForm())

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        form = MenteeGoalForm(request.POST)
        if form.is_valid():
            try:
                services.mentee_goal_add(
                    engagement=engagement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Goal added.")
                return redirect(mentoring_url(engagement))
        return self._render(request, engagement, form)


class MenteeGoalEditView(MentoringViewMixin, View):
    def _goal(self, request: HttpRequest, pk: int) -> MenteeGoal:
        goal: MenteeGoal = get_object_for(request.user, MenteeGoal, "change", pk=pk)
        return goal

    def _render(self, request: HttpRequest, goal: MenteeGoal, form: Any) -> HttpResponse:
        return _render_form(request, form, "Change a goal", mentoring_url(goal.engagement_id))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self._goal(request, pk)
        form = MenteeGoalEditForm(
            initial={name: getattr(goal, name) for name in services.GOAL_FIELDS}
        )
        return self._render(request, goal, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self._goal(request, pk)
        form = MenteeGoalEditForm(request.POST)
        if form.is_valid():
            try:
                services.mentee_goal_update(
                    goal=goal, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Goal saved.")
                return redirect(mentoring_url(goal.engagement_id))
        return self._render(request, goal, form)


# The relationship ------------------------------------------------------------------------------


class PlannedEndView(MentoringViewMixin, View):
    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Planned end of the mentoring with {engagement.client}",
            mentoring_url(engagement),
            "When you and the client expect the mentoring relationship to end (004 a).",
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        relationship = MentoringRelationship.objects.filter(engagement=engagement).first()
        initial = {"planned_end_on": relationship.planned_end_on if relationship else None}
        return self._render(request, engagement, PlannedEndForm(initial=initial))

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        form = PlannedEndForm(request.POST)
        if form.is_valid():
            try:
                services.relationship_plan_end(
                    engagement=engagement,
                    planned_end_on=form.cleaned_data["planned_end_on"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Planned end saved.")
                return redirect(mentoring_url(engagement))
        return self._render(request, engagement, form)


class RelationshipEndView(MentoringViewMixin, View):
    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return render(
            request,
            "delivery/mentoring_end.html",
            {
                "form": form,
                "engagement": engagement,
                "summary": selectors.mentoring_summary(engagement),
                "cancel_url": mentoring_url(engagement),
                "closes_as": [
                    (MentoringRelationship.EndReason(reason).label, Engagement.EndReason(end).label)
                    for reason, end in services.ENGAGEMENT_END_REASONS.items()
                ],
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        today = local_date(timezone.now(), engagement.organisation.time_zone)
        form = RelationshipEndForm(initial={"ended_on": today, "close_engagement": True})
        return self._render(request, engagement, form)

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = _engagement(request, engagement_pk, "change")
        form = RelationshipEndForm(request.POST)
        if form.is_valid():
            try:
                services.relationship_end(
                    engagement=engagement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "The mentoring relationship has ended.")
                return redirect(mentoring_url(engagement))
        return self._render(request, engagement, form)


# Advice given in mentoring ---------------------------------------------------------------------


class AdviceFlagViewMixin(PolicyViewMixin):
    # Only those who may review advice given in mentoring (the organisation's managers).
    policy_model = AdviceReview
    policy_action = "add"


class AdviceFlagListView(AdviceFlagViewMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = FlagFilterForm(request.GET or None)
        state = "unreviewed"
        if form.is_bound and form.is_valid() and form.cleaned_data["state"]:
            state = form.cleaned_data["state"]
        if not form.is_bound:
            form = FlagFilterForm(initial={"state": state})
        flags = selectors.advice_flags_for_review(request.user, state=state)
        page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "delivery/mentoring_advice_flags.html",
            {"form": form, "state": state, "page": page},
        )


class AdviceFlagReviewView(AdviceFlagViewMixin, View):
    def _flag(self, request: HttpRequest, interaction_pk: int) -> Interaction:
        flag = selectors.advice_flags_for_review(request.user).filter(pk=interaction_pk).first()
        if flag is None:
            raise Http404("No flagged contact found.")
        return flag

    def _render(self, request: HttpRequest, flag: Interaction, form: Any) -> HttpResponse:
        return render(
            request,
            "delivery/mentoring_advice_review.html",
            {
                "form": form,
                "flag": flag,
                "review": getattr(flag, "advice_review", None),
                "cancel_url": reverse("delivery:advice-flags"),
            },
        )

    def get(self, request: HttpRequest, interaction_pk: int) -> HttpResponse:
        flag = self._flag(request, interaction_pk)
        return self._render(request, flag, AdviceReviewForm())

    def post(self, request: HttpRequest, interaction_pk: int) -> HttpResponse:
        flag = self._flag(request, interaction_pk)
        form = AdviceReviewForm(request.POST)
        if form.is_valid():
            try:
                services.advice_review_record(
                    interaction=flag, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Review saved.")
                return redirect("delivery:advice-flags")
        return self._render(request, flag, form)


urlpatterns = [
    path("engagements/<int:engagement_pk>/mentoring/", MentoringView.as_view(), name="mentoring"),
    path(
        "engagements/<int:engagement_pk>/mentoring/sessions/new/",
        SessionCreateView.as_view(),
        name="mentoring-session-create",
    ),
    path(
        "mentoring-sessions/<int:pk>/edit/",
        SessionEditView.as_view(),
        name="mentoring-session-edit",
    ),
    path(
        "engagements/<int:engagement_pk>/mentoring/goals/new/",
        MenteeGoalCreateView.as_view(),
        name="mentee-goal-create",
    ),
    path("mentee-goals/<int:pk>/edit/", MenteeGoalEditView.as_view(), name="mentee-goal-edit"),
    path(
        "engagements/<int:engagement_pk>/mentoring/planned-end/",
        PlannedEndView.as_view(),
        name="mentoring-planned-end",
    ),
    path(
        "engagements/<int:engagement_pk>/mentoring/end/",
        RelationshipEndView.as_view(),
        name="mentoring-end",
    ),
    path("mentoring/advice-flags/", AdviceFlagListView.as_view(), name="advice-flags"),
    path(
        "mentoring/advice-flags/<int:interaction_pk>/review/",
        AdviceFlagReviewView.as_view(),
        name="advice-flag-review",
    ),
]
