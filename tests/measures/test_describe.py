"""A measure's definition in words (waypoint.measures.describe)."""

from __future__ import annotations

import pytest

from waypoint.measures import definitions as defs
from waypoint.measures.describe import describe, describe_raw, dim_words, period_words
from waypoint.measures.library import standard_entries

ENTRIES = standard_entries()
NAMES = {entry["code"]: entry["name"] for entry in ENTRIES}


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["code"] for e in ENTRIES])
def test_every_standard_measure_has_specific_words(entry):
    words = describe_raw(entry["definition"], NAMES)
    definition = defs.parse(entry["definition"])
    assert words and words[0].isupper()
    if definition.is_ratio:
        # names both measures it divides
        assert NAMES[definition.numerator_code].lower() in words.lower()
        assert NAMES[definition.denominator_code].lower() in words.lower()
    else:
        source = defs.SOURCES[definition.source]
        assert source.label.split(" (")[0].lower() in words
        for dim in [*definition.where, *definition.numerator]:
            assert dim_words(source, dim) in words  # each condition is named
        if definition.field:
            assert source.values[definition.field].split(" (")[0].lower() in words.lower()


def test_words_differ_between_standard_measures():
    words = [describe_raw(e["definition"], NAMES) for e in ENTRIES]
    assert len(set(words)) == len(words)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"source": "contacts", "aggregate": "distinct", "of": "client"},
            "The number of distinct clients among contacts",
        ),
        (
            {
                "source": "reviews",
                "aggregate": "rate",
                "where": {"on_time": [True, False]},
                "numerator": {"on_time": True},
            },
            "The share of reviews (held on time: true or false) where held on time is true",
        ),
        (
            {
                "aggregate": "ratio",
                "numerator": "support_hours",
                "denominator": "clients_supported",
                "per": 100,
            },
            "Support hours divided by clients supported, times 100",
        ),
        ({"source": "engagements", "aggregate": "count"}, "The number of engagements"),
        (
            {"source": "contacts", "aggregate": "sum", "field": "hours"},
            "The total hours of contacts",
        ),
        (
            {
                "source": "outcomes",
                "aggregate": "sum",
                "field": "net",
                "where": {"measure": "jobs_created"},
            },
            "The total net additional impact of outcomes (latest follow-up against the baseline) "
            "where outcome measure is jobs created",
        ),
        (
            {"source": "engagements", "aggregate": "rate", "numerator": {"groups": "women"}},
            "The share of engagements where priority groups include women",
        ),
        (
            {"source": "reviews", "aggregate": "mean", "field": "satisfaction"},
            "The mean satisfaction (1-5) among reviews",
        ),
    ],
)
def test_exact_words(raw, expected):
    assert describe_raw(raw, NAMES) == expected


def test_a_ratio_without_names_spells_out_the_codes():
    words = describe_raw({"aggregate": "ratio", "numerator": "our_hours", "denominator": "x"})
    assert words == "Our hours divided by x"


def test_period_words_name_the_date_that_places_a_record():
    contacts = defs.parse({"source": "contacts", "aggregate": "count"})
    assert (
        period_words(contacts)
        == "Each record counts in the period that holds the day of the contact."
    )
    ratio = defs.parse({"aggregate": "ratio", "numerator": "a", "denominator": "b"})
    assert "same scope and period" in period_words(ratio)


def test_describe_refuses_an_unreadable_definition():
    with pytest.raises(defs.DefinitionError):
        describe_raw({"aggregate": "total"})


def test_describe_takes_a_parsed_definition():
    definition = defs.parse(
        {
            "source": "goals",
            "aggregate": "rate",
            "where": {"status": ["open", "achieved"]},
            "numerator": {"achieved": True},
        }
    )
    assert describe(definition) == (
        "The share of goals (status: open or achieved) where achieved is true"
    )
