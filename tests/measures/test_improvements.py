"""The improvement register, plan, do, check, act (issue 6 item 8; 000 req 10): the stages in
order, every problem named by its field, the measure before and after, who sees which page,
and the home page's overdue improvements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Cast
from tests.delivery.conftest import Desk
from tests.delivery.factories import InteractionFactory
from tests.factories import OrganisationFactory, person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent, Organisation
from waypoint.core.periods import PeriodKind, period_of
from waypoint.core.roles import Role
from waypoint.measures import rollups
from waypoint.measures import selectors_improvements as selectors
from waypoint.measures.models import Improvement, Target
from waypoint.measures.services import improvements as services
from waypoint.measures.views.improvements import improvement_attention

Status = Improvement.Status


def _today() -> dt.date:
    return timezone.localdate()


def _months() -> tuple[Any, Any]:
    """Last month (before) and this month (after)."""
    after = period_of(_today(), PeriodKind.MONTH)
    return after.previous(), after


def _make(cast: Cast, **extra: Any) -> Improvement:
    fields: dict[str, Any] = {
        "source": Improvement.Source.CONCERN,
        "title": "Call back within two days",
        "owner": cast.alice,
        "plan": "Each adviser keeps an hour a day for call-backs.",
    }
    fields.update(extra)
    return services.improvement_create(organisation=cast.hub, acting_user=cast.mary, **fields)


def _outsider() -> Any:
    elsewhere = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    return person("olga", "Olga", role=Role.SERVICE_MANAGER, organisation=elsewhere)


# The service --------------------------------------------------------------------------------------


def test_every_problem_is_named_by_its_field_and_nothing_is_saved(
    cast: Cast, standard_measures: dict[str, Any]
) -> None:
    other = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    with pytest.raises(ValidationError) as raised:
        services.improvement_create(
            organisation=cast.hub,
            acting_user=cast.mary,
            source="gossip",
            title=" ",
            owner=cast.pat,
            scope_kind="organisation",
            scope_id=other.pk,
            before_period="2025-04",
            after_period="2025/26",
            due_on=_today() - dt.timedelta(days=1),
        )
    problems = raised.value.message_dict
    assert set(problems) == {
        "source",
        "title",
        "owner",
        "scope",
        "measure",
        "after_period",
        "due_on",
    }
    assert "does not work for Enterprise Hub" in problems["owner"][0]
    assert "like with like" in problems["after_period"][0]
    assert not Improvement.objects.exists()
    assert not DomainEvent.objects.filter(verb__startswith="improvement.").exists()


def test_only_managers_add_and_the_owner_cannot_hand_it_on(cast: Cast, desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        services.improvement_create(
            organisation=cast.hub,
            acting_user=cast.alice,
            source="reflection",
            title="x",
            owner=cast.alice,
        )
    improvement = _make(cast)
    services.improvement_update(improvement=improvement, acting_user=cast.alice, plan="New plan")
    assert Improvement.objects.get(pk=improvement.pk).plan == "New plan"
    with pytest.raises(ValidationError) as raised:
        services.improvement_update(improvement=improvement, acting_user=cast.alice, owner=desk.bob)
    assert "Only a manager" in raised.value.message_dict["owner"][0]
    services.improvement_update(improvement=improvement, acting_user=cast.mary, owner=desk.bob)
    assert Improvement.objects.get(pk=improvement.pk).owner == desk.bob


def test_it_moves_one_stage_at_a_time_with_what_each_needs(
    cast: Cast, standard_measures: dict[str, Any]
) -> None:
    before, after = _months()
    improvement = _make(cast, plan="")
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.CHECK)
    assert "moves to do next" in raised.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.DO)
    assert "plan" in raised.value.message_dict
    services.improvement_update(improvement=improvement, acting_user=cast.mary, plan="Do it")
    services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.DO)
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.CHECK)
    assert {"measure", "before_period", "after_period"} <= set(raised.value.message_dict)
    services.improvement_update(
        improvement=improvement,
        acting_user=cast.mary,
        measure=standard_measures["support_hours"],
    )
    services.improvement_move(
        improvement=improvement,
        acting_user=cast.alice,
        to=Status.CHECK,
        before_period=before.label,
        after_period=after.label,
    )
    # Back from check to do needs a note, kept in the history.
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.DO)
    assert "note" in raised.value.message_dict
    services.improvement_move(
        improvement=improvement, acting_user=cast.alice, to=Status.DO, note="Not everyone started"
    )
    services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.CHECK)
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.ACT)
    assert "check_notes" in raised.value.message_dict
    services.improvement_move(
        improvement=improvement, acting_user=cast.alice, to=Status.ACT, check_notes="Better"
    )
    with pytest.raises(ValidationError) as raised:
        services.improvement_move(improvement=improvement, acting_user=cast.alice, to=Status.CLOSED)
    assert {"decision", "decision_notes"} <= set(raised.value.message_dict)
    services.improvement_move(
        improvement=improvement,
        acting_user=cast.alice,
        to=Status.CLOSED,
        decision="adopt",
        decision_notes="Keep it",
    )
    assert Improvement.objects.get(pk=improvement.pk).status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.improvement_update(improvement=improvement, acting_user=cast.mary, title="x")
    events = selectors.timeline(improvement)
    labels = [e.label for e in events]
    assert labels[0] == "Added to the register"
    assert "Moved from Check to Do" in labels
    assert any(e.note == "Not everyone started" for e in events)


def test_delete_only_while_a_plan(cast: Cast) -> None:
    improvement = _make(cast)
    services.improvement_move(improvement=improvement, acting_user=cast.mary, to=Status.DO)
    with pytest.raises(ValidationError):
        services.improvement_delete(improvement=improvement, acting_user=cast.mary)
    planned = _make(cast, title="Another")
    services.improvement_delete(improvement=planned, acting_user=cast.mary)
    assert list(Improvement.objects.all()) == [improvement]


# Before and after -----------------------------------------------------------------------------


def test_before_and_after_values_with_rag(
    cast: Cast, desk: Desk, standard_measures: dict[str, Any]
) -> None:
    before, after = _months()
    moment = dt.datetime.combine(before.start, dt.time(10), tzinfo=dt.UTC)
    InteractionFactory(engagement=desk.alice_engagement, duration_minutes=60, occurred_at=moment)
    InteractionFactory(
        engagement=desk.mary_engagement,
        duration_minutes=120,
        occurred_at=dt.datetime.combine(after.start, dt.time(10), tzinfo=dt.UTC),
    )
    desk.contact.delete()
    rollups.rebuild()
    measure = standard_measures["support_hours"]
    Target.objects.create(
        organisation=cast.hub,
        measure=measure,
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period_kind="month",
        period_start=after.start,
        value=Decimal(2),
        amber_within=Decimal(10),
    )
    improvement = _make(cast, measure=measure, before_period=before.label, after_period=after.label)
    assert (improvement.scope_kind, improvement.scope_id) == ("organisation", cast.hub.pk)
    found = selectors.before_and_after(improvement, _today())
    assert found is not None and found.before is not None and found.after is not None
    assert found.before.figure.value == Decimal(1)
    assert found.after.figure.value == Decimal(2)
    assert found.before.rag is None and found.after.rag == "green"
    assert found.change == Decimal(1) and selectors.better(improvement, found) is True
    page = request_as(cast.mary, reverse("measures:improvement-detail", args=[improvement.pk]))
    comparison = page.context["comparison"]
    assert (comparison["before"]["value"], comparison["after"]["value"]) == ("1.0", "2.0")
    assert comparison["after"]["rag_label"] == "On target"
    assert comparison["change"] == "+1.0"


def test_an_advisers_before_and_after_counts_their_work_in_its_organisation_only(
    cast: Cast, desk: Desk, standard_measures: dict[str, Any]
) -> None:
    """Alice also advises for Pathways: the hub's improvement of her figures counts only her
    hub contacts."""
    from tests.factories import RoleAssignmentFactory
    from waypoint.delivery.models import Engagement

    before = _months()[0]
    RoleAssignmentFactory(user=cast.alice, organisation=cast.pathways, role=Role.ADVISER)
    Engagement.objects.filter(pk=desk.pathways_engagement.pk).update(lead_adviser=cast.alice)
    moment = dt.datetime.combine(before.start, dt.time(10), tzinfo=dt.UTC)
    for engagement, minutes in ((desk.alice_engagement, 60), (desk.pathways_engagement, 180)):
        InteractionFactory(engagement=engagement, duration_minutes=minutes, occurred_at=moment)
    desk.contact.delete()
    rollups.rebuild()
    improvement = _make(
        cast,
        measure=standard_measures["support_hours"],
        scope_kind="adviser",
        scope_id=cast.alice.pk,
        before_period=before.label,
    )
    found = selectors.before_and_after(improvement, _today())
    assert found is not None and found.before is not None
    assert found.before.figure.value == Decimal(1)  # not the 3 hours at Pathways


# Pages and who sees them ----------------------------------------------------------------------


def test_list_access_and_filters(cast: Cast, desk: Desk) -> None:
    late = _make(cast, title="Late one")
    Improvement.objects.filter(pk=late.pk).update(due_on=_today() - dt.timedelta(days=3))
    _make(cast, title="On time", owner=desk.bob, source=Improvement.Source.SWOT)
    url = reverse("measures:improvement-list")
    response = check_access(cast, url, allowed=cast.mary, wrong_role=cast.pat, out_of_scope=None)
    assert next(c for c in response.context["counts"] if c[0] == "plan")[2] == 2
    overdue = request_as(cast.mary, url + "?overdue=on")
    titles = [r["improvement"].title for g in overdue.context["groups"] for r in g["rows"]]
    assert titles == ["Late one"]
    swot = request_as(cast.mary, url + "?source=swot")
    assert [r["improvement"].title for g in swot.context["groups"] for r in g["rows"]] == [
        "On time"
    ]
    # The owner sees theirs only.
    mine = request_as(cast.alice, url)
    assert [r["improvement"].title for g in mine.context["groups"] for r in g["rows"]] == [
        "Late one"
    ]


def test_create_page_access_and_from_a_concern(cast: Cast, desk: Desk) -> None:
    from waypoint.monitoring.models import Concern

    concern = Concern.objects.create(
        organisation=cast.hub,
        engagement=desk.alice_engagement,
        source="client",
        raised_on=_today(),
        about="support",
        summary="Nobody called me back",
    )
    url = reverse("measures:improvement-create") + f"?concern={concern.pk}"
    page = check_access(
        cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=_outsider()
    )
    assert page.context["form"].initial["title"] == "Nobody called me back"
    check_access(
        cast,
        url,
        method="post",
        data={
            "organisation": cast.hub.pk,
            "title": "Call back",
            "source": "concern",
            "owner": cast.alice.pk,
            "plan": "A daily hour",
        },
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Improvement, "create")],
    )
    improvement = Improvement.objects.get()
    assert improvement.source == "concern" and improvement.concern == concern
    event = DomainEvent.objects.get(verb="improvement.created")
    assert event.data["concern"] == concern.pk


def _concern(cast: Cast, desk: Desk, organisation: Organisation | None = None) -> Any:
    from waypoint.monitoring.models import Concern

    return Concern.objects.create(
        organisation=organisation or cast.hub,
        engagement=desk.alice_engagement,
        source="client",
        raised_on=_today(),
        about="support",
        summary="Nobody called me back",
    )


def test_the_concern_page_lists_its_improvements_and_offers_to_raise_one(
    cast: Cast, desk: Desk
) -> None:
    concern = _concern(cast, desk)
    page = reverse("monitoring:concern-detail", args=[concern.pk])
    raise_url = reverse("measures:improvement-create") + f"?concern={concern.pk}"

    empty = request_as(cast.mary, page).content.decode()
    assert "Improvements to the service" in empty and "None raised yet." in empty
    assert f'href="{raise_url}"' in empty
    # The adviser sees the concern but does not keep the register: no section at all.
    alices = request_as(cast.alice, page)
    assert alices.status_code == 200
    assert "Improvements to the service" not in alices.content.decode()

    improvement = _make(cast, concern=concern, title="Call back within two days")
    _make(cast, title="Unrelated improvement")
    listed = request_as(cast.mary, page).content.decode()
    assert improvement.get_absolute_url() in listed
    assert "Call back within two days</a>: at the plan stage, owned by" in listed
    assert "Unrelated improvement" not in listed
    # The owner (an adviser) sees theirs listed, without the offer to raise another.
    owners = request_as(cast.alice, page).content.decode()
    assert improvement.get_absolute_url() in owners and raise_url not in owners

    detail = request_as(cast.mary, improvement.get_absolute_url()).content.decode()
    assert f'href="{page}">the concern raised on' in detail


def test_a_concern_of_another_organisation_is_refused(cast: Cast, desk: Desk) -> None:
    elsewhere = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    concern = _concern(cast, desk, organisation=elsewhere)
    with pytest.raises(ValidationError) as caught:
        _make(cast, concern=concern)
    assert "That concern is not one of Enterprise Hub's." in caught.value.message_dict["concern"]
    assert not Improvement.objects.exists()


def test_detail_edit_move_delete_access(cast: Cast, desk: Desk) -> None:
    improvement = _make(cast)
    outsider = _outsider()
    detail = reverse("measures:improvement-detail", args=[improvement.pk])
    check_access(cast, detail, allowed=cast.alice, wrong_role=desk.bob, out_of_scope=outsider)
    edit = reverse("measures:improvement-edit", args=[improvement.pk])
    check_access(
        cast,
        edit,
        method="post",
        data={
            "title": "Call back sooner",
            "source": "concern",
            "owner": cast.alice.pk,
            "plan": "A daily hour",
        },
        allowed=cast.alice,
        wrong_role=desk.bob,
        out_of_scope=outsider,
        expect=302,
        audited=[(Improvement, "update")],
    )
    move = reverse("measures:improvement-move", args=[improvement.pk, "do"])
    check_access(cast, move, allowed=cast.alice, wrong_role=desk.bob, out_of_scope=outsider)
    check_access(
        cast,
        move,
        method="post",
        allowed=cast.alice,
        wrong_role=desk.bob,
        out_of_scope=outsider,
        expect=302,
        audited=[(Improvement, "update")],
    )
    assert Improvement.objects.get(pk=improvement.pk).status == Status.DO
    planned = _make(cast, title="Another")
    delete = reverse("measures:improvement-delete", args=[planned.pk])
    # The owner may change it but not delete it.
    check_access(
        cast,
        delete,
        method="post",
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=outsider,
        expect=302,
        audited=[(Improvement, "delete")],
    )
    assert not Improvement.objects.filter(pk=planned.pk).exists()


def test_overdue_improvements_on_the_owners_home_page(cast: Cast) -> None:
    late = _make(cast)
    assert improvement_attention(cast.alice) == []
    Improvement.objects.filter(pk=late.pk).update(due_on=_today() - dt.timedelta(days=1))
    items = improvement_attention(cast.alice)
    assert [i.title for i in items] == ["1 improvement of yours is overdue"]
    assert "overdue=on" in items[0].url
    assert improvement_attention(cast.mary) == []  # not hers
