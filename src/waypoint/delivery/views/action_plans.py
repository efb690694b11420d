"""Pages for action plans: start one from the engagement, the plan with its history and the plan
as it stood on any date, goal and action forms (a reason when re-planning), a printable plan and
the client's read-only signed link (001 E5.08 3.1, 3.2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views import View

from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
    render_form,
)
from waypoint.delivery import selectors
from waypoint.delivery.models import Action, ActionPlan, Engagement, Goal
from waypoint.delivery.services import action_plans as services
from waypoint.delivery.signing import LinkExpired, LinkInvalid, plan_link_path, read_plan_token
from waypoint.delivery.views.agreements import engagement_url

FORM_TEMPLATE = "core/form.html"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
REASON_HELP = (
    "Why the plan changes. Required when re-planning: moving a date, or marking an action "
    "blocked or dropped (or dropping a goal)."
)


# Forms -----------------------------------------------------------------------------------------


class PlanStartForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Action plan")


class GoalForm(forms.Form):
    statement = forms.CharField(widget=TEXTAREA, help_text="What the client wants to achieve.")
    # Not required here: the SMART rule refuses a goal with a message that names the field.
    measure = forms.CharField(
        label="What is measured", max_length=200, required=False, help_text="e.g. turnover."
    )
    baseline = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Where it stands now."
    )
    target_value = forms.DecimalField(
        label="Target value", max_digits=14, decimal_places=2, required=False
    )
    unit = forms.CharField(max_length=30, required=False, help_text='e.g. "£", "jobs", "%".')
    deadline = forms.DateField(required=False, widget=DATE_INPUT)
    realistic_because = forms.CharField(
        label="Why it is realistic", widget=TEXTAREA, required=False
    )
    priority = forms.ChoiceField(choices=Goal.Priority.choices, initial=Goal.Priority.MEDIUM)
    horizon = forms.ChoiceField(choices=Goal.Horizon.choices, initial=Goal.Horizon.SHORT)


class GoalEditForm(GoalForm):
    status = forms.ChoiceField(choices=Goal.Status.choices)
    reason = forms.CharField(widget=TEXTAREA, required=False, help_text=REASON_HELP)


class ActionForm(forms.Form):
    description = forms.CharField(widget=TEXTAREA)
    owner_kind = forms.ChoiceField(label="Owner", choices=Action.OwnerKind.choices)
    owner_name = forms.CharField(
        label="Owner's name", max_length=200, required=False, help_text="When someone else."
    )
    due_on = forms.DateField(label="Due on", widget=DATE_INPUT)
    resources = forms.CharField(
        label="Resources needed",
        widget=TEXTAREA,
        required=False,
        help_text="What is needed, and where it comes from.",
    )
    risks = forms.CharField(widget=TEXTAREA, required=False)
    contingency = forms.CharField(
        widget=TEXTAREA, required=False, help_text="What to do if the risks happen."
    )


class ActionEditForm(ActionForm):
    status = forms.ChoiceField(choices=Action.Status.choices)
    progress = forms.IntegerField(
        label="Progress (%)", min_value=0, max_value=100, help_text="From 0 to 100."
    )
    reason = forms.CharField(widget=TEXTAREA, required=False, help_text=REASON_HELP)


class AsOnForm(forms.Form):
    as_on = forms.DateField(label="Show the plan as it stood on", widget=DATE_INPUT)


# Helpers ---------------------------------------------------------------------------------------


def labelled(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    """A snapshot with display labels, for the templates."""
    if snapshot is None:
        return None
    goals = []
    for goal in snapshot.get("goals", []):
        actions = []
        for action in goal.get("actions", []):
            owner = (
                action.get("owner_name")
                if action.get("owner_kind") == Action.OwnerKind.OTHER
                else dict(Action.OwnerKind.choices).get(action.get("owner_kind"), "")
            )
            actions.append(
                {
                    **action,
                    "owner_label": owner,
                    "status_label": dict(Action.Status.choices).get(action.get("status"), ""),
                    "due": _date(action.get("due_on")),
                }
            )
        goals.append(
            {
                **goal,
                "actions": actions,
                "priority_label": dict(Goal.Priority.choices).get(goal.get("priority"), ""),
                "horizon_label": dict(Goal.Horizon.choices).get(goal.get("horizon"), ""),
                "status_label": dict(Goal.Status.choices).get(goal.get("status"), ""),
                "deadline_date": _date(goal.get("deadline")),
            }
        )
    return {**snapshot, "goals": goals}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class PlanViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _plan(request: HttpRequest, pk: int, action: str = "view") -> ActionPlan:
    plan: ActionPlan = get_object_for(request.user, ActionPlan, action, pk=pk)
    return plan


_render_form = render_form


# Pages -----------------------------------------------------------------------------------------


class PlanStartView(PlanViewMixin, View):
    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Start an action plan for {engagement.client}",
            engagement_url(engagement),
            "Work with the client to set SMART goals and the actions that lead to them.",
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        existing = ActionPlan.objects.filter(engagement=engagement).first()
        if existing is not None:
            return redirect(existing)
        return self._render(request, engagement, PlanStartForm())

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = PlanStartForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_start(
                    engagement=engagement,
                    title=form.cleaned_data["title"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Action plan started.")
                return redirect(plan)
        return self._render(request, engagement, form)


class PlanDetailView(PlanViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan(request, pk)
        policy = policy_for(ActionPlan)
        can_change = policy.allows(request.user, "change", plan) and plan.engagement.is_open
        as_on_form = AsOnForm(request.GET or None)
        as_on = None
        past = None
        if as_on_form.is_bound and as_on_form.is_valid():
            as_on = as_on_form.cleaned_data["as_on"]
            past = labelled(selectors.plan_as_on(plan=plan, moment=as_on))
        client_link = ""
        if can_change:
            client_link = request.build_absolute_uri(plan_link_path(plan))
        return render(
            request,
            "delivery/plan_detail.html",
            {
                "plan": plan,
                "engagement": plan.engagement,
                "engagement_url": engagement_url(plan.engagement),
                "current": labelled(services._snapshot(plan)),
                "changes": plan.changes.select_related("by").order_by("-occurred_at", "-pk"),
                "can_change": can_change,
                "can_audit": policy.allows(request.user, "audit", plan),
                "as_on_form": as_on_form,
                "as_on": as_on,
                "past": past,
                "client_link": client_link,
            },
        )


class PlanPrintView(PlanViewMixin, View):
    """A printable plan, without the site's menus."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan(request, pk)
        return render(
            request,
            "delivery/plan_print.html",
            {"plan": plan, "current": labelled(services._snapshot(plan)), "back": True},
        )


