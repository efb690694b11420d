"""Self-appraisal beside other evidence (issue 6 item 7; 000 knowledge point: the limits of
self-appraisal): the service's rules, who sees which page, and evidence equal to the records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Cast
from tests.delivery.conftest import Desk
from tests.factories import OrganisationFactory, person
from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent, Organisation
from waypoint.core.periods import PeriodKind, period_of
from waypoint.core.roles import Role
from waypoint.measures import rollups
from waypoint.measures import selectors_appraisals as selectors
from waypoint.measures.models import SelfAppraisal
from waypoint.measures.services.appraisals import appraisal_save
from waypoint.monitoring.models import Review


def _quarter() -> Any:
    return period_of(timezone.localdate(), PeriodKind.QUARTER)


def _review(engagement: Any, held_on: dt.date, **ratings: Any) -> Review:
    return Review.objects.create(
        organisation_id=engagement.organisation_id,
        engagement=engagement,
        held_on=held_on,
        depth="standard",
        **ratings,
    )


@pytest.fixture
def reviews(cast: Cast, desk: Desk, standard_measures: dict[str, Any]) -> dict[str, Any]:
    """Three reviews of alice's engagement this quarter (client ratings 3, 4 and none;
    satisfaction 4, 5 and 2), one of mary's (rating 1, not alice's) and one of alice's in an
    earlier quarter (rating 5, another period). Rollups rebuilt."""
    start = _quarter().start
    _review(desk.alice_engagement, start, client_rating=3, satisfaction=4, recommend=10)
    _review(desk.alice_engagement, start, client_rating=4, satisfaction=5, recommend=9)
    _review(desk.alice_engagement, start, satisfaction=2, recommend=3)
    _review(desk.mary_engagement, start, client_rating=1, satisfaction=1)
    _review(desk.alice_engagement, start - dt.timedelta(days=100), client_rating=5, satisfaction=5)
    rollups.rebuild()
    return {"period": _quarter()}


# The service ------------------------------------------------------------------------------------


def test_an_adviser_appraises_herself_once_per_period(cast: Cast) -> None:
    period = _quarter()
    first = appraisal_save(
        acting_user=cast.alice,
        organisation=cast.hub,
        period=period.label,
        rating="4",
        went_well="Good first contacts",
        to_improve="Follow up sooner",
    )
    assert (first.rating, first.period_kind, first.period_start) == (4, "quarter", period.start)
    again = appraisal_save(acting_user=cast.alice, organisation=cast.hub, period=period, rating=3)
    assert again.pk == first.pk and again.rating == 3 and again.went_well == ""
    assert SelfAppraisal.objects.count() == 1
    verbs = list(
        DomainEvent.objects.filter(verb__startswith="self_appraisal.")
        .values_list("verb", flat=True)
        .order_by("pk")
    )
    assert verbs == ["self_appraisal.created", "self_appraisal.changed"]


def test_every_problem_is_named_by_its_field_and_nothing_is_saved(cast: Cast) -> None:
    future = period_of(timezone.localdate() + dt.timedelta(days=400), PeriodKind.QUARTER)
    with pytest.raises(ValidationError) as raised:
        appraisal_save(
            acting_user=cast.alice,
            organisation=cast.hub,
            period=future.label,
            rating=6,
            went_well="x" * 5000,
        )
    problems = raised.value.message_dict
    assert "has not begun" in problems["period"][0]
    assert "choose from 1" in problems["rating"][0]
    assert "under 4000" in problems["went_well"][0]
    with pytest.raises(ValidationError) as raised:
        appraisal_save(acting_user=cast.alice, organisation=cast.hub, period="2026", rating=3)
    assert "calendar period" in raised.value.message_dict["period"][0]
    assert not SelfAppraisal.objects.exists()
    assert not DomainEvent.objects.filter(verb__startswith="self_appraisal.").exists()


def test_only_advisers_and_mentors_appraise_only_themselves(cast: Cast) -> None:
    for who, where in (
        (cast.mary, cast.hub),
        (cast.carl, cast.northshire),
        (cast.alice, cast.pathways),
    ):
        with pytest.raises(PermissionDenied):
            appraisal_save(acting_user=who, organisation=where, period=_quarter(), rating=3)
    mentor = person("meg", "Meg", role=Role.MENTOR, organisation=cast.hub)
    saved = appraisal_save(acting_user=mentor, organisation=cast.hub, period=_quarter(), rating=5)
    assert saved.adviser == mentor


# The evidence -----------------------------------------------------------------------------------


def test_evidence_equals_what_the_records_imply(
    cast: Cast, desk: Desk, reviews: dict[str, Any]
) -> None:
    period = reviews["period"]
    evidence = selectors.evidence_for([cast.alice.pk], period)[cast.alice.pk]
    assert evidence.client_rating == selectors.Rating(mean=pytest.approx(3.5), count=2)  # type: ignore[arg-type]
    satisfaction = evidence.item("mean_satisfaction")
    assert satisfaction is not None and satisfaction.figure.value is not None
    assert float(satisfaction.figure.value) == pytest.approx(11 / 3)
    nps = evidence.item("net_promoter_score")
    assert nps is not None and nps.figure.value is not None
    assert float(nps.figure.value) == pytest.approx((2 - 1) * 100 / 3)  # 2 promoters, 1 detractor
    appraisal_save(acting_user=cast.alice, organisation=cast.hub, period=period, rating=5)
    page = request_as(cast.alice, reverse("measures:appraisal-mine"))
    text = page.content.decode()
    assert (
        "You rated yourself 5 of 5; clients rated their progress 3.5 of 5 on average (2 reviews)."
        in text
    )
    assert "1.5 higher than the clients" in text
    rows = {row["code"]: row for row in page.context["evidence"]}
    assert rows["client_rating"]["value"] == "3.5 of 5"
    assert rows["mean_satisfaction"]["value"] == "3.7 of 5"
    assert rows["mean_satisfaction"]["detail"] == "3 reviews"
    # The manager's table shows the same figures for alice, and bob without an appraisal.
    table = request_as(cast.mary, reverse("measures:appraisal-list"))
    by_name = {row["adviser"].username: row for row in table.context["rows"]}
    assert by_name["alice"]["appraisal"].rating == 5
    assert by_name["bob"]["appraisal"] is None
    assert {r["code"]: r["value"] for r in by_name["alice"]["evidence"]}[
        "client_rating"
    ] == "3.5 of 5"
    assert "Not yet" in table.content.decode()


def test_a_managers_evidence_counts_only_their_organisations_work(
    cast: Cast, desk: Desk, reviews: dict[str, Any]
) -> None:
    """Alice also advises for Pathways, where a client rated their progress 1 of 5: her own
    evidence counts it, the hub's manager's table and her appraisal's page do not."""
    from tests.factories import RoleAssignmentFactory
    from waypoint.delivery.models import Engagement

    RoleAssignmentFactory(user=cast.alice, organisation=cast.pathways, role=Role.ADVISER)
    Engagement.objects.filter(pk=desk.pathways_engagement.pk).update(lead_adviser=cast.alice)
    _review(desk.pathways_engagement, reviews["period"].start, client_rating=1, satisfaction=1)
    rollups.rebuild()
    period = reviews["period"]
    everything = selectors.evidence_for([cast.alice.pk], period)[cast.alice.pk]
    assert everything.client_rating.count == 3
    hub = selectors.evidence_for([cast.alice.pk], period, frozenset({cast.hub.pk}))[cast.alice.pk]
    assert hub.client_rating == selectors.Rating(mean=pytest.approx(3.5), count=2)  # type: ignore[arg-type]
    satisfaction = hub.item("mean_satisfaction")
    assert satisfaction is not None and satisfaction.figure.value is not None
    assert float(satisfaction.figure.value) == pytest.approx(11 / 3)  # the hub's three only
    table = request_as(cast.mary, reverse("measures:appraisal-list"))
    by_name = {row["adviser"].username: row for row in table.context["rows"]}
    evidence = {r["code"]: r["value"] for r in by_name["alice"]["evidence"]}
    assert evidence["client_rating"] == "3.5 of 5"
    saved = appraisal_save(acting_user=cast.alice, organisation=cast.hub, period=period, rating=4)
    detail = request_as(cast.mary, reverse("measures:appraisal-detail", args=[saved.pk]))
    assert "3.5 of 5 on average (2 reviews)" in detail.content.decode()
    own = request_as(cast.alice, reverse("measures:appraisal-detail", args=[saved.pk]))
    assert "(3 reviews)" in own.content.decode()


