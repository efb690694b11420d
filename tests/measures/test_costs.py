"""Costs (issue 6 item 2): the services, the import, the pages and their permissions, and the
cost figures the rollups compute from them."""

from __future__ import annotations

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.delivery.factories import ProgrammeFactory
from tests.factories import TeamFactory, person
from tests.permissions import check_access
from waypoint.core.models import DomainEvent
from waypoint.core.periods import Period
from waypoint.core.roles import Role
from waypoint.measures.models import Cost, Measure
from waypoint.measures.selectors import Scope, values
from waypoint.measures.services import costs as services

pytestmark = pytest.mark.django_db


def _file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def _cost(cast, desk, **fields) -> Cost:
    values = {
        "organisation": cast.hub,
        "acting_user": cast.mary,
        "period": "2026/27 Q1",
        "amount": "12500.00",
        "programme": desk.growth,
        "team": cast.startup_team,
    }
    values.update(fields)
    return services.cost_create(**values)


# Services --------------------------------------------------------------------------------------


def test_cost_create_records_the_cost_and_an_event(cast, desk) -> None:
    cost = _cost(cast, desk, kind=Cost.Kind.PREMISES, description=" Office rent ")
    cost.refresh_from_db()
    assert cost.organisation == cast.hub
    assert (cost.period_kind, str(cost.period_start)) == ("quarter", "2026-04-01")
    assert cost.amount == D("12500.00")
    assert cost.kind == Cost.Kind.PREMISES
    assert cost.description == "Office rent"
    assert cost.recorded_by == cast.mary
    event = DomainEvent.objects.get(verb="cost.created")
    assert event.data["period"] == "2026/27 Q1"
    assert event.data["amount"] == "12500.00"


def test_cost_create_accepts_a_programme_the_organisation_owns(cast, desk) -> None:
    own = ProgrammeFactory(organisation=cast.hub, name="Hub's own")
    cost = _cost(cast, desk, programme=own, team=None, period="2026-05")
    assert cost.programme == own and cost.period_kind == "month"


def test_cost_problems_name_their_fields_and_nothing_is_written(cast, desk) -> None:
    elsewhere = ProgrammeFactory(organisation=cast.pathways, name="Pathways only")
    other_team = TeamFactory(organisation=cast.pathways, name="Pathways team")
    with pytest.raises(ValidationError) as caught:
        _cost(cast, desk, period="Q3 2026", amount="-5", programme=elsewhere, team=other_team)
    errors = caught.value.message_dict
    assert "'Q3 2026' is not a period" in errors["period"][0]
    assert "2026/27 Q3 (a financial quarter)" in errors["period"][0]
    assert errors["amount"] == ["An amount cannot be negative."]
    assert "neither delivers nor owns Pathways only" in errors["programme"][0]
    assert errors["team"] == ["Pathways team is not a team of Enterprise Hub."]
    assert not Cost.objects.exists()
    assert not DomainEvent.objects.filter(verb__startswith="cost").exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Give the amount in pounds, e.g. 1250.00."),
        ("lots", "'lots' is not an amount: use e.g. 1250.00."),
        ("10.555", "Give the amount in pounds and pence (at most two decimal places)."),
    ],
)
def test_cost_amount_must_be_pounds_and_pence(cast, desk, amount, message) -> None:
    with pytest.raises(ValidationError) as caught:
        _cost(cast, desk, amount=amount)
    assert caught.value.message_dict == {"amount": [message]}


def test_cost_calendar_periods_are_refused(cast, desk) -> None:
    with pytest.raises(ValidationError) as caught:
        _cost(cast, desk, period="2026 Q4")
    assert "'2026 Q4' is a calendar period" in caught.value.message_dict["period"][0]


def test_cost_zero_and_formatted_amounts_are_accepted(cast, desk) -> None:
    assert _cost(cast, desk, amount="0").amount == D(0)
    assert _cost(cast, desk, amount="£1,250.50").amount == D("1250.50")


def test_only_managers_add_change_and_delete_costs(cast, desk) -> None:
    with pytest.raises(PermissionDenied):
        _cost(cast, desk, acting_user=cast.alice)
    with pytest.raises(PermissionDenied):
        _cost(cast, desk, acting_user=cast.pat)
    cost = _cost(cast, desk)
    with pytest.raises(PermissionDenied):
        services.cost_update(
            cost=cost, acting_user=cast.alice, period="2026/27", amount="1", kind="staff"
        )
    with pytest.raises(PermissionDenied):
        services.cost_delete(cost=cost, acting_user=cast.carl)
    assert Cost.objects.get().amount == D("12500.00")


