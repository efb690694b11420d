"""The service evaluation (issue 6 item 9; 000 reqs 9, 10; 001 E5.05 LO4): the services, the
report's content, its pages and downloads and their permissions."""

from __future__ import annotations

import datetime as dt
import io
import re
import zlib
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import TeamFactory, person
from tests.permissions import check_access
from waypoint.core.models import DomainEvent
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.roles import Role
from waypoint.delivery.models import ProgrammeBudget
from waypoint.measures import rollups
from waypoint.measures import selectors_evaluations as report
from waypoint.measures.models import BenchmarkFigure, Evaluation, Improvement, Target
from waypoint.measures.selectors import Scope, values
from waypoint.measures.services import costs
from waypoint.measures.services import evaluations as services
from waypoint.monitoring.models import Review

pytestmark = pytest.mark.django_db

YEAR = period_of(timezone.localdate(), PeriodKind.FINANCIAL_YEAR)
SWOT = {
    "strengths": "Experienced advisers.",
    "weaknesses": "Reviews often late.",
    "opportunities": "New rural grant scheme.",
    "threats": "Funding ends next year.",
    "conclusions": "Good results; fix review timeliness.",
}


@pytest.fixture
def people(cast):
    return {
        "vera": person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub),
        "paula": person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways),
    }


@pytest.fixture
def records(cast, desk, standard_measures):
    """A year's records at the hub: reviews with client feedback naming the client, costs, a
    budget, a target and a benchmark; the rollups rebuilt."""
    day = max(YEAR.start, timezone.localdate() - dt.timedelta(days=1))
    Review.objects.create(
        organisation=cast.hub,
        engagement=desk.alice_engagement,
        held_on=day,
        depth="standard",
        went_well="Acme Widgets Ltd got its first export order thanks to Alice.",
        went_badly="Waited too long for the grant referral.",
        satisfaction=4,
        recommend=9,
    )
    Review.objects.create(
        organisation=cast.hub,
        engagement=desk.mary_engagement,
        held_on=day,
        depth="standard",
        satisfaction=2,
        recommend=3,
    )
    costs.cost_create(
        organisation=cast.hub,
        acting_user=cast.mary,
        period=YEAR.label,
        amount="30000",
        kind="staff",
        programme=desk.growth,
    )
    costs.cost_create(
        organisation=cast.hub,
        acting_user=cast.mary,
        period=YEAR.label,
        amount="5000",
        kind="premises",
    )
    desk.growth.priorities = "Rural businesses; green growth."
    desk.growth.save()
    ProgrammeBudget.objects.create(
        organisation=cast.northshire, programme=desk.growth, period=YEAR.label, amount=D(50000)
    )
    Target.objects.create(
        organisation=cast.hub,
        measure=standard_measures["mean_satisfaction"],
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period_kind=YEAR.kind.value,
        period_start=YEAR.start,
        value=D(4),
    )
    BenchmarkFigure.objects.create(
        organisation=cast.hub,
        measure=standard_measures["mean_satisfaction"],
        source="National business support survey",
        period_kind=YEAR.kind.value,
        period_start=YEAR.previous().start,
        value=D("3.5"),
    )
    rollups.rebuild()
    return standard_measures


def _pdf_text(pdf: bytes) -> str:
    """The PDF's objects with their compressed streams opened (no PDF library needed)."""
    parts = [pdf]
    for chunk in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        try:
            parts.append(zlib.decompress(chunk))
        except zlib.error:
            continue
    return b"\n".join(parts).decode("latin-1")


def _evaluation(cast, **fields) -> Evaluation:
    values = {
        "acting_user": cast.mary,
        "title": "",
        "scope_kind": "organisation",
        "scope_id": cast.hub.pk,
        "period": YEAR.label,
    }
    values.update(fields)
    return services.evaluation_create(**values)


# Services --------------------------------------------------------------------------------------


def test_evaluation_create_names_itself_and_records_an_event(cast, desk) -> None:
    evaluation = _evaluation(cast, strengths=" Friendly ")
    assert evaluation.organisation == cast.hub
    assert evaluation.title == f"Service evaluation: Enterprise Hub, {YEAR.label}"
    assert (evaluation.period_kind, evaluation.period_start) == ("financial_year", YEAR.start)
    assert evaluation.status == "draft" and evaluation.strengths == "Friendly"
    event = DomainEvent.objects.get(verb="evaluation.created")
    assert event.data == {
        "scope": f"organisation:{cast.hub.pk}",
        "period": YEAR.label,
        "status": "draft",
    }