def test_comparison_in_words_without_client_ratings(cast: Cast, desk: Desk) -> None:
    evidence = selectors.evidence_for([cast.alice.pk], _quarter())[cast.alice.pk]
    assert selectors.comparison(4, evidence) == (
        "You rated yourself 4 of 5; no client rated their progress at a review in this period."
    )
    assert selectors.comparison(None, evidence, who="Alice").startswith(
        "Alice has not rated themself"
    )


def test_a_bad_or_future_period_is_named_and_the_quarter_shown(cast: Cast) -> None:
    page = request_as(cast.alice, reverse("measures:appraisal-mine") + "?period=nonsense")
    assert page.status_code == 200
    assert page.context["period"] == _quarter()
    assert "is not a period" in page.context["problem"]


# Who sees which page ----------------------------------------------------------------------------


def _outsider() -> Any:
    elsewhere = OrganisationFactory(name="Elsewhere Ltd", kind=Organisation.Kind.PROVIDER)
    return person("olga", "Olga", role=Role.SERVICE_MANAGER, organisation=elsewhere)


def test_my_appraisal_page_access(cast: Cast, desk: Desk) -> None:
    url = reverse("measures:appraisal-mine")
    check_access(cast, url, allowed=cast.alice, wrong_role=cast.carl, out_of_scope=None)
    # A manager who appraises no one is taken to the list.
    assert request_as(cast.mary, url)["Location"] == reverse("measures:appraisal-list")
    label = _quarter().label
    response = check_access(
        cast,
        url,
        method="post",
        data={"organisation": cast.hub.pk, "period": label, "rating": "4"},
        allowed=cast.alice,
        wrong_role=cast.pat,
        out_of_scope=None,
        expect=302,
        audited=[(SelfAppraisal, "create")],
    )
    assert SelfAppraisal.objects.get(adviser=cast.alice).rating == 4
    assert "period=" in response["Location"]


