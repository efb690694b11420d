"""The measure library: services for an organisation's own measures and the library's pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.permissions import check_access
from waypoint.core.models import DomainEvent
from waypoint.measures import rollups
from waypoint.measures.models import Measure, Rollup, Target
from waypoint.measures.services import library as services

pytestmark = pytest.mark.django_db

HOURS = {"source": "contacts", "aggregate": "sum", "field": "hours"}


def create(cast, organisation=None, user=None, **changes):
    fields = {
        "code": "advice_hours",
        "name": "Advice hours",
        "category": "economy",
        "unit": "hours",
        "direction": "higher",
        "definition": HOURS,
    }
    fields.update(changes)
    return services.measure_create(
        organisation=organisation or cast.hub, acting_user=user or cast.mary, **fields
    )


def form_data(**changes):
    data = {
        "name": "Phone contacts",
        "code": "phone_contacts",
        "category": "efficiency",
        "unit": "count",
        "direction": "higher",
        "aggregate": "count",
        "source": "contacts",
        "where_rows": "2",
        "numerator_rows": "2",
        "where_dim_0": "mode",
        "where_values_0": "phone, video",
        "save": "1",
    }
    data.update(changes)
    return data


# Services ---------------------------------------------------------------------------------------


def test_problems_are_named_by_their_fields(cast):
    with pytest.raises(ValidationError) as caught:
        create(
            cast,
            name="",
            category="speed",
            definition={"source": "contacts", "aggregate": "sum", "where": {"colour": 1}},
        )
    errors = caught.value.message_dict
    assert errors["field"] == ["sum needs a figure of contacts: hours."]
    assert errors["where.colour"][0].startswith("contacts have no 'colour'")
    assert "name" in errors and "category" in errors
    assert not Measure.objects.filter(code="advice_hours").exists()


def test_ratio_must_divide_measures_the_organisation_has(cast):
    with pytest.raises(ValidationError) as caught:
        create(
            cast,
            definition={
                "aggregate": "ratio",
                "numerator": "nothing",
                "denominator": "hours_per_client",
            },
        )
    errors = caught.value.message_dict
    assert errors["numerator"] == ["there is no measure 'nothing'."]
    assert "itself a ratio" in errors["denominator"][0]


def test_code_is_unique_per_organisation(cast):
    create(cast)
    with pytest.raises(ValidationError) as caught:
        create(cast, name="Again")
    assert caught.value.message_dict["code"] == [
        "Your organisation already has a measure with that code."
    ]
    other = create(cast, organisation=cast.pathways, user=cast.root)  # another organisation may
    assert other.organisation == cast.pathways


def test_a_standard_code_is_not_reused(cast):
    with pytest.raises(ValidationError) as caught:
        create(cast, code="support_hours")
    assert "standard measure" in caught.value.message_dict["code"][0]


def test_standard_measures_cannot_be_changed(cast):
    standard = Measure.objects.get(code="support_hours", organisation__isnull=True)
    with pytest.raises(PermissionDenied):
        services.measure_update(measure=standard, acting_user=cast.root, name="Hours")
    with pytest.raises(PermissionDenied):
        services.measure_retire(measure=standard, acting_user=cast.root)
    standard.refresh_from_db()
    assert standard.name == "Support hours" and standard.is_active


def test_only_managers_add_measures(cast):
    with pytest.raises(PermissionDenied):
        create(cast, user=cast.alice)


def test_rollups_are_backfilled_for_a_new_measure(cast, desk, django_capture_on_commit_callbacks):
    rollups.rebuild()  # the facts of the desk's records
    with django_capture_on_commit_callbacks(execute=True):
        measure = create(
            cast,
            code="contacts_logged",
            name="Contacts logged",
            definition={"source": "contacts", "aggregate": "count"},
        )
    cell = Rollup.objects.get(
        measure=measure, scope_kind="organisation", scope_id=cast.hub.pk, period_kind="month"
    )
    assert cell.n == 1  # the desk's one contact
    # a changed definition is computed again
    with django_capture_on_commit_callbacks(execute=True):
        services.measure_update(
            measure=measure,
            acting_user=cast.mary,
            definition={"source": "contacts", "aggregate": "count", "where": {"mode": "none"}},
        )
    assert not Rollup.objects.filter(measure=measure).exists()


def test_retire_and_reactivate_record_events(cast):
    measure = create(cast)
    services.measure_retire(measure=measure, acting_user=cast.mary)
    assert not Measure.objects.get(pk=measure.pk).is_active
    with pytest.raises(ValidationError):
        services.measure_retire(measure=measure, acting_user=cast.mary)
    services.measure_reactivate(measure=measure, acting_user=cast.mary)
    assert Measure.objects.get(pk=measure.pk).is_active
    verbs = list(
        DomainEvent.objects.filter(object_id=str(measure.pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["measure.created", "measure.retired", "measure.reactivated"]


def test_update_cannot_change_the_code(cast):
    measure = create(cast)
    with pytest.raises(ValueError):
        services.measure_update(measure=measure, acting_user=cast.mary, code="other")


# Pages: permissions -----------------------------------------------------------------------------


def test_list_page(cast):
    response = check_access(
        cast,
        reverse("measures:measure-list"),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )
    assert b"Clients supported" in response.content
    assert b"Add a measure of your own" not in response.content  # advisers do not add


def test_detail_page(cast):
    measure = create(cast)
    Target.objects.create(
        organisation=cast.hub,
        measure=measure,
        scope_kind="organisation",
        scope_id=cast.hub.pk,
        period_kind="financial_year",
        period_start=dt.date(2026, 4, 1),
        value=120,
    )
    response = check_access(
        cast,
        measure.get_absolute_url(),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    text = response.content.decode()
    assert "The total hours of contacts." in text
    assert "No targets you can see use this measure." in text  # targets are managers' records
    text = cast.client(cast.mary).get(measure.get_absolute_url()).content.decode()
    assert "Organisation: Enterprise Hub" in text and "2026/27" in text  # the target using it


def test_standard_detail_words_and_copy(cast):
    response = cast.client(cast.mary).get(
        reverse("measures:measure-detail", args=["reviews_on_time"])
    )
    text = response.content.decode()
    assert "The share of reviews (held on time: true or false) where held on time is true." in text
    assert "Copy as our own" in text
    assert reverse("measures:measure-edit", args=["reviews_on_time"]) not in text


def test_a_code_resolves_to_the_persons_own_organisations_measure(cast):
    create(cast, code="mine", name="Hub's measure")
    create(cast, organisation=cast.pathways, user=cast.root, code="mine", name="Pathways' measure")
    url = reverse("measures:measure-detail", args=["mine"])
    assert b"Hub&#x27;s measure" in cast.client(cast.mary).get(url).content
    assert b"Pathways&#x27; measure" in cast.client(cast.pat).get(url).content


def test_create_page(cast):
    url = reverse("measures:measure-create")
    check_access(cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=None)
    response = check_access(
        cast,
        url,
        method="post",
        data=form_data(),
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Measure, "create")],
    )
    measure = Measure.objects.get(code="phone_contacts")
    assert response["Location"] == measure.get_absolute_url()
    assert measure.organisation == cast.hub
    assert measure.definition == {
        "source": "contacts",
        "aggregate": "count",
        "where": {"mode": ["phone", "video"]},
    }


def test_edit_page(cast):
    measure = create(cast)
    url = reverse("measures:measure-edit", args=[measure.code])
    data = form_data(aggregate="sum", field="hours", name="Phone hours")
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Measure, "update")],
    )
    measure.refresh_from_db()
    assert measure.name == "Phone hours" and measure.code == "advice_hours"
    assert measure.definition["where"] == {"mode": ["phone", "video"]}


def test_standard_measures_have_no_edit_page(cast):
    url = reverse("measures:measure-edit", args=["support_hours"])
    assert cast.client(cast.mary).get(url).status_code == 403


def test_retire_and_reactivate_pages(cast):
    measure = create(cast)
    for name, active in (("measures:measure-retire", False), ("measures:measure-reactivate", True)):
        check_access(
            cast,
            reverse(name, args=[measure.code]),
            method="post",
            allowed=cast.mary,
            wrong_role=cast.alice,
            out_of_scope=cast.pat,
            expect=302,
            audited=[(Measure, "update")],
        )
        measure.refresh_from_db()
        assert measure.is_active is active


# The form ---------------------------------------------------------------------------------------


def test_problems_show_beside_their_fields(cast):
    data = form_data(aggregate="sum", where_dim_1="status", where_values_1="open")
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["field"] == ["Sum needs a figure of contacts: hours."]
    assert errors["where_dim_1"][0].startswith("Contacts have no 'status'")
    assert not Measure.objects.filter(code="phone_contacts").exists()


def test_a_condition_row_needs_both_halves(cast):
    data = form_data(where_values_0="", where_dim_1="", where_values_1="phone")
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    errors = response.context["form"].errors
    assert errors["where_values_0"] == ["Give one or more values."]
    assert errors["where_dim_1"] == ["Choose what the values are of."]


def test_preview_in_words_saves_nothing(cast):
    data = form_data(preview="1")
    del data["save"]
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    assert response.context["preview"] == ("The number of contacts where mode is phone or video")
    assert not Measure.objects.filter(code="phone_contacts").exists()


def test_add_a_condition_gives_another_row(cast):
    data = form_data(add_where="1")
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    assert response.context["form"].rows["where"] == 3
    assert b'name="where_dim_2"' in response.content
    assert not Measure.objects.filter(code="phone_contacts").exists()


def test_copy_as_our_own_fills_the_form(cast):
    url = reverse("measures:measure-create") + "?copy=reviews_on_time"
    form = cast.client(cast.mary).get(url).context["form"]
    assert form.initial["code"] == "reviews_on_time_own"
    assert form.initial["where_dim_0"] == "on_time"
    assert form.initial["where_values_0"] == "true, false"
    assert form.initial["num_values_0"] == "true"


def test_a_rate_from_the_form(cast):
    data = form_data(
        code="phone_share",
        aggregate="rate",
        unit="percent",
        where_dim_0="",
        where_values_0="",
        num_dim_0="mode",
        num_values_0="phone",
    )
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    assert response.status_code == 302
    assert Measure.objects.get(code="phone_share").definition == {
        "source": "contacts",
        "aggregate": "rate",
        "numerator": {"mode": "phone"},
    }


def test_a_ratio_from_the_form(cast):
    data = form_data(
        code="hours_per_100",
        aggregate="ratio",
        source="",
        where_dim_0="",
        where_values_0="",
        ratio_numerator="support_hours",
        ratio_denominator="clients_supported",
        per="100",
    )
    response = cast.client(cast.mary).post(reverse("measures:measure-create"), data)
    assert response.status_code == 302
    assert Measure.objects.get(code="hours_per_100").definition == {
        "aggregate": "ratio",
        "numerator": "support_hours",
        "denominator": "clients_supported",
        "per": 100,
    }


# Search and filters -----------------------------------------------------------------------------


def names_on(cast, user, **query):
    response = cast.client(user).get(reverse("measures:measure-list"), query)
    return {m.name for group in response.context["groups"] for m, _ in group["rows"]}


def test_search_and_filters(cast):
    own = create(cast)
    services.measure_retire(
        measure=create(cast, code="old", name="Old hours"), acting_user=cast.mary
    )
    standard = Measure.objects.filter(organisation__isnull=True)
    costs = names_on(cast, cast.mary, q="cost")
    assert costs == {m.name for m in standard if "cost" in f"{m.name} {m.code}".lower()}
    assert "Cost per client" in costs and "Clients supported" not in costs
    assert names_on(cast, cast.mary, q="advice_h") == {own.name}  # by code
    equity = names_on(cast, cast.mary, category="equity")
    assert equity and all(
        Measure.objects.get(name=n, organisation__isnull=True).category == "equity" for n in equity
    )
    reviews = names_on(cast, cast.mary, source="reviews")
    assert reviews == {m.name for m in standard if m.definition.get("source") == "reviews"}
    assert "Mean satisfaction" in reviews and "Support hours" not in reviews
    ratios = names_on(cast, cast.mary, source="ratio")
    assert "Hours per client" in ratios and "Support hours" not in ratios
    assert names_on(cast, cast.mary, kind="own") == {"Advice hours"}
    assert names_on(cast, cast.mary, status="retired") == {"Old hours"}
    assert "Old hours" in names_on(cast, cast.mary, status="all")
    assert "Old hours" not in names_on(cast, cast.mary)  # in use only, unless asked
    assert "Advice hours" not in names_on(cast, cast.pat)  # another organisation's own


def test_measures_are_grouped_by_category(cast):
    response = cast.client(cast.alice).get(reverse("measures:measure-list"))
    labels = [group["label"] for group in response.context["groups"]]
    assert labels == [
        "Economy",
        "Efficiency",
        "Effectiveness",
        "Value for money",
        "Quality",
        "Equity",
        "Client experience",
    ]


def test_nav_item_in_performance(cast):
    from waypoint.core.navigation import nav_for

    entries = nav_for(cast.alice)
    performance = next(e for e in entries if e.group == "Performance")
    assert "measures:measure-list" in performance.url_names
    assert all("measures:measure-list" not in e.url_names for e in nav_for(cast.oscar))
