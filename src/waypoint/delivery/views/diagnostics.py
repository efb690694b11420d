"""Pages for diagnostics: start one from a template, answer its questions (save a draft,
complete it: dated and attributed), the completed diagnostic with its results, what changed
since the client's previous one and its findings, findings turned into goals of the action
plan. The templates' own pages are in views/diagnostic_templates.py.

001 E5.08 1.1 (analyse the business with established diagnostic tools), 2.1 (readiness to
change), 2.2 (prioritise changes), 3.1 (devise an action plan).
"""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
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
)
from waypoint.delivery import selectors_diagnostics as selectors
from waypoint.delivery.diagnostic_definitions import RATIOS, Definition, Item, clean_answers
from waypoint.delivery.models import Diagnostic, DiagnosticTemplate, Engagement, Finding
from waypoint.delivery.services import diagnostics as services
from waypoint.delivery.views.action_plans import DATE_INPUT, FORM_TEMPLATE, GoalForm
from waypoint.delivery.views.agreements import engagement_url

CONFIRM_TEMPLATE = "core/confirm_delete.html"
DIRECTIONS = {
    "better": "Better",
    "worse": "Worse",
    "changed": "Changed",
    "new": "Added",
    "gone": "No longer listed",
}
PRIORITY_ORDER = Case(
    When(priority=Finding.Priority.HIGH, then=Value(0)),
    When(priority=Finding.Priority.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# Forms -----------------------------------------------------------------------------------------


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label="Completed on", required=False, widget=DATE_INPUT)


class FindingForm(forms.Form):
    text = forms.CharField(
        label="Finding", widget=forms.Textarea(attrs={"rows": 2}), help_text="What was found."
    )
    priority = forms.ChoiceField(choices=Finding.Priority.choices, initial=Finding.Priority.MEDIUM)
    item_key = forms.ChoiceField(label="Area", required=False)

    def __init__(self, *args: Any, definition: Definition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Not one area"), *_areas(definition).items()]


# Helpers ---------------------------------------------------------------------------------------


def _areas(definition: Definition) -> dict[str, str]:
    """Item keys and ratio names a finding can be about, with their labels."""
    areas = {item.key: item.label for item in definition.items()}
    areas.update({use.name: RATIOS[use.name].label for use in definition.ratios})
    return areas


def _score_label(item: Item, value: int) -> str:
    assert item.scale is not None
    label = item.scale.labels.get(value)
    return f"{value} \N{EN DASH} {label}" if label else str(value)


def _figure(value: str, unit: str) -> str:
    try:
        amount = decimal.Decimal(value)
    except decimal.InvalidOperation:
        return value
    if unit == "£":
        return f"£{amount:,.2f}"
    return f"{amount:,.2f} {unit}".strip()


def _questionnaire(
    definition: Definition, values: dict[str, Any], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The questions with the values to show (saved answers, or what was just posted) and
    the error of each item, ready for the template."""
    sections = []
    for section in definition.sections:
        items = []
        for item in section.items:
            answer = values.get(item.key) or {}
            base = f"item-{item.key}"
            entry: dict[str, Any] = {
                "item": item,
                "base": base,
                "error": errors.get(item.key, ""),
                "options": [],
            }
            if item.type == "score":
                assert item.scale is not None
                chosen = "" if answer.get("score") is None else str(answer.get("score"))
                options = [(str(v), _score_label(item, v)) for v in item.scale.values]
                entry["options"] = _options(f"{base}-score", [*options, ("", "Not scored")], chosen)
                entry["notes"] = answer.get("notes", "")
            elif item.type == "choice":
                chosen_values = answer.get("choices") or []
                options = [(o.value, o.label) for o in item.options]
                if not item.multiple:
                    options.append(("", "No answer"))
                    chosen_values = chosen_values or [""]
                entry["options"] = _options(f"{base}-choices", options, *chosen_values)
            elif item.type == "list":
                lines = answer.get("lines", "")
                entry["lines"] = "\n".join(lines) if isinstance(lines, list) else lines
            elif item.type == "figure":
                entry["value"] = answer.get("value", "")
            else:
                entry["text"] = answer.get("text", "")
            entry["anchor"] = entry["options"][0]["id"] if entry["options"] else f"{base}-input"
            items.append(entry)
        sections.append({"section": section, "items": items})
    return sections


def _options(name: str, options: list[tuple[str, str]], *chosen: str) -> list[dict[str, Any]]:
    return [
        {"id": f"{name}-{index}", "value": value, "label": label, "checked": value in chosen}
        for index, (value, label) in enumerate(options)
    ]


def _posted_answers(definition: Definition, data: Any) -> dict[str, Any]:
    """The answers as the form sent them; the service checks them (errors by item key)."""
    answers: dict[str, Any] = {}
    for item in definition.items():
        base = f"item-{item.key}"
        if item.type == "score":
            answer: dict[str, Any] = {
                "score": data.get(f"{base}-score", ""),
                "notes": data.get(f"{base}-notes", ""),
            }
        elif item.type == "choice":
            answer = {"choices": [c for c in data.getlist(f"{base}-choices") if c]}
        elif item.type == "list":
            answer = {"lines": data.get(f"{base}-lines", "")}
        elif item.type == "figure":
            answer = {"value": data.get(f"{base}-value", "")}
        else:
            answer = {"text": data.get(f"{base}-text", "")}
        answers[item.key] = answer
    return answers


def _answer_rows(definition: Definition, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each section's answers as text, for reading."""
    sections = []
    for section in definition.sections:
        rows = []
        for item in section.items:
            answer = answers.get(item.key) or {}
            row: dict[str, Any] = {"label": item.label, "answer": "", "lines": [], "notes": ""}
            if item.type == "score" and "score" in answer:
                row["answer"] = _score_label(item, answer["score"])
                if item.scale and answer["score"] in item.scale.concern:
                    row["answer"] += " (a concern)"
            elif item.type == "list":
                row["lines"] = answer.get("lines", [])
            elif item.type == "figure" and answer.get("value"):
                row["answer"] = _figure(answer["value"], item.unit)
            elif item.type == "choice" and answer.get("choices"):
                labels = []
                for option in item.options:
                    if option.value in answer["choices"]:
                        labels.append(option.label + (" (a concern)" if option.concern else ""))
                row["answer"] = ", ".join(labels)
            elif item.type == "text":
                row["answer"] = answer.get("text", "")
            row["notes"] = answer.get("notes", "") if item.type == "score" else ""
            rows.append(row)
        sections.append({"section": section, "rows": rows})
    return sections


def _results(definition: Definition, results: dict[str, Any]) -> dict[str, Any]:
    averages = [
        {"title": s.title, **results["sections"][s.key]}
        for s in definition.sections
        if s.key in results.get("sections", {})
    ]
    ratios = []
    for use in definition.ratios:
        result = results.get("ratios", {}).get(use.name, {})
        ratio = RATIOS[use.name]
        ratios.append(
            {
                "label": ratio.label,
                "display": result.get("display") or result.get("note", "Not computed."),
                "computed": result.get("value") is not None,
                "concern": bool(result.get("concern")),
                "explanation": ratio.explanation,
            }
        )
    return {"averages": averages, "ratios": ratios}


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return dict(error.message_dict)
    return {"__all__": list(error.messages)}


class DiagnosticViewMixin(PolicyViewMixin):
    # Records of an engagement: 403 for someone who sees no engagement at all, 404 out of scope.
    policy_model = Engagement


def _diagnostic(request: HttpRequest, pk: int, action: str = "view") -> Diagnostic:
    diagnostic: Diagnostic = get_object_for(request.user, Diagnostic, action, pk=pk)
    return diagnostic


def _finding(request: HttpRequest, pk: int) -> Finding:
    finding: Finding = get_object_for(request.user, Finding, "change", pk=pk)
    return finding


# Diagnostics -----------------------------------------------------------------------------------


class DiagnosticStartView(DiagnosticViewMixin, View):
    """Choose a template that suits the client; starting makes a draft."""

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(
        self, request: HttpRequest, engagement: Engagement, error: str = "", chosen: str = ""
    ) -> HttpResponse:
        templates = selectors.templates_for(user=request.user, engagement=engagement)
        kinds = dict(DiagnosticTemplate.Kind.choices)
        groups: dict[str, list[DiagnosticTemplate]] = {}
        for template in templates.select_related("organisation"):
            groups.setdefault(kinds.get(template.kind, template.kind), []).append(template)
        return render(
            request,
            "delivery/diagnostic_start.html",
            {
                "engagement": engagement,
                "engagement_url": engagement_url(engagement),
                "groups": sorted(groups.items()),
                "error": error,
                "chosen": chosen,
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        return self._render(request, self._engagement(request, engagement_pk))

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        chosen = request.POST.get("template", "")
        offered = selectors.templates_for(user=request.user, engagement=engagement)
        template = offered.filter(pk=chosen).first() if chosen.isdigit() else None
        if template is None:
            return self._render(request, engagement, "Choose one of the templates offered.")
        try:
            diagnostic = services.diagnostic_start(
                engagement=engagement, template=template, acting_user=request.user
            )
        except ValidationError as error:
            return self._render(request, engagement, " ".join(error.messages), chosen)
        messages.success(request, f"{template.name} started: answer its questions with the client.")
        return redirect("delivery:diagnostic-answer", diagnostic.pk)


class DiagnosticDetailView(DiagnosticViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk)
        engagement = diagnostic.engagement
        definition = selectors.definition_of(diagnostic.template)
        can_change = policy_for(Diagnostic).allows(request.user, "change", diagnostic)
        context: dict[str, Any] = {
            "diagnostic": diagnostic,
            "template": diagnostic.template,
            "engagement": engagement,
            "engagement_url": engagement_url(engagement),
            "definition": definition,
            "answers": _answer_rows(definition, diagnostic.answers),
            "can_change": can_change,
            "can_plan": can_change and engagement.is_open,
        }
        if diagnostic.is_completed:
            previous, changes = selectors.changes_from_previous(
                diagnostic=diagnostic, user=request.user
            )
            areas = _areas(definition)
            findings = list(
                diagnostic.findings.select_related("goal__plan").order_by(
                    PRIORITY_ORDER, "position", "pk"
                )
            )
            for finding in findings:
                finding.area_label = areas.get(finding.item_key, "")  # type: ignore[attr-defined]
            context.update(
                {
                    "results": _results(definition, diagnostic.results),
                    "previous": previous,
                    "changes": [
                        {"change": c, "direction": DIRECTIONS.get(c.direction, c.direction)}
                        for c in changes
                    ],
                    "findings": findings,
                    "suggestions": [
                        {"key": key, "text": text, "area": areas.get(key, "")}
                        for key, text in selectors.finding_suggestions(diagnostic)
                    ],
                    "priorities": Finding.Priority.choices,
                    "finding_form": FindingForm(definition=definition),
                }
            )
        return render(request, "delivery/diagnostic_detail.html", context)


class DiagnosticAnswerView(DiagnosticViewMixin, View):
    """The questions of the template; "Save draft" keeps the answers so far, "Complete" checks
    that the required ones are answered and dates and attributes the diagnostic."""

    def _render(
        self,
        request: HttpRequest,
        diagnostic: Diagnostic,
        values: dict[str, Any],
        errors: dict[str, list[str]],
        complete_form: CompleteForm,
        summary: str,
    ) -> HttpResponse:
        definition = selectors.definition_of(diagnostic.template)
        first = {key: messages_[0] for key, messages_ in errors.items() if messages_}
        sections = _questionnaire(definition, values, first)
        anchors = {e["item"].key: e["anchor"] for s in sections for e in s["items"]}
        anchors.update({"completed_on": "id_completed_on"})
        labels = {item.key: item.label for item in definition.items()}
        summary_errors = [
            {
                "anchor": anchors.get(key, ""),
                "message": message
                if key not in labels or message.startswith(labels[key])
                else f"{labels[key]}: {message}",
            }
            for key, messages_ in errors.items()
            for message in messages_
        ]
        return render(
            request,
            "delivery/diagnostic_answer.html",
            {
                "diagnostic": diagnostic,
                "engagement": diagnostic.engagement,
                "definition": definition,
                "sections": sections,
                "summary_errors": summary_errors,
                "completed_on_error": first.get("completed_on", ""),
                "complete_form": complete_form,
                "summary": summary,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        if diagnostic.is_completed:
            messages.info(request, "This diagnostic was completed and is kept as it was.")
            return redirect(diagnostic)
        today = local_date(timezone.now(), diagnostic.engagement.organisation.time_zone)
        complete_form = CompleteForm(initial={"completed_on": today})
        return self._render(
            request, diagnostic, diagnostic.answers, {}, complete_form, diagnostic.summary
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        if diagnostic.is_completed:
            messages.info(request, "This diagnostic was completed and is kept as it was.")
            return redirect(diagnostic)
        definition = selectors.definition_of(diagnostic.template)
        answers = _posted_answers(definition, request.POST)
        summary = request.POST.get("summary", "")
        complete_form = CompleteForm(request.POST)
        completing = request.POST.get("action") == "complete"
        errors: dict[str, list[str]] = {}
        try:
            if completing:
                if not complete_form.is_valid():
                    # Say what else is wrong too, so that one more try is enough.
                    _, wrong = clean_answers(definition, answers, complete=True)
                    raise ValidationError(
                        {**{k: [v] for k, v in wrong.items()}, **complete_form.errors}
                    )
                services.diagnostic_complete(
                    diagnostic=diagnostic,
                    answers=answers,
                    summary=summary,
                    completed_on=complete_form.cleaned_data["completed_on"],
                    acting_user=request.user,
                )
            else:
                services.diagnostic_save(
                    diagnostic=diagnostic,
                    answers=answers,
                    summary=summary,
                    acting_user=request.user,
                )
        except ValidationError as error:
            errors = _errors_of(error)
            diagnostic.refresh_from_db()
            return self._render(request, diagnostic, answers, errors, complete_form, summary)
        if completing:
            messages.success(request, "Diagnostic completed.")
            return redirect(diagnostic)
        messages.success(request, "Draft saved.")
        return redirect("delivery:diagnostic-answer", diagnostic.pk)


class DiagnosticDiscardView(DiagnosticViewMixin, View):
    def _render(
        self, request: HttpRequest, diagnostic: Diagnostic, error: str = ""
    ) -> HttpResponse:
        return render(
            request,
            CONFIRM_TEMPLATE,
            {
                "title": f"Discard this draft {diagnostic.template.name}?",
                "consequences": [
                    "The answers saved so far are thrown away.",
                    "Completed diagnostics are kept: only this draft goes.",
                ],
                "confirm_label": "Discard draft",
                "cancel_url": reverse("delivery:diagnostic-answer", args=[diagnostic.pk]),
                "error": error,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        if diagnostic.is_completed:
            return redirect(diagnostic)
        return self._render(request, diagnostic)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        engagement = diagnostic.engagement
        try:
            services.diagnostic_discard(diagnostic=diagnostic, acting_user=request.user)
        except ValidationError as error:
            return self._render(request, diagnostic, " ".join(error.messages))
        messages.success(request, "Draft discarded.")
        return redirect(engagement_url(engagement))


# Findings --------------------------------------------------------------------------------------


class FindingAddView(DiagnosticViewMixin, View):
    """Record a finding: one of the suggestions (its button) or written by the adviser."""

    def _render(self, request: HttpRequest, diagnostic: Diagnostic, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": f"Add a finding to the {diagnostic}",
                "intro": "Something the client wants to change, with its priority.",
                "cancel_url": diagnostic.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        definition = selectors.definition_of(diagnostic.template)
        return self._render(request, diagnostic, FindingForm(definition=definition))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        diagnostic = _diagnostic(request, pk, "change")
        form = FindingForm(request.POST, definition=selectors.definition_of(diagnostic.template))
        if form.is_valid():
            try:
                services.finding_add(
                    diagnostic=diagnostic,
                    text=form.cleaned_data["text"],
                    priority=form.cleaned_data["priority"],
                    item_key=form.cleaned_data["item_key"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Finding added.")
                return redirect(diagnostic.get_absolute_url() + "#findings")
        return self._render(request, diagnostic, form)


class FindingEditForm(forms.Form):
    text = FindingForm.base_fields["text"]
    priority = FindingForm.base_fields["priority"]


class FindingEditView(DiagnosticViewMixin, View):
    """Reword a finding or change its priority (its area stays)."""

    def _render(self, request: HttpRequest, finding: Finding, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": "Change a finding",
                "intro": "Findings are kept in priority order: the most important first.",
                "cancel_url": finding.diagnostic.get_absolute_url() + "#findings",
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = _finding(request, pk)
        initial = {"text": finding.text, "priority": finding.priority}
        return self._render(request, finding, FindingEditForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = _finding(request, pk)
        form = FindingEditForm(request.POST)
        if form.is_valid():
            try:
                services.finding_update(
                    finding=finding, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Finding saved.")
                return redirect(finding.diagnostic.get_absolute_url() + "#findings")
        return self._render(request, finding, form)


class FindingRemoveView(DiagnosticViewMixin, View):
    def _render(self, request: HttpRequest, finding: Finding, error: str = "") -> HttpResponse:
        return render(
            request,
            CONFIRM_TEMPLATE,
            {
                "title": "Remove this finding?",
                "consequences": [finding.text],
                "confirm_label": "Remove finding",
                "cancel_url": finding.diagnostic.get_absolute_url(),
                "error": error,
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, _finding(request, pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = _finding(request, pk)
        diagnostic = finding.diagnostic
        try:
            services.finding_remove(finding=finding, acting_user=request.user)
        except ValidationError as error:
            return self._render(request, finding, " ".join(error.messages))
        messages.success(request, "Finding removed.")
        return redirect(diagnostic.get_absolute_url() + "#findings")


class FindingGoalView(DiagnosticViewMixin, View):
    """Turn a finding into a SMART goal of the action plan (started if there is none)."""

    def _render(self, request: HttpRequest, finding: Finding, form: Any) -> HttpResponse:
        return render(
            request,
            FORM_TEMPLATE,
            {
                "form": form,
                "title": "Make this finding a goal of the action plan",
                "intro": "A SMART goal: specific, with a measure and a target, realistic, and "
                "a deadline. The action plan is started if the engagement has none.",
                "cancel_url": finding.diagnostic.get_absolute_url(),
                "submit_label": "Add the goal",
            },
        )

    def _finding(self, request: HttpRequest, pk: int) -> Finding | HttpResponse:
        finding = _finding(request, pk)
        if finding.goal_id is not None:
            assert finding.goal is not None
            messages.info(request, "This finding is already a goal of the plan.")
            return redirect(finding.goal.plan)
        return finding

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = self._finding(request, pk)
        if isinstance(finding, HttpResponse):
            return finding
        form = GoalForm(initial={"statement": finding.text, "priority": finding.priority})
        return self._render(request, finding, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = self._finding(request, pk)
        if isinstance(finding, HttpResponse):
            return finding
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                goal = services.finding_to_goal(
                    finding=finding, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "The finding is now a goal of the action plan.")
                return redirect(goal.plan)
        return self._render(request, finding, form)


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/diagnostics/new/",
        DiagnosticStartView.as_view(),
        name="diagnostic-start",
    ),
    path("diagnostics/<int:pk>/", DiagnosticDetailView.as_view(), name="diagnostic-detail"),
    path("diagnostics/<int:pk>/answer/", DiagnosticAnswerView.as_view(), name="diagnostic-answer"),
    path(
        "diagnostics/<int:pk>/discard/", DiagnosticDiscardView.as_view(), name="diagnostic-discard"
    ),
    path("diagnostics/<int:pk>/findings/new/", FindingAddView.as_view(), name="finding-add"),
    path("findings/<int:pk>/edit/", FindingEditView.as_view(), name="finding-edit"),
    path("findings/<int:pk>/remove/", FindingRemoveView.as_view(), name="finding-remove"),
    path("findings/<int:pk>/goal/", FindingGoalView.as_view(), name="finding-goal"),
]
