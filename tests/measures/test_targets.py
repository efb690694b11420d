"""Targets (issue 6 item 3): the services, the pages and their permissions."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import person
from tests.permissions import check_access
from waypoint.core.models import DomainEvent
from waypoint.core.periods import Period
from waypoint.core.roles import Role
from waypoint.measures.models import Measure, Target
from waypoint.measures.services import targets as services

pytestmark = pytest.mark.django_db
YEAR = "2026/27"


def measure(code: str) -> Measure:
    return Measure.objects.get(code=code, organisation__isnull=True)


def _set(cast, **fields) -> Target:
    values = {
        "acting_user": cast.mary,
        "measure": measure("clients_supported"),
        "scope_kind": "organisation",
        "scope_id": cast.hub.pk,
        "period": YEAR,
        "value": "400",
    }
    values.update(fields)
    return services.target_set(**values)


@pytest.fixture
def people(cast):
    return {
        "vera": person("vera", "Vera", role=Role.VIEWER, organisation=cast.hub),
        "paula": person("paula", "Paula", role=Role.SERVICE_MANAGER, organisation=cast.pathways),
    }


# Services --------------------------------------------------------------------------------------


def test_target_set_creates_then_updates_the_one_target(cast, desk) -> None:
    target = _set(cast)
    assert (target.organisation, target.value, target.amber_within) == (cast.hub, D(400), D(10))
    assert (target.period_kind, str(target.period_start)) == ("financial_year", "2026-04-01")
    assert target.set_by == cast.mary and target.profile == {}
    again = _set(cast, acting_user=cast.ada, value="450", amber_within="5", notes=" Stretch ")
    assert again.pk == target.pk
    assert Target.objects.count() == 1
    target.refresh_from_db()
    assert (target.value, target.amber_within, target.notes) == (D(450), D(5), "Stretch")
    verbs = list(DomainEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == ["target.set", "target.updated"]
    assert DomainEvent.objects.get(verb="target.set").data["scope"] == f"organisation:{cast.hub.pk}"


def test_target_set_for_every_kind_of_scope_of_the_organisation(cast, desk) -> None:
    for kind, pk in (
        ("programme", desk.growth.pk),  # hub delivers it
        ("team", cast.startup_team.pk),
        ("adviser", cast.alice.pk),
    ):
        target = _set(cast, scope_kind=kind, scope_id=pk)
        assert (target.scope_kind, target.scope_id, target.organisation) == (kind, pk, cast.hub)


def test_target_scopes_must_be_the_organisations(cast, desk, people) -> None:
    tom = desk.pathways_engagement.lead_adviser
    for kind, pk in (("organisation", cast.pathways.pk), ("adviser", tom.pk)):
        with pytest.raises(PermissionDenied):
            _set(cast, scope_kind=kind, scope_id=pk)
    with pytest.raises(PermissionDenied):
        _set(cast, acting_user=cast.alice)  # an adviser sets no targets
    with pytest.raises(PermissionDenied):
        _set(cast, acting_user=people["vera"])  # a viewer sees them only
    with pytest.raises(ValidationError) as caught:
        _set(cast, scope_kind="contract")
    assert "'contract' is not a scope" in caught.value.message_dict["scope_kind"][0]
    assert not Target.objects.exists()


def test_a_programme_target_another_organisation_set_is_theirs(cast, desk, people) -> None:
    _set(cast, acting_user=people["paula"], scope_kind="programme", scope_id=desk.growth.pk)
    with pytest.raises(PermissionDenied, match="Pathways Employment set this target"):
        _set(cast, scope_kind="programme", scope_id=desk.growth.pk, value="1")
    assert Target.objects.get().value == D(400)


def test_target_problems_name_their_fields(cast, desk) -> None:
    with pytest.raises(ValidationError) as caught:
        _set(cast, period="next year")
    assert "'next year' is not a period" in caught.value.message_dict["period"][0]
    with pytest.raises(ValidationError) as caught:
        _set(cast, value="-3", amber_within="150")
    errors = caught.value.message_dict
    assert errors["value"] == ["Clients supported cannot be negative: give 0 or more."]
    assert errors["amber_within"] == ["Give a per cent from 0 to 100."]
    with pytest.raises(ValidationError) as caught:
        _set(cast, value="many")
    assert caught.value.message_dict["value"] == ["'many' is not a number."]
    with pytest.raises(ValidationError) as caught:
        _set(cast, measure=measure("reviews_on_time"), value="120")
    assert caught.value.message_dict["value"] == ["Reviews on time is a share: give 0 to 100."]
    assert not Target.objects.exists()
    assert not DomainEvent.objects.filter(verb__startswith="target").exists()


def test_target_profiles_are_checked(cast, desk) -> None:
    with pytest.raises(ValidationError) as caught:
        _set(cast, profile={"2026-06": 30, "2026-09": 20, "2027-05": 100})
    assert caught.value.message_dict["profile"] == [
        "2026-09: a cumulative profile cannot go down (20 < 30).",
        "2027-05: not a month of 2026/27.",
    ]
    with pytest.raises(ValidationError) as caught:
        _set(cast, period="2026-11", profile={"2026-11": 100})
    assert caught.value.message_dict["profile"] == [
        "Only targets for counts and totals over a quarter or a year have a profile."
    ]
    with pytest.raises(ValidationError):
        _set(cast, measure=measure("reviews_on_time"), value="90", profile={"2026-04": 10})
    target = _set(cast, period="2026/27 Q3", profile={"2026-10": 20, "2026-11": "55.5"})
    assert target.profile == {"2026-10": "20", "2026-11": "55.5"}


def test_retired_and_other_organisations_measures_are_refused(cast, desk, people) -> None:
    own = Measure.objects.create(
        organisation=cast.pathways,
        code="pathways_hours",
        name="Pathways hours",
        category="economy",
        unit="hours",
        direction="higher",
        definition={"source": "contacts", "aggregate": "sum", "field": "hours"},
    )
    retired = measure("support_hours")
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError) as caught:
        _set(cast, acting_user=cast.root, measure=own)
    assert caught.value.message_dict["measure"] == [
        "Pathways hours is another organisation's own measure."
    ]
    with pytest.raises(ValidationError) as caught:
        _set(cast, measure=retired)
    assert "Support hours is retired" in caught.value.message_dict["measure"][0]


def test_target_delete(cast, desk, people) -> None:
    target = _set(cast)
    with pytest.raises(PermissionDenied):
        services.target_delete(target=target, acting_user=people["vera"])
    services.target_delete(target=target, acting_user=cast.mary)
    assert not Target.objects.exists()
    assert DomainEvent.objects.get(verb="target.deleted").data["period"] == YEAR


def test_targets_set_many_is_all_or_nothing(cast, desk) -> None:
    hours = _set(cast, measure=measure("support_hours"), value="100")
    rows = [
        {"measure": measure("clients_supported"), "value": "400", "amber_within": "10"},
        {"measure": measure("reviews_on_time"), "value": "900", "amber_within": "10"},
        {"measure": measure("support_hours"), "value": "", "amber_within": "10"},
    ]
    with pytest.raises(ValidationError) as caught:
        services.targets_set_many(
            acting_user=cast.mary,
            scope_kind="organisation",
            scope_id=cast.hub.pk,
            period=YEAR,
            rows=rows,
        )
    assert caught.value.message_dict == {
        "reviews_on_time.value": ["Reviews on time is a share: give 0 to 100."]
    }
    assert list(Target.objects.all()) == [hours]  # nothing set, nothing removed
    rows[1]["value"] = "90"
    assert services.targets_set_many(
        acting_user=cast.mary,
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period=YEAR,
        rows=rows,
    ) == (2, 1)
    assert sorted(Target.objects.values_list("measure__code", flat=True)) == [
        "clients_supported",
        "reviews_on_time",
    ]


def test_thresholds_in_words() -> None:
    assert services.thresholds_in_words(D(90), "higher", D(10), "percent") == (
        "Green at 90% or more; amber from 81%; red below."
    )
    assert services.thresholds_in_words(D(5), "lower", D(20), "days") == (
        "Green at 5 or less; amber up to 6; red above."
    )
    assert services.thresholds_in_words(D(1000), "lower", D(0), "money") == (
        "Green at £1,000 or less; red above."
    )


def test_even_profile_and_profile_cleaned() -> None:
    quarter = Period.parse("2026/27 Q3")
    assert services.even_profile(quarter) == {
        "2026-10": D("33.3"),
        "2026-11": D("66.7"),
        "2026-12": D("100.0"),
    }
    even = {"2026-10": "33.3", "2026-11": "66.7", "2026-12": "100"}
    assert services.profile_cleaned(even, quarter) == {}
    assert services.profile_cleaned({"2026-10": "50"}, quarter) == {"2026-10": "50"}


# Pages --------------------------------------------------------------------------------------------


def _scope_url(cast, kind="organisation", pk=None) -> str:
    url = reverse("measures:target-scope", args=[kind, pk or cast.hub.pk])
    return f"{url}?period={YEAR}"


def _edit_url(cast, code: str, period: str = YEAR, name: str = "measures:target-edit") -> str:
    url = reverse(name, args=["organisation", cast.hub.pk, code])
    return f"{url}?period={period}"


def test_target_index_page(cast, desk, people) -> None:
    url = reverse("measures:target-index")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=None)
    text = response.content.decode()
    assert "Enterprise Hub" in text and desk.growth.name in text and "Start-up" in text
    assert "Pathways Employment" not in text
    chosen = cast.client(cast.mary).get(
        url, {"scope_kind": "team", "scope_id": cast.startup_team.pk, "period": "2026/27 Q2"}
    )
    assert chosen.status_code == 302
    assert chosen["Location"].endswith(f"/team/{cast.startup_team.pk}/?period=2026%2F27+Q2")


def test_target_scope_page_shows_thresholds_in_words(cast, desk, people) -> None:
    _set(cast, measure=measure("reviews_on_time"), value="90")
    url = _scope_url(cast)
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=people["paula"]
    )
    text = response.content.decode()
    assert "Green at 90% or more; amber from 81%; red below." in text
    assert 'name="value_clients_supported"' in text  # every active measure is listed
    viewer = cast.client(people["vera"]).get(url).content.decode()
    assert "Green at 90% or more" in viewer and 'name="value_' not in viewer
    assert cast.client(cast.mary).get(_scope_url(cast, "team", 999999)).status_code == 404


def test_target_scope_page_saves_in_bulk(cast, desk, people) -> None:
    url = _scope_url(cast)
    data = {"value_clients_supported": "400", "amber_clients_supported": "10"}
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Target, "create")],
    )
    assert Target.objects.get().value == D(400)
    refused = cast.client(cast.mary).post(
        url, {"value_clients_supported": "", "value_reviews_on_time": "500"}
    )
    assert "Reviews on time, target: Reviews on time is a share: give 0 to 100." in (
        refused.content.decode()
    )
    assert Target.objects.count() == 1  # the removal was not half-done either


def test_target_edit_page_with_a_profile(cast, desk, people) -> None:
    url = _edit_url(cast, "clients_supported", "2026/27 Q3")
    page = check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    text = page.content.decode()
    assert "Cumulative profile" in text and "Even: 33.3%." in text
    data = {
        "value": "120",
        "amber_within": "10",
        "notes": "",
        "profile_2026-10": "20",
        "profile_2026-11": "50",
        "profile_2026-12": "",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Target, "create")],
    )
    target = Target.objects.get()
    assert (target.value, target.profile) == (D(120), {"2026-10": "20", "2026-11": "50"})
    refused = cast.client(cast.mary).post(url, {**data, "profile_2026-11": "10"})
    assert "2026-11: a cumulative profile cannot go down (10 &lt; 20)." in (
        refused.content.decode()
    )
    target.refresh_from_db()
    assert target.profile == {"2026-10": "20", "2026-11": "50"}
    # A rate has no profile to edit.
    rate = cast.client(cast.mary).get(_edit_url(cast, "reviews_on_time", "2026/27 Q3"))
    assert "Cumulative profile" not in rate.content.decode()


def test_target_delete_page(cast, desk, people) -> None:
    _set(cast)
    url = _edit_url(cast, "clients_supported", name="measures:target-delete")
    page = check_access(
        cast, url, allowed=cast.mary, wrong_role=people["vera"], out_of_scope=people["paula"]
    )
    assert "Green at 400 or more; amber from 360; red below." in page.content.decode()
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.mary,
        wrong_role=people["vera"],
        out_of_scope=people["paula"],
        expect=302,
        audited=[(Target, "delete")],
    )
    assert not Target.objects.exists()
    assert cast.client(cast.mary).get(url).status_code == 404


def test_targets_in_the_menu_for_managers_only(cast) -> None:
    from waypoint.core.navigation import nav_links_for

    assert "measures:target-index" in [link.url_name for link in nav_links_for(cast.mary)]
    assert "measures:target-index" not in [link.url_name for link in nav_links_for(cast.alice)]
