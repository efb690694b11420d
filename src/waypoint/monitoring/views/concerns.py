"""Pages for concerns and problems (000 reqs 5, 6): the list with overdue and referred-to-us
filters, raising one from an engagement (or programme-wide, for managers), and the concern's
page with its deadlines, timeline and one small form per step: acknowledge, assign, investigate,
refer on, record the response, add and complete actions, resolve, tell the client, close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views import View

from waypoint.core.models import Organisation, User
from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
    render_form,
)
from waypoint.delivery.models import Engagement, Programme
from waypoint.delivery.views.agreements import engagement_url
from waypoint.monitoring import selectors_concerns as selectors
from waypoint.monitoring.extension_points import concern_sections
from waypoint.monitoring.models import Concern
from waypoint.monitoring.services import concerns as services

FORM_TEMPLATE = "core/form.html"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
Status = Concern.Status


# Forms -----------------------------------------------------------------------------------------


class ConcernForm(forms.Form):
    source = forms.ChoiceField(
        label="Who raised it", choices=Concern.Source.choices, widget=forms.RadioSelect
    )
    raised_by_name = forms.CharField(
        label="Their name",
        max_length=200,
        required=False,
        help_text="When raised by the client or a partner.",
    )
    about = forms.ChoiceField(label="What it is about", choices=Concern.About.choices)
    severity = forms.ChoiceField(
        choices=Concern.Severity.choices, initial=Concern.Severity.MEDIUM, widget=forms.RadioSelect
    )
    summary = forms.CharField(label="The concern", widget=TEXTAREA)
    raised_on = forms.DateField(
        label="Raised on", required=False, widget=DATE_INPUT, help_text="Today if left empty."
    )


class ProgrammeConcernForm(ConcernForm):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none())
    field_order = ["programme"]

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(
        label="Acknowledged on", required=False, widget=DATE_INPUT, help_text="Today if empty."
    )


def _people(concern: Concern, *organisations: int | None) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__organisation_id__in=[o for o in organisations if o is not None],
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label="New owner", queryset=User.objects.none(), help_text="Someone in the organisation."
    )

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _people(concern, concern.organisation_id)


class InvestigateForm(forms.Form):
    investigation = forms.CharField(label="What the investigation found", widget=TEXTAREA)
    cause = forms.CharField(widget=TEXTAREA, required=False)


class ReferForm(forms.Form):
    referred_to = forms.CharField(
        label="To whom", max_length=200, help_text="The named person, role or organisation."
    )
    reason = forms.CharField(
        label="Why", widget=TEXTAREA, help_text="Why it is beyond the owner's responsibility."
    )
    referred_to_organisation = forms.ModelChoiceField(
        label="Refer in Waypoint to",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="No one in Waypoint",
        help_text="The programme's commissioner then sees the concern and can respond.",
    )
    referred_on = forms.DateField(
        label="Referred on", required=False, widget=DATE_INPUT, help_text="Today if empty."
    )

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["referred_to_organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        commissioner = concern.programme.organisation_id if concern.programme else None
        field.queryset = Organisation.objects.filter(pk=commissioner).exclude(
            pk=concern.organisation_id
        )


class ResponseForm(forms.Form):
    response = forms.CharField(label="Their response", widget=TEXTAREA)


class ActionForm(forms.Form):
    description = forms.CharField(label="What is to be done", widget=TEXTAREA)
    owner = forms.ModelChoiceField(
        label="Who will do it", queryset=User.objects.none(), required=False
    )
    owner_name = forms.CharField(
        label="Or their name",
        max_length=200,
        required=False,
        help_text="For someone outside Waypoint.",
    )
    due_on = forms.DateField(label="Due on", widget=DATE_INPUT)

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _people(
            concern, concern.organisation_id, concern.referred_to_organisation_id
        )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label="How it was resolved", widget=TEXTAREA)
    resolved_on = forms.DateField(
        label="Resolved on", required=False, widget=DATE_INPUT, help_text="Today if empty."
    )


class TellClientForm(forms.Form):
    told_on = forms.DateField(label="Client told on", widget=DATE_INPUT)
    how = forms.CharField(
        label="How the client was told", max_length=200, help_text="e.g. by phone, by letter."
    )
    satisfaction = forms.TypedChoiceField(
        label="The client's satisfaction with how their concern was handled",
        choices=[
            ("", "Not given"),
            (1, "1: very dissatisfied"),
            (2, "2"),
            (3, "3"),
            (4, "4"),
            (5, "5: very satisfied"),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class EmptyForm(forms.Form):
    pass


# List ------------------------------------------------------------------------------------------


class ConcernFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    severity = django_filters.ChoiceFilter(
        choices=Concern.Severity.choices, empty_label="Any severity"
    )
    about = django_filters.ChoiceFilter(choices=Concern.About.choices, empty_label="Anything")
    overdue = django_filters.BooleanFilter(
        label="Overdue", method="filter_flag", widget=forms.CheckboxInput
    )
    referred_to_us = django_filters.BooleanFilter(
        label="Referred to us", method="filter_flag", widget=forms.CheckboxInput
    )

    class Meta:
        model = Concern
        fields = ["q", "status", "severity", "about", "overdue", "referred_to_us"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_search(self, queryset: QuerySet[Concern], name: str, value: str) -> Any:
        return selectors.filter_concerns(queryset, self.user, {"q": value})

    def filter_flag(self, queryset: QuerySet[Concern], name: str, value: bool) -> Any:
        if not value:
            return queryset
        return selectors.filter_concerns(queryset, self.user, {name: True})


class ConcernTable(tables.Table):
    summary = tables.Column(
        verbose_name="Concern", linkify=lambda record: record.get_absolute_url(), orderable=False
    )
    about_whom = tables.Column(
        verbose_name="Client or programme", accessor="pk", orderable=False, empty_values=()
    )
    severity = tables.Column()
    status = tables.Column()
    raised_on = tables.DateColumn(verbose_name="Raised", format="j M Y")
    owner = tables.Column(default="No owner")
    is_overdue = tables.Column(verbose_name="Time limit", orderable=False, empty_values=())

    class Meta:
        model = Concern
        fields = ["summary", "about_whom", "severity", "status", "raised_on", "owner"]
        empty_text = "No concerns match."

    def render_summary(self, value: str) -> str:
        return value if len(value) <= 80 else value[:79] + "…"

    def render_about_whom(self, record: Concern) -> str:
        if record.engagement is not None:
            return str(record.engagement.client)
        return f"{record.programme} (whole programme)"

    def render_is_overdue(self, record: Concern) -> str:
        if getattr(record, "is_overdue", False):
            return "Overdue"
        return "Within time" if record.status in selectors.OPEN_STATUSES else "Dealt with"


class ConcernListView(PolicyListView):
    policy_model = Concern
    template_name = "monitoring/concern_list.html"
    table_class = ConcernTable
    filterset_class = ConcernFilterSet

    def get_queryset(self) -> Any:
        return selectors.concerns_for(self.request.user).annotate(
            is_overdue=Case(
                When(selectors.overdue_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def can_add(self) -> bool:
        return selectors.programmes_for_concerns(self.request.user).exists()


# Raising ---------------------------------------------------------------------------------------


_render_form = render_form


class ConcernCreateView(PolicyViewMixin, View):
    """Raise a concern about a client's support (000 req 5)."""

    policy_model = Engagement

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"Raise a concern about the support to {engagement.client}",
            engagement_url(engagement),
            intro="The lead adviser owns it until a manager assigns someone else.",
            submit_label="Raise the concern",
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        return self._render(request, engagement, ConcernForm())

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = ConcernForm(request.POST)
        if form.is_valid():
            try:
                concern = services.concern_raise(
                    engagement=engagement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Concern raised.")
                return redirect(concern)
        return self._render(request, engagement, form)


class ProgrammeConcernCreateView(PolicyViewMixin, View):
    """A manager raises a concern about a programme as a whole."""

    policy_model = Concern

    def _programmes(self, request: HttpRequest) -> QuerySet[Programme]:
        programmes = selectors.programmes_for_concerns(request.user)
        if not programmes.exists():
            raise PermissionDenied("Only a manager raises a concern about a whole programme.")
        return programmes

    def _render(self, request: HttpRequest, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            "Raise a concern about a programme",
            reverse("monitoring:concern-list"),
            submit_label="Raise the concern",
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ProgrammeConcernForm(
            programmes=self._programmes(request), initial={"source": Concern.Source.MANAGER}
        )
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProgrammeConcernForm(request.POST, programmes=self._programmes(request))
        if form.is_valid():
            try:
                concern = services.concern_raise(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Concern raised.")
                return redirect(concern)
        return self._render(request, form)


# The concern's page and its steps --------------------------------------------------------------


def _concern(request: HttpRequest, pk: int, action: str = "view") -> Concern:
    concern: Concern = get_object_for(request.user, Concern, action, pk=pk)
    return concern


# Step name -> (button label, whether the step is open to this concern and person).
def _steps(user: Any, concern: Concern) -> list[tuple[str, str]]:
    if not policy_for(Concern).allows(user, "change", concern):
        return []
    handler = services.is_handler(user, concern)
    status = concern.status
    is_open = services.is_open(concern)
    candidates: list[tuple[str, str, bool]] = [
        ("acknowledge", "Acknowledge", handler and services.can_move(concern, Status.ACKNOWLEDGED)),
        ("assign", "Assign an owner", handler and is_open),
        (
            "investigate",
            "Record the investigation",
            handler and services.can_move(concern, Status.INVESTIGATING),
        ),
        ("refer", "Refer it on", handler and services.can_move(concern, Status.REFERRED)),
        (
            "response",
            "Record their response",
            concern.referred_on is not None and is_open,
        ),
        ("action", "Add an action", handler and is_open),
        (
            "resolve",
            "Resolve",
            services.can_move(concern, Status.RESOLVED) and (handler or status == Status.REFERRED),
        ),
        ("tell-client", "Record telling the client", handler and status == Status.RESOLVED),
        ("close", "Close", handler and services.can_move(concern, Status.CLOSED)),
    ]
    return [(name, label) for name, label, shown in candidates if shown]


class ConcernViewMixin(PolicyViewMixin):
    policy_model = Concern


class ConcernDetailView(ConcernViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        concern = _concern(request, pk)
        policy = policy_for(Concern)
        can_change = policy.allows(request.user, "change", concern)
        handler = can_change and services.is_handler(request.user, concern)
        # What the concern's state allows, by the services' own rules: nothing more is
        # recorded on a closed concern (actions, changes agreed to the programme).
        is_open = services.is_open(concern)
        return render(
            request,
            "monitoring/concern_detail.html",
            {
                "concern": concern,
                "engagement": concern.engagement,
                "engagement_url": engagement_url(concern.engagement) if concern.engagement else "",
                "deadlines": selectors.concern_deadlines(concern),
                "actions": concern.actions.select_related("owner"),
                "timeline": selectors.concern_timeline(concern),
                "steps": _steps(request.user, concern),
                "can_complete_actions": handler and is_open,
                "can_audit": policy.allows(request.user, "audit", concern),
                "programme_changes": concern.programme_changes.all(),
                "can_record_change": is_open
                and concern.engagement is not None
                and concern.engagement.is_open
                and policy_for(Engagement).allows(request.user, "change", concern.engagement),
                "extra_sections": concern_sections(),
            },
        )


class StepView(ConcernViewMixin, View):
    """One step on a concern: a small form (GET) and the service call (POST)."""

    form_class: type[forms.Form] = EmptyForm
    title = ""
    intro = ""
    submit_label = "Save"
    success = ""
    takes_concern = False

    def call(self, concern: Concern, user: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def make_form(self, concern: Concern, data: Any = None) -> forms.Form:
        kwargs: dict[str, Any] = {"concern": concern} if self.takes_concern else {}
        return self.form_class(data, **kwargs)

    def _render(self, request: HttpRequest, concern: Concern, form: Any) -> HttpResponse:
        return _render_form(
            request,
            form,
            f"{self.title}: the concern raised on {concern.raised_on:%-d %b %Y}",
            concern.get_absolute_url(),
            intro=self.intro,
            submit_label=self.submit_label,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        concern = _concern(request, pk, "change")
        return self._render(request, concern, self.make_form(concern))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        concern = _concern(request, pk, "change")
        form = self.make_form(concern, request.POST)
        if form.is_valid():
            try:
                self.call(concern, request.user, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
                concern.refresh_from_db()
            else:
                messages.success(request, self.success)
                return redirect(concern)
        return self._render(request, concern, form)


def _step(
    name: str,
    form_class: type[forms.Form],
    call: Callable[[Concern, Any, dict[str, Any]], Any],
    *,
    title: str,
    success: str,
    submit_label: str = "Save",
    intro: str = "",
    takes_concern: bool = False,
) -> Any:
    view: Any = type(
        f"Concern{name.title().replace('-', '')}View",
        (StepView,),
        {
            "form_class": form_class,
            "call": staticmethod(call),
            "title": title,
            "success": success,
            "submit_label": submit_label,
            "intro": intro,
            "takes_concern": takes_concern,
        },
    )
    return path(f"concerns/<int:pk>/{name}/", view.as_view(), name=f"concern-{name}")


def _optional(data: dict[str, Any], key: str) -> dt.date | None:
    value = data.get(key)
    return value if isinstance(value, dt.date) else None


STEP_URLS = [
    _step(
        "acknowledge",
        AcknowledgeForm,
        lambda c, u, d: services.concern_acknowledge(
            concern=c, acting_user=u, acknowledged_on=_optional(d, "acknowledged_on")
        ),
        title="Acknowledge",
        success="Concern acknowledged.",
        submit_label="Acknowledge",
        intro="Record that the person who raised it has been told it was received.",
    ),
    _step(
        "assign",
        AssignForm,
        lambda c, u, d: services.concern_assign(concern=c, owner=d["owner"], acting_user=u),
        title="Assign an owner",
        success="Owner assigned.",
        takes_concern=True,
    ),
    _step(
        "investigate",
        InvestigateForm,
        lambda c, u, d: services.concern_investigate(concern=c, acting_user=u, **d),
        title="Investigation",
        success="Investigation recorded.",
    ),
    _step(
        "refer",
        ReferForm,
        lambda c, u, d: services.concern_refer(
            concern=c,
            acting_user=u,
            referred_to=d["referred_to"],
            reason=d["reason"],
            referred_to_organisation=d.get("referred_to_organisation"),
            referred_on=_optional(d, "referred_on"),
        ),
        title="Refer it on",
        success="Concern referred on.",
        submit_label="Refer",
        intro="When the problem lies beyond the owner's responsibility (000 req 6).",
        takes_concern=True,
    ),
    _step(
        "response",
        ResponseForm,
        lambda c, u, d: services.concern_record_response(
            concern=c, acting_user=u, response=d["response"]
        ),
        title="Their response",
        success="Response recorded.",
    ),
    _step(
        "action",
        ActionForm,
        lambda c, u, d: services.concern_action_add(concern=c, acting_user=u, **d),
        title="Add an action",
        success="Action added.",
        takes_concern=True,
    ),
    _step(
        "resolve",
        ResolveForm,
        lambda c, u, d: services.concern_resolve(
            concern=c,
            acting_user=u,
            resolution=d["resolution"],
            resolved_on=_optional(d, "resolved_on"),
        ),
        title="Resolve",
        success="Concern resolved.",
        submit_label="Resolve",
    ),
    _step(
        "tell-client",
        TellClientForm,
        lambda c, u, d: services.concern_tell_client(concern=c, acting_user=u, **d),
        title="Telling the client",
        success="Recorded how the client was told.",
    ),
    _step(
        "close",
        EmptyForm,
        lambda c, u, d: services.concern_close(concern=c, acting_user=u),
        title="Close",
        success="Concern closed.",
        submit_label="Close the concern",
        intro="A closed concern cannot change any more.",
    ),
]


class ConcernActionDoneView(ConcernViewMixin, View):
    def post(self, request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
        concern = _concern(request, pk, "change")
        action = concern.actions.filter(pk=action_pk).first()
        if action is None:
            messages.error(request, "No such action on this concern.")
            return redirect(concern)
        try:
            services.concern_action_done(action=action, acting_user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "Action marked done.")
        return redirect(concern)


urlpatterns = [
    path("concerns/", ConcernListView.as_view(), name="concern-list"),
    path("concerns/new/", ProgrammeConcernCreateView.as_view(), name="concern-create-programme"),
    path(
        "engagements/<int:engagement_pk>/concerns/new/",
        ConcernCreateView.as_view(),
        name="concern-create",
    ),
    path("concerns/<int:pk>/", ConcernDetailView.as_view(), name="concern-detail"),
    *STEP_URLS,
    path(
        "concerns/<int:pk>/actions/<int:action_pk>/done/",
        ConcernActionDoneView.as_view(),
        name="concern-action-done",
    ),
]
