"""Outcomes and impact (000 req 4): measures, baselines, follow-ups, net additional impact, the
pages and the API."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.delivery.factories import EngagementFactory, ProgrammeFactory
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.core.navigation import nav_links_for
from waypoint.core.periods import Period
from waypoint.delivery.models import Engagement
from waypoint.monitoring.extensions_outcomes import outcome_attention
from waypoint.monitoring.models import (
    MonitoringSettings,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
)
from waypoint.monitoring.outcome_defaults import DEFAULT_MEASURES
from waypoint.monitoring.selectors_outcomes import (
    follow_ups_due,
    impact_for,
    impact_totals,
    net_additional,
)
from waypoint.monitoring.services import outcomes as services

pytestmark = pytest.mark.django_db
D = decimal.Decimal
API = "/api/v1/outcomes/"
CLOSED_ON = dt.date(2026, 8, 31)
SELF = OutcomeValue.Evidence.SELF_DECLARED


@pytest.fixture
def measures(cast, desk):
    services.measures_ensure_defaults(programme=desk.growth, acting_user=cast.carl)
    return {m.key: m for m in OutcomeMeasure.objects.filter(programme=desk.growth)}


def _close(engagement: Engagement, on: dt.date = CLOSED_ON) -> Engagement:
    Engagement.objects.filter(pk=engagement.pk).update(
        status=Engagement.Status.CLOSED, end_reason="completed", closed_on=on
    )
    engagement.refresh_from_db()
    return engagement


def _baseline(engagement, measure, value, user):
    return services.baseline_record(
        engagement=engagement,
        measure=measure,
        value=value,
        evidence=SELF,
        recorded_on=dt.date(2026, 6, 1),
        acting_user=user,
    )


def _follow_up(engagement, user, months=6):
    services.follow_ups_schedule(engagement=engagement, acting_user=user)
    return OutcomeFollowUp.objects.get(engagement=engagement, months_after=months)


def _turnover_impact(engagement, measures, user, *, before, after, on=dt.date(2027, 3, 1)):
    """Baseline ``before``, then ``after`` at the 6-month follow-up with 50/20/10."""
    _baseline(engagement, measures["turnover"], before, user)
    _close(engagement)
    follow_up = _follow_up(engagement, user)
    services.follow_up_record(
        follow_up=follow_up,
        values=[
            {
                "measure": measures["turnover"],
                "value": after,
                "evidence": OutcomeValue.Evidence.DOCUMENT,
                "attribution": 50,
                "deadweight": 20,
                "displacement": 10,
            }
        ],
        completed_on=on,
        acting_user=user,
    )
    return follow_up


# Measures --------------------------------------------------------------------------------------


def test_defaults_are_idempotent_and_for_programme_owners(cast, desk):
    created = services.measures_ensure_defaults(programme=desk.growth, acting_user=cast.carl)
    assert [m.key for m in created] == [d.key for d in DEFAULT_MEASURES]
    assert {m.audience for m in created} == {"business", "individual"}
    assert OutcomeMeasure.objects.get(programme=desk.growth, key="employees").unit == "FTE"
    turnover = OutcomeMeasure.objects.get(programme=desk.growth, key="turnover")
    services.measure_update(measure=turnover, is_active=False, acting_user=cast.carl)
    again = services.measures_ensure_defaults(programme=desk.growth, acting_user=cast.carl)
    assert again == []
    assert OutcomeMeasure.objects.filter(programme=desk.growth).count() == len(DEFAULT_MEASURES)
    turnover.refresh_from_db()
    assert not turnover.is_active  # a retired default is not brought back
    for user in (cast.mary, cast.alice):  # they deliver the programme; they do not run it
        with pytest.raises(PermissionDenied):
            services.measures_ensure_defaults(programme=desk.growth, acting_user=user)
    assert DomainEvent.objects.filter(verb="outcome_measures.defaults_added").count() == 1
    assert DomainEvent.objects.filter(verb="outcome_measure.retired").count() == 1


def test_measure_add_makes_a_key_and_refuses_a_duplicate(cast, desk, measures):
    added = services.measure_add(
        programme=desk.growth,
        name="Website visits a month",
        kind="number",
        audience="business",
        acting_user=cast.carl,
    )
    assert added.key == "website_visits_a_month"
    assert added.position == len(DEFAULT_MEASURES) + 1
    with pytest.raises(ValidationError) as error:
        services.measure_add(
            programme=desk.growth,
            name="Turnover again",
            key="turnover",
            kind="money",
            audience="business",
            acting_user=cast.carl,
        )
    assert "already has a measure with that key" in str(error.value)
    with pytest.raises(ValueError):
        services.measure_update(measure=added, kind="money", acting_user=cast.carl)


# Baselines and figures -------------------------------------------------------------------------


def test_one_baseline_per_measure(cast, desk, measures):
    engagement = desk.alice_engagement
    row = _baseline(engagement, measures["turnover"], "100000", cast.alice)
    assert row.value == D("100000") and row.recorded_by == cast.alice
    with pytest.raises(ValidationError) as error:
        _baseline(engagement, measures["turnover"], "120000", cast.alice)
    assert error.value.message_dict["measure"] == [
        "Turnover already has a baseline for Acme Widgets Ltd."
    ]
    with pytest.raises(ValidationError) as error:
        _baseline(engagement, measures["job_start"], "1", cast.alice)  # for individuals
    assert "Job start is measured for individuals" in str(error.value)
    with pytest.raises(PermissionDenied):
        _baseline(engagement, measures["profit"], "1000", cast.carl)  # sees it; may not change
    assert OutcomeValue.objects.count() == 1


def test_yes_no_and_number_validation_names_the_measure(cast, desk, measures):
    engagement = desk.alice_engagement
    with pytest.raises(ValidationError) as error:
        _baseline(engagement, measures["business_started"], "2", cast.alice)
    assert error.value.message_dict["value"] == [
        "Business started is a yes or no answer: give 1 for yes or 0 for no."
    ]
    with pytest.raises(ValidationError) as error:
        _baseline(engagement, measures["employees"], "-1", cast.alice)
    assert error.value.message_dict["value"] == ["Employees cannot be negative."]
    with pytest.raises(ValidationError):
        _baseline(engagement, measures["turnover"], "lots", cast.alice)
    assert _baseline(engagement, measures["business_started"], "yes", cast.alice).value == 1
    assert _baseline(engagement, measures["profit"], "-2500.50", cast.alice).value == D("-2500.50")


def test_baselines_record_is_all_or_nothing(cast, desk, measures):
    with pytest.raises(ValidationError) as error:
        services.baselines_record(
            engagement=desk.alice_engagement,
            values=[
                {"measure": measures["turnover"], "value": "100000", "evidence": SELF},
                {"measure": measures["business_started"], "value": "7", "evidence": SELF},
            ],
            recorded_on=dt.date(2026, 6, 1),
            acting_user=cast.alice,
        )
    assert any("Business started" in m for m in error.value.message_dict["values"])
    assert not OutcomeValue.objects.exists()


# Follow-ups ------------------------------------------------------------------------------------


def test_follow_ups_are_scheduled_from_closure(cast, desk):
    engagement = desk.alice_engagement
    with pytest.raises(ValidationError) as error:
        services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice)
    assert "once the engagement has closed" in str(error.value)
    _close(engagement)
    created = services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice)
    # Six and twelve months after 31 August: the end of February, then 31 August.
    assert [(f.months_after, f.due_on) for f in created] == [
        (6, dt.date(2027, 2, 28)),
        (12, dt.date(2027, 8, 31)),
    ]
    assert services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice) == []
    MonitoringSettings.objects.create(
        programme=desk.growth, organisation=desk.growth.organisation, follow_up_months="3,6,12"
    )
    added = services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice)
    assert [(f.months_after, f.due_on) for f in added] == [(3, dt.date(2026, 11, 30))]
    assert OutcomeFollowUp.objects.filter(engagement=engagement).count() == 3
    with pytest.raises(PermissionDenied):
        services.follow_ups_schedule(engagement=engagement, acting_user=cast.carl)


def test_closing_an_engagement_schedules_its_follow_ups(
    cast, desk, django_capture_on_commit_callbacks
):
    from waypoint.delivery.services.engagements import engagement_move

    with django_capture_on_commit_callbacks(execute=True):
        engagement_move(
            engagement=desk.alice_engagement,
            to_status="closed",
            reason="Plan complete.",
            end_reason="completed",
            acting_user=cast.alice,
        )
    months = OutcomeFollowUp.objects.filter(engagement=desk.alice_engagement).values_list(
        "months_after", flat=True
    )
    assert sorted(months) == [6, 12]


def test_follow_up_record_is_all_or_nothing_and_corrects(cast, desk, measures):
    engagement = _close(desk.alice_engagement)
    follow_up = _follow_up(engagement, cast.alice)
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(
            follow_up=follow_up,
            values=[
                {"measure": measures["turnover"], "value": "150000", "evidence": SELF},
                {
                    "measure": measures["employees"],
                    "value": "4",
                    "evidence": SELF,
                    "attribution": 120,
                },
            ],
            acting_user=cast.alice,
        )
    assert error.value.message_dict["values"] == [
        "Employees: attribution is a whole percentage from 0 to 100, not 120."
    ]
    follow_up.refresh_from_db()
    assert follow_up.completed_on is None and not OutcomeValue.objects.exists()
    for value in ("150000", "155000"):
        services.follow_up_record(
            follow_up=follow_up,
            values=[{"measure": measures["turnover"], "value": value, "evidence": SELF}],
            completed_on=dt.date(2027, 3, 1),
            acting_user=cast.alice,
        )
    follow_up.refresh_from_db()
    assert follow_up.completed_on == dt.date(2027, 3, 1)
    assert [v.value for v in follow_up.values.all()] == [D("155000")]  # corrected, not doubled


def test_follow_ups_due(cast, desk):
    engagement = _close(desk.alice_engagement)
    six, twelve = services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice)
    on = dt.date(2027, 3, 1)
    assert list(follow_ups_due(cast.alice, on=on)) == [six]
    assert list(follow_ups_due(cast.alice, on=on, within_days=200, mine=True)) == [six, twelve]
    assert list(follow_ups_due(cast.mary, on=on, mine=True)) == []  # not her caseload
    assert list(follow_ups_due(cast.mary, on=on)) == [six]  # but her organisation's
    assert list(follow_ups_due(cast.pat, on=on)) == []
    OutcomeFollowUp.objects.filter(pk=six.pk).update(due_on=timezone.localdate())
    assert [item.title for item in outcome_attention(cast.alice)] == ["1 outcome follow-up due"]
    assert outcome_attention(desk.bob) == []
    assert "Impact" in [item.label for item in nav_links_for(cast.alice)]
    assert "Impact" not in [item.label for item in nav_links_for(cast.oscar)]


# Impact ----------------------------------------------------------------------------------------


def test_net_additional_impact_worked_by_hand(cast, desk, measures):
    # £100,000 to £160,000: gross £60,000 x 50% x (1 - 20%) x (1 - 10%) = £21,600.00.
    assert net_additional(D("60000"), 50, 20, 10) == D("21600.00")
    assert net_additional(D("10.01"), 50, 0, 0) == D("5.01")  # 5.005, half up
    assert net_additional(D("-1000"), 100, 50, 0) == D("-500.00")
    engagement = desk.alice_engagement
    _turnover_impact(engagement, measures, cast.alice, before="100000", after="160000")
    rows = {row.measure.key: row for row in impact_for(engagement)}
    turnover = rows["turnover"]
    assert (turnover.gross, turnover.net) == (D("60000.00"), D("21600.00"))
    assert turnover.net is not None and turnover.net.as_tuple().exponent == -2
    assert turnover.explanation.endswith("= £21,600.00")
    assert rows["profit"].net is None and rows["profit"].explanation == "No figures yet."
    assert "job_start" not in rows  # measures for individuals are not listed for a business
    # A later follow-up's figure replaces the earlier one.
    twelve = OutcomeFollowUp.objects.get(engagement=engagement, months_after=12)
    services.follow_up_record(
        follow_up=twelve,
        values=[
            {
                "measure": measures["turnover"],
                "value": "200000",
                "evidence": SELF,
                "attribution": 100,
            }
        ],
        completed_on=dt.date(2027, 9, 1),
        acting_user=cast.alice,
    )
    turnover = {row.measure.key: row for row in impact_for(engagement)}["turnover"]
    assert (turnover.gross, turnover.net) == (D("100000.00"), D("100000.00"))


def test_totals_only_over_visible_engagements(cast, desk, measures):
    _turnover_impact(desk.alice_engagement, measures, cast.alice, before="100000", after="160000")
    _turnover_impact(
        desk.mary_engagement,
        measures,
        cast.mary,
        before="50000",
        after="60000",
        on=dt.date(2027, 9, 1),
    )  # net 10,000 x 0.5 x 0.8 x 0.9 = 3,600
    # A baseline without a follow-up adds nothing.
    other = EngagementFactory(organisation=cast.hub, programme=desk.growth, lead_adviser=cast.alice)
    _baseline(other, measures["turnover"], "1", cast.alice)

    def turnover(user, **kwargs):
        found = {t.key: t for t in impact_totals(user, **kwargs)}
        total = found.get("turnover")
        return (total.clients, total.gross, total.net) if total else None

    assert turnover(cast.alice) == (1, D("60000.00"), D("21600.00"))
    assert turnover(cast.mary) == (2, D("70000.00"), D("25200.00"))
    assert turnover(cast.carl) == (2, D("70000.00"), D("25200.00"))  # the commissioner
    assert turnover(cast.pat) is None
    assert turnover(desk.bob) is None
    this_year = Period.parse("2026/27")
    assert turnover(cast.mary, period=this_year) == (1, D("60000.00"), D("21600.00"))
    assert turnover(cast.mary, period=Period.parse("2027/28")) == (
        1,
        D("10000.00"),
        D("3600.00"),
    )
    elsewhere = ProgrammeFactory(organisation=cast.hub)
    assert turnover(cast.mary, programme=elsewhere) is None
    assert turnover(cast.mary, programme=desk.growth)[0] == 2


# Pages -----------------------------------------------------------------------------------------


def test_engagement_outcomes_page_and_section(cast, desk, measures):
    engagement = desk.alice_engagement
    url = reverse("monitoring:engagement-outcomes", args=[engagement.pk])
    page = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat)
    content = page.content.decode()
    assert "Record the baseline" in content and "Evidence for turnover" in content
    assert "Job start" not in content  # a business: only the measures for businesses
    assert "£21,600" in content  # the worked example explains the sum
    carl = request_as(cast.carl, url)  # the commissioner sees, read-only
    assert carl.status_code == 200 and b"Save the baseline" not in carl.content
    detail = request_as(cast.alice, engagement.get_absolute_url()).content.decode()
    assert "Outcomes and impact" in detail and url in detail and "Not recorded yet" in detail


def test_baseline_page_records_several_at_once(cast, desk, measures):
    engagement = desk.alice_engagement
    url = reverse("monitoring:outcome-baseline", args=[engagement.pk])
    turnover, started = measures["turnover"], measures["business_started"]
    data = {
        "recorded_on": "2026-06-01",
        f"m{turnover.pk}_value": "100000",
        f"m{turnover.pk}_evidence": OutcomeValue.Evidence.DOCUMENT,
        f"m{started.pk}_value": "1",
        f"m{started.pk}_evidence": SELF,
    }
    bad = request_as(cast.alice, url, method="post", data={**data, f"m{started.pk}_value": "2"})
    assert bad.status_code == 200 and b"Please correct the following" in bad.content
    assert not OutcomeValue.objects.exists()
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(OutcomeValue, "create"), (OutcomeValue, "create")],
    )
    assert {(v.measure.key, v.value) for v in OutcomeValue.objects.all()} == {
        ("turnover", D("100000")),
        ("business_started", D("1")),
    }
    page = request_as(cast.alice, engagement.get_absolute_url()).content.decode()
    assert "Recorded for 2 of 10 measures" in page


def test_schedule_and_follow_up_pages(cast, desk, measures):
    engagement = desk.alice_engagement
    _baseline(engagement, measures["turnover"], "100000", cast.alice)
    _close(engagement)
    url = reverse("monitoring:outcome-follow-ups-schedule", args=[engagement.pk])
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(OutcomeFollowUp, "create"), (OutcomeFollowUp, "create")],
    )
    follow_up = OutcomeFollowUp.objects.get(engagement=engagement, months_after=6)
    page = request_as(cast.alice, reverse("monitoring:engagement-outcomes", args=[engagement.pk]))
    assert b"6-month follow-up" in page.content and b"Attribution for turnover" in page.content
    record = reverse("monitoring:outcome-follow-up-record", args=[follow_up.pk])
    prefix = f"fu{follow_up.pk}-m{measures['turnover'].pk}"
    data = {
        f"fu{follow_up.pk}-completed_on": "2027-03-01",
        f"{prefix}_value": "160000",
        f"{prefix}_evidence": OutcomeValue.Evidence.DOCUMENT,
        f"{prefix}_attribution": "50",
        f"{prefix}_deadweight": "20",
        f"{prefix}_displacement": "10",
    }
    bad = request_as(
        cast.alice, record, method="post", data={**data, f"{prefix}_deadweight": "101"}
    )
    assert bad.status_code == 200 and b"Please correct the following" in bad.content
    check_access(
        cast,
        record,
        method="post",
        data=data,
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(OutcomeValue, "create"), (OutcomeFollowUp, "update")],
    )
    follow_up.refresh_from_db()
    assert follow_up.completed_on == dt.date(2027, 3, 1)
    page = request_as(cast.alice, reverse("monitoring:engagement-outcomes", args=[engagement.pk]))
    assert "£21,600.00" in page.content.decode()


def test_the_shares_are_explained_once_and_each_field_points_to_its_term(cast, desk, measures):
    engagement = _close(desk.alice_engagement)
    services.follow_ups_schedule(engagement=engagement, acting_user=cast.alice)
    url = reverse("monitoring:engagement-outcomes", args=[engagement.pk])
    content = request_as(cast.alice, url).content.decode()
    # Two follow-ups of ten measures each: twenty fields for each share, one explanation.
    assert content.count("Attribution for ") == 20
    times, minus = "\u00d7", "\u2212"
    formula = (
        f"net additional impact = gross change {times} attribution {times} "
        f"(1 {minus} deadweight) {times} (1 {minus} displacement)"
    )
    assert content.count(formula) == 1
    for share in ("attribution", "deadweight", "displacement"):
        assert content.count(f'id="term-{share}"') == 1
        assert content.count(f'aria-describedby="term-{share}"') == 20
    assert content.count("would have happened anyway") == 1
    assert content.count("taken from other local businesses") == 1


def test_many_measures_are_folded_and_one_at_fault_is_open(cast, desk, measures):
    engagement = desk.alice_engagement
    _close(engagement)
    follow_up = _follow_up(engagement, cast.alice)
    url = reverse("monitoring:engagement-outcomes", args=[engagement.pk])
    content = request_as(cast.alice, url).content.decode()
    # Ten measures: each one folded under its name, none open.
    assert content.count('<details class="border-top py-2">') == 20
    assert '<summary><span class="fw-semibold">Turnover</span>' in content
    assert '<details class="border-top py-2" open>' not in content

    prefix = f"fu{follow_up.pk}-m{measures['turnover'].pk}"
    bad = request_as(
        cast.alice,
        reverse("monitoring:outcome-follow-up-record", args=[follow_up.pk]),
        method="post",
        data={
            f"fu{follow_up.pk}-completed_on": "2027-03-01",
            f"{prefix}_value": "160000",
            f"{prefix}_evidence": SELF,
            f"{prefix}_deadweight": "101",
        },
    ).content.decode()
    # The measure at fault is open, so that the error summary's link reaches its field.
    opened = bad.split('<details class="border-top py-2" open>')
    assert len(opened) == 2 and opened[1].index("Turnover") < opened[1].index("</summary>")
    assert "(to correct)" in opened[1].split("</summary>")[0]


def test_a_few_measures_are_not_folded(cast, desk, measures):
    engagement = desk.alice_engagement
    _close(engagement)
    _follow_up(engagement, cast.alice)
    kept = {"turnover", "employees", "profit"}
    for key, measure in measures.items():
        if key not in kept:
            services.measure_update(measure=measure, acting_user=cast.carl, is_active=False)
    url = reverse("monitoring:engagement-outcomes", args=[engagement.pk])
    content = request_as(cast.alice, url).content.decode()
    assert '<details class="border-top' not in content
    assert content.count('<legend class="h6">') == 6  # three measures at two follow-ups


def test_programme_measures_pages(cast, desk):
    own = ProgrammeFactory(organisation=cast.hub, name="Hub Start-up")
    own.delivering_organisations.set([cast.hub])
    url = reverse("monitoring:outcome-measures", args=[own.pk])
    empty = check_access(
        cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=cast.pat
    )
    assert b"No measures yet" in empty.content and b"Add the default measures" not in empty.content
    defaults = reverse("monitoring:outcome-measures-defaults", args=[own.pk])
    check_access(
        cast,
        defaults,
        method="post",
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.carl,
        expect=302,
        audited=[(OutcomeMeasure, "create")] * len(DEFAULT_MEASURES),
    )
    page = request_as(cast.mary, url).content.decode()
    assert "Turnover" in page and "Retire" in page and "Add the default measures" not in page
    assert (
        "Jobs safeguarded"
        not in request_as(cast.mary, url + "?audience=individual").content.decode()
    )
    create = reverse("monitoring:outcome-measure-create", args=[own.pk])
    check_access(
        cast,
        create,
        method="post",
        data={"name": "Website visits", "kind": "number", "audience": "business"},
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.carl,
        expect=302,
        audited=[(OutcomeMeasure, "create")],
    )
    duplicate = request_as(
        cast.mary,
        create,
        method="post",
        data={"name": "Sales", "key": "turnover", "kind": "money", "audience": "business"},
    )
    assert duplicate.status_code == 200 and b"already has a measure with that key" in (
        duplicate.content
    )
    turnover = OutcomeMeasure.objects.get(programme=own, key="turnover")
    retire = reverse("monitoring:outcome-measure-active", args=[turnover.pk])
    check_access(
        cast,
        retire,
        method="post",
        data={"is_active": "false"},
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.carl,
        expect=302,
        audited=[(OutcomeMeasure, "update")],
    )
    turnover.refresh_from_db()
    assert not turnover.is_active
    edit = reverse("monitoring:outcome-measure-edit", args=[turnover.pk])
    check_access(
        cast,
        edit,
        method="post",
        data={"name": "Annual turnover", "unit": "", "position": "1"},
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.carl,
        expect=302,
        audited=[(OutcomeMeasure, "update")],
    )
    assert OutcomeMeasure.objects.get(pk=turnover.pk).name == "Annual turnover"


def test_impact_and_follow_ups_pages(cast, desk, measures):
    _turnover_impact(desk.alice_engagement, measures, cast.alice, before="100000", after="160000")
    url = reverse("monitoring:impact")
    page = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    assert "£21,600.00" in page.content.decode() and b"Turnover" in page.content
    filtered = request_as(cast.alice, url + "?year=2025/26").content.decode()
    assert "£21,600.00" not in filtered and "No client has both" in filtered
    assert "£21,600.00" not in request_as(cast.pat, url).content.decode()
    OutcomeFollowUp.objects.filter(months_after=12).update(due_on=timezone.localdate())
    due = reverse("monitoring:outcome-follow-ups")
    listed = check_access(cast, due, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    assert b"Acme Widgets Ltd" in listed.content and b"12 months after closure" in listed.content
    assert b"Acme Widgets Ltd" not in request_as(cast.pat, due).content
    assert b"Acme Widgets Ltd" not in request_as(cast.mary, due + "?mine=on").content


# API -------------------------------------------------------------------------------------------


def test_api_list_and_retrieve(cast, desk, measures):
    row = _baseline(desk.alice_engagement, measures["turnover"], "100000", cast.alice)
    listed = check_access(
        cast, API, api=True, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [r["id"] for r in listed.json()["results"]] == [row.pk]
    assert request_as(cast.pat, API, api=True).json()["results"] == []
    filtered = request_as(cast.alice, API + "?baseline=false", api=True).json()
    assert filtered["results"] == []
    detail = check_access(
        cast,
        f"{API}{row.pk}/",
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert detail.json()["value"] == "100000.00" and detail.json()["follow_up"] is None


def test_api_create_baseline_and_follow_up(cast, desk, measures):
    engagement = desk.alice_engagement
    data = {
        "engagement": engagement.pk,
        "measure": measures["turnover"].pk,
        "value": "100000",
        "evidence": "document",
        "recorded_on": "2026-06-01",
    }
    created = check_access(
        cast,
        API,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
        expect=201,
        audited=[(OutcomeValue, "create")],
    )
    assert created.json()["value"] == "100000.00"
    again = request_as(cast.alice, API, method="post", data=data, api=True)
    assert again.status_code == 400
    assert again.json()["errors"]["measure"] == [
        "Turnover already has a baseline for Acme Widgets Ltd."
    ]
    hidden = request_as(desk.bob, API, method="post", data=data, api=True)  # not his client
    assert hidden.status_code == 400 and "engagement" in hidden.json()["errors"]
    yes_no = request_as(
        cast.alice,
        API,
        method="post",
        data={**data, "measure": measures["business_started"].pk, "value": "2"},
        api=True,
    )
    assert yes_no.status_code == 400
    assert "Business started is a yes or no answer" in yes_no.json()["errors"]["value"][0]
    _close(engagement)
    follow_up = _follow_up(engagement, cast.alice)
    at_follow_up = request_as(
        cast.alice,
        API,
        method="post",
        data={
            **data,
            "follow_up": follow_up.pk,
            "value": "160000",
            "recorded_on": "2027-03-01",
            "attribution": 50,
            "deadweight": 20,
            "displacement": 10,
        },
        api=True,
    )
    assert at_follow_up.status_code == 201, at_follow_up.content
    follow_up.refresh_from_db()
    assert follow_up.completed_on == dt.date(2027, 3, 1)
    impact_url = f"{API}impact/?engagement={engagement.pk}"
    impact = check_access(
        cast,
        impact_url,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    turnover = next(row for row in impact.json() if row["key"] == "turnover")
    assert (turnover["gross"], turnover["net"]) == ("60000.00", "21600.00")
    assert request_as(cast.alice, f"{API}impact/", api=True).status_code == 400
