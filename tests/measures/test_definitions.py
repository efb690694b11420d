"""The definition format: parse, matches, a record's share of rollup cells, and figures
(waypoint.measures.definitions; pure, no database)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from waypoint.measures import definitions as defs

D = decimal.Decimal
ON = dt.date(2026, 11, 24)  # month 2026-11, financial quarter from 1 Oct, year from 1 Apr


def problems_of(raw) -> list[str]:
    with pytest.raises(defs.DefinitionError) as caught:
        defs.parse(raw)
    return caught.value.problems


# parse ------------------------------------------------------------------------------------------


def test_parse_reads_a_good_definition():
    definition = defs.parse(
        {"source": "contacts", "aggregate": "sum", "field": "hours", "where": {"mode": "phone"}}
    )
    assert definition == defs.Definition(
        aggregate="sum", source="contacts", field="hours", where={"mode": "phone"}
    )
    assert not definition.is_ratio


def test_parse_refuses_anything_but_an_object():
    assert problems_of(["count"]) == ["the definition must be an object"]


def test_unknown_key_is_named():
    problems = problems_of({"source": "contacts", "aggregate": "count", "colour": "red"})
    assert problems == ["colour: not a part of a definition (a typo?)"]


def test_bad_aggregate_lists_the_choices():
    (problem,) = problems_of({"source": "contacts", "aggregate": "total"})
    assert problem == "aggregate: use one of " + ", ".join(defs.AGGREGATES) + "."


def test_bad_source_lists_the_choices():
    (problem,) = problems_of({"source": "meetings", "aggregate": "count"})
    assert problem.startswith("source: use one of engagements, contacts, reviews")


def test_field_required_for_sum_names_the_source_figures():
    assert problems_of({"source": "contacts", "aggregate": "sum"}) == [
        "field: sum needs a figure of contacts: hours."
    ]
    assert problems_of({"source": "goals", "aggregate": "mean", "field": "x"}) == [
        "field: mean needs a figure of goals: none: count them instead."
    ]


def test_field_not_allowed_for_count():
    assert problems_of({"source": "contacts", "aggregate": "count", "field": "hours"}) == [
        "field: count does not use a field."
    ]


def test_distinct_needs_of():
    assert problems_of({"source": "contacts", "aggregate": "distinct"}) == [
        "of: count distinct clients or engagements (client or engagement)."
    ]


def test_unknown_dim_is_named_with_its_place():
    (problem,) = problems_of(
        {"source": "contacts", "aggregate": "count", "where": {"colour": "red"}}
    )
    assert problem.startswith("where.colour: contacts have no 'colour'; use one of ")
    assert "support_type" in problem


def test_conditions_must_be_an_object_of_values():
    assert problems_of({"source": "contacts", "aggregate": "count", "where": ["mode"]}) == [
        'where: give conditions as an object, e.g. {"status": "done"}.'
    ]
    assert problems_of({"source": "contacts", "aggregate": "count", "where": {"mode": []}}) == [
        "where.mode: give a value or a list of values."
    ]


def test_rate_without_numerator():
    assert problems_of({"source": "reviews", "aggregate": "rate"}) == [
        "numerator: a rate needs the conditions its numerator meets."
    ]


def test_numerator_conditions_are_checked_like_where():
    (problem,) = problems_of(
        {"source": "reviews", "aggregate": "rate", "numerator": {"done": True}}
    )
    assert problem.startswith("numerator.done: reviews have no 'done'")


def test_numerator_only_on_a_rate():
    assert problems_of(
        {"source": "reviews", "aggregate": "count", "numerator": {"on_time": True}}
    ) == ["numerator: only a rate or a ratio has one, not count."]


def test_ratio_needs_two_codes():
    assert problems_of({"aggregate": "ratio", "numerator": "", "denominator": 3}) == [
        "numerator: give the code of a measure.",
        "denominator: give the code of a measure.",
    ]


@pytest.mark.parametrize("per", [0, -5, "abc"])
def test_ratio_per_must_be_positive(per):
    assert problems_of(
        {"aggregate": "ratio", "numerator": "a", "denominator": "b", "per": per}
    ) == ["per: give a positive number, e.g. 100."]


def test_ratio_reads_codes_and_per():
    definition = defs.parse(
        {"aggregate": "ratio", "numerator": "a", "denominator": "b", "per": 100}
    )
    assert (definition.numerator_code, definition.denominator_code, definition.per) == (
        "a",
        "b",
        D(100),
    )
    assert definition.is_ratio


def test_every_problem_is_listed_at_once():
    problems = problems_of(
        {"source": "contacts", "aggregate": "count", "field": "hours", "where": {"x": 1}, "y": 2}
    )
    assert [p.split(":")[0] for p in problems] == ["y", "field", "where.x"]


# matches ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "dims", "expected"),
    [
        ({}, {"status": "open"}, True),
        ({"status": "done"}, {"status": "done"}, True),
        ({"status": "done"}, {"status": "open"}, False),
        ({"status": ["open", "done"]}, {"status": "done"}, True),
        ({"status": ["open", "done"]}, {"status": "blocked"}, False),
        ({"on_time": True}, {"on_time": True}, True),
        ({"on_time": True}, {"on_time": "true"}, False),
        ({"groups": "women"}, {"groups": ["disabled", "women"]}, True),
        ({"groups": ["under_25", "women"]}, {"groups": ["women"]}, True),
        ({"groups": "women"}, {"groups": []}, False),
        ({"status": "done"}, {}, False),
        ({"status": "done", "mode": "phone"}, {"status": "done", "mode": "visit"}, False),
        ({"status": "done", "mode": "phone"}, {"status": "done", "mode": "phone"}, True),
    ],
)
def test_matches(conditions, dims, expected):
    assert defs.matches(conditions, dims) is expected


# A record's share of rollup cells ----------------------------------------------------------------


def fact(source="contacts", grain="month", **changes) -> defs.Fact:
    values = {
        "source": source,
        "record_id": 1,
        "on": ON,
        "organisation_id": 10,
        "programme_id": 20,
        "programme_owner_id": 30,
        "team_id": 40,
        "adviser_id": 50,
        "client_id": 60,
        "engagement_id": 70,
        "grain": grain,
        "dims": {"mode": "phone", "support_type": "advice"},
        "values": {"hours": "1.5"},
    }
    values.update(changes)
    return defs.Fact(**values)


def test_delta_for_each_aggregate():
    def delta(raw, record=None):
        return defs.delta_for(defs.parse(raw), record or fact())

    assert delta({"source": "contacts", "aggregate": "count"}) == defs.Delta(total=D(0))
    assert delta({"source": "contacts", "aggregate": "sum", "field": "hours"}).total == D("1.5")
    assert delta({"source": "contacts", "aggregate": "distinct", "of": "client"}).member == 60
    assert delta({"source": "contacts", "aggregate": "distinct", "of": "engagement"}).member == 70
    assert delta({"source": "contacts", "aggregate": "median", "field": "hours"}).bin == D("1.5")
    rate = {"source": "contacts", "aggregate": "rate", "numerator": {"mode": "phone"}}
    assert delta(rate).hits == 1
    assert delta({**rate, "numerator": {"mode": "visit"}}).hits == 0
    review = fact("reviews", values={"recommend": 9})
    nps = {"source": "reviews", "aggregate": "nps", "field": "recommend"}
    assert delta(nps, review) == defs.Delta(total=D(9), hits=1, misses=0)
    assert delta(nps, fact("reviews", values={"recommend": 6})).misses == 1


def test_delta_for_records_that_do_not_count():
    count = defs.parse({"source": "contacts", "aggregate": "count", "where": {"mode": "visit"}})
    assert defs.delta_for(count, fact()) is None  # filtered out
    assert defs.delta_for(defs.parse({"source": "reviews", "aggregate": "count"}), fact()) is None
    total = defs.parse({"source": "contacts", "aggregate": "sum", "field": "hours"})
    assert defs.delta_for(total, fact(values={})) is None  # nothing recorded
    distinct = defs.parse({"source": "contacts", "aggregate": "distinct", "of": "client"})
    assert defs.delta_for(distinct, fact(client_id=None)) is None
    ratio = defs.parse({"aggregate": "ratio", "numerator": "a", "denominator": "b"})
    assert defs.delta_for(ratio, fact()) is None


def test_contributions_cover_four_scopes_by_three_periods():
    definition = defs.parse({"source": "contacts", "aggregate": "count"})
    cells = [cell for cell, _ in defs.contributions(7, definition, fact())]
    assert len(cells) == 12
    assert {(c[2], c[3]) for c in cells} == {
        ("organisation", 10),
        ("programme", 20),
        ("team", 40),
        ("adviser", 50),
    }
    assert {(c[4], c[5]) for c in cells} == {
        ("month", dt.date(2026, 11, 1)),
        ("quarter", dt.date(2026, 10, 1)),
        ("financial_year", dt.date(2026, 4, 1)),
    }
    programme = next(c for c in cells if c[2] == "programme")
    assert programme[1] == 30  # a programme's cells belong to the programme's owner
    assert programme[0] == "7:30:programme:20:month:2026-11-01"


def test_contributions_skip_scopes_a_record_lacks():
    definition = defs.parse({"source": "contacts", "aggregate": "count"})
    record = fact(programme_id=None, team_id=None, adviser_id=None)
    assert {c[2] for c, _ in defs.contributions(1, definition, record)} == {"organisation"}


def test_quarter_grain_costs_count_in_quarter_and_year_only():
    definition = defs.parse({"source": "costs", "aggregate": "sum", "field": "amount"})
    record = fact("costs", grain="quarter", dims={"kind": "staff"}, values={"amount": "100"})
    cells = [c for c, _ in defs.contributions(1, definition, record)]
    assert {c[4] for c in cells} == {"quarter", "financial_year"}
    assert len(cells) == 8
    year = fact("costs", grain="financial_year", values={"amount": "100"})
    assert {c[4] for c, _ in defs.contributions(1, definition, year)} == {"financial_year"}


def test_an_organisations_own_measure_applies_to_its_records_and_programmes():
    record = fact()
    assert record.applies_to(None)  # standard measures count everything
    assert record.applies_to(10)  # the delivering organisation
    assert record.applies_to(30)  # the programme's owner
    assert not record.applies_to(99)


# median_of --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bins", "expected"),
    [
        ([(D(3), 1), (D(1), 1), (D(2), 1)], D(2)),
        ([(D(1), 1), (D(2), 1), (D(3), 1), (D(4), 1)], D("2.5")),
        ([(D(5), 3), (D(1), 1)], D(5)),
        ([(D(1), 2), (D(9), 2)], D(5)),
        ([(D(7), 1)], D(7)),
        ([], None),
        ([(D(4), 0)], None),
    ],
)
def test_median_of(bins, expected):
    assert defs.median_of(bins) == expected


# figure / ratio_figure ----------------------------------------------------------------------------


def test_empty_cells_give_zero_counts_and_no_averages():
    def value(raw):
        return defs.figure(defs.parse(raw), None).value

    assert value({"source": "contacts", "aggregate": "count"}) == 0
    assert value({"source": "contacts", "aggregate": "distinct", "of": "client"}) == 0
    assert value({"source": "contacts", "aggregate": "sum", "field": "hours"}) == 0
    assert value({"source": "contacts", "aggregate": "mean", "field": "hours"}) is None
    assert value({"source": "contacts", "aggregate": "median", "field": "hours"}) is None
    assert value({"source": "reviews", "aggregate": "nps", "field": "recommend"}) is None
    assert value({"source": "reviews", "aggregate": "rate", "numerator": {"on_time": True}}) is None


def test_figures_from_components():
    parts = defs.Components(n=4, total=D(10), hits=3, misses=1, distinct=2, median=D("2.5"))

    def figure(raw):
        return defs.figure(defs.parse(raw), parts)

    assert figure({"source": "contacts", "aggregate": "count"}) == defs.Figure(D(4), records=4)
    assert figure({"source": "contacts", "aggregate": "distinct", "of": "client"}).value == 2
    assert figure({"source": "contacts", "aggregate": "sum", "field": "hours"}).value == 10
    assert figure({"source": "contacts", "aggregate": "mean", "field": "hours"}) == defs.Figure(
        D("2.5"), D(10), D(4), 4
    )
    assert figure({"source": "contacts", "aggregate": "median", "field": "hours"}).value == D("2.5")
    rate = figure({"source": "reviews", "aggregate": "rate", "numerator": {"on_time": True}})
    assert (rate.value, rate.numerator, rate.denominator) == (D(75), D(3), D(4))
    nps = figure({"source": "reviews", "aggregate": "nps", "field": "recommend"})
    assert nps.value == D(50)


def test_ratio_figure():
    ratio = defs.parse({"aggregate": "ratio", "numerator": "a", "denominator": "b", "per": 100})
    top, bottom = defs.Figure(D(3), records=3), defs.Figure(D(12), records=12)
    assert defs.ratio_figure(ratio, top, bottom) == defs.Figure(D(25), D(3), D(12), 3)
    # nothing below: no value
    assert defs.ratio_figure(ratio, top, defs.Figure(D(0))).value is None
    assert defs.ratio_figure(ratio, top, defs.Figure(None)).value is None


def test_ratio_of_an_unrecorded_sum_has_no_value_but_a_zero_count_is_zero():
    ratio = defs.parse({"aggregate": "ratio", "numerator": "cost", "denominator": "clients"})
    bottom = defs.Figure(D(5), records=5)
    no_costs = defs.Figure(D(0), records=0)
    assert defs.ratio_figure(ratio, no_costs, bottom, "sum").value is None
    assert defs.ratio_figure(ratio, no_costs, bottom, "count").value == 0


def test_costs_reach_every_scope_but_an_adviser() -> None:
    costs = defs.parse({"source": "costs", "aggregate": "sum", "field": "amount"})
    hours = defs.parse({"source": "contacts", "aggregate": "sum", "field": "hours"})
    ratio = defs.parse(
        {"aggregate": "ratio", "numerator": "cost_total", "denominator": "clients_supported"}
    )
    assert [defs.reaches(costs, kind) for kind in defs.SCOPES] == [True, True, True, False]
    assert all(defs.reaches(hours, kind) for kind in defs.SCOPES)
    assert defs.reaches(ratio, "adviser")  # a ratio depends on its parts (selectors)