def test_cost_update_and_delete(cast, desk) -> None:
    cost = _cost(cast, desk)
    services.cost_update(
        cost=cost,
        acting_user=cast.ada,
        period="2026/27",
        amount="50000",
        kind=Cost.Kind.OVERHEADS,
        programme=None,
        team=None,
    )
    cost.refresh_from_db()
    assert (cost.period_kind, cost.amount, cost.programme, cost.team) == (
        "financial_year",
        D(50000),
        None,
        None,
    )
    assert DomainEvent.objects.filter(verb="cost.updated").count() == 1
    with pytest.raises(ValidationError):
        services.cost_update(cost=cost, acting_user=cast.ada, period="x", amount="1", kind="staff")
    cost.refresh_from_db()
    assert cost.amount == D(50000)  # the refused change left it as it was
    services.cost_delete(cost=cost, acting_user=cast.mary)
    assert not Cost.objects.exists()
    assert DomainEvent.objects.get(verb="cost.deleted").data["amount"] == "50000.00"


# Importing --------------------------------------------------------------------------------------


def test_cost_import_csv(cast, desk) -> None:
    text = (
        "period,amount,kind,programme,team,description\n"
        "2026/27 Q1,12500,staff,Northshire Growth,Start-up,Advisers\n"
        "2026-05,300.50,Premises,,,Room hire\n"
    )
    saved = services.cost_import(organisation=cast.hub, acting_user=cast.mary, file=_file(text))
    assert len(saved) == 2
    first, second = sorted(Cost.objects.all(), key=lambda c: c.amount, reverse=True)
    assert (first.programme, first.team, first.kind) == (desk.growth, cast.startup_team, "staff")
    assert (second.period_kind, second.kind, second.programme) == ("month", "premises", None)
    event = DomainEvent.objects.get(verb="costs.imported")
    assert event.data == {"count": 2, "total": "12800.50"}


def test_cost_import_names_each_problem_by_row_and_writes_nothing(cast, desk) -> None:
    text = (
        "period,amount,kind,programme,team\n"
        "2026/27 Q1,100,staff,,\n"
        "2026/27 Q9,100,staff,,\n"
        "2026/27,-1,staff,Nowhere,\n"
        "2026-04,5,travel,,Ghosts\n"
    )
    with pytest.raises(ValidationError) as caught:
        services.cost_import(organisation=cast.hub, acting_user=cast.mary, file=_file(text))
    problems = caught.value.messages
    assert any(p.startswith("Row 3, period: '2026/27 Q9' is not a period") for p in problems)
    assert "Row 4, amount: An amount cannot be negative." in problems
    assert any(
        p.startswith("Row 4, programme: 'Nowhere' is not a programme Enterprise Hub")
        for p in problems
    )
    assert any(p.startswith("Row 5, kind: 'travel' is not one of") for p in problems)
    assert "Row 5, team: 'Ghosts' is not a team of Enterprise Hub." in problems
    assert not Cost.objects.exists()  # row 2 was fine but nothing is half-written
    assert not DomainEvent.objects.filter(verb="costs.imported").exists()


def test_cost_import_refuses_unknown_columns(cast, desk) -> None:
    with pytest.raises(ValidationError) as caught:
        services.cost_import(
            organisation=cast.hub, acting_user=cast.mary, file=_file("when,price\n2026-04,5\n")
        )
    assert "Missing required columns: period, amount." in caught.value.messages[0]


def test_cost_import_xlsx(cast, desk) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["period", "amount", "kind", "programme", "team", "description"])
    sheet.append(["2026/27 Q2", 2000, "marketing", desk.growth.name, "", "Leaflets"])
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    saved = services.cost_import(organisation=cast.hub, acting_user=cast.mary, file=stream)
    assert [(c.amount, c.kind, c.programme) for c in saved] == [(D(2000), "marketing", desk.growth)]


def test_cost_import_needs_a_manager(cast, desk) -> None:
    with pytest.raises(PermissionDenied):
        services.cost_import(
            organisation=cast.hub, acting_user=cast.alice, file=_file("period,amount\n2026-04,1\n")
        )
    assert not Cost.objects.exists()


# Rollups -------------------------------------------------------------------------------------


def test_a_saved_cost_shows_in_the_cost_total(cast, desk, django_capture_on_commit_callbacks):
    measure = Measure.objects.get(code="cost_total", organisation__isnull=True)
    quarter = Period.parse("2026/27 Q1")
    year = Period.parse("2026/27")
    with django_capture_on_commit_callbacks(execute=True):
        cost = _cost(cast, desk, amount="1200")
    with django_capture_on_commit_callbacks(execute=True):
        _cost(cast, desk, amount="300", period="2026/27 Q2", programme=None, team=None)
    scopes = [Scope("organisation", cast.hub.pk), Scope("programme", desk.growth.pk)]
    found = values([measure], scopes, [quarter, year])
    assert found[(measure.pk, scopes[0], quarter)].value == D(1200)
    assert found[(measure.pk, scopes[0], year)].value == D(1500)
    assert found[(measure.pk, scopes[1], year)].value == D(1200)
    with django_capture_on_commit_callbacks(execute=True):
        services.cost_delete(cost=cost, acting_user=cast.mary)
    found = values([measure], scopes, [year])
    assert found[(measure.pk, scopes[0], year)].value == D(300)


# Pages and their permissions ---------------------------------------------------------------------


