"""Pages: the improvement register, plan, do, check, act (issue 6 item 8; 000 req 10).

- ``/performance/improvements/``: the improvements a person may see, grouped by stage, with
  filters (stage, source, owner, overdue) and a page at a time; how many are at each stage;
- ``new/`` (managers; ``?concern=<id>`` starts one from a concern), ``<id>/``, ``<id>/edit/``;
- ``<id>/move/<stage>/``: the step to the next stage asks for what that stage needs and for
  confirmation (the steps forward cannot be undone; a check may send it back to do);
- ``<id>/delete/``: only while it is still a plan, after confirmation.

A colleague of the improvement's organisation who may not see it is refused (403); anyone
else finds nothing (404).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from waypoint.core.models import Organisation, Team, User
from waypoint.core.permissions import policy_for
from waypoint.core.roles import Role, role_map
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.models import Programme
from waypoint.measures import selectors_improvements as selectors
from waypoint.measures.models import Improvement, Measure, ScopeKind
from waypoint.measures.services import improvements as services
from waypoint.measures.views.dashboards import format_difference, format_value, urlencode
from waypoint.monitoring.models import Concern

Status = Improvement.Status
PER_PAGE = 25
RAG_CLASSES = {
    "green": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    None: "text-bg-light border",
}
STAGE_WORDS = {
    Status.PLAN: "Decide what to change, how, by when, and the measure that will show whether "
    "it worked.",
    Status.DO: "Carry out the change.",
    Status.CHECK: "Compare the measure before and after the change and say what it shows.",
    Status.ACT: "Decide: adopt the change, adjust it, or abandon it.",
    Status.CLOSED: "Decided and closed.",
}
MOVE_LABELS = {
    Status.DO: "Start doing it",
    Status.CHECK: "Check the result",
    Status.ACT: "Act on what the check found",
    Status.CLOSED: "Record the decision and close",
}


def _improvement(user: Any, action: str, pk: int) -> Improvement:
    """The improvement, 403 for a colleague of its organisation who may not see it, 404 for
    anyone else."""
    try:
        found: Improvement = get_object_for(user, Improvement, action, pk=pk)
    except Http404:
        organisation_id = (
            Improvement.objects.filter(pk=pk).values_list("organisation_id", flat=True).first()
        )
        if organisation_id is not None and organisation_id in role_map(user):
            raise PermissionDenied("Your role does not show you this improvement.") from None
        raise
    return found


class RegisterAccessMixin(LoginRequiredMixin):
    """Sign-in required; 403 for a person who neither reads the register by role nor owns an
    improvement."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not selectors.may_use_register(request.user):
            raise PermissionDenied(
                "Your role does not give you access to the improvement register."
            )
        return super().dispatch(request, *args, **kwargs)