def test_evaluation_create_problems_name_their_fields(cast, desk) -> None:
    with pytest.raises(ValidationError) as caught:
        _evaluation(cast, scope_id=cast.pathways.pk, period="autumn")
    errors = caught.value.message_dict
    assert "only a scope whose figures you may see" in errors["scope"][0]
    assert "'autumn' is not a period" in errors["period"][0]
    with pytest.raises(ValidationError) as caught:
        _evaluation(cast, scope_kind="planet", period="2026 Q4")
    errors = caught.value.message_dict
    assert "'planet' is not a kind of scope" in errors["scope"][0]
    assert "'2026 Q4' is a calendar period" in errors["period"][0]
    assert not Evaluation.objects.exists()


def test_evaluation_of_a_programme_belongs_to_its_owner_when_they_manage_it(cast, desk) -> None:
    northshire_manager = person(
        "nina", "Nina", role=Role.SERVICE_MANAGER, organisation=cast.northshire
    )
    mine = _evaluation(cast, scope_kind="programme", scope_id=desk.growth.pk)
    theirs = _evaluation(
        cast, acting_user=northshire_manager, scope_kind="programme", scope_id=desk.growth.pk
    )
    assert mine.organisation == cast.hub  # a delivering organisation
    assert theirs.organisation == cast.northshire  # the owner


def test_only_managers_evaluate(cast, desk, people) -> None:
    with pytest.raises(PermissionDenied):
        _evaluation(cast, acting_user=people["vera"])  # sees the figures, may not write
    with pytest.raises(ValidationError):
        _evaluation(cast, acting_user=cast.alice)  # an adviser: not their dashboard
    evaluation = _evaluation(cast)
    with pytest.raises(PermissionDenied):
        services.evaluation_update(evaluation=evaluation, acting_user=people["vera"], threats="x")
    with pytest.raises(PermissionDenied):
        services.evaluation_finalise(evaluation=evaluation, acting_user=people["paula"])


def test_a_final_evaluation_is_kept_as_it_was(cast, desk, records) -> None:
    evaluation = _evaluation(cast)
    with pytest.raises(ValidationError) as caught:
        services.evaluation_finalise(evaluation=evaluation, acting_user=cast.mary)
    assert "Write the strengths, weaknesses, opportunities, threats, conclusions" in str(
        caught.value
    )
    services.evaluation_update(evaluation=evaluation, acting_user=cast.mary, **SWOT)
    services.evaluation_finalise(evaluation=evaluation, acting_user=cast.mary)
    evaluation.refresh_from_db()
    assert evaluation.status == "final"
    with pytest.raises(ValidationError, match="final"):
        services.evaluation_update(evaluation=evaluation, acting_user=cast.mary, threats="x")
    # Records corrected later do not change the final report.
    before = report.report_data(evaluation, timezone.localdate())
    costs.cost_create(organisation=cast.hub, acting_user=cast.mary, period=YEAR.label, amount="1")
    rollups.rebuild()
    after = report.report_data(evaluation, timezone.localdate())
    assert after["final"] is True and after["finalised_by"] == str(cast.mary)
    assert after["cost_total"] == before["cost_total"] == "35000.0000"
    live = report.figures(evaluation, timezone.localdate())
    assert live["cost_total"] == "35001.0000"