@pytest.fixture
def people(cast):
    """A viewer at hub (sees costs, cannot change them) and a manager at pathways (hub's costs
    are out of their scope)."""
    return {
        "vera": person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub),
        "paula": person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways),
    }


def test_cost_list_page(cast, desk, people) -> None:
    _cost(cast, desk, amount="100")
    _cost(cast, desk, amount="250", period="2026/27 Q2", programme=None, team=None)
    _cost(cast, desk, amount="7", period="2025/26")
    services.cost_create(
        organisation=cast.pathways, acting_user=people["paula"], period="2026/27", amount="999"
    )
    url = reverse("measures:cost-list")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=None)
    text = response.content.decode()
    assert "£357.00" in text  # hub's costs only, all periods
    assert "999" not in text
    filtered = cast.client(cast.mary).get(url, {"period": "2026/27", "programme": desk.growth.pk})
    assert "£100.00" in filtered.content.decode()
    assert filtered.context["count"] == 1
    assert cast.client(people["vera"]).get(url).context["count"] == 3  # a viewer sees them
    problem = cast.client(cast.mary).get(url, {"period": "soon"})
    assert "is not a period" in problem.content.decode()


def test_cost_list_pages(cast, desk) -> None:
    for year in (2024, 2025):
        for month in range(1, 13):
            _cost(cast, desk, amount="10", period=f"{year}-{month:02d}")
    for month in range(1, 7):
        _cost(cast, desk, amount="5", period=f"2023-{month:02d}", team=None)
    client = cast.client(cast.mary)
    url = reverse("measures:cost-list")
    first = client.get(url)
    assert len(first.context["rows"]) == 25
    assert (first.context["count"], first.context["total"]) == (30, D(270))
    second = client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 5
    assert client.get(url, {"team": cast.startup_team.pk}).context["count"] == 24
    filtered = client.get(url, {"programme": desk.growth.pk})
    assert filtered.context["count"] == 30
    assert f"programme={desk.growth.pk}&amp;page=2" in filtered.content.decode()


def test_cost_create_page(cast, desk, people) -> None:
    url = reverse("measures:cost-create")
    check_access(cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=None)
    data = {
        "organisation": cast.hub.pk,
        "period": "2026/27 Q3",
        "kind": "staff",
        "amount": "4500",
        "programme": desk.growth.pk,
        "team": cast.startup_team.pk,
        "description": "Salaries",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=None,
        expect=302,
        audited=[(Cost, "create")],
    )
    assert Cost.objects.get().amount == D(4500)
    refused = cast.client(cast.mary).post(url, {**data, "period": "autumn", "amount": "-1"})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Period: &#x27;autumn&#x27; is not a period" in text
    assert "Amount (£): An amount cannot be negative." in text
    assert Cost.objects.count() == 1


def test_cost_edit_page(cast, desk, people) -> None:
    cost = _cost(cast, desk)
    url = reverse("measures:cost-edit", args=[cost.pk])
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    assert 'value="2026/27 Q1"' in response.content.decode()
    check_access(
        cast,
        url,
        method="post",
        data={"period": "2026/27 Q2", "kind": "delivery", "amount": "99.99"},
        allowed=cast.ada,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Cost, "update")],
    )
    cost.refresh_from_db()
    assert (cost.amount, cost.kind, str(cost.period_start)) == (
        D("99.99"),
        "delivery",
        "2026-07-01",
    )


def test_cost_delete_page(cast, desk, people) -> None:
    cost = _cost(cast, desk)
    url = reverse("measures:cost-delete", args=[cost.pk])
    page = check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    assert "Delete this cost?" in page.content.decode()
    assert Cost.objects.exists()
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Cost, "delete")],
    )
    assert not Cost.objects.exists()


def test_cost_import_pages(cast, desk, people) -> None:
    url = reverse("measures:cost-import")
    check_access(cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=None)
    template = check_access(
        cast,
        reverse("measures:cost-import-template"),
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=None,
    )
    assert template.content.decode().splitlines()[0] == (
        "period,amount,kind,programme,team,description"
    )
    client = cast.client(cast.mary)
    bad = io.BytesIO(b"period,amount\n2026-04,1\n2026-05,x\n")
    bad.name = "costs.csv"
    response = client.post(url, {"organisation": cast.hub.pk, "file": bad})
    assert "Row 3, amount: &#x27;x&#x27; is not an amount" in response.content.decode()
    assert not Cost.objects.exists()
    good = io.BytesIO(b"period,amount\n2026-04,1\n2026-05,2\n")
    good.name = "costs.csv"
    with_file = {"organisation": cast.hub.pk, "file": good}
    response = client.post(url, with_file)
    assert response.status_code == 302
    assert Cost.objects.count() == 2


def test_costs_in_the_menu_for_managers_only(cast) -> None:
    from waypoint.core.navigation import nav_links_for

    assert "measures:cost-list" in [link.url_name for link in nav_links_for(cast.mary)]
    assert "measures:cost-list" not in [link.url_name for link in nav_links_for(cast.alice)]