def test_a_bad_rating_is_shown_on_the_form(cast: Cast) -> None:
    response = request_as(
        cast.alice,
        reverse("measures:appraisal-mine"),
        method="post",
        data={"organisation": cast.hub.pk, "period": _quarter().label, "rating": "9"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["rating"]
    assert not SelfAppraisal.objects.exists()


def test_advisers_list_access(cast: Cast, desk: Desk) -> None:
    response = check_access(
        cast,
        reverse("measures:appraisal-list"),
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
    )
    names = {row["adviser"].username for row in response.context["rows"]}
    assert names == {"alice", "bob"}  # tom works for pathways


def test_appraisal_detail_access(cast: Cast, desk: Desk) -> None:
    appraisal = appraisal_save(
        acting_user=cast.alice, organisation=cast.hub, period=_quarter(), rating=2
    )
    url = reverse("measures:appraisal-detail", args=[appraisal.pk])
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=desk.bob, out_of_scope=_outsider()
    )
    assert "Alice" in response.context["comparison"]
    assert request_as(cast.alice, url).status_code == 200


def test_nav_shows_self_appraisal_to_advisers_and_managers(cast: Cast) -> None:
    from waypoint.core.navigation import nav_links_for

    def labels(user: Any) -> set[str]:
        return {link.label for link in nav_links_for(user)}

    assert "Self-appraisal" in labels(cast.alice)
    assert "Self-appraisal" in labels(cast.mary)
    assert "Self-appraisal" not in labels(cast.carl)
