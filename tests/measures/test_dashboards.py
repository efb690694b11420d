"""Performance dashboards and the records behind their figures (000 reqs 2, 9, 10): who sees
which scope, figures equal to what the records imply, RAG in words, drill-down limited to the
records the person may see, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from tests.conftest import Cast
from tests.delivery.conftest import Desk
from tests.delivery.factories import InteractionFactory
from tests.factories import OrganisationFactory, RoleAssignmentFactory, person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent, Organisation
from waypoint.core.roles import Role
from waypoint.delivery.models import Engagement, Interaction
from waypoint.measures import rollups
from waypoint.measures import selectors_dashboards as dash
from waypoint.measures.models import Measure, Target

PERIOD = "2025/26"
FY_START = dt.date(2025, 4, 1)


def _at(day: int, month: int = 6, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def figures(cast: Cast, desk: Desk) -> dict[str, Any]:
    """Contacts in 2025/26: alice's (90 minutes, plus desk's 60 moved into June) on acme,
    mary's (30 minutes) on zenith, and tom's at pathways (120 minutes) on the same programme;
    one contact of alice's in 2024/25 that must not count. Rollups rebuilt from them."""
    Interaction.objects.filter(pk=desk.contact.pk).update(occurred_at=_at(2))
    alice_june = InteractionFactory(
        engagement=desk.alice_engagement, duration_minutes=90, occurred_at=_at(10)
    )
    mary_july = InteractionFactory(
        engagement=desk.mary_engagement, duration_minutes=30, occurred_at=_at(5, month=7)
    )
    pathways = InteractionFactory(
        engagement=desk.pathways_engagement, duration_minutes=120, occurred_at=_at(20)
    )
    earlier = InteractionFactory(
        engagement=desk.alice_engagement, duration_minutes=600, occurred_at=_at(1, 3, 2025)
    )
    rollups.rebuild()
    return {
        "alice": [desk.contact.pk, alice_june.pk],
        "mary": mary_july.pk,
        "pathways": pathways.pk,
        "earlier": earlier.pk,
    }


