"""``/api/v1/measures/``, ``/api/v1/measures/{code}/values/``, ``/api/v1/targets/``,
``/api/v1/evaluations/`` and ``/api/v1/improvements/`` (issue 6 item 10): the pages' access
rules, the services' rules, and figures equal to the dashboards' (``selectors.values``)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.helpers import assert_json_error, results
from tests.conftest import Cast
from tests.delivery.conftest import Desk, desk  # noqa: F401  (the fixture)
from tests.delivery.factories import InteractionFactory
from tests.factories import person
from tests.permissions import assert_audited, assert_no_audit, check_access, request_as
from waypoint.core.periods import Period, PeriodKind, period_of
from waypoint.core.roles import Role
from waypoint.delivery.models import Interaction
from waypoint.measures import rag, rollups
from waypoint.measures.models import Evaluation, Improvement, Measure, Target
from waypoint.measures.selectors import Scope, last_periods, values
from waypoint.measures.services import library as library_services
from waypoint.measures.services import targets as target_services

pytestmark = pytest.mark.django_db

MEASURES = "/api/v1/measures/"
TARGETS = "/api/v1/targets/"
EVALUATIONS = "/api/v1/evaluations/"
IMPROVEMENTS = "/api/v1/improvements/"
YEAR = "2025/26"
HOURS = {"source": "contacts", "aggregate": "sum", "field": "hours"}
Q4 = D("0.0001")


def _at(day: int, month: int = 6, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=dt.UTC)


def _values(code: str, query: str) -> str:
    return f"{MEASURES}{code}/values/?{query}"


def _number(value: D | None) -> str | None:
    return None if value is None else str(value.quantize(Q4))


def api(user: Any, url: str, method: str = "get", data: Any = None) -> Any:
    return request_as(user, url, method=method, data=data, api=True)


@pytest.fixture
def people(cast: Cast) -> dict[str, Any]:
    return {
        "vera": person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub),
        "paula": person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways),
    }


@pytest.fixture
def figures(cast: Cast, desk: Desk, standard_measures: dict[str, Measure]) -> dict[str, Any]:  # noqa: F811
    """Contacts in 2025/26 at hub: desk's (60 minutes, moved into June) and alice's 90 minutes
    on acme, mary's 30 minutes on zenith; at pathways 120 minutes; and one of alice's in
    2024/25 that must not count. Rollups rebuilt from them."""
    Interaction.objects.filter(pk=desk.contact.pk).update(occurred_at=_at(2), duration_minutes=60)
    InteractionFactory(engagement=desk.alice_engagement, duration_minutes=90, occurred_at=_at(10))
    InteractionFactory(
        engagement=desk.mary_engagement, duration_minutes=30, occurred_at=_at(5, month=7)
    )
    InteractionFactory(
        engagement=desk.pathways_engagement, duration_minutes=120, occurred_at=_at(20)
    )
    InteractionFactory(
        engagement=desk.alice_engagement, duration_minutes=600, occurred_at=_at(1, 3, 2025)
    )
    rollups.rebuild()
    return standard_measures


def own_measure(cast: Cast, organisation: Any = None, user: Any = None, **changes: Any) -> Measure:
    fields = {
        "code": "advice_hours",
        "name": "Advice hours",
        "category": "economy",
        "unit": "hours",
        "direction": "higher",
        "definition": HOURS,
    }
    fields.update(changes)
    return library_services.measure_create(
        organisation=organisation or cast.hub, acting_user=user or cast.mary, **fields
    )


def hub_target(cast: Cast, code: str = "support_hours", **changes: Any) -> Target:
    fields: dict[str, Any] = {
        "acting_user": cast.mary,
        "measure": Measure.objects.get(code=code, organisation__isnull=True),
        "scope_kind": "organisation",
        "scope_id": cast.hub.pk,
        "period": YEAR,
        "value": "400",
    }
    fields.update(changes)
    return target_services.target_set(**fields)


# Measures --------------------------------------------------------------------------------------


def test_measures_list_with_filters_search_and_pages(cast, standard_measures):
    own_measure(cast)
    own_measure(cast, organisation=cast.pathways, user=cast.root, code="pathways_hours")
    response = check_access(
        cast, MEASURES, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    body = response.json()
    assert body["count"] == len(standard_measures) + 1  # not pathways' own
    assert len(body["results"]) == 50 or body["count"] < 50
    rows = {row["code"]: row for row in results(api(cast.alice, MEASURES + "?page_size=200"))}
    assert "pathways_hours" not in rows
    assert rows["advice_hours"]["organisation"] == cast.hub.pk
    assert not rows["advice_hours"]["is_standard"]
    assert rows["support_hours"]["is_standard"] and rows["support_hours"]["organisation"] is None
    assert rows["support_hours"]["definition"] == standard_measures["support_hours"].definition

    def codes(query: str) -> set[str]:
        return {
            row["code"] for row in results(api(cast.alice, f"{MEASURES}?page_size=200&{query}"))
        }

    assert codes("standard=false") == {"advice_hours"}
    assert "advice_hours" not in codes("standard=true")
    assert codes("category=economy") == {
        c for c, m in standard_measures.items() if m.category == "economy"
    } | {"advice_hours"}
    ratios = {c for c, m in standard_measures.items() if m.definition["aggregate"] == "ratio"}
    assert ratios and codes("source=ratio") == ratios
    contacts = codes("source=contacts")
    assert {"support_hours", "advice_hours"} <= contacts and not contacts & ratios
    assert "hours_per_client" in codes("search=per client")
    library_services.measure_retire(
        measure=Measure.objects.get(code="advice_hours"), acting_user=cast.mary
    )
    assert codes("active=false") == {"advice_hours"}
    assert "advice_hours" in codes("") and "advice_hours" not in codes("active=true")
    # Pages of 5.
    first = api(cast.alice, MEASURES + "?page_size=5").json()
    assert len(first["results"]) == 5 and "page=2" in first["next"]
    second = results(api(cast.alice, MEASURES + "?page_size=5&page=2"))
    assert not {r["code"] for r in first["results"]} & {r["code"] for r in second}
    error = assert_json_error(api(cast.alice, MEASURES + "?source=nowhere"), 400)
    assert "source" in error["errors"]


def test_a_measure_is_retrieved_by_code_the_callers_own_first(cast, standard_measures):
    own_measure(cast, code="mine", name="Hub's measure")
    own_measure(cast, organisation=cast.pathways, user=cast.root, code="mine", name="Pathways'")
    assert api(cast.mary, MEASURES + "mine/").json()["name"] == "Hub's measure"
    assert api(cast.pat, MEASURES + "mine/").json()["name"] == "Pathways'"
    own_measure(cast)
    response = check_access(
        cast,
        MEASURES + "advice_hours/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["name"] == "Advice hours" and body["definition"] == HOURS
    assert body["in_words"] == "The total hours of contacts"
    standard = api(cast.pat, MEASURES + "support_hours/").json()
    assert standard["is_standard"] and standard["organisation"] is None
    assert_json_error(api(cast.mary, MEASURES + "no_such_measure/"), 404)


def test_a_manager_adds_a_measure(cast, standard_measures):
    data = {
        "code": "phone_contacts",
        "name": "Phone contacts",
        "category": "efficiency",
        "unit": "count",
        "direction": "higher",
        "definition": {"source": "contacts", "aggregate": "count", "where": {"mode": "phone"}},
        "validity": "Phone support is cheaper per contact.",
    }
    response = check_access(
        cast,
        MEASURES,
        method="post",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Measure, "create")],
    )
    measure = Measure.objects.get(code="phone_contacts")
    assert measure.organisation == cast.hub and measure.created_by == cast.mary
    body = response.json()
    assert (body["code"], body["organisation"], body["is_standard"]) == (
        "phone_contacts",
        cast.hub.pk,
        False,
    )
    assert body["validity"] == "Phone support is cheaper per contact."


def test_measure_problems_are_json_naming_each_field(cast, standard_measures):
    data = {
        "code": "support_hours",  # a standard measure's code
        "name": "",
        "category": "happiness",
        "unit": "count",
        "direction": "higher",
        "definition": {"source": "contacts", "aggregate": "sum", "where": {"status": "open"}},
    }
    with assert_no_audit():
        error = assert_json_error(api(cast.mary, MEASURES, "post", data), 400)
    assert set(error["errors"]) == {"name"}  # the serializer's own check comes first
    data["name"] = "Hours again"
    with assert_no_audit():
        errors = assert_json_error(api(cast.mary, MEASURES, "post", data), 400)["errors"]
    assert "A standard measure already has that code" in errors["code"][0]
    assert "happiness" in errors["category"][0]
    problems = errors["definition"]
    assert any(p.startswith("field: ") for p in problems), problems
    assert any(p.startswith("where.status: ") for p in problems), problems
    assert not Measure.objects.filter(name="Hours again").exists()
    # Two organisations to choose from: the organisation must be named.
    both = person("ben", "Ben", role=Role.SERVICE_MANAGER, organisation=cast.hub)
    both.role_assignments.create(organisation=cast.pathways, role=Role.SERVICE_MANAGER)
    data.update(code="ben_hours", category="economy", definition=HOURS)
    errors = assert_json_error(api(both, MEASURES, "post", data), 400)["errors"]
    assert "organisation" in errors
    created = api(both, MEASURES, "post", {**data, "organisation": cast.pathways.pk})
    assert created.status_code == 201 and created.json()["organisation"] == cast.pathways.pk


def test_a_manager_changes_their_measure_not_a_standard_one(cast, standard_measures):
    measure = own_measure(cast)
    url = MEASURES + "advice_hours/"
    data = {"name": "Phone hours", "definition": {**HOURS, "where": {"mode": "phone"}}}
    response = check_access(
        cast,
        url,
        method="patch",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        audited=[(Measure, "update")],
    )
    measure.refresh_from_db()
    assert measure.name == "Phone hours" and measure.definition["where"] == {"mode": "phone"}
    assert response.json()["name"] == "Phone hours"
    with assert_no_audit():
        refused = api(cast.mary, MEASURES + "support_hours/", "patch", {"name": "Mine now"})
    assert "cannot be changed" in assert_json_error(refused, 403)["detail"]
    bad = api(cast.mary, url, "patch", {"definition": {"source": "contacts", "aggregate": "sum"}})
    assert assert_json_error(bad, 400)["errors"]["definition"][0].startswith("field: ")
    # There is no delete: a measure is retired.
    assert api(cast.mary, url, "delete").status_code == 405


def test_retire_and_reactivate_a_measure(cast, standard_measures):
    measure = own_measure(cast)
    for verb, active in (("retire", False), ("reactivate", True)):
        response = check_access(
            cast,
            f"{MEASURES}advice_hours/{verb}/",
            method="post",
            api=True,
            allowed=cast.mary,
            wrong_role=cast.alice,
            out_of_scope=cast.pat,
            audited=[(Measure, "update")],
        )
        measure.refresh_from_db()
        assert measure.is_active is active and response.json()["is_active"] is active
    again = api(cast.mary, f"{MEASURES}advice_hours/reactivate/", "post")
    assert "already in use" in assert_json_error(again, 400)["errors"]["is_active"][0]
    assert_json_error(api(cast.mary, f"{MEASURES}support_hours/retire/", "post"), 403)


# Figures ---------------------------------------------------------------------------------------


def test_values_access_follows_the_dashboards(cast, desk, figures):  # noqa: F811
    url = _values("support_hours", f"scope=organisation:{cast.hub.pk}&period={YEAR}")
    response = check_access(
        cast,
        url,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,  # an adviser of the hub: their own figures, not the hub's
        out_of_scope=cast.pat,
    )
    body = response.json()
    assert body["scope"] == {
        "kind": "organisation",
        "id": cast.hub.pk,
        "name": "Enterprise Hub",
        "counted_organisations": None,
    }
    assert body["measure"]["code"] == "support_hours"
    assert [row["value"] for row in body["values"]] == ["3.0000"]  # 60 + 90 + 30 minutes
    # Advisers read their own figures, and their team's.
    own = api(cast.alice, _values("support_hours", f"scope=adviser:{cast.alice.pk}&period={YEAR}"))
    assert own.status_code == 200 and own.json()["values"][0]["value"] == "2.5000"
    team = api(cast.alice, _values("support_hours", f"scope=team:{cast.startup_team.pk}"))
    assert team.status_code == 200
    assert (
        api(cast.alice, _values("support_hours", f"scope=adviser:{cast.mary.pk}")).status_code
        == 403
    )
    assert api(cast.mary, _values("support_hours", "scope=organisation:999999")).status_code == 404
    assert_json_error(api(cast.mary, _values("nothing", f"scope=organisation:{cast.hub.pk}")), 404)
    # The commissioner's contract manager sees the programme's figures: all its providers.
    programme = api(
        cast.carl, _values("support_hours", f"scope=programme:{desk.growth.pk}&period={YEAR}")
    )
    assert programme.json()["values"][0]["value"] == "5.0000"


@pytest.mark.parametrize(
    "code", ["support_hours", "clients_supported", "hours_per_client", "agreements_in_place"]
)
def test_values_equal_the_dashboards_figures(cast, figures, code):
    measure = figures[code]
    periods = [Period.parse(YEAR), Period.parse("2025-06"), Period.parse("2025/26 Q2")]
    query = f"scope=organisation:{cast.hub.pk}&" + "&".join(f"period={p.label}" for p in periods)
    body = api(cast.mary, _values(code, query)).json()
    expected = values([measure], [Scope("organisation", cast.hub.pk)], periods)
    assert [row["period"] for row in body["values"]] == [p.label for p in periods]
    for row, period in zip(body["values"], periods, strict=True):
        figure = expected[(measure.pk, Scope("organisation", cast.hub.pk), period)]
        assert row["value"] == _number(figure.value)
        assert row["numerator"] == _number(figure.numerator)
        assert row["denominator"] == _number(figure.denominator)
        assert row["records"] == figure.records
        assert (row["start"], row["end"]) == (str(period.start), str(period.last_day))
        assert (row["target"], row["rag"], row["rag_label"]) == (None, None, "No target")
    assert body["measure"]["aggregate"] == measure.definition["aggregate"]
    if code == "hours_per_client":  # a ratio: 3 hours for 2 clients in the year
        year = body["values"][0]
        assert (year["value"], year["numerator"], year["denominator"]) == (
            "1.5000",
            "3.0000",
            "2.0000",
        )


def test_values_of_the_last_periods(cast, figures):
    today = timezone.localdate()
    body = api(
        cast.mary, _values("support_hours", f"scope=organisation:{cast.hub.pk}&last=8&kind=month")
    ).json()
    assert [row["period"] for row in body["values"]] == [
        p.label for p in last_periods("month", 8, today)
    ]
    quarters = api(
        cast.mary, _values("support_hours", f"scope=organisation:{cast.hub.pk}&last=2&kind=quarter")
    ).json()["values"]
    assert [row["period_kind"] for row in quarters] == ["quarter", "quarter"]
    assert quarters[-1]["period"] == period_of(today, PeriodKind.QUARTER).label
    default = api(cast.mary, _values("support_hours", f"scope=organisation:{cast.hub.pk}")).json()
    assert [row["period"] for row in default["values"]] == [
        period_of(today, PeriodKind.FINANCIAL_YEAR).label
    ]


def test_values_carry_the_target_rag_and_variance(cast, figures):
    # A past year: all of the target is due. 3 hours against 3.2 (amber within 10%).
    target = hub_target(cast, value="3.2")
    body = api(
        cast.mary, _values("support_hours", f"scope=organisation:{cast.hub.pk}&period={YEAR}")
    ).json()
    row = body["values"][0]
    assert row["target"] == {
        "id": target.pk,
        "value": "3.2000",
        "due": "3.2000",
        "amber_within": "10.0000",
        "profiled": True,
    }
    assert (row["rag"], row["rag_label"]) == ("amber", rag.LABELS["amber"])
    assert row["variance"] == {"difference": "-0.2000", "percent": "-6.2500"}
    # The current year, profiled: only part of it is due by now.
    today = timezone.localdate()
    this_year = period_of(today, PeriodKind.FINANCIAL_YEAR)
    first_month = Period(this_year.start, PeriodKind.MONTH).label
    hub_target(cast, period=this_year.label, value="120", profile={first_month: "50"})
    due = rag.target_to_date(D(120), this_year, "sum", {first_month: "50"}, today)
    row = api(
        cast.mary,
        _values("support_hours", f"scope=organisation:{cast.hub.pk}&period={this_year.label}"),
    ).json()["values"][0]
    assert row["target"]["due"] == _number(due) and row["target"]["value"] == "120.0000"
    assert row["rag"] == rag.rag(D(row["value"]), due, "higher", D(10))
    # A rate is never profiled; its numerator and denominator are given: hub's two
    # engagements (enquiries this year), none of them from women-led businesses.
    hub_target(cast, code="share_women", period=this_year.label, value="50")
    query = f"scope=organisation:{cast.hub.pk}&period={this_year.label}"
    rate = api(cast.mary, _values("share_women", query)).json()["values"][0]
    assert rate["target"]["profiled"] is False and rate["target"]["due"] == "50.0000"
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (
        "0.0000",
        "0.0000",
        "2.0000",
    )
    assert (rate["rag"], rate["variance"]) == (
        "red",
        {"difference": "-50.0000", "percent": "-100.0000"},
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "scope"),
        ("scope=hub", "scope"),
        ("scope=organisation:x", "scope"),
        ("scope=region:1", "scope"),
        ("scope=organisation:{hub}&period=2025-13", "period"),
        ("scope=organisation:{hub}&period=2025", "period"),
        ("scope=organisation:{hub}&period=2025/26&period=nonsense", "period"),
        ("scope=organisation:{hub}&last=0", "last"),
        ("scope=organisation:{hub}&last=abc", "last"),
        ("scope=organisation:{hub}&last=37", "last"),
        ("scope=organisation:{hub}&last=2&period=2025/26", "last"),
        ("scope=organisation:{hub}&last=2&kind=fortnight", "kind"),
        ("scope=organisation:{hub}&last=2&kind=calendar_year", "kind"),
        ("scope=organisation:{hub}&period=2025/26&kind=month", "kind"),
    ],
)
def test_bad_scopes_and_periods_are_400_naming_the_parameter(cast, figures, query, parameter):
    url = _values("support_hours", query.format(hub=cast.hub.pk))
    error = assert_json_error(api(cast.mary, url), 400)
    assert list(error["errors"]) == [parameter], error


# Targets ---------------------------------------------------------------------------------------


def test_targets_list_and_filters(cast, desk, people, standard_measures):  # noqa: F811
    year = hub_target(cast)
    quarter = hub_target(cast, period="2025/26 Q1", value="100")
    programme = hub_target(cast, scope_kind="programme", scope_id=desk.growth.pk)
    other = target_services.target_set(
        acting_user=people["paula"],
        measure=standard_measures["support_hours"],
        scope_kind="organisation",
        scope_id=cast.pathways.pk,
        period=YEAR,
        value="10",
    )
    response = check_access(
        cast, TARGETS, api=True, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=None
    )
    rows = {row["id"]: row for row in results(response)}
    assert set(rows) == {year.pk, quarter.pk, programme.pk}
    row = rows[year.pk]
    assert (row["measure"], row["scope"], row["scope_name"], row["period"]) == (
        "support_hours",
        f"organisation:{cast.hub.pk}",
        "Enterprise Hub",
        YEAR,
    )
    assert row["value"] == "400.0000" and row["organisation"] == cast.hub.pk
    assert row["thresholds"] == "Green at 400 or more; amber from 360; red below."

    def ids(user: Any, query: str) -> set[int]:
        return {row["id"] for row in results(api(user, f"{TARGETS}?{query}"))}

    assert ids(cast.mary, "period=2025/26 Q1") == {quarter.pk}
    assert ids(cast.mary, f"scope=programme:{desk.growth.pk}") == {programme.pk}
    assert ids(cast.mary, "measure=clients_supported") == set()
    assert ids(people["vera"], "") == {year.pk, quarter.pk, programme.pk}
    # The programme's commissioner sees the targets of its programme, whoever set them.
    assert ids(cast.carl, "") == {programme.pk}
    assert ids(people["paula"], "") == {other.pk, programme.pk}
    for query, parameter in (("scope=hub", "scope"), ("period=2025", "period")):
        error = assert_json_error(api(cast.mary, f"{TARGETS}?{query}"), 400)
        assert list(error["errors"]) == [parameter]


def test_retrieve_a_target(cast, people, standard_measures):
    target = hub_target(cast)
    response = check_access(
        cast,
        f"{TARGETS}{target.pk}/",
        api=True,
        allowed=people["vera"],
        wrong_role=cast.alice,
        out_of_scope=people["paula"],
    )
    assert response.json()["id"] == target.pk
    assert_json_error(api(cast.mary, f"{TARGETS}999999/"), 404)


def test_a_manager_sets_a_target(cast, desk, people, standard_measures):  # noqa: F811
    data = {
        "measure": "clients_supported",
        "scope": f"programme:{desk.growth.pk}",
        "period": "2025/26",
        "value": "40",
        "profile": {"2025-09": "50"},
        "notes": " Half by September ",
    }
    response = check_access(
        cast,
        TARGETS,
        method="post",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Target, "create")],
    )
    target = Target.objects.get()
    assert (target.organisation, target.scope_kind, target.scope_id) == (
        cast.hub,
        "programme",
        desk.growth.pk,
    )
    assert (target.value, target.amber_within, target.notes) == (D(40), D(10), "Half by September")
    assert target.profile == {"2025-09": "50"}
    assert response.json()["period"] == YEAR
    # A viewer sees targets but does not set them.
    with assert_no_audit():
        assert api(people["vera"], TARGETS, "post", data).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "-5"}, "value"),
        ({"value": "lots"}, "value"),
        ({"amber_within": "150"}, "amber_within"),
        ({"period": "2025-07", "profile": {"2025-07": "50"}}, "profile"),
        ({"profile": {"2030-01": "50"}}, "profile"),
        ({"period": "someday"}, "period"),
        ({"measure": "no_such_measure"}, "measure"),
        ({"scope": "organisation:{pathways}"}, "scope"),
        ({"scope": "organisation"}, "scope"),
        ({"scope": "organisation:999999"}, "scope"),
    ],
)
def test_target_problems_name_their_field(cast, standard_measures, changes, field):
    data = {
        "measure": "clients_supported",
        "scope": f"organisation:{cast.hub.pk}",
        "period": YEAR,
        "value": "40",
        **changes,
    }
    if isinstance(data["scope"], str):
        data["scope"] = data["scope"].format(pathways=cast.pathways.pk)
    with assert_no_audit():
        error = assert_json_error(api(cast.mary, TARGETS, "post", data), 400)
    assert list(error["errors"]) == [field], error
    assert not Target.objects.exists()


def test_a_second_target_for_the_same_period_is_refused(cast, standard_measures):
    target = hub_target(cast, code="clients_supported")
    data = {
        "measure": "clients_supported",
        "scope": f"organisation:{cast.hub.pk}",
        "period": YEAR,
        "value": "40",
    }
    error = assert_json_error(api(cast.mary, TARGETS, "post", data), 400)
    assert f"target {target.pk}" in error["errors"]["period"][0]


def test_a_manager_changes_a_target(cast, people, standard_measures):
    target = hub_target(cast)
    response = check_access(
        cast,
        f"{TARGETS}{target.pk}/",
        method="patch",
        data={"value": "450", "amber_within": "5"},
        api=True,
        allowed=cast.mary,
        wrong_role=people["vera"],  # sees it, may not change it
        out_of_scope=people["paula"],
        audited=[(Target, "update")],
    )
    target.refresh_from_db()
    assert (target.value, target.amber_within) == (D(450), D(5))
    assert response.json()["thresholds"].startswith("Green at 450 or more")
    bad = api(cast.mary, f"{TARGETS}{target.pk}/", "patch", {"profile": {"2030-01": 5}})
    assert list(assert_json_error(bad, 400)["errors"]) == ["profile"]
    assert api(cast.mary, f"{TARGETS}{target.pk}/", "put", {"value": "1"}).status_code == 405


def test_a_manager_deletes_a_target(cast, people, standard_measures):
    target = hub_target(cast)
    check_access(
        cast,
        f"{TARGETS}{target.pk}/",
        method="delete",
        api=True,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=204,
        audited=[(Target, "delete")],
    )
    assert not Target.objects.exists()


# Evaluations and improvements ------------------------------------------------------------------


def test_evaluations_are_written_and_read_by_managers(cast, people, figures):
    data = {"scope": f"organisation:{cast.hub.pk}", "period": YEAR, "strengths": "Quick"}
    response = check_access(
        cast,
        EVALUATIONS,
        method="post",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Evaluation, "create")],
    )
    evaluation = Evaluation.objects.get()
    body = response.json()
    assert (body["scope"], body["period"], body["status"]) == (
        f"organisation:{cast.hub.pk}",
        YEAR,
        "draft",
    )
    assert body["strengths"] == "Quick" and body["title"]
    url = f"{EVALUATIONS}{evaluation.pk}/"
    check_access(
        cast,
        url,
        api=True,
        allowed=people["vera"],
        wrong_role=cast.alice,
        out_of_scope=people["paula"],
    )
    listed = check_access(
        cast, EVALUATIONS, api=True, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=None
    )
    assert [row["id"] for row in results(listed)] == [evaluation.pk]
    assert results(api(people["paula"], EVALUATIONS)) == []
    check_access(
        cast,
        url,
        method="patch",
        data={"weaknesses": "Slow follow-up"},
        api=True,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        audited=[(Evaluation, "update")],
    )
    evaluation.refresh_from_db()
    assert evaluation.weaknesses == "Slow follow-up"
    # Finalising needs the whole SWOT and conclusions: nothing changes without them.
    with assert_no_audit():
        refused = api(cast.mary, f"{url}finalise/", "post")
    assert "opportunities" in assert_json_error(refused, 400)["errors"]["non_field_errors"][0]
    bad = api(cast.mary, EVALUATIONS, "post", {**data, "scope": "organisation"})
    assert list(assert_json_error(bad, 400)["errors"]) == ["scope"]
    bad = api(cast.mary, EVALUATIONS, "post", {**data, "period": "2025"})
    assert "calendar period" in assert_json_error(bad, 400)["errors"]["period"][0]


def test_the_improvement_register(cast, people, standard_measures):
    mine = Improvement.objects.create(
        organisation=cast.hub,
        source=Improvement.Source.CONCERN,
        title="Answer calls faster",
        owner=cast.alice,
        measure=standard_measures["support_hours"],
        scope_kind="organisation",
        scope_id=cast.hub.pk,
    )
    theirs = Improvement.objects.create(
        organisation=cast.pathways,
        source=Improvement.Source.SWOT,
        title="Pathways' improvement",
        owner=people["paula"],
    )
    response = check_access(
        cast, IMPROVEMENTS, api=True, allowed=people["vera"], wrong_role=None, out_of_scope=None
    )
    rows = results(response)
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["measure"] == "support_hours"
    assert rows[0]["scope"] == f"organisation:{cast.hub.pk}"
    assert rows[0]["scope_name"] == "Enterprise Hub"
    # Its owner sees their improvement; a person with no part in it sees none.
    assert [row["id"] for row in results(api(cast.alice, IMPROVEMENTS))] == [mine.pk]
    assert results(api(cast.oscar, IMPROVEMENTS)) == []
    check_access(
        cast,
        f"{IMPROVEMENTS}{mine.pk}/",
        api=True,
        allowed=cast.mary,
        wrong_role=None,
        out_of_scope=people["paula"],
    )
    everyone = {r["id"] for r in results(api(cast.root, f"{IMPROVEMENTS}?status=plan"))}
    assert everyone == {theirs.pk, mine.pk}
    assert results(api(cast.root, f"{IMPROVEMENTS}?status=closed")) == []
    assert results(api(cast.mary, f"{IMPROVEMENTS}?measure=clients_supported")) == []


# The OpenAPI document --------------------------------------------------------------------------


def test_the_schema_describes_the_measures_endpoints(db):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    paths = json.loads(response.content)["paths"]
    assert {
        "/api/v1/measures/",
        "/api/v1/measures/{code}/",
        "/api/v1/measures/{code}/retire/",
        "/api/v1/measures/{code}/reactivate/",
        "/api/v1/measures/{code}/values/",
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
        "/api/v1/evaluations/",
        "/api/v1/evaluations/{id}/",
        "/api/v1/evaluations/{id}/finalise/",
        "/api/v1/improvements/",
        "/api/v1/improvements/{id}/",
    } <= set(paths)
    assert set(paths["/api/v1/measures/{code}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/targets/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/improvements/{id}/"]) == {"get", "patch", "delete"}
    assert "/api/v1/improvements/{id}/move/" in paths
    operation = paths["/api/v1/measures/{code}/values/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"code", "scope", "period", "last", "kind"} == names
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MeasureValues"
    }


# Writing improvements --------------------------------------------------------------------------


def hub_improvement(cast: Cast, **changes: Any) -> Improvement:
    from waypoint.measures.services import improvements as improvement_services

    fields: dict[str, Any] = {
        "organisation": cast.hub,
        "source": Improvement.Source.CONCERN,
        "title": "Answer calls faster",
        "owner": cast.alice,
        "plan": "A second phone line",
        **changes,
    }
    return improvement_services.improvement_create(acting_user=cast.mary, **fields)


def test_a_manager_adds_an_improvement(cast, people, standard_measures):
    data = {
        "organisation": cast.hub.pk,
        "source": "concern",
        "title": " Answer calls faster ",
        "owner": cast.alice.pk,
        "plan": "A second phone line",
        "measure": "support_hours",
        "scope": f"organisation:{cast.hub.pk}",
        "before_period": "2025-06",
        "after_period": "2025-07",
    }
    response = check_access(
        cast,
        IMPROVEMENTS,
        method="post",
        data=data,
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=201,
        audited=[(Improvement, "create")],
    )
    improvement = Improvement.objects.get()
    assert (improvement.organisation, improvement.owner, improvement.created_by) == (
        cast.hub,
        cast.alice,
        cast.mary,
    )
    assert (improvement.title, improvement.status) == ("Answer calls faster", "plan")
    assert improvement.measure == standard_measures["support_hours"]
    body = response.json()
    assert (body["id"], body["measure"], body["scope"], body["before_period"]) == (
        improvement.pk,
        "support_hours",
        f"organisation:{cast.hub.pk}",
        "2025-06",
    )
    # A viewer sees the register but does not add to it; the organisation may be left out by
    # a manager of one organisation.
    with assert_no_audit():
        assert api(people["vera"], IMPROVEMENTS, "post", data).status_code == 403
    data = {**data, "owner": people["paula"].pk}
    del data["organisation"], data["scope"]
    theirs = api(people["paula"], IMPROVEMENTS, "post", data)
    assert theirs.status_code == 201, theirs.content
    assert (theirs.json()["organisation"], theirs.json()["scope"]) == (
        cast.pathways.pk,
        f"organisation:{cast.pathways.pk}",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"source": "gossip"}, "source"),
        ({"owner": "{paula}"}, "owner"),
        ({"owner": "{oscar}"}, "owner"),
        ({"measure": "no_such_measure"}, "measure"),
        ({"scope": "team"}, "scope"),
        ({"scope": "organisation:{pathways}"}, "scope"),
        ({"measure": "support_hours", "after_period": "2025"}, "after_period"),
        ({"before_period": "2025-06"}, "measure"),
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"organisation": "{pathways}"}, "organisation"),
    ],
)
def test_improvement_problems_name_their_field(cast, people, standard_measures, changes, field):
    names = {"paula": people["paula"].pk, "oscar": cast.oscar.pk, "pathways": cast.pathways.pk}
    data = {
        "organisation": cast.hub.pk,
        "source": "concern",
        "title": "Answer calls faster",
        "owner": cast.alice.pk,
        **{k: v.format(**names) if isinstance(v, str) else v for k, v in changes.items()},
    }
    with assert_no_audit():
        error = assert_json_error(api(cast.mary, IMPROVEMENTS, "post", data), 400)
    assert list(error["errors"]) == [field], error
    assert not Improvement.objects.exists()


def test_an_improvement_is_changed_by_its_owner_and_managers(cast, people, standard_measures):
    improvement = hub_improvement(cast)
    url = f"{IMPROVEMENTS}{improvement.pk}/"
    response = check_access(
        cast,
        url,
        method="patch",
        data={"plan": "Two phone lines", "measure": "support_hours"},
        api=True,
        allowed=cast.alice,  # its owner
        wrong_role=people["vera"],  # sees it, may not change it
        out_of_scope=people["paula"],
        audited=[(Improvement, "update")],
    )
    improvement.refresh_from_db()
    assert improvement.plan == "Two phone lines"
    assert improvement.measure == standard_measures["support_hours"]
    # A measure with no scope is checked for the whole organisation.
    assert response.json()["scope"] == f"organisation:{cast.hub.pk}"
    # Only a manager hands it to someone else; nothing changes when refused.
    with assert_no_audit():
        refused = api(cast.alice, url, "patch", {"owner": cast.mary.pk, "plan": "Other"})
    assert list(assert_json_error(refused, 400)["errors"]) == ["owner"]
    improvement.refresh_from_db()
    assert (improvement.owner, improvement.plan) == (cast.alice, "Two phone lines")
    with assert_audited([(Improvement, "update")]):
        handed = api(cast.mary, url, "patch", {"owner": cast.mary.pk, "scope": None})
    assert handed.status_code == 200, handed.content
    assert handed.json()["owner"] == cast.mary.pk
    assert api(cast.mary, url, "put", {"title": "x"}).status_code == 405


def test_an_improvement_moves_through_its_stages(cast, people, standard_measures):
    improvement = hub_improvement(cast)
    url = f"{IMPROVEMENTS}{improvement.pk}/move/"
    response = check_access(
        cast,
        url,
        method="post",
        data={"to": "do"},
        api=True,
        allowed=cast.alice,  # its owner
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        audited=[(Improvement, "update")],
    )
    assert response.json()["status"] == "do"
    # Skipping a stage is refused, naming the stage asked for.
    with assert_no_audit():
        refused = api(cast.alice, url, "post", {"to": "closed"})
    errors = assert_json_error(refused, 400)["errors"]
    assert errors == {"to": ["An improvement at do moves to check next, not to closed."]}
    # Checking needs the measure and both periods: every missing one is named.
    with assert_no_audit():
        refused = api(cast.alice, url, "post", {"to": "check"})
    assert set(assert_json_error(refused, 400)["errors"]) == {
        "measure",
        "before_period",
        "after_period",
    }
    improvement.refresh_from_db()
    assert improvement.status == "do"
    api(cast.mary, f"{IMPROVEMENTS}{improvement.pk}/", "patch", {"measure": "support_hours"})
    moves = [
        ({"to": "check", "before_period": "2025-06", "after_period": "2025-07"}, "check"),
        ({"to": "do"}, None),  # going back needs a note
        ({"to": "do", "note": "Not done yet"}, "do"),
        ({"to": "check"}, "check"),
        ({"to": "act", "check_notes": "Faster by a day"}, "act"),
        ({"to": "closed", "decision": "maybe", "decision_notes": "Worth it"}, None),
        ({"to": "closed", "decision": "adopt", "decision_notes": "Worth it"}, "closed"),
    ]
    for data, wanted in moves:
        answer = api(cast.alice, url, "post", data)
        if wanted is None:
            assert answer.status_code == 400, (data, answer.content)
        else:
            assert answer.status_code == 200, (data, answer.content)
            assert answer.json()["status"] == wanted
    improvement.refresh_from_db()
    assert (improvement.status, improvement.decision, improvement.check_notes) == (
        "closed",
        "adopt",
        "Faster by a day",
    )
    closed = assert_json_error(api(cast.alice, url, "post", {"to": "do"}), 400)
    assert closed["errors"] == {"to": ["This improvement is closed: it no longer moves."]}


def test_an_improvement_is_deleted_only_while_a_plan(cast, people, standard_measures):
    improvement = hub_improvement(cast)
    check_access(
        cast,
        f"{IMPROVEMENTS}{improvement.pk}/",
        method="delete",
        api=True,
        allowed=cast.mary,
        wrong_role=cast.alice,  # its owner moves it on but does not delete it
        out_of_scope=people["paula"],
        expect=204,
        audited=[(Improvement, "delete")],
    )
    assert not Improvement.objects.exists()
    under_way = hub_improvement(cast)
    api(cast.mary, f"{IMPROVEMENTS}{under_way.pk}/move/", "post", {"to": "do"})
    with assert_no_audit():
        refused = api(cast.mary, f"{IMPROVEMENTS}{under_way.pk}/", "delete")
    message = assert_json_error(refused, 400)["errors"]["non_field_errors"][0]
    assert message.startswith("Only an improvement still being planned can be deleted")
    assert Improvement.objects.filter(pk=under_way.pk).exists()


def test_the_schema_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/improvements/{id}/move/:" in target.read_text()


def test_an_improvement_raised_from_a_concern(cast, people, standard_measures):
    from tests.delivery.factories import EngagementFactory
    from waypoint.monitoring.models import Concern

    def concern_of(organisation):
        engagement = EngagementFactory(organisation=organisation)
        return Concern.objects.create(
            organisation=organisation,
            engagement=engagement,
            source="client",
            raised_on=dt.date(2025, 6, 2),
            about="support",
            summary="Nobody called me back",
        )

    ours, theirs = concern_of(cast.hub), concern_of(cast.pathways)
    data = {
        "organisation": cast.hub.pk,
        "source": "concern",
        "title": "Call back within two days",
        "owner": cast.alice.pk,
        "concern": ours.pk,
    }
    created = api(cast.mary, IMPROVEMENTS, "post", data)
    assert created.status_code == 201, created.content
    assert created.json()["concern"] == ours.pk
    assert Improvement.objects.get().concern == ours
    # A concern the manager cannot see is refused by name, and nothing is added.
    with assert_no_audit():
        error = assert_json_error(
            api(cast.mary, IMPROVEMENTS, "post", {**data, "concern": theirs.pk}), 400
        )
    assert list(error["errors"]) == ["concern"]
    assert Improvement.objects.count() == 1
