"""Benchmarking pages (issue 6 item 6): who may compare what, league table and funnel figures
equal to hand-computed values, case-mix adjustment changing the ranking, and benchmark figures
(published results of others) kept by managers, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.conftest import Desk
from tests.delivery.factories import EngagementFactory
from tests.factories import OrganisationFactory, person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent, Organisation
from waypoint.core.roles import Role
from waypoint.measures import rollups
from waypoint.measures.models import BenchmarkFigure, Measure
from waypoint.monitoring.models import Review

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"


def _review(engagement: Any, day: int, on_time: bool) -> Review:
    held = dt.date(2025, 6, day)
    return Review.objects.create(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        held_on=held,
        due_on=held if on_time else held - dt.timedelta(days=90),
        depth="standard",
    )


@pytest.fixture
def reviews(cast: Cast, desk: Desk, standard_measures: dict[str, Measure]) -> dict[str, Any]:
    """Reviews in June 2025 at the hub, by size band of client (micro: easy; large: hard):

    - alice: acme (micro) 3 reviews, all on time; hardco (large) 1 review, late: 3 of 4, 75%;
    - mary: zenith (large) 3 reviews, 1 on time; easyco (micro) 1 review, on time: 2 of 4, 50%.

    Overall 5 of 8 = 62.5%; micro 4 of 4 (100%), large 1 of 4 (25%)."""
    desk.acme.size_band = "micro"
    desk.acme.save()
    desk.zenith.size_band = "large"
    desk.zenith.save()
    hardco = ClientFactory(organisation=cast.hub, name="Hardco", size_band="large")
    easyco = ClientFactory(organisation=cast.hub, name="Easyco", size_band="micro")
    alice_hard = EngagementFactory(
        organisation=cast.hub, client=hardco, programme=desk.growth, lead_adviser=cast.alice
    )
    mary_easy = EngagementFactory(
        organisation=cast.hub, client=easyco, programme=desk.growth, lead_adviser=cast.mary
    )
    for day in (2, 3, 4):
        _review(desk.alice_engagement, day, True)
    _review(alice_hard, 5, False)
    _review(desk.mary_engagement, 2, True)
    _review(desk.mary_engagement, 3, False)
    _review(desk.mary_engagement, 4, False)
    _review(mary_easy, 5, True)
    rollups.rebuild()
    return standard_measures


def _url(compare: str, measure: str = "reviews_on_time", *casemix: str) -> str:
    query = f"compare={compare}&measure={measure}&period={PERIOD}"
    query += "".join(f"&casemix={d}" for d in casemix)
    return reverse("measures:benchmarking") + "?" + query


def _rows(response: Any) -> dict[str, dict[str, Any]]:
    return {row["unit"].name: row for row in response.context["rows"]}


def _outsider() -> Any:
    elsewhere = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    return person("olga", "Olga", role=Role.SERVICE_MANAGER, organisation=elsewhere)


# Who may compare -----------------------------------------------------------------------------


def test_advisers_of_an_organisation_are_compared_by_its_managers(
    cast: Cast, reviews: dict[str, Any]
) -> None:
    response = check_access(
        cast,
        _url(f"advisers:organisation:{cast.hub.pk}"),
        allowed=cast.mary,
        wrong_role=cast.alice,  # advisers do not see their colleagues' league table
        out_of_scope=_outsider(),
    )
    assert b"Funnel plot" in response.content
    assert request_as(cast.ada, _url(f"teams:organisation:{cast.hub.pk}")).status_code == 200
    assert request_as(cast.mary, _url("advisers:organisation:999999")).status_code == 404
    assert request_as(cast.mary, _url("nonsense")).status_code == 404


def test_advisers_of_a_team_are_compared_by_the_organisation_managers(
    cast: Cast, reviews: dict[str, Any]
) -> None:
    url = _url(f"advisers:team:{cast.startup_team.pk}")
    check_access(cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=_outsider())
    response = request_as(cast.mary, url)
    assert list(_rows(response)) == ["Alice Tester"]  # only the team's people


def test_providers_of_a_programme_are_compared_by_its_owner(
    cast: Cast, desk: Desk, reviews: dict[str, Any]
) -> None:
    url = _url(f"providers:programme:{desk.growth.pk}")
    response = check_access(
        cast,
        url,
        allowed=cast.carl,  # the owner's contract manager
        wrong_role=cast.mary,  # a manager of a provider: sees the programme, not its rivals
        out_of_scope=_outsider(),
    )
    rows = _rows(response)
    # From the programme's facts: the hub's 8 reviews, 5 on time; pathways has none.
    assert rows["Enterprise Hub"]["value"] == "62.5%"
    assert rows["Enterprise Hub"]["parts"] == "5 of 8"
    assert rows["Pathways Employment"]["value"] == "No data"
    assert rows["Pathways Employment"]["rank"] is None


def test_default_comparison_and_people_with_nothing_to_compare(
    cast: Cast, reviews: dict[str, Any]
) -> None:
    response = request_as(cast.mary, reverse("measures:benchmarking"))
    assert response.status_code == 200
    assert response.context["comparison"].key == f"advisers:organisation:{cast.hub.pk}"
    assert response.context["measure"].code == "reviews_on_time"
    assert request_as(cast.pat, reverse("measures:benchmarking")).status_code == 403
    assert request_as(cast.oscar, reverse("measures:benchmarking")).status_code == 403


# Figures -----------------------------------------------------------------------------------------


def test_league_table_and_funnel_figures_by_hand(cast: Cast, reviews: dict[str, Any]) -> None:
    response = request_as(cast.mary, _url(f"advisers:organisation:{cast.hub.pk}"))
    assert response.context["overall_value"] == "62.5%"
    assert response.context["overall_n"] == 8
    rows = response.context["rows"]
    assert [(r["rank"], r["unit"].name, r["value"], r["n"]) for r in rows[:2]] == [
        (1, "Alice Tester", "75.0%", 4),
        (2, "Mary Tester", "50.0%", 4),
    ]
    # n = 4 around 62.5%: 1.96 x sqrt(62.5 x 37.5 / 4) = 47.4 points: both within the limits.
    assert rows[0]["position_label"] == "As expected"
    assert response.context["limits_example"] == (
        "For a unit with 4 records the 95% limits are 15.1% to 100.0% and the 99.8% limits "
        "0.0% to 100.0%."
    )
    text = response.content.decode()
    assert 'role="img"' in text and "Overall 62.5%" in text
    assert "Funnel plot of reviews on time, advisers in Enterprise Hub" in text
    assert text.count("wp-funnel-point") == 2


def test_chart_key_points_better_the_way_of_the_measures_direction(
    cast: Cast, reviews: dict[str, Any]
) -> None:
    url = _url(f"advisers:organisation:{cast.hub.pk}")
    up, down = 'points="7,1 1,11 13,11"', 'points="7,11 1,1 13,1"'

    def key(name: str) -> str:
        text = request_as(cast.mary, url).content.decode()
        item = text.split(f'data-key="{name}">')[1]
        return item.split("</li>")[0]

    assert up in key("better") and "above the limits" in key("better")
    assert down in key("worse")
    Measure.objects.filter(code="reviews_on_time").update(direction="lower")
    assert down in key("better") and "below the limits" in key("better")
    assert up in key("worse") and up not in key("better")


def test_advisers_are_not_compared_on_costs(cast: Cast, reviews: dict[str, Any]) -> None:
    def offered(compare: str) -> set[str]:
        response = request_as(cast.mary, _url(compare))
        return {measure.code for measure in response.context["measures"]}

    advisers = offered(f"advisers:organisation:{cast.hub.pk}")
    teams = offered(f"teams:organisation:{cast.hub.pk}")
    assert "reviews_on_time" in advisers
    assert not {"cost_total", "cost_per_client"} & advisers
    assert {"cost_total", "cost_per_client"} <= teams


def test_case_mix_adjustment_changes_the_ranking(cast: Cast, reviews: dict[str, Any]) -> None:
    response = request_as(
        cast.mary, _url(f"advisers:organisation:{cast.hub.pk}", "reviews_on_time", "size_band")
    )
    rows = response.context["rows"]
    # alice: expected 3 x 1 + 1 x 0.25 = 3.25, O/E 0.92, adjusted 62.5 x 3 / 3.25 = 57.7%;
    # mary: expected 1 x 1 + 3 x 0.25 = 1.75, O/E 1.14, adjusted 62.5 x 2 / 1.75 = 71.4%.
    assert [(r["rank"], r["unit"].name, r["ratio"], r["adjusted"]) for r in rows[:2]] == [
        (1, "Mary Tester", "1.14", "71.4%"),
        (2, "Alice Tester", "0.92", "57.7%"),
    ]
    assert rows[0]["value"] == "50.0%"  # the crude rate is still shown
    assert response.context["case_mix_labels"] == ["Size band"]
    assert b"adjusted for case-mix" in response.content


def test_case_mix_is_for_rates_only(cast: Cast, reviews: dict[str, Any]) -> None:
    response = request_as(
        cast.mary, _url(f"advisers:organisation:{cast.hub.pk}", "mean_satisfaction", "sector")
    )
    assert response.status_code == 200
    assert not response.context["case_mix_on"]
    assert b"Case-mix adjustment applies to rates" in response.content
    bad = request_as(cast.mary, _url(f"advisers:organisation:{cast.hub.pk}", "nope", "groups"))
    assert "measure: there is no measure 'nope'" in bad.context["problems"][0]
    assert "'groups' cannot form segments" in bad.context["problems"][1]


def test_benchmark_figures_are_shown_beside_ours(cast: Cast, reviews: dict[str, Any]) -> None:
    BenchmarkFigure.objects.create(
        organisation=cast.hub,
        measure=reviews["reviews_on_time"],
        source="National survey",
        period_kind="financial_year",
        period_start=dt.date(2024, 4, 1),
        value=D("80"),
    )
    response = request_as(cast.mary, _url(f"advisers:organisation:{cast.hub.pk}"))
    text = response.content.decode()
    assert "wp-funnel-benchmark" in text and "National survey 80%" in text
    assert [r["value"] for r in response.context["benchmark_rows"]] == ["80.0%"]


# Benchmark figures -------------------------------------------------------------------------------


@pytest.fixture
def others(cast: Cast) -> dict[str, Any]:
    return {
        "vera": person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub),
        "paula": person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways),
    }


def _figure(cast: Cast, measures: dict[str, Measure]) -> BenchmarkFigure:
    return BenchmarkFigure.objects.create(
        organisation=cast.hub,
        measure=measures["reviews_on_time"],
        source="National survey",
        period_kind="financial_year",
        period_start=dt.date(2024, 4, 1),
        value=D("80"),
    )


def test_figure_list_page(cast: Cast, standard_measures: dict[str, Measure], others) -> None:
    _figure(cast, standard_measures)
    response = check_access(
        cast,
        reverse("measures:benchmark-figure-list"),
        allowed=others["vera"],  # a viewer reads them
        wrong_role=cast.alice,
        out_of_scope=None,
    )
    assert b"National survey" in response.content
    assert b"/edit/" not in response.content  # a viewer cannot change them
    assert (
        b"National survey"
        not in request_as(others["paula"], reverse("measures:benchmark-figure-list")).content
    )


def test_figure_create_page(cast: Cast, standard_measures: dict[str, Measure], others) -> None:
    url = reverse("measures:benchmark-figure-create")
    data = {
        "organisation": cast.hub.pk,
        "measure": standard_measures["reviews_on_time"].pk,
        "source": "National survey",
        "period": "2025/26",
        "value": "78.5",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=others["vera"],
        out_of_scope=None,
        expect=302,
        audited=[(BenchmarkFigure, "create")],
    )
    figure = BenchmarkFigure.objects.get()
    assert (figure.value, figure.period_start) == (D("78.5"), dt.date(2025, 4, 1))
    assert DomainEvent.objects.filter(verb="benchmark_figure.created").exists()
    refused = cast.client(cast.mary).post(url, {**data, "value": "120", "period": "autumn"})
    text = refused.content.decode()
    assert "Reviews on time is a percentage: give a figure from 0 to 100." in text
    assert "is not a period" in text
    assert BenchmarkFigure.objects.count() == 1


def test_figure_edit_page(cast: Cast, standard_measures: dict[str, Measure], others) -> None:
    figure = _figure(cast, standard_measures)
    url = reverse("measures:benchmark-figure-edit", args=[figure.pk])
    check_access(
        cast, url, allowed=cast.mary, wrong_role=others["vera"], out_of_scope=others["paula"]
    )
    data = {
        "measure": standard_measures["reviews_on_time"].pk,
        "source": "National survey",
        "period": "2024/25",
        "value": "81",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=others["vera"],
        out_of_scope=others["paula"],
        expect=302,
        audited=[(BenchmarkFigure, "update")],
    )
    figure.refresh_from_db()
    assert figure.value == D(81)


def test_figure_delete_asks_first(
    cast: Cast, standard_measures: dict[str, Measure], others
) -> None:
    figure = _figure(cast, standard_measures)
    url = reverse("measures:benchmark-figure-delete", args=[figure.pk])
    confirm = check_access(
        cast, url, allowed=cast.mary, wrong_role=others["vera"], out_of_scope=others["paula"]
    )
    assert b"Delete this benchmark figure?" in confirm.content
    assert BenchmarkFigure.objects.exists()
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.mary,
        wrong_role=others["vera"],
        out_of_scope=others["paula"],
        expect=302,
        audited=[(BenchmarkFigure, "delete")],
    )
    assert not BenchmarkFigure.objects.exists()