def _url(kind: str, scope_id: int, **query: str) -> str:
    url = reverse("measures:dashboard", args=[kind, scope_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _records(kind: str, scope_id: int, code: str, **query: str) -> str:
    url = reverse("measures:dashboard-records", args=[kind, scope_id, code])
    return url + "?" + "&".join(f"{k}={v}" for k, v in {"period": PERIOD, **query}.items())


def _item(response: Any, code: str) -> dict[str, Any]:
    for _, items in response.context["groups"]:
        for item in items:
            if item["row"].measure.code == code:
                return dict(item)
    raise AssertionError(f"{code} is not on the dashboard")


def _outsider() -> Any:
    elsewhere = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    return person("olga", "Olga", role=Role.SERVICE_MANAGER, organisation=elsewhere)


# Who sees which dashboard -----------------------------------------------------------------------


def test_home_sends_each_person_to_their_most_useful_dashboard(cast: Cast, desk: Desk) -> None:
    response = check_access(
        cast,
        reverse("measures:dashboards"),
        allowed=cast.mary,
        wrong_role=cast.oscar,  # no role anywhere
        out_of_scope=None,
        expect=302,
    )
    assert response["Location"] == _url("organisation", cast.hub.pk)
    assert request_as(cast.alice, reverse("measures:dashboards"))["Location"] == _url(
        "adviser", cast.alice.pk
    )
    assert request_as(cast.carl, reverse("measures:dashboards"))["Location"] == _url(
        "programme", desk.growth.pk
    )
    # Provider staff hold a role but no dashboard: a page says why.
    none = request_as(cast.pat, reverse("measures:dashboards"))
    assert none.status_code == 200
    assert b"do not include a performance dashboard" in none.content


def test_organisation_dashboard_access(cast: Cast, figures: dict[str, Any]) -> None:
    check_access(
        cast,
        _url("organisation", cast.hub.pk),
        allowed=cast.mary,
        wrong_role=cast.alice,  # an adviser of the hub: their own figures, not the hub's
        out_of_scope=cast.pat,
    )
    assert request_as(cast.ada, _url("organisation", cast.hub.pk)).status_code == 200
    # A contract manager of the programme the hub delivers sees the programme, not the hub.
    assert request_as(cast.carl, _url("organisation", cast.hub.pk)).status_code == 404
    assert request_as(cast.mary, _url("organisation", 999999)).status_code == 404


def test_programme_dashboard_access(cast: Cast, desk: Desk, figures: dict[str, Any]) -> None:
    check_access(
        cast,
        _url("programme", desk.growth.pk),
        allowed=cast.carl,  # the owner's contract manager
        wrong_role=cast.alice,  # an adviser of a delivering organisation
        out_of_scope=_outsider(),
    )
    assert request_as(cast.mary, _url("programme", desk.growth.pk)).status_code == 200
    assert request_as(cast.pat, _url("programme", desk.growth.pk)).status_code == 403


def test_team_dashboard_access(cast: Cast, desk: Desk, figures: dict[str, Any]) -> None:
    check_access(
        cast,
        _url("team", cast.startup_team.pk),
        allowed=cast.alice,  # in the team
        wrong_role=desk.bob,  # an adviser of the hub in no team
        out_of_scope=cast.pat,
    )
    assert request_as(cast.mary, _url("team", cast.startup_team.pk)).status_code == 200


def test_adviser_dashboard_access(cast: Cast, desk: Desk, figures: dict[str, Any]) -> None:
    response = check_access(
        cast,
        _url("adviser", cast.alice.pk),
        allowed=cast.alice,
        wrong_role=desk.bob,  # another adviser of the hub
        out_of_scope=cast.pat,
    )
    assert b"My performance" in response.content
    assert request_as(cast.mary, _url("adviser", cast.alice.pk)).status_code == 200


def test_measures_that_cannot_count_for_an_adviser_are_left_off_their_dashboard(
    cast: Cast, desk: Desk, figures: dict[str, Any]
) -> None:
    """Costs belong to an organisation, programme or team: an adviser's dashboard shows no
    cost measure, nor a ratio with a cost in it, rather than a misleading £0."""
    costly = {"cost_total", "cost_per_client", "cost_per_support_hour", "cost_per_net_job"}

    def codes(response: Any) -> set[str]:
        return {
            item["row"].measure.code for _, items in response.context["groups"] for item in items
        }

    adviser = codes(request_as(cast.alice, _url("adviser", cast.alice.pk, period=PERIOD)))
    assert not adviser & costly
    assert {"support_hours", "clients_supported"} <= adviser
    organisation = codes(request_as(cast.mary, _url("organisation", cast.hub.pk, period=PERIOD)))
    assert costly <= organisation and adviser < organisation
    # The figures API says the same: no cost measure counts for an adviser.
    refused = request_as(
        cast.alice,
        f"/api/v1/measures/cost_per_client/values/?scope=adviser:{cast.alice.pk}&period={PERIOD}",
        api=True,
    )
    assert refused.status_code == 404
    assert "counts in" in refused.json()["detail"]


def test_records_page_access(cast: Cast, figures: dict[str, Any]) -> None:
    check_access(
        cast,
        _records("organisation", cast.hub.pk, "support_hours"),
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
    )
    assert (
        request_as(cast.mary, _records("organisation", cast.hub.pk, "no_such_measure")).status_code
        == 404
    )


def test_only_the_four_scope_kinds_are_dashboards() -> None:
    # Other pages under /performance/ (targets/1/...) are never taken for a scope.
    with pytest.raises(NoReverseMatch):
        reverse("measures:dashboard", args=["targets", 1])


# Figures -----------------------------------------------------------------------------------------


def test_figures_equal_what_the_records_imply(
    cast: Cast, desk: Desk, figures: dict[str, Any]
) -> None:
    hub = request_as(cast.mary, _url("organisation", cast.hub.pk, period=PERIOD))
    # hub: alice 60 + 90 minutes, mary 30 minutes = 3 hours; two clients (acme, zenith).
    assert _item(hub, "support_hours")["value"] == "3.0"
    assert _item(hub, "clients_supported")["value"] == "2"
    assert _item(hub, "hours_per_client")["value"] == "1.5"
    programme = request_as(cast.carl, _url("programme", desk.growth.pk, period=PERIOD))
    assert _item(programme, "support_hours")["value"] == "5.0"  # pathways' 2 hours as well
    assert _item(programme, "clients_supported")["value"] == "3"
    team = request_as(cast.alice, _url("team", cast.startup_team.pk, period=PERIOD))
    assert _item(team, "support_hours")["value"] == "2.5"
    mine = request_as(cast.alice, _url("adviser", cast.alice.pk, period=PERIOD))
    assert _item(mine, "clients_supported")["value"] == "1"
    # The earlier year holds only the 10-hour contact.
    before = request_as(cast.mary, _url("organisation", cast.hub.pk, period="2024/25"))
    assert _item(before, "support_hours")["value"] == "10.0"
    assert b'<option value="2024/25" selected>' in before.content
    old = request_as(cast.mary, _url("organisation", cast.hub.pk, period="2019/20"))
    assert b'<option value="2019/20" selected>' in old.content  # beyond the menu, still chosen
    # A month, and the trend of the last eight months ending there.
    june = request_as(cast.mary, _url("organisation", cast.hub.pk, period="2025-06"))
    item = _item(june, "support_hours")
    assert item["value"] == "2.5"
    assert [(p.label, text) for p, text in item["trend"][-3:]] == [
        ("2025-04", "0.0"),
        ("2025-05", "0.0"),
        ("2025-06", "2.5"),
    ]
    assert item["trend"][0][0].label == "2024-11"
    assert len(item["trend"]) == dash.TREND_LENGTH
    assert b'role="img"' in june.content
    assert "No data" in _item(june, "mean_satisfaction")["value"]


def test_a_manager_sees_only_their_organisations_work_of_an_adviser_who_works_for_two(
    cast: Cast, desk: Desk, figures: dict[str, Any]
) -> None:
    """Alice also advises for Pathways, where she leads the engagement with the 2-hour contact:
    her own dashboard counts all her work, each organisation's manager only theirs, down to the
    records, the figures API and the self-appraisal evidence (DESIGN.md: tenancy)."""
    RoleAssignmentFactory(user=cast.alice, organisation=cast.pathways, role=Role.ADVISER)
    Engagement.objects.filter(pk=desk.pathways_engagement.pk).update(lead_adviser=cast.alice)
    rollups.rebuild()
    paula = person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways)
    url = _url("adviser", cast.alice.pk, period=PERIOD)
    seen = {who.username: request_as(who, url) for who in (cast.alice, cast.mary, paula, cast.root)}
    hours = {name: _item(page, "support_hours")["value"] for name, page in seen.items()}
    assert hours == {"alice": "4.5", "mary": "2.5", "paula": "2.0", "root": "4.5"}
    clients = {name: _item(page, "clients_supported")["value"] for name, page in seen.items()}
    assert clients == {"alice": "2", "mary": "1", "paula": "1", "root": "2"}
    assert "work for Enterprise Hub: their work for other organisations is not shown" in (
        seen["mary"].content.decode()
    )
    assert b"not shown" not in seen["alice"].content
    # Pathways' target for alice measures her Pathways work: mary's dashboard does not show it.
    Target.objects.create(
        measure=Measure.objects.get(code="support_hours", organisation=None),
        scope_kind="adviser",
        scope_id=cast.alice.pk,
        period_kind="financial_year",
        period_start=FY_START,
        value=Decimal(4),
        organisation=cast.pathways,
    )
    assert _item(request_as(cast.mary, url), "support_hours")["rag_label"] == "No target"
    assert _item(request_as(paula, url), "support_hours")["rag_label"] == "Off target"
    assert _item(request_as(cast.alice, url), "support_hours")["rag_label"] == "On target"
    # The records behind mary's figure are the hub's two contacts: none hidden, none hinted at.
    records = request_as(cast.mary, _records("adviser", cast.alice.pk, "support_hours"))
    assert records.context["total"] == 2 and records.context["hidden"] == 0
    assert len(records.context["rows"]) == 2
    assert b"not shown" in records.content
    mine = request_as(cast.alice, _records("adviser", cast.alice.pk, "support_hours"))
    assert mine.context["total"] == 3 and mine.context["hidden"] == 0
    # The figures API reads the same cells.
    api = f"/api/v1/measures/support_hours/values/?scope=adviser:{cast.alice.pk}&period={PERIOD}"
    marys = request_as(cast.mary, api, api=True).json()
    assert Decimal(marys["values"][0]["value"]) == 2.5
    assert marys["scope"]["counted_organisations"] == [cast.hub.pk]
    alices = request_as(cast.alice, api, api=True).json()
    assert Decimal(alices["values"][0]["value"]) == 4.5
    assert alices["scope"]["counted_organisations"] is None


def test_targets_give_a_status_in_words_and_a_variance(
    cast: Cast, desk: Desk, figures: dict[str, Any]
) -> None:
    hours = Measure.objects.get(code="support_hours", organisation=None)
    clients = Measure.objects.get(code="clients_supported", organisation=None)
    common = {
        "scope_kind": "organisation",
        "scope_id": cast.hub.pk,
        "period_kind": "financial_year",
        "period_start": FY_START,
        "organisation": cast.hub,
    }
    Target.objects.create(measure=hours, value=Decimal(10), **common)
    Target.objects.create(measure=clients, value=Decimal(2), **common)
    response = request_as(cast.mary, _url("organisation", cast.hub.pk, period=PERIOD))
    hours_item, clients_item = (
        _item(response, "support_hours"),
        _item(response, "clients_supported"),
    )
    # A past year: the whole target is due. 3 hours of 10 is off target, 2 clients of 2 on it.
    assert hours_item["rag_label"] == "Off target"
    assert hours_item["target"] == "10.0"
    assert hours_item["variance"] == "\N{MINUS SIGN}7.0 (-70.0%)"
    assert clients_item["rag_label"] == "On target"
    page = response.content.decode()
    assert "Off target" in page and "On target" in page
    assert response.context["summary"] == {
        "green": 1,
        "amber": 0,
        "red": 1,
        "none": response.context["summary"]["none"],
    }


def test_a_bad_period_is_named_and_the_current_year_shown(
    cast: Cast, figures: dict[str, Any]
) -> None:
    response = request_as(cast.mary, _url("organisation", cast.hub.pk, period="2026 Q9"))
    assert response.status_code == 200
    assert "period: " in response.context["problem"]
    assert response.context["period"].kind == "financial_year"


# The records behind a figure -------------------------------------------------------------------


def test_records_are_exactly_those_counted(cast: Cast, figures: dict[str, Any]) -> None:
    response = request_as(cast.mary, _records("organisation", cast.hub.pk, "support_hours"))
    assert response.status_code == 200
    listed = {row["url"] for row in response.context["rows"]}
    wanted = {
        reverse("delivery:interaction-detail", args=[pk])
        for pk in [*figures["alice"], figures["mary"]]
    }
    assert listed == wanted
    assert response.context["total"] == 3
    assert response.context["hidden"] == 0
    hours = sorted(row["in_figure"] for row in response.context["rows"])
    assert hours == ["0.5", "1.0", "1.5"]
    for url in wanted:
        assert url.encode() in response.content


def test_records_out_of_the_persons_policy_are_hidden_and_counted(
    cast: Cast, desk: Desk, figures: dict[str, Any]
) -> None:
    # Mary manages a delivering organisation: she sees the programme's figure, but not the
    # contact delivered by pathways.
    response = request_as(cast.mary, _records("programme", desk.growth.pk, "support_hours"))
    listed = {row["url"] for row in response.context["rows"]}
    assert reverse("delivery:interaction-detail", args=[figures["pathways"]]) not in listed
    assert len(listed) == 3
    assert response.context["hidden"] == 1
    assert b"1 of the 4 records is not listed" in response.content
    # Carl, the owner's contract manager, sees all four.
    carl = request_as(cast.carl, _records("programme", desk.growth.pk, "support_hours"))
    assert carl.context["hidden"] == 0
    assert len(carl.context["rows"]) == 4


def test_a_ratio_shows_its_two_parts_with_their_records(
    cast: Cast, figures: dict[str, Any]
) -> None:
    response = request_as(cast.mary, _records("organisation", cast.hub.pk, "hours_per_client"))
    parts = response.context["parts"]
    assert [p["measure"].code for p in parts] == ["support_hours", "clients_supported"]
    assert [p["value"] for p in parts] == ["3.0", "2"]
    assert parts[0]["url"] == _records("organisation", cast.hub.pk, "support_hours")
    assert parts[0]["url"].encode() in response.content


def test_records_export_as_csv(cast: Cast, figures: dict[str, Any]) -> None:
    response = request_as(
        cast.mary, _records("organisation", cast.hub.pk, "support_hours", format="csv")
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Date", "Record", "Link", "Client", "Adviser", "Hours"]
    assert len(rows) == 4
    assert sorted(row[0] for row in rows[1:]) == ["2025-06-02", "2025-06-10", "2025-07-05"]
    assert {row[3] for row in rows[1:]} == {"Acme Widgets Ltd", "Zenith Bakery"}
    assert {row[2] for row in rows[1:]} == {
        "http://testserver" + reverse("delivery:interaction-detail", args=[pk])
        for pk in [*figures["alice"], figures["mary"]]
    }
    event = DomainEvent.objects.get(verb="measures.records_exported")
    assert event.actor == cast.mary
    assert event.data["count"] == 3


def test_records_export_as_xlsx(cast: Cast, figures: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    response = request_as(
        cast.mary, _records("organisation", cast.hub.pk, "support_hours", format="xlsx")
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:2] == ("Date", "Record")
    assert len(values) == 4
    assert (
        request_as(
            cast.mary, _records("organisation", cast.hub.pk, "support_hours", format="pdf")
        ).status_code
        == 404
    )


def test_nav_has_dashboards_for_anyone_with_a_role(cast: Cast) -> None:
    from waypoint.core.navigation import nav_links_for

    assert "measures:dashboards" in {link.url_name for link in nav_links_for(cast.pat)}
    assert "measures:dashboards" not in {link.url_name for link in nav_links_for(cast.oscar)}