def _organisations_for_add(user: Any) -> QuerySet[Organisation]:
    ids = policy_for(Improvement).organisations_for_add(user)  # type: ignore[attr-defined]
    if ids is None:
        return Organisation.objects.filter(is_active=True).order_by("name")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def scope_choices(organisation_ids: list[int]) -> list[Any]:
    """Where a measure may be checked, grouped: the organisation, its programmes, teams and
    advisers (``kind:id``)."""
    many = len(organisation_ids) > 1
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    groups: list[Any] = [("", "The whole organisation")]
    groups.append(
        ("Organisation", [(f"organisation:{o.pk}", o.name) for o in organisations])
        if many
        else None
    )
    programmes = (
        Programme.objects.filter(
            Q(organisation_id__in=organisation_ids)
            | Q(delivering_organisations__in=organisation_ids)
        )
        .distinct()
        .order_by("name")
    )
    groups.append(("Programme", [(f"programme:{p.pk}", p.name) for p in programmes]))
    teams = Team.objects.filter(organisation_id__in=organisation_ids).order_by("name")
    groups.append(("Team", [(f"team:{t.pk}", t.name) for t in teams]))
    advisers = (
        User.objects.filter(
            role_assignments__organisation_id__in=organisation_ids,
            role_assignments__role__in=[Role.ADVISER, Role.MENTOR],
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    groups.append(
        ("Adviser", [(f"adviser:{a.pk}", a.get_full_name() or a.username) for a in advisers])
    )
    return [g for g in groups if g is not None and (isinstance(g[1], str) or g[1])]


# Forms ------------------------------------------------------------------------------------------


class ImprovementForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    title = forms.CharField(label="What to improve", max_length=200)
    source = forms.ChoiceField(label="Where it came from", choices=Improvement.Source.choices)
    detail = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was found, and by whom.",
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Owner")
    plan = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What will change, how and by whom. Needed before it is started.",
    )
    due_on = forms.DateField(
        label="Due by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        label="Measure to check",
        empty_label="Choose later",
        help_text="The measure that should show whether the change worked.",
    )
    scope = forms.ChoiceField(
        label="Checked for", required=False, help_text="Where the measure is read."
    )
    before_period = forms.CharField(
        label="Period before the change",
        required=False,
        max_length=12,
        help_text="2026-11 (a month), 2026/27 Q3 (a quarter) or 2026/27 (a year).",
    )
    after_period = forms.CharField(
        label="Period after the change",
        required=False,
        max_length=12,
        help_text="The same kind of period as before, once the change has had time to work.",
    )
    check_notes = forms.CharField(
        label="What the check found", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision = forms.ChoiceField(
        required=False,
        choices=[("", "Not decided yet"), *Improvement.Decision.choices],
        widget=forms.RadioSelect,
    )
    decision_notes = forms.CharField(
        label="Reasons for the decision", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        status: str = Status.PLAN,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ids = list(organisations.values_list("pk", flat=True))
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["owner"].queryset = services.people_for(ids)  # type: ignore[attr-defined]
        self.fields["measure"].queryset = Measure.objects.filter(  # type: ignore[attr-defined]
            Q(organisation__isnull=True) | Q(organisation_id__in=ids), is_active=True
        ).order_by("position", "name")
        self.fields["scope"].choices = scope_choices(ids)  # type: ignore[attr-defined]
        if status in (Status.PLAN, Status.DO):
            del self.fields["check_notes"]
        if status != Status.ACT:
            del self.fields["decision"]
            del self.fields["decision_notes"]

    def clean_scope(self) -> tuple[str, int | None]:
        value = self.cleaned_data.get("scope") or ""
        if not value:
            return ("", None)
        kind, _, pk = value.partition(":")
        if kind not in ScopeKind.values or not pk.isdigit():
            raise ValidationError("Choose where the measure is checked.")
        return (kind, int(pk))

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        kind, pk = data.pop("scope", ("", None))
        data["scope_kind"], data["scope_id"] = kind, pk
        return data


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), *Status.choices]
    )
    source = forms.ChoiceField(
        label="Came from", required=False, choices=[("", "Anywhere"), *Improvement.Source.choices]
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args: Any, visible: QuerySet[Improvement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=visible.values("owner_id")
        ).order_by("first_name", "last_name")


# The list ---------------------------------------------------------------------------------------


def _stage_order() -> Case:
    return Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(selectors.STAGES)],
        output_field=IntegerField(),
    )