def test_recommendations_go_on_the_improvement_register(cast, desk, records) -> None:
    evaluation = _evaluation(cast)
    due = timezone.localdate() + dt.timedelta(days=30)
    improvement = services.recommendation_create(
        evaluation=evaluation,
        acting_user=cast.mary,
        title=" Hold reviews on time ",
        owner=cast.alice,
        plan="Weekly reminder.",
        due_on=due,
        measure=records["reviews_on_time"],
    )
    assert improvement.source == Improvement.Source.EVALUATION
    assert improvement.status == Improvement.Status.PLAN
    assert (improvement.evaluation, improvement.title, improvement.owner) == (
        evaluation,
        "Hold reviews on time",
        cast.alice,
    )
    assert (improvement.scope_kind, improvement.scope_id) == ("organisation", cast.hub.pk)
    assert improvement.before_period == YEAR.label
    assert DomainEvent.objects.get(verb="improvement.created").data["evaluation"] == evaluation.pk
    with pytest.raises(ValidationError) as caught:
        services.recommendation_create(
            evaluation=evaluation,
            acting_user=cast.mary,
            title="",
            owner=cast.pat,
            due_on=dt.date(2000, 1, 1),
        )
    errors = caught.value.message_dict
    assert errors["title"] == ["Say what to improve."]
    assert "does not work for Enterprise Hub" in errors["owner"][0]
    assert "cannot come before" in errors["due_on"][0]
    assert Improvement.objects.count() == 1


# The report's content -------------------------------------------------------------------------


def test_report_figures_are_the_dashboard_figures(cast, desk, records) -> None:
    evaluation = _evaluation(cast)
    data = report.figures(evaluation, timezone.localdate())
    lines = {line["code"]: line for line in data["lines"]}
    scope = Scope("organisation", cast.hub.pk)
    measures = list(records.values())
    expected = values(measures, [scope], [YEAR, YEAR.previous()])
    for code, measure in records.items():
        if not measure.is_active:
            continue
        value = expected[(measure.pk, scope, YEAR)].value
        assert report.number(lines[code]["value"]) == value, code
        previous = expected[(measure.pk, scope, YEAR.previous())].value
        assert report.number(lines[code]["previous"]) == previous, code
    satisfaction = lines["mean_satisfaction"]
    assert report.number(satisfaction["value"]) == D(3)
    assert satisfaction["target"] == "4.0000" and satisfaction["rag"] == "red"
    # Categories in the order of the 000 knowledge point.
    order = list(dict.fromkeys(line["category"] for line in data["lines"]))
    assert order[:5] == ["economy", "efficiency", "effectiveness", "value_for_money", "quality"]
    assert dict(data["costs_by_kind"]) == {"Staff": "30000.0000", "Premises": "5000.0000"}
    assert data["budgets"] == [
        {
            "programme": "Northshire Growth",
            "period": YEAR.label,
            "amount": "50000.00",
            "same_period": True,
        }
    ]
    assert data["budget_used"] == "70.0"
    assert data["priorities"] == [
        {"programme": "Northshire Growth", "text": "Rural businesses; green growth."}
    ]
    assert data["benchmarks"][0]["source"] == "National business support survey"
    assert data["benchmarks"][0]["better"] is False  # 3.0 against 3.5, higher is better
    assert data["feedback"] == {
        "reviews": 2,
        "went_well": 1,
        "went_badly": 1,
        "self_reviews": 0,
        "suggestions": 0,
    }


def test_feedback_quotes_take_names_out(cast, desk, records) -> None:
    scope = report.evaluation_scope(_evaluation(cast))
    assert scope is not None
    quotes = report.feedback_quotes(cast.mary, scope, YEAR)
    texts = [q.text for q in quotes]
    assert "[name] got its first export order thanks to [name]." in texts
    assert not any("Acme" in t or "Alice" in t for t in texts)
    assert report.feedback_quotes(person("v2", "V", role=Role.VIEWER), scope, YEAR) == []


# Pages ----------------------------------------------------------------------------------------


def test_evaluation_list_page(cast, desk, people) -> None:
    evaluation = _evaluation(cast)
    _evaluation(cast, acting_user=people["paula"], scope_id=cast.pathways.pk)
    response = check_access(
        cast,
        reverse("measures:evaluation-list"),
        allowed=people["vera"],
        wrong_role=cast.alice,
        out_of_scope=None,
    )
    assert [row["evaluation"] for row in response.context["rows"]] == [evaluation]
    assert response.context["can_add"] is False


def test_evaluation_create_page(cast, desk, people) -> None:
    url = reverse("measures:evaluation-create")
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=None
    )
    text = response.content.decode()
    assert f'value="{YEAR.label}"' in text
    assert f'value="organisation:{cast.hub.pk}"' in text
    assert f'value="organisation:{cast.pathways.pk}"' not in text
    data = {"scope": f"organisation:{cast.hub.pk}", "period": YEAR.label, "title": "Year review"}
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=None,
        expect=302,
        audited=[(Evaluation, "create")],
    )
    assert Evaluation.objects.get().title == "Year review"
    refused = cast.client(cast.mary).post(url, {**data, "period": "soon"})
    assert "is not a period" in refused.content.decode()