class GoalCreateView(PlanViewMixin, View):
    def _render(self, request: HttpRequest, plan: ActionPlan, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Add a goal to {plan}",
            plan.get_absolute_url(),
            "A SMART goal: specific, with a measure and a target, realistic, and a deadline.",
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, _plan(request, pk, "change"), GoalForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan(request, pk, "change")
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                services.goal_add(plan=plan, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Goal added to the plan.")
                return redirect(plan)
        return self._render(request, plan, form)


class GoalEditView(PlanViewMixin, View):
    def _goal(self, request: HttpRequest, pk: int) -> Goal:
        goal: Goal = get_object_for(request.user, Goal, "change", pk=pk)
        return goal

    def _render(self, request: HttpRequest, goal: Goal, form: Any) -> HttpResponse:
        return _render_form(request, form, "Change a goal", goal.plan.get_absolute_url())

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self._goal(request, pk)
        initial = {name: getattr(goal, name) for name in services.GOAL_FIELDS}
        return self._render(request, goal, GoalEditForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self._goal(request, pk)
        form = GoalEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.goal_update(goal=goal, reason=reason, acting_user=request.user, **data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Goal saved.")
                return redirect(goal.plan)
        return self._render(request, goal, form)


class ActionCreateView(PlanViewMixin, View):
    def _goal(self, request: HttpRequest, pk: int) -> Goal:
        goal: Goal = get_object_for(request.user, Goal, "change", pk=pk)
        return goal

    def _render(self, request: HttpRequest, goal: Goal, form: Any) -> HttpResponse:
        return _render_form(
            request, form, f"Add an action towards: {goal}", goal.plan.get_absolute_url()
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, self._goal(request, pk), ActionForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self._goal(request, pk)
        form = ActionForm(request.POST)
        if form.is_valid():
            try:
                services.action_add(goal=goal, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Action added to the plan.")
                return redirect(goal.plan)
        return self._render(request, goal, form)


class ActionEditView(PlanViewMixin, View):
    def _action(self, request: HttpRequest, pk: int) -> Action:
        action: Action = get_object_for(request.user, Action, "change", pk=pk)
        return action

    def _render(self, request: HttpRequest, action: Action, form: Any) -> HttpResponse:
        return _render_form(request, form, "Change an action", action.goal.plan.get_absolute_url())

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self._action(request, pk)
        initial = {name: getattr(action, name) for name in services.ACTION_FIELDS}
        return self._render(request, action, ActionEditForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self._action(request, pk)
        form = ActionEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.action_update(
                    action=action, reason=reason, acting_user=request.user, **data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Action saved.")
                return redirect(action.goal.plan)
        return self._render(request, action, form)


class PlanSignedView(View):
    """The client's read-only view of their plan as it stands, through the signed link.

    No sign-in. A bad token answers 404, an expired one 410; neither says anything about the plan.
    """

    def _refuse(
        self, request: HttpRequest, status: int, heading: str, message: str
    ) -> HttpResponse:
        return render(
            request,
            "delivery/signed_unavailable.html",
            {"heading": heading, "message": message},
            status=status,
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        bad = (
            "This link does not work",
            "Check that you copied the whole link, or ask your adviser to send it again.",
        )
        try:
            plan_id = read_plan_token(token)
        except LinkExpired:
            return self._refuse(
                request,
                410,
                "This link has expired",
                "Links to a plan last a limited time. Ask your adviser to send a new one.",
            )
        except LinkInvalid:
            return self._refuse(request, 404, *bad)
        plan = (
            ActionPlan.objects.select_related("engagement__client", "engagement__programme")
            .filter(pk=plan_id)
            .first()
        )
        if plan is None:
            return self._refuse(request, 404, *bad)
        return render(
            request,
            "delivery/signed_plan.html",
            {"plan": plan, "current": labelled(services._snapshot(plan))},
        )


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/action-plan/new/",
        PlanStartView.as_view(),
        name="plan-start",
    ),
    path("action-plans/<int:pk>/", PlanDetailView.as_view(), name="plan-detail"),
    path("action-plans/<int:pk>/print/", PlanPrintView.as_view(), name="plan-print"),
    path("action-plans/<int:pk>/goals/new/", GoalCreateView.as_view(), name="goal-create"),
    path("goals/<int:pk>/edit/", GoalEditView.as_view(), name="goal-edit"),
    path("goals/<int:pk>/actions/new/", ActionCreateView.as_view(), name="action-create"),
    path("plan-actions/<int:pk>/edit/", ActionEditView.as_view(), name="action-edit"),
    path("plan/<str:token>/", PlanSignedView.as_view(), name="plan-signed"),
]
