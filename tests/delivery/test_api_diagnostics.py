"""``/api/v1/diagnostic-templates/`` and ``/api/v1/diagnostics/``: the pages' access rules and
the services' rules through the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.api.helpers import assert_json_error, results, token_client
from tests.api.test_api_robustness import answer_is_sane, fuzz, json_values, plausible
from tests.delivery.test_diagnostics import (
    KEY,
    completed,
    definition,
    hub_template,
    today,
    write,
)
from tests.factories import person
from tests.permissions import assert_no_audit, check_access, request_as
from waypoint.core.roles import Role
from waypoint.delivery.models import (
    ActionPlan,
    Diagnostic,
    DiagnosticTemplate,
    Engagement,
    Finding,
    Goal,
    PlanChange,
)
from waypoint.delivery.services import diagnostics as services

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/diagnostic-templates/"
DIAGNOSTICS = "/api/v1/diagnostics/"


def draft(desk, template, engagement=None):
    engagement = engagement or desk.alice_engagement
    return services.diagnostic_start(
        engagement=engagement, template=template, acting_user=engagement.lead_adviser
    )


def smart_goal(**fields):
    return {
        "measure": "months of cash-flow forecast",
        "target_value": "12",
        "unit": "months",
        "deadline": "2027-03-31",
        **fields,
    }


# Templates -------------------------------------------------------------------------------------


def test_templates_list_the_standard_ones_and_the_callers_own(cast, tmp_path):
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    hubs = hub_template(cast)
    services.template_create(
        organisation=cast.pathways, definition=definition("pathways-check"), acting_user=cast.root
    )
    response = check_access(
        cast, TEMPLATES, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = {row["key"]: row for row in results(response)}
    assert {"test-check", KEY} <= set(rows) and "pathways-check" not in rows
    assert rows[KEY]["organisation"] == cast.hub.pk and not rows[KEY]["is_standard"]
    assert rows["test-check"]["organisation"] is None and rows["test-check"]["is_standard"]
    assert "definition" not in rows[KEY]  # the list is a summary; retrieve has the questions
    pats = {row["key"] for row in results(request_as(cast.pat, TEMPLATES, api=True))}
    assert {"test-check", "pathways-check"} <= pats and KEY not in pats

    def keys(query):
        rows = results(request_as(cast.alice, TEMPLATES + query, api=True))
        return {row["key"] for row in rows}

    hub_template(cast, version=2)
    assert keys(f"?key={KEY}") == {KEY}
    assert [
        r["version"] for r in results(request_as(cast.alice, f"{TEMPLATES}?key={KEY}", api=True))
    ] == [2, 1]
    assert keys(f"?organisation={cast.hub.pk}") == {KEY}
    assert "test-check" in keys("?standard=true") and KEY not in keys("?standard=true")
    assert keys(f"?active=false&key={KEY}") == {KEY}
    inactive = results(request_as(cast.alice, f"{TEMPLATES}?active=false", api=True))
    assert [row["id"] for row in inactive] == [hubs.pk]
    assert KEY not in keys("?kind=swot") and KEY in keys("?kind=health_check")


def test_retrieve_a_template_with_its_definition(cast):
    template = hub_template(cast)
    response = check_access(
        cast,
        f"{TEMPLATES}{template.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["definition"] == definition()
    assert (body["key"], body["version"], body["name"]) == (KEY, 1, "Hub health check")
    assert body["checksum"] == template.checksum


def test_an_administrator_adds_a_template(cast):
    response = check_access(
        cast,
        TEMPLATES,
        method="post",
        data={"organisation": cast.hub.pk, "definition": definition()},
        api=True,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(DiagnosticTemplate, "create")],
    )
    body = response.json()
    assert (body["organisation"], body["version"], body["is_active"]) == (cast.hub.pk, 1, True)
    first = DiagnosticTemplate.objects.get(pk=body["id"])
    assert first.created_by == cast.ada
    # The next version, the organisation left out (ada administers one organisation only).
    response = request_as(
        cast.ada, TEMPLATES, method="post", data={"definition": definition(version=2)}, api=True
    )
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == cast.hub.pk
    first.refresh_from_db()
    assert not first.is_active
    refused = request_as(
        cast.mary, TEMPLATES, method="post", data={"definition": definition()}, api=True
    )
    assert_json_error(refused, 403)


def test_a_new_version_is_audited_with_the_retired_one(cast):
    hub_template(cast)
    check_access(
        cast,
        TEMPLATES,
        method="post",
        data={"organisation": cast.hub.pk, "definition": definition(version=2)},
        api=True,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(DiagnosticTemplate, "create"), (DiagnosticTemplate, "update")],
    )


def test_another_organisations_administrator_is_refused(cast):
    pia = person("pia", "Pia", role=Role.ADMINISTRATOR, organisation=cast.pathways)
    with assert_no_audit():
        response = request_as(
            pia,
            TEMPLATES,
            method="post",
            data={"organisation": cast.hub.pk, "definition": definition()},
            api=True,
        )
    assert "organisation" in assert_json_error(response, 400)["errors"]


def test_a_bad_definition_names_the_path(cast):
    bad = definition()
    bad["sections"][0]["items"][0]["scale"] = "nope"
    with assert_no_audit():
        response = request_as(
            cast.ada,
            TEMPLATES,
            method="post",
            data={"organisation": cast.hub.pk, "definition": bad},
            api=True,
        )
    errors = assert_json_error(response, 400)["errors"]
    assert errors["definition"] == [
        "sections[0].items[0].scale: 'nope' is not one of the template's scales"
    ]
    for data, message in [
        ({"definition": definition(version=2)}, "version: a new template must be version 1"),
        ({"definition": "not an object"}, "the definition must be a JSON object"),
    ]:
        response = request_as(
            cast.ada, TEMPLATES, method="post", data={"organisation": cast.hub.pk, **data}, api=True
        )
        assert message in assert_json_error(response, 400)["errors"]["definition"][0]
    missing = request_as(
        cast.ada, TEMPLATES, method="post", data={"organisation": cast.hub.pk}, api=True
    )
    assert "definition" in assert_json_error(missing, 400)["errors"]
    assert not DiagnosticTemplate.objects.filter(organisation=cast.hub).exists()


def test_a_template_version_never_changes(cast):
    template = hub_template(cast)
    url = f"{TEMPLATES}{template.pk}/"
    for method in ("put", "patch", "delete"):
        with assert_no_audit():
            response = request_as(cast.ada, url, method=method, data={"name": "New"}, api=True)
        assert_json_error(response, 405)
    assert DiagnosticTemplate.objects.get(pk=template.pk).name == "Hub health check"


def test_retire_and_reactivate_a_template(cast, tmp_path):
    template = hub_template(cast)
    response = check_access(
        cast,
        f"{TEMPLATES}{template.pk}/retire/",
        method="post",
        api=True,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(DiagnosticTemplate, "update")],
    )
    assert response.json()["is_active"] is False
    response = check_access(
        cast,
        f"{TEMPLATES}{template.pk}/reactivate/",
        method="post",
        api=True,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(DiagnosticTemplate, "update")],
    )
    assert response.json()["is_active"] is True
    write(tmp_path, "test-check.v1.json", definition("test-check"))
    services.load_standard_templates(directory=tmp_path)
    standard = DiagnosticTemplate.objects.get(key="test-check")
    with assert_no_audit():
        refused = request_as(cast.ada, f"{TEMPLATES}{standard.pk}/retire/", method="post", api=True)
    assert_json_error(refused, 403)
    assert DiagnosticTemplate.objects.get(pk=standard.pk).is_active


# Diagnostics: reading --------------------------------------------------------------------------


def test_list_diagnostics_in_the_callers_scope(cast, desk):
    template = hub_template(cast)
    mine = completed(desk, template, on=dt.date(2026, 6, 1))
    marys = draft(desk, template, engagement=desk.mary_engagement)
    response = check_access(
        cast, DIAGNOSTICS, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    rows = results(response)
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["template_key"] == KEY and rows[0]["client"] == desk.acme.pk
    assert rows[0]["completed_on"] == "2026-06-01" and rows[0]["completed_by"] == cast.alice.pk
    assert not results(request_as(cast.pat, DIAGNOSTICS, api=True))

    def ids(query):
        return {row["id"] for row in results(request_as(cast.mary, DIAGNOSTICS + query, api=True))}

    assert ids("") == {mine.pk, marys.pk}
    assert ids(f"?engagement={desk.mary_engagement.pk}") == {marys.pk}
    assert ids(f"?client={desk.acme.pk}") == {mine.pk}
    assert ids("?status=draft") == {marys.pk}
    assert ids(f"?template_key={KEY}") == {mine.pk, marys.pk}
    assert ids("?template_key=swot") == set()
    assert ids(f"?template={template.pk}") == {mine.pk, marys.pk}


def test_retrieve_shows_answers_findings_and_changes_since_the_previous(cast, desk):
    template = hub_template(cast)
    earlier = completed(desk, template, score=2, on=dt.date(2026, 6, 1))
    later = completed(desk, template, score=4, on=dt.date(2026, 8, 1), weaknesses=("No plan",))
    services.finding_add(diagnostic=later, text="No plan", priority="high", acting_user=cast.alice)
    response = check_access(
        cast,
        f"{DIAGNOSTICS}{later.pk}/",
        api=True,
        allowed=cast.carl,  # the commissioner sees the engagement
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert (body["template"], body["template_key"], body["template_version"]) == (
        template.pk,
        KEY,
        1,
    )
    assert body["template_name"] == "Hub health check" and body["status"] == "completed"
    assert body["answers"]["cash_flow"] == {"score": 4, "notes": ""}
    assert body["results"]["sections"]["finance"] == {"average": "4.0", "scored": 1}
    assert body["completed_on"] == "2026-08-01" and body["completed_by"] == cast.alice.pk
    assert [(f["text"], f["priority"], f["goal"]) for f in body["findings"]] == [
        ("No plan", "high", None)
    ]
    assert body["suggested_findings"] == [{"item_key": "weaknesses", "text": "Weakness: No plan"}]
    assert body["previous"] == {"id": earlier.pk, "completed_on": "2026-06-01"}
    assert {
        "label": "Cash flow",
        "before": "2 (2)",
        "after": "4 (4)",
        "direction": "better",
    } in body["changes_since_previous"]
    first = request_as(cast.alice, f"{DIAGNOSTICS}{earlier.pk}/", api=True).json()
    assert first["previous"] is None and first["changes_since_previous"] == []


# Diagnostics: writing --------------------------------------------------------------------------


def test_start_a_diagnostic(cast, desk):
    template = hub_template(cast)
    response = check_access(
        cast,
        DIAGNOSTICS,
        method="post",
        data={"engagement": desk.alice_engagement.pk, "template": template.pk},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Diagnostic, "create")],
    )
    body = response.json()
    assert body["status"] == "draft" and body["answers"] == {} and body["findings"] == []
    assert Diagnostic.objects.get(pk=body["id"]).created_by == cast.alice
    theirs = request_as(
        cast.alice,
        DIAGNOSTICS,
        method="post",
        data={"engagement": desk.mary_engagement.pk, "template": template.pk},
        api=True,
    )
    assert "engagement" in assert_json_error(theirs, 400)["errors"]


def test_start_with_answers_saves_a_draft_in_one_go(cast, desk):
    template = hub_template(cast)
    data = {
        "engagement": desk.alice_engagement.pk,
        "template": template.pk,
        "answers": {"cash_flow": {"score": 3, "notes": "Seasonal"}},
        "summary": "Mostly fine.",
    }
    response = check_access(
        cast,
        DIAGNOSTICS,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=None,
        expect=201,
        audited=[(Diagnostic, "create"), (Diagnostic, "update")],
    )
    body = response.json()
    assert body["answers"] == {"cash_flow": {"score": 3, "notes": "Seasonal"}}
    assert body["summary"] == "Mostly fine." and body["status"] == "draft"
    bad = {**data, "answers": {"cash_flow": {"score": 7}, "wages": {"value": "1"}}}
    with assert_no_audit():
        refused = request_as(cast.alice, DIAGNOSTICS, method="post", data=bad, api=True)
    assert assert_json_error(refused, 400)["errors"] == {
        "answers": {
            "cash_flow": "Cash flow: choose a score from 1 to 5.",
            "wages": "'wages' is not an item of this template.",
        }
    }
    assert Diagnostic.objects.count() == 1  # the refused one was not started either


def test_start_is_refused_for_a_closed_engagement_or_unsuitable_template(cast, desk):
    template = hub_template(cast)
    hub_template(cast, version=2)
    retired = request_as(
        cast.alice,
        DIAGNOSTICS,
        method="post",
        data={"engagement": desk.alice_engagement.pk, "template": template.pk},
        api=True,
    )
    assert "is retired" in assert_json_error(retired, 400)["errors"]["template"][0]
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED, closed_on=dt.date(2026, 6, 1)
    )
    latest = DiagnosticTemplate.objects.get(key=KEY, version=2)
    closed = request_as(
        cast.alice,
        DIAGNOSTICS,
        method="post",
        data={"engagement": desk.alice_engagement.pk, "template": latest.pk},
        api=True,
    )
    assert assert_json_error(closed, 400)["errors"] == {"non_field_errors": [services.CLOSED]}
    assert not Diagnostic.objects.exists()


def test_save_a_draft(cast, desk):
    diagnostic = draft(desk, hub_template(cast))
    url = f"{DIAGNOSTICS}{diagnostic.pk}/"
    response = check_access(
        cast,
        url,
        method="patch",
        data={"answers": {"cash_flow": {"score": 2}}, "summary": "Tight."},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Diagnostic, "update")],
    )
    body = response.json()
    assert body["answers"] == {"cash_flow": {"score": 2, "notes": ""}}
    assert body["summary"] == "Tight." and body["status"] == "draft"
    # The summary alone: the answers are kept.
    kept = request_as(cast.alice, url, method="patch", data={"summary": "Later."}, api=True)
    assert kept.json()["answers"] == {"cash_flow": {"score": 2, "notes": ""}}
    with assert_no_audit():
        refused = request_as(
            cast.alice, url, method="patch", data={"answers": {"cash_flow": {"score": 0}}}, api=True
        )
    assert assert_json_error(refused, 400)["errors"] == {
        "answers": {"cash_flow": "Cash flow: choose a score from 1 to 5."}
    }
    assert assert_json_error(request_as(cast.alice, url, method="put", data={}, api=True), 405)


def test_complete_a_diagnostic(cast, desk):
    diagnostic = draft(desk, hub_template(cast))
    url = f"{DIAGNOSTICS}{diagnostic.pk}/complete/"
    with assert_no_audit():
        incomplete = request_as(cast.alice, url, method="post", data={}, api=True)
    assert assert_json_error(incomplete, 400)["errors"] == {
        "answers": {"cash_flow": "Answer “Cash flow” to complete the diagnostic."}
    }
    tomorrow = (today(desk.alice_engagement) + dt.timedelta(days=1)).isoformat()
    future = request_as(
        cast.alice,
        url,
        method="post",
        data={"answers": {"cash_flow": {"score": 2}}, "completed_on": tomorrow},
        api=True,
    )
    assert "future" in assert_json_error(future, 400)["errors"]["completed_on"][0]
    response = check_access(
        cast,
        url,
        method="post",
        data={"answers": {"cash_flow": {"score": 2}}, "summary": "Cash is the worry."},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        audited=[(Diagnostic, "update")],
    )
    body = response.json()
    assert body["status"] == "completed" and body["completed_by"] == cast.alice.pk
    assert body["completed_on"] == today(desk.alice_engagement).isoformat()
    assert body["suggested_findings"] == [{"item_key": "cash_flow", "text": "Cash flow: 2"}]


def test_a_completed_diagnostic_is_immutable(cast, desk):
    diagnostic = completed(desk, hub_template(cast), score=2)
    url = f"{DIAGNOSTICS}{diagnostic.pk}/"
    for method, path, data in [
        ("patch", url, {"answers": {"cash_flow": {"score": 5}}}),
        ("post", f"{url}complete/", {"answers": {"cash_flow": {"score": 5}}}),
        ("delete", url, None),
    ]:
        with assert_no_audit():
            response = request_as(cast.alice, path, method=method, data=data, api=True)
        body = assert_json_error(response, 400)
        assert "was completed" in body["errors"]["non_field_errors"][0], body
    kept = Diagnostic.objects.get(pk=diagnostic.pk)
    assert kept.answers == {"cash_flow": {"score": 2, "notes": ""}}


def test_discard_a_draft(cast, desk):
    diagnostic = draft(desk, hub_template(cast))
    check_access(
        cast,
        f"{DIAGNOSTICS}{diagnostic.pk}/",
        method="delete",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=204,
        audited=[(Diagnostic, "delete")],
    )
    assert not Diagnostic.objects.exists()


def test_record_a_finding(cast, desk):
    template = hub_template(cast)
    unfinished = draft(desk, template)
    refused = request_as(
        cast.alice,
        f"{DIAGNOSTICS}{unfinished.pk}/findings/",
        method="post",
        data={"text": "Cash"},
        api=True,
    )
    assert (
        "Complete the diagnostic"
        in assert_json_error(refused, 400)["errors"]["non_field_errors"][0]
    )
    diagnostic = completed(desk, template)
    response = check_access(
        cast,
        f"{DIAGNOSTICS}{diagnostic.pk}/findings/",
        method="post",
        data={"text": "No cash-flow forecast", "priority": "high", "item_key": "cash_flow"},
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=201,
        audited=[(Finding, "create")],
    )
    findings = response.json()["findings"]
    assert [(f["text"], f["priority"], f["position"]) for f in findings] == [
        ("No cash-flow forecast", "high", 1)
    ]
    blank = request_as(
        cast.alice, f"{DIAGNOSTICS}{diagnostic.pk}/findings/", method="post", data={}, api=True
    )
    assert "text" in assert_json_error(blank, 400)["errors"]


def test_a_finding_becomes_a_goal(cast, desk):
    diagnostic = completed(desk, hub_template(cast), on=dt.date(2026, 6, 2))
    finding = services.finding_add(
        diagnostic=diagnostic, text="No cash-flow forecast", priority="high", acting_user=cast.alice
    )
    url = f"{DIAGNOSTICS}{diagnostic.pk}/findings/{finding.pk}/goal/"
    with assert_no_audit():
        not_smart = request_as(
            cast.alice, url, method="post", data=smart_goal(deadline=None), api=True
        )
    assert "deadline" in assert_json_error(not_smart, 400)["errors"]
    assert not ActionPlan.objects.exists()
    response = check_access(
        cast,
        url,
        method="post",
        data=smart_goal(),
        api=True,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=201,
        audited=[
            (ActionPlan, "create"),
            (PlanChange, "create"),
            (Goal, "create"),
            (PlanChange, "create"),
            (Finding, "update"),
        ],
    )
    body = response.json()
    goal = Goal.objects.get(pk=body["id"])
    assert body["statement"] == "No cash-flow forecast" and body["priority"] == "high"
    assert body["unit"] == "months" and body["deadline"] == "2027-03-31"
    assert goal.plan.engagement == desk.alice_engagement
    assert Finding.objects.get(pk=finding.pk).goal == goal
    change = PlanChange.objects.get(kind=PlanChange.Kind.GOAL_ADDED)
    assert "Hub health check" in change.reason
    again = request_as(cast.alice, url, method="post", data=smart_goal(), api=True)
    assert "already a goal" in assert_json_error(again, 400)["errors"]["non_field_errors"][0]


def test_a_finding_is_reached_through_its_own_diagnostic(cast, desk):
    template = hub_template(cast)
    one = completed(desk, template)
    other = completed(desk, template)
    finding = services.finding_add(diagnostic=one, text="Cash", acting_user=cast.alice)
    url = f"{DIAGNOSTICS}{other.pk}/findings/{finding.pk}/goal/"
    with assert_no_audit():
        response = request_as(cast.alice, url, method="post", data=smart_goal(), api=True)
    assert_json_error(response, 404)
    assert not Goal.objects.exists()


# Whatever the caller sends --------------------------------------------------------------------


def test_numbers_too_large_for_anything_are_refused(cast, desk):
    diagnostic = draft(desk, hub_template(cast))
    client = token_client(cast.alice)
    response = client.patch(
        f"{DIAGNOSTICS}{diagnostic.pk}/",
        b'{"answers": {"cash_flow": {"score": 1e400}}}',
        content_type="application/json",
    )
    assert "answers" in assert_json_error(response, 400)["errors"]
    assert Diagnostic.objects.get(pk=diagnostic.pk).answers == {}
    raw = json.dumps({"organisation": cast.hub.pk, "definition": definition("big-check")})
    raw = raw.replace('"max": 5', '"max": 1e400')
    response = token_client(cast.ada).post(TEMPLATES, raw, content_type="application/json")
    assert "definition" in assert_json_error(response, 400)["errors"]
    assert not DiagnosticTemplate.objects.filter(key="big-check").exists()


answer_bodies = st.dictionaries(
    st.sampled_from(["cash_flow", "pricing", "weaknesses", "notes", "other"]),
    json_values | plausible(["score", "notes", "lines", "value", "choices", "text"]),
    max_size=4,
)


@fuzz
@given(answers=json_values | answer_bodies, summary=json_values)
def test_saving_answers_never_fails_with_a_server_error(cast, desk, answers, summary):
    template = DiagnosticTemplate.objects.filter(key=KEY).first() or hub_template(cast)
    diagnostic = Diagnostic.objects.filter(status="draft").first() or draft(desk, template)
    client = token_client(cast.alice)
    url = f"{DIAGNOSTICS}{diagnostic.pk}/"
    body = {"answers": answers, "summary": summary}
    answer_is_sane(client.patch(url, json.dumps(body), content_type="application/json"))
    answer_is_sane(
        client.post(f"{url}complete/", json.dumps(body), content_type="application/json")
    )
    # Completed, or still a draft: either way the stored answers are clean.
    stored = Diagnostic.objects.get(pk=diagnostic.pk)
    assert set(stored.answers) <= {"cash_flow", "pricing", "weaknesses", "notes"}
    if stored.is_completed:
        stored.delete()


@fuzz
@given(
    definition_body=json_values
    | plausible(["key", "version", "name", "kind", "audience", "scales", "sections", "ratios"])
)
def test_template_create_never_fails_with_a_server_error(cast, definition_body):
    body = {"organisation": cast.hub.pk, "definition": definition_body}
    response = token_client(cast.ada).post(
        TEMPLATES, json.dumps(body), content_type="application/json"
    )
    answer_is_sane(response)
    assert response.status_code in {201, 400}


# The OpenAPI document --------------------------------------------------------------------------


def test_the_schema_describes_the_diagnostics_endpoints(db):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    paths = json.loads(response.content)["paths"]
    assert {
        "/api/v1/diagnostic-templates/",
        "/api/v1/diagnostic-templates/{id}/",
        "/api/v1/diagnostic-templates/{id}/retire/",
        "/api/v1/diagnostic-templates/{id}/reactivate/",
        "/api/v1/diagnostics/",
        "/api/v1/diagnostics/{id}/",
        "/api/v1/diagnostics/{id}/complete/",
        "/api/v1/diagnostics/{id}/findings/",
        "/api/v1/diagnostics/{id}/findings/{finding_id}/goal/",
    } <= set(paths)
    assert set(paths["/api/v1/diagnostic-templates/"]) == {"get", "post"}
    assert set(paths["/api/v1/diagnostic-templates/{id}/"]) == {"get"}
    assert set(paths["/api/v1/diagnostics/{id}/"]) == {"get", "patch", "delete"}
    goal = paths["/api/v1/diagnostics/{id}/findings/{finding_id}/goal/"]["post"]
    assert goal["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Goal"
    }