def test_evaluation_edit_page(cast, desk, people) -> None:
    evaluation = _evaluation(cast)
    url = reverse("measures:evaluation-edit", args=[evaluation.pk])
    check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    check_access(
        cast,
        url,
        method="post",
        data={"title": "Year review", **SWOT},
        allowed=cast.ada,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Evaluation, "update")],
    )
    evaluation.refresh_from_db()
    assert (evaluation.title, evaluation.threats) == ("Year review", "Funding ends next year.")


def test_evaluation_report_page(cast, desk, records, people) -> None:
    evaluation = _evaluation(cast, **SWOT)
    services.recommendation_create(
        evaluation=evaluation, acting_user=cast.mary, title="Faster referrals", owner=cast.alice
    )
    url = reverse("measures:evaluation-detail", args=[evaluation.pk])
    response = check_access(
        cast, url, allowed=people["vera"], wrong_role=cast.alice, out_of_scope=people["paula"]
    )
    text = response.content.decode()
    for part in ("Economy", "Value for money", "New rural grant scheme.", "Faster referrals"):
        assert part in text
    assert "£35,000" in text and "70.0%" in text
    assert "National business support survey" in text
    assert "Write the evaluation" not in text  # a viewer reads only
    mary = cast.client(cast.mary).get(url).content.decode()
    assert "[name] got its first export order" in mary  # quotes help the manager write
    assert "Acme Widgets" not in mary and "Zenith Bakery" not in mary


def test_evaluation_finalise_page(cast, desk, records, people) -> None:
    evaluation = _evaluation(cast, **SWOT)
    url = reverse("measures:evaluation-finalise", args=[evaluation.pk])
    check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Evaluation, "update")],
    )
    evaluation.refresh_from_db()
    assert evaluation.status == "final"
    event = DomainEvent.objects.get(verb="evaluation.finalised")
    assert event.data["figures"]["cost_total"] == "35000.0000"
    again = cast.client(cast.mary).post(url)
    assert again.status_code == 400 and "is final" in again.content.decode()


def test_evaluation_finalise_page_asks_for_the_narrative(cast, desk) -> None:
    evaluation = _evaluation(cast)
    response = cast.client(cast.mary).post(
        reverse("measures:evaluation-finalise", args=[evaluation.pk])
    )
    assert response.status_code == 400
    assert "Write the strengths" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"


def test_recommendation_page(cast, desk, people) -> None:
    evaluation = _evaluation(cast)
    url = reverse("measures:evaluation-recommend", args=[evaluation.pk])
    check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    check_access(
        cast,
        url,
        method="post",
        data={"title": "Faster referrals", "owner": cast.alice.pk, "plan": "Track weekly."},
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Improvement, "create")],
    )
    improvement = Improvement.objects.get()
    assert (improvement.evaluation, improvement.owner) == (evaluation, cast.alice)
    refused = cast.client(cast.mary).post(url, {"title": "", "owner": cast.pat.pk})
    assert refused.status_code == 200 and Improvement.objects.count() == 1


