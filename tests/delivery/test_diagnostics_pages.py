"""Diagnostics pages: start from a template, answer (draft, errors, complete), the completed
diagnostic with results, what changed and findings, findings into goals, and the template
pages. Every view goes through ``check_access``."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import person
from tests.permissions import check_access, request_as
from waypoint.core.roles import Role
from waypoint.delivery.models import (
    ActionPlan,
    Diagnostic,
    DiagnosticTemplate,
    Finding,
    Goal,
    PlanChange,
)
from waypoint.delivery.services import diagnostics as services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate

HEALTH = {
    "key": "hub-health",
    "version": 1,
    "name": "Hub health check",
    "kind": "health_check",
    "audience": "business",
    "description": "Score each area with the owner.",
    "scales": {
        "health": {
            "min": 1,
            "max": 5,
            "labels": {
                "1": "Serious weakness",
                "2": "Needs attention",
                "3": "Adequate",
                "4": "Good",
                "5": "A real strength",
            },
            "concern": [1, 2],
            "better": "higher",
        }
    },
    "sections": [
        {
            "key": "finance",
            "title": "Finance",
            "items": [
                {"key": "cash_flow", "type": "score", "scale": "health", "label": "Cash flow"},
                {"key": "turnover", "type": "figure", "label": "Turnover", "unit": "£"},
                {"key": "cost_of_sales", "type": "figure", "label": "Cost of sales", "unit": "£"},
            ],
        },
        {
            "key": "market",
            "title": "Market",
            "items": [
                {
                    "key": "threats",
                    "type": "list",
                    "label": "Threats",
                    "finding": True,
                    "finding_prefix": "Threat",
                },
                {
                    "key": "channels",
                    "type": "choice",
                    "label": "Sales channels",
                    "multiple": True,
                    "options": [
                        {"value": "shop", "label": "Shop"},
                        {"value": "online", "label": "Online"},
                        {"value": "none", "label": "No channel", "concern": True},
                    ],
                },
                {"key": "story", "type": "text", "label": "The story so far"},
            ],
        },
    ],
    "ratios": ["gross_margin"],
}


def definition(**overrides):
    data = copy.deepcopy(HEALTH)
    data.update(overrides)
    return data


def hub_template(cast, **overrides):
    return services.template_create(
        organisation=cast.hub, definition=definition(**overrides), acting_user=cast.ada
    )


def answers(score=4, threats="", turnover="100000", cost="90000"):
    return {
        "cash_flow": {"score": score, "notes": "Forecast kept weekly"},
        "turnover": {"value": turnover},
        "cost_of_sales": {"value": cost},
        "threats": {"lines": threats.splitlines()},
        "channels": {"choices": ["shop", "online"]},
    }


def completed(desk, cast, template, on=None, **kwargs):
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=template, acting_user=cast.alice
    )
    return services.diagnostic_complete(
        diagnostic=diagnostic,
        answers=answers(**kwargs),
        completed_on=on or TODAY(),
        acting_user=cast.alice,
    )


def form_data(action="save", score="4", threats="", completed_on=None, **extra):
    data = {
        "action": action,
        "item-cash_flow-score": score,
        "item-cash_flow-notes": "Forecast kept weekly",
        "item-turnover-value": "100,000",
        "item-cost_of_sales-value": "90000",
        "item-threats-lines": threats,
        "item-channels-choices": ["shop", "online"],
        "item-story-text": "Started in a garage.",
        "summary": "Cash is the priority.",
        "completed_on": (completed_on or TODAY()).isoformat(),
    }
    data.update(extra)
    return data


# Engagement page and starting ------------------------------------------------------------------


def test_the_engagement_page_lists_diagnostics(cast, desk):
    template = hub_template(cast)
    url = desk.alice_engagement.get_absolute_url()
    body = request_as(cast.alice, url).content.decode()
    assert "No diagnostics yet." in body and "Start a diagnostic" in body
    assert "Start a diagnostic" not in request_as(cast.carl, url).content.decode()
    diagnostic = completed(desk, cast, template, score=2)
    services.finding_add(diagnostic=diagnostic, text="Cash flow", acting_user=cast.alice)
    body = request_as(cast.alice, url).content.decode()
    assert diagnostic.get_absolute_url() in body and "Hub health check" in body
    assert f"{TODAY():%-d %b %Y} by Alice Tester" in body
    assert "<td>1</td>" in body  # one finding


def test_start_a_diagnostic(cast, desk):
    template = hub_template(cast)
    url = reverse("delivery:diagnostic-start", args=[desk.alice_engagement.pk])
    response = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Hub health check" in body and "Business health check" in body
    assert "Score each area with the owner." in body and "Version 1" in body
    response = check_access(
        cast,
        url,
        method="post",
        data={"template": template.pk},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Diagnostic, "create")],
    )
    diagnostic = Diagnostic.objects.get()
    assert diagnostic.template == template and diagnostic.status == Diagnostic.Status.DRAFT
    assert response["Location"] == reverse("delivery:diagnostic-answer", args=[diagnostic.pk])


def test_retired_templates_are_not_offered(cast, desk):
    old = hub_template(cast)
    new = hub_template(cast, version=2, name="Hub health check, revised")
    url = reverse("delivery:diagnostic-start", args=[desk.alice_engagement.pk])
    body = request_as(cast.alice, url).content.decode()
    assert f'value="{new.pk}"' in body and f'value="{old.pk}"' not in body
    refused = request_as(cast.alice, url, method="post", data={"template": old.pk})
    assert "Choose one of the templates offered." in refused.content.decode()
    assert not Diagnostic.objects.exists()
    services.template_set_active(template=new, active=False, acting_user=cast.ada)
    assert f'value="{new.pk}"' not in request_as(cast.alice, url).content.decode()


def test_an_individual_is_not_offered_business_templates(cast, desk):
    pam = person("pam", "Pam", role=Role.ADMINISTRATOR, organisation=cast.pathways)
    business = services.template_create(
        organisation=cast.pathways,
        definition=definition(key="pathways-business", name="Pathways business check"),
        acting_user=pam,
    )
    individual = services.template_create(
        organisation=cast.pathways,
        definition=definition(
            key="pathways-barriers", name="Pathways barriers check", audience="individual"
        ),
        acting_user=pam,
    )
    url = reverse("delivery:diagnostic-start", args=[desk.pathways_engagement.pk])
    body = request_as(pam, url).content.decode()
    assert "Pathways barriers check" in body and f'value="{individual.pk}"' in body
    assert "Pathways business check" not in body
    assert ">Business health check</label>" not in body
    refused = request_as(pam, url, method="post", data={"template": business.pk})
    assert "Choose one of the templates offered." in refused.content.decode()
    assert not Diagnostic.objects.exists()


# Answering -------------------------------------------------------------------------------------


def test_the_questionnaire_round_trip(cast, desk):
    template = hub_template(cast)
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=template, acting_user=cast.alice
    )
    url = reverse("delivery:diagnostic-answer", args=[diagnostic.pk])
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    ).content.decode()
    assert "<legend" in body and "Finance" in body and "Market" in body
    assert 'name="item-cash_flow-score"' in body and "1 \N{EN DASH} Serious weakness" in body
    assert 'name="item-cash_flow-notes"' in body and "Threats (one per line)" in body
    assert 'inputmode="decimal"' in body and 'type="checkbox"' in body
    assert "Save draft" in body and "Complete" in body and f'value="{TODAY():%Y-%m-%d}"' in body

    # A bad score: shown next to the item and summarised with a link; nothing saved.
    refused = request_as(cast.alice, url, method="post", data=form_data(score="9"))
    text = refused.content.decode()
    assert refused.status_code == 200
    assert "Error: Cash flow: choose a score from 1 to 5." in text
    assert 'href="#item-cash_flow-score-0"' in text and "Nothing was saved" in text
    assert "Started in a garage." in text  # what was typed is kept
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {} and diagnostic.summary == ""

    check_access(
        cast,
        url,
        method="post",
        data=form_data(),
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Diagnostic, "update")],
    )
    diagnostic.refresh_from_db()
    assert diagnostic.status == Diagnostic.Status.DRAFT
    assert diagnostic.answers["turnover"] == {"value": "100000.00"}
    assert diagnostic.answers["channels"] == {"choices": ["shop", "online"]}
    body = request_as(cast.alice, url).content.decode()
    assert 'value="4" checked' in body and "Started in a garage." in body

    # Completing needs the required score, and a date not in the future.
    missing = request_as(cast.alice, url, method="post", data=form_data("complete", score=""))
    assert "Answer “Cash flow” to complete the diagnostic." in missing.content.decode()
    future = form_data("complete", completed_on=TODAY() + dt.timedelta(days=1))
    assert (
        "cannot be completed in the future"
        in request_as(cast.alice, url, method="post", data=future).content.decode()
    )
    diagnostic.refresh_from_db()
    assert diagnostic.status == Diagnostic.Status.DRAFT and diagnostic.answers["cash_flow"]

    done = request_as(cast.alice, url, method="post", data=form_data("complete", score="2"))
    assert done.status_code == 302 and done["Location"] == diagnostic.get_absolute_url()
    diagnostic.refresh_from_db()
    assert diagnostic.status == Diagnostic.Status.COMPLETED
    assert diagnostic.completed_on == TODAY() and diagnostic.completed_by == cast.alice
    # A completed diagnostic is kept as it was: its form sends you to the page.
    assert request_as(cast.alice, url)["Location"] == diagnostic.get_absolute_url()


def test_discard_a_draft(cast, desk):
    template = hub_template(cast)
    diagnostic = services.diagnostic_start(
        engagement=desk.alice_engagement, template=template, acting_user=cast.alice
    )
    url = reverse("delivery:diagnostic-discard", args=[diagnostic.pk])
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    ).content.decode()
    assert "Discard draft" in body
    response = check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Diagnostic, "delete")],
    )
    assert response["Location"] == desk.alice_engagement.get_absolute_url()
    assert not Diagnostic.objects.exists()


# The completed diagnostic ----------------------------------------------------------------------


def test_a_completed_diagnostic_is_dated_attributed_and_shows_results(cast, desk):
    template = hub_template(cast)
    diagnostic = completed(desk, cast, template, on=dt.date(2026, 11, 3), score=2)
    url = diagnostic.get_absolute_url()
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    ).content.decode()
    assert "Completed on 3 Nov 2026 by Alice Tester" in body
    assert "2 \N{EN DASH} Needs attention (a concern)" in body and "Forecast kept weekly" in body
    assert "£100,000.00" in body and "Shop, Online" in body
    assert "Gross margin" in body and "10.0%" in body and "Yes, a concern" in body
    assert "first completed" in body  # nothing to compare with yet
    assert request_as(cast.carl, url).status_code == 200  # the commissioner sees it
    assert "Add as a finding" not in request_as(cast.carl, url).content.decode()


def test_what_changed_since_the_previous_diagnostic(cast, desk):
    template = hub_template(cast)
    completed(desk, cast, template, on=dt.date(2026, 10, 1), score=4, cost="50000")
    later = completed(
        desk, cast, template, on=dt.date(2026, 11, 3), score=2, threats="A new competitor"
    )
    body = request_as(cast.alice, later.get_absolute_url()).content.decode()
    assert "What changed since 1 Oct 2026" in body
    assert '<th scope="col">Before</th>' in body
    row = body[body.index("Cash flow</th>") :]
    assert "4 (Good)" in row and "2 (Needs attention)" in row
    assert "<strong>Worse</strong>" in row[: row.index("</tr>")]  # said in words
    assert "A new competitor" in body and "Added" in body
    assert "50.0%" in body and "10.0%" in body  # the ratio moved too


# Findings and goals ----------------------------------------------------------------------------


def test_suggestions_become_findings_and_a_finding_becomes_a_goal(cast, desk):
    template = hub_template(cast)
    diagnostic = completed(desk, cast, template, score=2, threats="A new competitor")
    page = diagnostic.get_absolute_url()
    body = request_as(cast.alice, page).content.decode()
    assert "Cash flow: Needs attention (Forecast kept weekly)" in body
    assert "Threat: A new competitor" in body and "Add as a finding" in body

    url = reverse("delivery:finding-add", args=[diagnostic.pk])
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    check_access(
        cast,
        url,
        method="post",
        data={"text": "Threat: A new competitor", "item_key": "threats", "priority": "high"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Finding, "create")],
    )
    finding = Finding.objects.get()
    assert finding.priority == "high" and finding.item_key == "threats"
    empty = request_as(cast.alice, url, method="post", data={"text": "", "priority": "low"})
    assert empty.status_code == 200 and Finding.objects.count() == 1
    body = request_as(cast.alice, page).content.decode()
    assert 'value="Threat: A new competitor"' not in body  # no longer suggested
    assert 'value="Cash flow: Needs attention (Forecast kept weekly)"' in body
    assert "Make it a goal" in body and "Threats" in body

    goal_url = reverse("delivery:finding-goal", args=[finding.pk])
    form = check_access(
        cast, goal_url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
    ).content.decode()
    assert "Threat: A new competitor</textarea>" in form
    assert '<option value="high" selected>' in form

    goal = {
        "statement": "Win back trade customers from the new competitor",
        "measure": "trade customers",
        "baseline": "10",
        "target_value": "14",
        "unit": "customers",
        "deadline": "",
        "realistic_because": "Two are already asking for quotes.",
        "priority": "high",
        "horizon": "short",
    }
    refused = request_as(cast.alice, goal_url, method="post", data=goal)
    assert "A SMART goal needs a deadline." in refused.content.decode()
    assert not ActionPlan.objects.exists()  # all or nothing: no plan started

    goal["deadline"] = (TODAY() + dt.timedelta(days=120)).isoformat()
    response = check_access(
        cast,
        goal_url,
        method="post",
        data=goal,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[
            (ActionPlan, "create"),
            (PlanChange, "create"),
            (Goal, "create"),
            (PlanChange, "create"),
            (Finding, "update"),
        ],
    )
    plan = ActionPlan.objects.get()
    assert response["Location"] == plan.get_absolute_url()
    finding.refresh_from_db()
    assert finding.goal is not None and finding.goal.plan == plan
    body = request_as(cast.alice, page).content.decode()
    assert "Goal: <a" in body and plan.get_absolute_url() in body
    # Already a goal: its form sends you to the plan.
    assert request_as(cast.alice, goal_url)["Location"] == plan.get_absolute_url()


def test_findings_in_priority_order_and_removed(cast, desk):
    template = hub_template(cast)
    diagnostic = completed(desk, cast, template)
    services.finding_add(
        diagnostic=diagnostic, text="Low thing", priority="low", acting_user=cast.alice
    )
    high = services.finding_add(
        diagnostic=diagnostic, text="High thing", priority="high", acting_user=cast.alice
    )
    body = request_as(cast.alice, diagnostic.get_absolute_url()).content.decode()
    assert body.index("High thing") < body.index("Low thing")
    url = reverse("delivery:finding-remove", args=[high.pk])
    assert (
        "High thing"
        in check_access(
            cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat
        ).content.decode()
    )
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Finding, "delete")],
    )
    assert list(Finding.objects.values_list("text", flat=True)) == ["Low thing"]


def test_a_finding_is_reworded_and_reprioritised(cast, desk):
    diagnostic = completed(desk, cast, hub_template(cast))
    finding = services.finding_add(
        diagnostic=diagnostic, text="Slow payers", priority="low", acting_user=cast.alice
    )
    url = reverse("delivery:finding-edit", args=[finding.pk])
    form = check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=cast.pat)
    assert "Slow payers" in form.content.decode()
    refused = request_as(cast.alice, url, method="post", data={"text": " ", "priority": "high"})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    check_access(
        cast,
        url,
        method="post",
        data={"text": "Customers pay after 70 days", "priority": "high"},
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Finding, "update")],
    )
    finding.refresh_from_db()
    assert (finding.text, finding.priority) == ("Customers pay after 70 days", "high")


# Templates -------------------------------------------------------------------------------------


def test_the_template_list(cast, desk):
    hub_template(cast)
    pam = person("pam", "Pam", role=Role.ADMINISTRATOR, organisation=cast.pathways)
    services.template_create(
        organisation=cast.pathways,
        definition=definition(key="pathways-check", name="Pathways own check"),
        acting_user=pam,
    )
    url = reverse("delivery:diagnostic-template-list")
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    ).content.decode()
    assert "Hub health check" in body and "SWOT analysis" in body
    assert "Pathways own check" not in body  # another organisation's own
    assert "New template" not in body  # advisers do not add templates
    swot = request_as(cast.alice, f"{url}?kind=swot").content.decode()
    assert "SWOT analysis" in swot and "Hub health check" not in swot
    found = request_as(cast.alice, f"{url}?q=hub+health").content.decode()
    assert "Hub health check" in found and "SWOT analysis" not in found
    assert "New template" in request_as(cast.ada, url).content.decode()


def test_the_template_page_and_its_json(cast, desk, standard_templates):
    template = hub_template(cast)
    url = template.get_absolute_url()
    body = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    ).content.decode()
    assert "Cash flow" in body and "Download JSON" in body and "<pre" in body
    assert "&quot;key&quot;: &quot;hub-health&quot;" in body
    assert "Make a new version" not in body and "Retire" not in body
    admin = request_as(cast.ada, url).content.decode()
    assert "Make a new version" in admin and "Retire" in admin
    standard = standard_templates["swot"]
    note = request_as(cast.ada, standard.get_absolute_url()).content.decode()
    assert "change only through their files" in note and "Make a new version" not in note

    download = reverse("delivery:diagnostic-template-json", args=[template.pk])
    response = check_access(
        cast, download, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert json.loads(response.content) == template.definition
    assert 'filename="hub-health.v1.json"' in response["Content-Disposition"]


def test_retire_and_reactivate_a_template(cast, desk, standard_templates):
    template = hub_template(cast)
    for name, active in (("retire", False), ("reactivate", True)):
        url = reverse(f"delivery:diagnostic-template-{name}", args=[template.pk])
        check_access(cast, url, allowed=cast.ada, wrong_role=cast.alice, out_of_scope=cast.pat)
        check_access(
            cast,
            url,
            method="post",
            allowed=cast.ada,
            wrong_role=cast.alice,
            out_of_scope=cast.pat,
            expect=302,
            audited=[(DiagnosticTemplate, "update")],
        )
        template.refresh_from_db()
        assert template.is_active is active
    standard = standard_templates["swot"]
    retire = reverse("delivery:diagnostic-template-retire", args=[standard.pk])
    assert request_as(cast.ada, retire, method="post").status_code == 403
    standard.refresh_from_db()
    assert standard.is_active


def test_create_a_template(cast, desk):
    url = reverse("delivery:diagnostic-template-create")
    body = check_access(
        cast, url, allowed=cast.ada, wrong_role=cast.alice, out_of_scope=None
    ).content.decode()
    assert "For <strong>Enterprise Hub</strong>" in body  # ada administers one organisation

    bad = definition()
    bad["sections"][0]["items"][0]["scale"] = "nope"
    data = {"organisation": cast.hub.pk, "definition": json.dumps(bad)}
    refused = request_as(cast.ada, url, method="post", data=data).content.decode()
    assert "sections[0].items[0].scale: &#x27;nope&#x27; is not one of the template" in refused
    broken = {"organisation": cast.hub.pk, "definition": '{"key": "x",\n  "version": }'}
    refused = request_as(cast.ada, url, method="post", data=broken).content.decode()
    assert "Line 2, column 14: Expecting value." in refused
    assert not DiagnosticTemplate.objects.filter(organisation=cast.hub).exists()

    response = check_access(
        cast,
        url,
        method="post",
        data={"organisation": cast.hub.pk, "definition": json.dumps(definition())},
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(DiagnosticTemplate, "create")],
    )
    template = DiagnosticTemplate.objects.get(organisation=cast.hub)
    assert response["Location"] == template.get_absolute_url()
    assert template.created_by == cast.ada and template.kind == "health_check"


def test_upload_a_new_version_and_copy_a_standard_template(cast, desk, standard_templates):
    first = hub_template(cast)
    url = reverse("delivery:diagnostic-template-create")
    prefilled = request_as(cast.ada, f"{url}?from={first.pk}").content.decode()
    assert "New version of Hub health check" in prefilled
    assert "&quot;version&quot;: 2" in prefilled

    upload = SimpleUploadedFile(
        "hub-health.v2.json",
        json.dumps(definition(version=2, name="Hub health check v2")).encode(),
        content_type="application/json",
    )
    response = request_as(
        cast.ada, url, method="post", data={"organisation": cast.hub.pk, "upload": upload}
    )
    assert response.status_code == 302
    second = DiagnosticTemplate.objects.get(organisation=cast.hub, version=2)
    first.refresh_from_db()
    assert second.name == "Hub health check v2" and not first.is_active

    too_big = SimpleUploadedFile("big.json", b" " * (201 * 1024), content_type="application/json")
    refused = request_as(
        cast.ada, url, method="post", data={"organisation": cast.hub.pk, "upload": too_big}
    )
    assert "The file is larger than 200 KB." in refused.content.decode()

    standard = standard_templates["swot"]
    copied = request_as(cast.ada, f"{url}?from={standard.pk}").content.decode()
    assert "&quot;key&quot;: &quot;swot-copy&quot;" in copied
    assert "&quot;version&quot;: 1" in copied
    hidden = services.template_create(
        organisation=cast.pathways,
        definition=definition(key="pathways-check"),
        acting_user=person("pam", "Pam", role=Role.ADMINISTRATOR, organisation=cast.pathways),
    )
    assert request_as(cast.ada, f"{url}?from={hidden.pk}").status_code == 404


# Navigation and the client's timeline ----------------------------------------------------------


def test_the_menu_and_the_client_timeline(cast, desk):
    home = reverse("core:home")
    assert "Diagnostic templates" in request_as(cast.ada, home).content.decode()
    assert "Diagnostic templates" not in request_as(cast.alice, home).content.decode()
    template = hub_template(cast)
    diagnostic = completed(desk, cast, template)
    body = request_as(cast.alice, desk.acme.get_absolute_url()).content.decode()
    assert "Hub health check completed" in body and diagnostic.get_absolute_url() in body
    assert request_as(cast.pat, desk.acme.get_absolute_url()).status_code == 404