class ImprovementListView(RegisterAccessMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        visible = Improvement.objects.restrict(request.user, "view")
        form = FilterForm(request.GET or None, visible=visible)
        data = form.cleaned_data if form.is_valid() else {}
        found = visible
        if data.get("status"):
            found = found.filter(status=data["status"])
        if data.get("source"):
            found = found.filter(source=data["source"])
        if data.get("owner") is not None:
            found = found.filter(owner=data["owner"])
        if data.get("overdue"):
            found = selectors.overdue(found, today)
        found = (
            found.select_related("owner", "measure", "organisation")
            .annotate(stage=_stage_order())
            .order_by("stage", "due_on", "-created_at")
        )
        page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        groups: list[dict[str, Any]] = []
        for improvement in page:
            if not groups or groups[-1]["status"] != improvement.status:
                groups.append(
                    {
                        "status": improvement.status,
                        "label": improvement.get_status_display(),
                        "rows": [],
                    }
                )
            groups[-1]["rows"].append(
                {
                    "improvement": improvement,
                    "overdue": improvement.due_on is not None
                    and improvement.due_on < today
                    and improvement.status != Status.CLOSED,
                }
            )
        query = {k: request.GET[k] for k in request.GET if k != "page" and request.GET[k]}
        return render(
            request,
            "measures/improvement_list.html",
            {
                "filter": form,
                "groups": groups,
                "page": page,
                "query": urlencode(query),
                "counts": selectors.stage_counts(visible),
                "overdue_count": selectors.overdue(visible, today).count(),
                "can_add": policy_for(Improvement).can_add(request.user),
                "show_organisation": visible.values("organisation_id").distinct().count() > 1,
            },
        )


# Adding and changing -----------------------------------------------------------------------------


def _concern_for(request: HttpRequest) -> Concern | None:
    pk = request.GET.get("concern") or request.POST.get("concern")
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404("No such concern.")
    concern: Concern = get_object_for(request.user, Concern, "view", pk=int(pk))
    return concern


class ImprovementCreateView(PolicyViewMixin, View):
    policy_model = Improvement
    policy_action = "add"

    def _render(
        self, request: HttpRequest, form: ImprovementForm, concern: Concern | None
    ) -> HttpResponse:
        return render(
            request,
            "measures/improvement_form.html",
            {
                "form": form,
                "title": "Add an improvement",
                "concern": concern,
                "cancel_url": reverse("measures:improvement-list"),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        concern = _concern_for(request)
        organisations = _organisations_for_add(request.user)
        initial: dict[str, Any] = {"owner": request.user.pk}
        if concern is not None:
            organisations = organisations.filter(pk=concern.organisation_id)
            initial.update(
                source=Improvement.Source.CONCERN,
                title=concern.summary.splitlines()[0][:200] if concern.summary else "",
                detail=f"From the concern raised on {concern.raised_on:%-d %B %Y}: "
                f"{concern.summary}",
            )
        form = ImprovementForm(initial=initial, organisations=organisations)
        return self._render(request, form, concern)

    def post(self, request: HttpRequest) -> HttpResponse:
        concern = _concern_for(request)
        organisations = _organisations_for_add(request.user)
        if concern is not None:
            organisations = organisations.filter(pk=concern.organisation_id)
        form = ImprovementForm(request.POST, organisations=organisations)
        if not form.is_valid():
            return self._render(request, form, concern)
        try:
            improvement = services.improvement_create(
                organisation=form.cleaned_data["organisation"],
                acting_user=request.user,
                concern=concern,
                **form.service_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._render(request, form, concern)
        messages.success(request, "Improvement added to the register.")
        return redirect("measures:improvement-detail", improvement.pk)


def _initial(improvement: Improvement) -> dict[str, Any]:
    scope = (
        f"{improvement.scope_kind}:{improvement.scope_id}"
        if improvement.scope_kind and improvement.scope_id is not None
        else ""
    )
    if scope == f"organisation:{improvement.organisation_id}":
        scope = ""
    return {
        "organisation": improvement.organisation_id,
        "title": improvement.title,
        "source": improvement.source,
        "detail": improvement.detail,
        "owner": improvement.owner_id,
        "plan": improvement.plan,
        "due_on": improvement.due_on,
        "measure": improvement.measure_id,
        "scope": scope,
        "before_period": improvement.before_period,
        "after_period": improvement.after_period,
        "check_notes": improvement.check_notes,
        "decision": improvement.decision,
        "decision_notes": improvement.decision_notes,
    }


class ImprovementEditView(RegisterAccessMixin, View):
    def _form(self, improvement: Improvement, **kwargs: Any) -> ImprovementForm:
        return ImprovementForm(
            organisations=Organisation.objects.filter(pk=improvement.organisation_id),
            status=improvement.status,
            **kwargs,
        )

    def _render(
        self, request: HttpRequest, form: ImprovementForm, improvement: Improvement
    ) -> HttpResponse:
        return render(
            request,
            "measures/improvement_form.html",
            {
                "form": form,
                "title": f"Change: {improvement.title}",
                "improvement": improvement,
                "cancel_url": reverse("measures:improvement-detail", args=[improvement.pk]),
            },
        )

    def _get(self, request: HttpRequest, pk: int) -> Improvement:
        improvement = _improvement(request.user, "change", pk)
        if improvement.status == Status.CLOSED:
            raise PermissionDenied("This improvement is closed: it no longer changes.")
        return improvement

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        improvement = self._get(request, pk)
        return self._render(
            request, self._form(improvement, initial=_initial(improvement)), improvement
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        improvement = self._get(request, pk)
        data = request.POST.copy()
        data["organisation"] = str(improvement.organisation_id)
        form = self._form(improvement, data=data)
        if not form.is_valid():
            return self._render(request, form, improvement)
        try:
            services.improvement_update(
                improvement=improvement, acting_user=request.user, **form.service_fields()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            improvement.refresh_from_db()
            return self._render(request, form, improvement)
        messages.success(request, "Improvement saved.")
        return redirect("measures:improvement-detail", improvement.pk)


# One improvement ------------------------------------------------------------------------------


def comparison_context(improvement: Improvement) -> dict[str, Any] | None:
    """The measure before and after, formatted, for the detail and check pages."""
    found = selectors.before_and_after(improvement, timezone.localdate())
    if found is None or improvement.measure is None:
        return None
    unit = improvement.measure.unit

    def side(s: selectors.Side | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            "period": s.period,
            "value": format_value(s.figure.value, unit),
            "records": s.figure.records,
            "target": format_value(s.target_due, unit) if s.target is not None else "",
            "rag": s.rag,
            "rag_label": s.rag_label,
            "rag_class": RAG_CLASSES.get(s.rag, RAG_CLASSES[None]),
        }

    change = found.change
    better = selectors.better(improvement, found)
    return {
        "measure": improvement.measure,
        "scope": found.scope,
        "before": side(found.before),
        "after": side(found.after),
        "change": format_difference(change, unit) if change is not None else "",
        "better": better,
    }


def _moves(improvement: Improvement) -> list[tuple[str, str]]:
    """The steps open to the improvement, each with its button's words."""
    return [
        (
            to,
            "Send back to do"
            if to == Status.DO and improvement.status == Status.CHECK
            else MOVE_LABELS[Status(to)],
        )
        for to in services.moves_from(improvement.status)
    ]


class ImprovementDetailView(RegisterAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        improvement = _improvement(request.user, "view", pk)
        policy = policy_for(Improvement)
        can_change = policy.allows(request.user, "change", improvement)
        today = timezone.localdate()
        return render(
            request,
            "measures/improvement_detail.html",
            {
                "improvement": improvement,
                "concern": improvement.concern
                if improvement.concern is not None
                and policy_for(Concern).allows(request.user, "view", improvement.concern)
                else None,
                "stages": [
                    (s.value, str(s.label), selectors.STAGES.index(s)) for s in selectors.STAGES
                ],
                "stage_index": selectors.STAGES.index(Status(improvement.status)),
                "stage_words": STAGE_WORDS[Status(improvement.status)],
                "comparison": comparison_context(improvement),
                "events": selectors.timeline(improvement),
                "moves": _moves(improvement) if can_change else [],
                "can_change": can_change and improvement.status != Status.CLOSED,
                "can_delete": improvement.status == Status.PLAN
                and policy.allows(request.user, "delete", improvement),
                "overdue": improvement.due_on is not None
                and improvement.due_on < today
                and improvement.status != Status.CLOSED,
            },
        )


# Moving and deleting ------------------------------------------------------------------------


class MoveForm(forms.Form):
    """What the step to ``to`` needs; the fields of other steps are left out."""

    note = forms.CharField(
        label="Why it goes back", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    before_period = ImprovementForm.base_fields["before_period"]
    after_period = ImprovementForm.base_fields["after_period"]
    check_notes = ImprovementForm.base_fields["check_notes"]
    decision = forms.ChoiceField(
        required=False, choices=Improvement.Decision.choices, widget=forms.RadioSelect
    )
    decision_notes = ImprovementForm.base_fields["decision_notes"]

    STEP_FIELDS = {
        "back": ("note",),
        Status.DO: (),
        Status.CHECK: ("before_period", "after_period"),
        Status.ACT: ("check_notes",),
        Status.CLOSED: ("decision", "decision_notes"),
    }

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.STEP_FIELDS[step]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class ImprovementMoveView(RegisterAccessMixin, View):
    def _setup(self, request: HttpRequest, pk: int, to: str) -> tuple[Improvement, str]:
        improvement = _improvement(request.user, "change", pk)
        if to not in services.moves_from(improvement.status):
            raise Http404("That is not the improvement's next step.")
        step = "back" if (improvement.status, to) == (Status.CHECK, Status.DO) else to
        return improvement, step

    def _render(
        self, request: HttpRequest, improvement: Improvement, to: str, step: str, form: MoveForm
    ) -> HttpResponse:
        title = "Send back to do" if step == "back" else MOVE_LABELS[Status(to)]
        return render(
            request,
            "measures/improvement_move.html",
            {
                "improvement": improvement,
                "form": form,
                "title": title,
                "step": step,
                "to_label": Status(to).label,
                "comparison": comparison_context(improvement)
                if step in (Status.ACT, Status.CLOSED, "back")
                else None,
                "cancel_url": reverse("measures:improvement-detail", args=[improvement.pk]),
            },
        )

    def get(self, request: HttpRequest, pk: int, to: str) -> HttpResponse:
        improvement, step = self._setup(request, pk, to)
        form = MoveForm(step=step, initial=_initial(improvement))
        return self._render(request, improvement, to, step, form)

    def post(self, request: HttpRequest, pk: int, to: str) -> HttpResponse:
        improvement, step = self._setup(request, pk, to)
        form = MoveForm(request.POST, step=step)
        if not form.is_valid():
            return self._render(request, improvement, to, step, form)
        given = dict(form.cleaned_data)
        try:
            services.improvement_move(
                improvement=improvement, acting_user=request.user, to=to, **given
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            improvement.refresh_from_db()
            return self._render(request, improvement, to, step, form)
        messages.success(request, f"Moved to {Status(to).label.lower()}.")
        return redirect("measures:improvement-detail", improvement.pk)


class ImprovementDeleteView(RegisterAccessMixin, View):
    def _get(self, request: HttpRequest, pk: int) -> Improvement:
        improvement = _improvement(request.user, "delete", pk)
        if improvement.status != Status.PLAN:
            raise PermissionDenied("Only an improvement still being planned can be deleted.")
        return improvement

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        improvement = self._get(request, pk)
        return render(
            request,
            "measures/improvement_confirm_delete.html",
            {
                "improvement": improvement,
                "cancel_url": reverse("measures:improvement-detail", args=[improvement.pk]),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        improvement = self._get(request, pk)
        services.improvement_delete(improvement=improvement, acting_user=request.user)
        messages.success(request, "Improvement deleted.")
        return redirect("measures:improvement-list")


urlpatterns: list[URLPattern] = [
    path("improvements/", ImprovementListView.as_view(), name="improvement-list"),
    path("improvements/new/", ImprovementCreateView.as_view(), name="improvement-create"),
    path("improvements/<int:pk>/", ImprovementDetailView.as_view(), name="improvement-detail"),
    path("improvements/<int:pk>/edit/", ImprovementEditView.as_view(), name="improvement-edit"),
    path(
        "improvements/<int:pk>/move/<slug:to>/",
        ImprovementMoveView.as_view(),
        name="improvement-move",
    ),
    path(
        "improvements/<int:pk>/delete/", ImprovementDeleteView.as_view(), name="improvement-delete"
    ),
]


def register_nav() -> None:
    """The menu's "Improvements" link and the home page's overdue improvements
    (measures.extensions)."""
    from waypoint.core.navigation import NavItem, add_attention_source, add_nav_item

    add_nav_item(
        NavItem(
            "Improvements",
            "measures:improvement-list",
            selectors.may_use_register,
            order=80,
            group="Performance",
        )
    )
    add_attention_source(improvement_attention)


def improvement_attention(user: Any) -> list[Any]:
    """ "N improvements of yours are overdue", for their owner."""
    from waypoint.core.navigation import AttentionItem

    if not getattr(user, "is_authenticated", False):
        return []
    count = selectors.overdue_of(user, timezone.localdate()).count()
    if not count:
        return []
    url = (
        reverse("measures:improvement-list")
        + "?"
        + urlencode({"owner": str(user.pk), "overdue": "on"})
    )
    return [
        AttentionItem(
            title=f"{count} improvement{'s' if count != 1 else ''} of yours "
            f"{'are' if count != 1 else 'is'} overdue",
            detail="Past the date they were due by: move them on or agree a new date.",
            url=url,
            level="warning",
            count=count,
        )
    ]