def test_evaluation_pdf(cast, desk, records, people) -> None:
    evaluation = _evaluation(cast, title="Hub year review", **SWOT)
    response = check_access(
        cast,
        reverse("measures:evaluation-pdf", args=[evaluation.pk]),
        allowed=people["vera"],
        wrong_role=cast.alice,
        out_of_scope=people["paula"],
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # WeasyPrint stores the document's <title> in the PDF's metadata (in a compressed stream).
    assert "Hub year review" in _pdf_text(response.content)


def test_evaluation_xlsx(cast, desk, records, people) -> None:
    evaluation = _evaluation(cast, **SWOT)
    services.recommendation_create(
        evaluation=evaluation, acting_user=cast.mary, title="Faster referrals", owner=cast.alice
    )
    response = check_access(
        cast,
        reverse("measures:evaluation-xlsx", args=[evaluation.pk]),
        allowed=people["vera"],
        wrong_role=cast.alice,
        out_of_scope=people["paula"],
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"Summary", "Figures", "SWOT", "Recommendations"} <= set(book.sheetnames)
    figures = {row[1]: row for row in book["Figures"].iter_rows(min_row=2, values_only=True)}
    assert D(str(figures["Cost of delivery"][4])) == D(35000)
    assert figures["Mean satisfaction"][7] == "Off target"
    swot = dict(book["SWOT"].iter_rows(min_row=2, values_only=True))
    assert swot["Threats"] == "Funding ends next year."
    rows = list(book["Recommendations"].iter_rows(min_row=2, values_only=True))
    assert rows[0][:2] == ("Faster referrals", "Alice Tester")
    everything = " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "Acme" not in everything and "Zenith" not in everything and "Jo Bloggs" not in everything


def test_no_client_names_in_the_report(cast, desk, records) -> None:
    evaluation = _evaluation(cast, **SWOT)
    services.evaluation_finalise(evaluation=evaluation, acting_user=cast.mary)
    mary = cast.client(cast.mary)
    page = mary.get(reverse("measures:evaluation-detail", args=[evaluation.pk])).content
    pdf = mary.get(reverse("measures:evaluation-pdf", args=[evaluation.pk])).content
    for name in (b"Acme Widgets", b"Zenith Bakery", b"Jo Bloggs"):
        assert name not in page and name not in pdf
    event = DomainEvent.objects.get(verb="evaluation.finalised")
    assert "Acme" not in str(event.data)


def test_an_evaluation_of_a_team(cast, desk, records) -> None:
    TeamFactory(organisation=cast.hub, name="Growth")
    evaluation = _evaluation(cast, scope_kind="team", scope_id=cast.startup_team.pk)
    data = report.figures(evaluation, timezone.localdate())
    lines = {line["code"]: line for line in data["lines"]}
    # Alice leads acme's engagement in the start-up team: one of the two reviews.
    assert report.number(lines["mean_satisfaction"]["value"]) == D(4)
    assert data["feedback"]["reviews"] == 1
    assert Period(evaluation.period_start, PeriodKind(evaluation.period_kind)) == YEAR


def test_an_advisers_evaluation_counts_their_work_in_its_organisation_only(
    cast, desk, people, records
) -> None:
    """Alice also advises for Pathways: the hub's evaluation of her counts her hub work only
    (figures, feedback, programmes), Pathways' evaluation of her only hers there."""
    from tests.factories import RoleAssignmentFactory
    from waypoint.delivery.models import Engagement

    RoleAssignmentFactory(user=cast.alice, organisation=cast.pathways, role=Role.ADVISER)
    Engagement.objects.filter(pk=desk.pathways_engagement.pk).update(lead_adviser=cast.alice)
    day = max(YEAR.start, timezone.localdate() - dt.timedelta(days=1))
    Review.objects.create(
        organisation=cast.pathways,
        engagement=desk.pathways_engagement,
        held_on=day,
        depth="standard",
        satisfaction=1,
    )
    rollups.rebuild()
    hub = _evaluation(cast, scope_kind="adviser", scope_id=cast.alice.pk)
    elsewhere = _evaluation(
        cast, acting_user=people["paula"], scope_kind="adviser", scope_id=cast.alice.pk
    )
    assert (hub.organisation, elsewhere.organisation) == (cast.hub, cast.pathways)
    seen = {}
    for evaluation in (hub, elsewhere):
        found = report.figures(evaluation, timezone.localdate())
        lines = {line["code"]: line["value"] for line in found["lines"]}
        seen[evaluation.organisation.name] = (
            D(lines["mean_satisfaction"]),
            found["feedback"]["reviews"],
        )
    assert seen == {"Enterprise Hub": (4, 1), "Pathways Employment": (1, 1)}
    # Her hub work still counts in the hub's evaluation once she has left the hub.
    from waypoint.core.models import RoleAssignment

    RoleAssignment.objects.filter(user=cast.alice, organisation=cast.hub).delete()
    lines = report.figures(hub, timezone.localdate())["lines"]
    assert D(next(line["value"] for line in lines if line["code"] == "mean_satisfaction")) == 4
