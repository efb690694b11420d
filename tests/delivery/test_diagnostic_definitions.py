"""Diagnostic definitions: the standard templates, parsing, answers, results, findings and
changes since last time. Pure unit tests: nothing here touches the database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from waypoint.delivery import diagnostic_definitions as dd
from waypoint.delivery.diagnostic_definitions import (
    DefinitionError,
    changes_since,
    clean_answers,
    compute_results,
    parse_definition,
    suggested_findings,
)

TEMPLATES = Path(dd.__file__).parent / "diagnostic_templates"
FILE_NAME = re.compile(r"^(?P<key>[a-z0-9-]+)\.v(?P<version>[1-9][0-9]*)\.json$")
TEMPLATE_FILES = sorted(TEMPLATES.glob("*.json"))


def load(key: str) -> dd.Definition:
    return parse_definition(json.loads((TEMPLATES / f"{key}.v1.json").read_text("utf-8")))


def errors_of(data: Any) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    return caught.value.errors


def minimal(**overrides: Any) -> dict[str, Any]:
    """A small valid definition to break in one place at a time."""
    data: dict[str, Any] = {
        "key": "mini-check",
        "version": 1,
        "name": "Mini check",
        "kind": "other",
        "audience": "any",
        "scales": {
            "health": {
                "min": 1,
                "max": 5,
                "labels": {"1": "Serious weakness", "5": "A real strength"},
                "concern": [1, 2],
                "better": "higher",
            }
        },
        "sections": [
            {
                "key": "finance",
                "title": "Finance",
                "items": [
                    {"key": "cash_flow", "type": "score", "scale": "health", "label": "Cash flow"}
                ],
            }
        ],
    }
    data.update(overrides)
    return data


# Standard templates ----------------------------------------------------------------------------


def test_the_template_directory_holds_the_eight_standard_templates():
    names = {path.name for path in TEMPLATE_FILES}
    assert names == {
        "business-health-check.v1.json",
        "swot.v1.json",
        "pestle.v1.json",
        "five-forces.v1.json",
        "financial-ratios.v1.json",
        "readiness-for-change.v1.json",
        "barriers-to-employment.v1.json",
        "learning-preferences.v1.json",
    }
    kinds = {load(FILE_NAME.match(name)["key"]).kind for name in names}
    assert kinds == set(dd.KINDS) - {"other"}


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.name)
def test_each_standard_template_parses_and_matches_its_file_name(path: Path):
    raw_text = path.read_text("utf-8")
    data = json.loads(raw_text)
    definition = parse_definition(data)

    match = FILE_NAME.match(path.name)
    assert match, f"{path.name} is not named <key>.v<version>.json"
    assert definition.key == match["key"] == data["key"]
    assert definition.version == int(match["version"]) == 1
    assert definition.name and definition.description
    assert list(data)[:8] == [
        "key",
        "version",
        "name",
        "kind",
        "audience",
        "description",
        "scales",
        "sections",
    ]
    # Clean, 2-space indented JSON ending with a newline.
    assert raw_text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    keys = [item.key for item in definition.items()]
    assert len(keys) == len(set(keys)), "item keys must be unique"
    section_keys = [section.key for section in definition.sections]
    assert len(section_keys) == len(set(section_keys))
    for item in definition.items():
        assert item.label.strip(), f"{item.key} has no label"
        assert len(item.help) > 20, f"{item.key} needs the question an adviser asks as help"
        if item.type == "score":
            assert item.scale is not None
            assert set(item.scale.labels) == set(item.scale.values), (
                f"{item.key}: every value of {item.scale.key!r} needs a label"
            )


def test_standard_templates_say_who_they_are_for():
    audiences = {
        path.name: load(FILE_NAME.match(path.name)["key"]).audience for path in TEMPLATE_FILES
    }
    assert audiences == {
        "business-health-check.v1.json": "business",
        "swot.v1.json": "business",
        "pestle.v1.json": "business",
        "five-forces.v1.json": "business",
        "financial-ratios.v1.json": "business",
        "readiness-for-change.v1.json": "any",
        "barriers-to-employment.v1.json": "individual",
        "learning-preferences.v1.json": "any",
    }


def test_health_check_covers_every_area_on_a_health_scale():
    definition = load("business-health-check")
    by_key = {section.key: section for section in definition.sections}
    areas = (
        "strategy",
        "finance",
        "marketing",
        "sales",
        "operations",
        "people",
        "digital",
        "legal",
    )
    assert list(by_key)[: len(areas)] == list(areas)
    for area in areas:
        items = by_key[area].items
        assert 2 <= len(items) <= 4
        assert all(item.type == "score" and item.scale.key == "health" for item in items)
    health = definition.scales["health"]
    assert (health.low, health.high, health.concern) == (1, 5, frozenset({1, 2}))
    assert health.higher_is_better
    overall = definition.item("overall")
    assert overall.type == "text" and not overall.required
    assert definition.sections[-1].items == (overall,)


def test_swot_weaknesses_and_threats_are_findings():
    definition = load("swot")
    items = {item.key: item for item in definition.items()}
    assert set(items) == {"strengths", "weaknesses", "opportunities", "threats"}
    assert all(item.type == "list" for item in items.values())
    assert (items["weaknesses"].finding, items["weaknesses"].finding_prefix) == (True, "Weakness")
    assert (items["threats"].finding, items["threats"].finding_prefix) == (True, "Threat")
    assert not items["strengths"].finding and not items["opportunities"].finding


def test_pestle_has_factors_and_an_impact_for_each_heading():
    definition = load("pestle")
    impact = definition.scales["impact"]
    assert not impact.higher_is_better and impact.concern == frozenset({4, 5})
    for heading in ("political", "economic", "social", "technological", "legal", "environmental"):
        types = sorted(
            item.type
            for section in definition.sections
            if section.key == heading
            for item in section.items
        )
        assert types == ["list", "score"], heading


def test_five_forces_scores_each_force_and_asks_about_position():
    definition = load("five-forces")
    forces = [item.key for item in definition.items() if item.type == "score"]
    assert forces == ["rivalry", "new_entrants", "substitutes", "buyer_power", "supplier_power"]
    force = definition.scales["force"]
    assert (force.label(1), force.label(5)) == ("Very weak", "Very strong")
    assert not force.higher_is_better and force.concern == frozenset({4, 5})
    assert definition.item("position").type == "text"


def test_financial_ratios_template_has_every_figure_and_ratio():
    definition = load("financial-ratios")
    figures = {item.key: item for item in definition.items() if item.type == "figure"}
    assert set(figures) == {
        "turnover",
        "cost_of_sales",
        "overheads",
        "net_profit",
        "current_assets",
        "stock",
        "trade_debtors",
        "current_liabilities",
        "borrowings",
        "equity",
    }
    assert all(item.unit == "£" for item in figures.values())
    assert figures["turnover"].required
    assert definition.item("period").type == "text"
    assert [use.name for use in definition.ratios] == [
        "gross_margin",
        "net_margin",
        "current_ratio",
        "quick_ratio",
        "gearing",
        "debtor_days",
        "break_even",
    ]


def test_barriers_scale_runs_from_not_a_barrier_to_major():
    definition = load("barriers-to-employment")
    barrier = definition.scales["barrier"]
    assert (barrier.low, barrier.high) == (1, 4)
    assert (barrier.label(1), barrier.label(4)) == ("Not a barrier", "Major barrier")
    assert not barrier.higher_is_better and barrier.concern == frozenset({3, 4})
    scored = {item.key for item in definition.items() if item.type == "score"}
    assert {"transport", "housing", "caring_responsibilities", "criminal_record"} <= scored
    assert len(scored) >= 10
    assert definition.item("support_first").type == "text"


def test_learning_preferences_allow_several_ways_and_optional_needs():
    definition = load("learning-preferences")
    ways = definition.item("preferred_ways")
    assert ways.type == "choice" and ways.multiple and len(ways.options) >= 7
    assert definition.item("learning_difficulties").required is False
    cleaned, errors = clean_answers(
        definition, {"preferred_ways": {"choices": ["shown", "trying", "one_to_one"]}}
    )
    assert errors == {}
    assert cleaned["preferred_ways"]["choices"] == ["shown", "trying", "one_to_one"]


def test_readiness_has_agreement_statements_and_obstacles():
    definition = load("readiness-for-change")
    agreement = definition.scales["agreement"]
    assert agreement.label(1) == "Strongly disagree" and agreement.label(5) == "Strongly agree"
    labels = {item.label for item in definition.items() if item.type == "score"}
    assert {"I can see why the change is needed", "I know the first step"} <= labels
    assert definition.item("obstacles").type == "list"


# Parsing errors --------------------------------------------------------------------------------


def test_a_valid_minimal_definition_parses():
    definition = parse_definition(minimal())
    assert definition.item("cash_flow").scale.label(1) == "Serious weakness"
    assert definition.item("cash_flow").scale.label(3) == "3"
    assert definition.item("cash_flow").required  # scores are required by default


def test_unknown_scale_is_reported_with_its_path():
    data = minimal()
    data["sections"][0]["items"].append(
        {"key": "debt", "type": "score", "scale": "wellbeing", "label": "Debt"}
    )
    assert errors_of(data) == [
        "sections[0].items[1].scale: 'wellbeing' is not one of the template's scales"
    ]


def test_bad_keys_are_reported_with_their_paths():
    data = minimal(key="Mini Check")
    data["sections"][0]["key"] = "1finance"
    data["sections"][0]["items"][0]["key"] = "Cash-Flow"
    errors = errors_of(data)
    paths = [error.split(":")[0] for error in errors]
    assert paths == ["key", "sections[0].key", "sections[0].items[0].key"]


def test_duplicate_item_keys_across_sections_are_reported():
    data = minimal()
    data["sections"].append(
        {
            "key": "money",
            "title": "Money",
            "items": [{"key": "cash_flow", "type": "text", "label": "Cash again"}],
        }
    )
    assert errors_of(data) == ["sections[1].items[0].key: 'cash_flow' is used twice"]


def test_missing_sections_are_reported():
    data = minimal()
    del data["sections"]
    assert errors_of(data) == ["sections: a template needs at least one section"]
    assert errors_of(minimal(sections=[])) == ["sections: a template needs at least one section"]


def test_a_ratio_needs_its_figure_items():
    data = minimal(ratios=["current_ratio", {"ratio": "gross_margin", "concern_below": 25}])
    data["sections"][0]["items"].append(
        {"key": "turnover", "type": "figure", "label": "Turnover", "unit": "£"}
    )
    assert errors_of(data) == [
        "ratios[0]: Current ratio needs figure items current_assets, current_liabilities",
        "ratios[1]: Gross margin needs figure items cost_of_sales",
    ]


def test_an_unknown_ratio_is_reported():
    errors = errors_of(minimal(ratios=["profit_per_head"]))
    assert len(errors) == 1 and errors[0].startswith("ratios[0].ratio: must be one of ")


def test_better_must_be_higher_or_lower():
    data = minimal()
    data["scales"]["health"]["better"] = "up"
    assert errors_of(data) == ['scales.health.better: must be "higher" or "lower"']


def test_labels_outside_the_scale_are_reported():
    data = minimal()
    data["scales"]["health"]["labels"] = {"0": "Nothing", "3": "Adequate", "6": "Beyond"}
    data["scales"]["health"]["concern"] = [1, 7]
    assert errors_of(data) == [
        "scales.health.labels.0: must be a label for a value 1 to 5",
        "scales.health.labels.6: must be a label for a value 1 to 5",
        "scales.health.concern: must be a list of values from 1 to 5",
    ]


def test_every_problem_is_reported_at_once():
    data = minimal(kind="survey", audience="everyone", version=0)
    data["sections"][0]["items"][0]["type"] = "slider"
    data["sections"][0]["items"].append({"key": "mood", "type": "choice", "label": "Mood"})
    error = None
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    error = caught.value
    paths = [message.split(":")[0] for message in error.errors]
    assert paths == [
        "version",
        "kind",
        "audience",
        "sections[0].items[0].type",
        "sections[0].items[1].options",
    ]
    assert str(error) == "; ".join(error.errors)


def test_a_definition_that_is_not_an_object_is_refused():
    assert errors_of(["key", "value"]) == ["the definition must be a JSON object"]


# Answers ---------------------------------------------------------------------------------------


@pytest.fixture
def health_check() -> dd.Definition:
    return load("business-health-check")


def test_an_out_of_range_score_is_refused_with_the_items_label(health_check):
    cleaned, errors = clean_answers(health_check, {"cash_flow": {"score": 6, "notes": ""}})
    assert errors == {"cash_flow": "Cash flow: choose a score from 1 to 5."}
    assert "cash_flow" not in cleaned
    _, errors = clean_answers(health_check, {"cash_flow": {"score": "2.5"}})
    assert errors["cash_flow"] == "Cash flow: choose a score from 1 to 5."


def test_a_score_given_as_text_is_kept_as_a_number(health_check):
    cleaned, errors = clean_answers(
        health_check, {"cash_flow": {"score": "4", "notes": "  Forecast updated monthly "}}
    )
    assert errors == {}
    assert cleaned == {"cash_flow": {"score": 4, "notes": "Forecast updated monthly"}}


def test_an_unknown_item_is_refused(health_check):
    cleaned, errors = clean_answers(health_check, {"staff_morale": {"score": 3}})
    assert errors == {"staff_morale": "'staff_morale' is not an item of this template."}
    assert cleaned == {}


def test_figures_accept_pounds_and_commas_and_refuse_words():
    definition = load("financial-ratios")
    cleaned, errors = clean_answers(
        definition,
        {"turnover": {"value": "£12,500"}, "net_profit": {"value": "-4500.5"}},
    )
    assert errors == {}
    assert cleaned == {"turnover": {"value": "12500.00"}, "net_profit": {"value": "-4500.50"}}

    cleaned, errors = clean_answers(definition, {"turnover": {"value": "abc"}})
    assert errors == {"turnover": "Turnover (sales): enter a number, e.g. 125000 or 12.5."}
    assert cleaned == {}


def test_a_list_given_as_text_is_split_into_lines():
    definition = load("swot")
    cleaned, errors = clean_answers(
        definition, {"weaknesses": {"lines": "No website\n\n  Owner does everything  \n"}}
    )
    assert errors == {}
    assert cleaned == {"weaknesses": {"lines": ["No website", "Owner does everything"]}}


def test_several_choices_are_refused_unless_multiple():
    definition = parse_definition(
        minimal(
            sections=[
                {
                    "key": "about",
                    "title": "About",
                    "items": [
                        {
                            "key": "trading",
                            "type": "choice",
                            "label": "Trading status",
                            "options": [
                                {"value": "sole_trader", "label": "Sole trader"},
                                {"value": "limited", "label": "Limited company"},
                            ],
                        }
                    ],
                }
            ]
        )
    )
    _, errors = clean_answers(definition, {"trading": {"choices": ["sole_trader", "limited"]}})
    assert errors == {"trading": "Trading status: choose one option."}
    cleaned, errors = clean_answers(definition, {"trading": {"choices": "limited"}})
    assert (cleaned, errors) == ({"trading": {"choices": ["limited"]}}, {})
    _, errors = clean_answers(definition, {"trading": {"choices": ["partnership"]}})
    assert errors == {"trading": "Trading status: partnership is not one of the options."}


def test_a_choice_that_is_not_text_is_refused_not_crashed_on():
    definition = load("learning-preferences")
    _, errors = clean_answers(definition, {"preferred_ways": {"choices": [{"value": "shown"}]}})
    assert errors["preferred_ways"].endswith("is not one of the options.")


def test_completing_requires_the_required_items(health_check):
    scores = {item.key: {"score": 3} for item in health_check.items() if item.type == "score"}
    del scores["cash_flow"]
    cleaned, errors = clean_answers(health_check, scores, complete=True)
    assert errors == {"cash_flow": "Answer “Cash flow” to complete the diagnostic."}
    assert "overall" not in errors  # the overall view is optional

    # A score with notes only is saved as a draft but does not complete the item.
    scores["cash_flow"] = {"notes": "No forecast yet"}
    cleaned, errors = clean_answers(health_check, scores)
    assert errors == {} and cleaned["cash_flow"] == {"notes": "No forecast yet"}
    _, errors = clean_answers(health_check, scores, complete=True)
    assert list(errors) == ["cash_flow"]

    scores["cash_flow"] = {"score": 1}
    _, errors = clean_answers(health_check, scores, complete=True)
    assert errors == {}


def test_completing_needs_at_least_one_answer():
    definition = load("swot")  # nothing is required
    assert clean_answers(definition, {}) == ({}, {})
    _, errors = clean_answers(definition, {}, complete=True)
    assert errors == {"answers": "Answer at least one question to complete the diagnostic."}


def test_answers_must_be_an_object(health_check):
    assert clean_answers(health_check, ["cash_flow"]) == (
        {},
        {"answers": "Answers must map each item's key to its answer."},
    )
    _, errors = clean_answers(health_check, {"cash_flow": 3})
    assert errors == {"cash_flow": "The answer to “Cash flow” must be an object."}


# Results ---------------------------------------------------------------------------------------

# Worked by hand:
#   gross margin  (200,000 - 120,000) / 200,000        = 40%
#   net margin    20,000 / 200,000                     = 10%
#   current       50,000 / 40,000                      = 1.25
#   quick         (50,000 - 20,000) / 40,000           = 0.75   (below 0.8: a concern)
#   gearing       30,000 / (30,000 + 70,000)           = 30%
#   debtor days   25,000 / 200,000 x 365               = 45.625 (45.62 to the penny, half-even)
#   break-even    60,000 / 0.40                        = 150,000
FIGURES = {
    "turnover": "200000",
    "cost_of_sales": "120000",
    "overheads": "60000",
    "net_profit": "20000",
    "current_assets": "50000",
    "stock": "20000",
    "trade_debtors": "25000",
    "current_liabilities": "40000",
    "borrowings": "30000",
    "equity": "70000",
}


def figures(**changes: str) -> dict[str, Any]:
    values = {**FIGURES, **changes}
    return {key: {"value": value} for key, value in values.items() if value is not None}


@pytest.fixture
def ratios_template() -> dd.Definition:
    return load("financial-ratios")


def results_for(definition: dd.Definition, answers: dict[str, Any]) -> dict[str, Any]:
    cleaned, errors = clean_answers(definition, answers)
    assert errors == {}
    return compute_results(definition, cleaned)


def test_ratios_from_hand_computed_figures(ratios_template):
    ratios = results_for(ratios_template, figures())["ratios"]
    assert {name: result["value"] for name, result in ratios.items()} == {
        "gross_margin": "40.00",
        "net_margin": "10.00",
        "current_ratio": "1.25",
        "quick_ratio": "0.75",
        "gearing": "30.00",
        "debtor_days": "45.62",
        "break_even": "150000.00",
    }
    assert {name: result["display"] for name, result in ratios.items()} == {
        "gross_margin": "40.0%",
        "net_margin": "10.0%",
        "current_ratio": "1.25:1",
        "quick_ratio": "0.75:1",
        "gearing": "30.0%",
        "debtor_days": "46 days",
        "break_even": "£150,000",
    }
    assert [name for name, result in ratios.items() if result["concern"]] == ["quick_ratio"]


def test_concern_flags_use_the_default_thresholds(ratios_template):
    # gross margin (100,000 - 85,000) / 100,000 = 15% (below 20%);
    # net margin -5,000 / 100,000 = -5% (below 0%);
    # current 30,000 / 40,000 = 0.75 (below 1); quick (30,000 - 20,000) / 40,000 = 0.25;
    # gearing 80,000 / (80,000 + 20,000) = 80% (above 50%);
    # debtor days 25,000 / 100,000 x 365 = 91.25 (above 60);
    # break-even 20,000 / 0.15 = 133,333.33 (above the actual 100,000).
    ratios = results_for(
        ratios_template,
        figures(
            turnover="100000",
            cost_of_sales="85000",
            overheads="20000",
            net_profit="-5000",
            current_assets="30000",
            borrowings="80000",
            equity="20000",
        ),
    )["ratios"]
    assert {name: result["value"] for name, result in ratios.items()} == {
        "gross_margin": "15.00",
        "net_margin": "-5.00",
        "current_ratio": "0.75",
        "quick_ratio": "0.25",
        "gearing": "80.00",
        "debtor_days": "91.25",
        "break_even": "133333.33",
    }
    assert all(result["concern"] for result in ratios.values())


def test_division_by_zero_gives_no_value_with_a_note(ratios_template):
    ratios = results_for(
        ratios_template, figures(turnover="0", current_liabilities="0", borrowings="0", equity="0")
    )["ratios"]
    for name in ("gross_margin", "net_margin", "current_ratio", "quick_ratio", "gearing"):
        assert ratios[name] == {
            "value": None,
            "note": "Cannot be computed from these figures.",
            "concern": False,
        }
    assert ratios["debtor_days"]["value"] is None
    assert ratios["break_even"]["value"] is None


def test_without_a_gross_profit_no_turnover_breaks_even_and_that_is_a_concern(ratios_template):
    answers = figures(cost_of_sales="200000")
    results = results_for(ratios_template, answers)
    assert results["ratios"]["gross_margin"]["value"] == "0.00"
    assert results["ratios"]["break_even"] == {
        "value": None,
        "note": "No gross profit: sales do not cover their direct costs at any turnover.",
        "concern": True,
    }
    found = suggested_findings(ratios_template, clean_answers(ratios_template, answers)[0], results)
    assert (
        "break_even",
        "Break-even turnover: " + results["ratios"]["break_even"]["note"],
    ) in found


def test_negative_equity_is_a_gearing_concern_whatever_the_ratio(ratios_template):
    no_borrowing = results_for(ratios_template, figures(borrowings="0", equity="-5000"))
    assert no_borrowing["ratios"]["gearing"]["concern"] is True
    wiped_out = results_for(ratios_template, figures(borrowings="5000", equity="-5000"))
    assert wiped_out["ratios"]["gearing"] == {
        "value": None,
        "note": "Negative equity: the business owes more than it owns.",
        "concern": True,
    }


def test_fields_the_format_does_not_have_are_reported_as_typos():
    data = minimal()
    data["sections"][0]["items"][0]["finding_prefx"] = "Weakness"
    data["sections"][0]["helpp"] = "x"
    data["descripton"] = "x"
    errors = errors_of(data)
    assert "sections[0].items[0].finding_prefx: is not a field of an item" in errors
    assert "sections[0].helpp: is not a field of a section" in errors
    assert "descripton: is not a field of a template" in errors


def test_a_huge_break_even_is_reported_not_crashed_on(ratios_template):
    ratios = results_for(
        ratios_template,
        figures(
            turnover="9999999999999.99",
            cost_of_sales="9999999999999.98",
            overheads="9999999999999",
        ),
    )["ratios"]
    assert ratios["break_even"]["value"] is None
    assert ratios["break_even"]["note"]


def test_missing_figures_are_named(ratios_template):
    ratios = results_for(ratios_template, figures(stock=None))["ratios"]
    assert ratios["quick_ratio"] == {
        "value": None,
        "note": "Needs current_assets, stock, current_liabilities.",
    }
    assert ratios["current_ratio"]["value"] == "1.25"


def test_template_thresholds_override_the_defaults(ratios_template):
    data = json.loads((TEMPLATES / "financial-ratios.v1.json").read_text("utf-8"))
    data["ratios"] = [
        {"ratio": "current_ratio", "concern_below": "1.5"},
        {"ratio": "quick_ratio", "concern_below": 0.5},
        {"ratio": "gearing", "concern_above": 25},
        {"ratio": "gross_margin", "concern_below": 45},
        "debtor_days",
    ]
    definition = parse_definition(data)
    ratios = results_for(definition, figures())["ratios"]
    assert {name: result["concern"] for name, result in ratios.items()} == {
        "current_ratio": True,  # 1.25 < 1.5
        "quick_ratio": False,  # 0.75 is not below 0.5
        "gearing": True,  # 30% > 25%
        "gross_margin": True,  # 40% < 45%
        "debtor_days": False,  # 45.6 is not above the default 60
    }


def test_a_threshold_must_be_a_number():
    data = json.loads((TEMPLATES / "financial-ratios.v1.json").read_text("utf-8"))
    data["ratios"] = ["gross_margin", {"ratio": "gearing", "concern_above": "high"}]
    assert errors_of(data) == ["ratios[1].concern_above: must be a number"]


def test_section_averages(health_check):
    answers = {
        "vision_and_goals": {"score": 2},
        "business_plan": {"score": 3},
        "market_position": {"score": 5},
        "cash_flow": {"notes": "Not yet scored"},
    }
    cleaned, _ = clean_answers(health_check, answers)
    sections = compute_results(health_check, cleaned)["sections"]
    assert sections == {"strategy": {"average": "3.3", "scored": 3}}


# Suggested findings ----------------------------------------------------------------------------


def findings_for(definition: dd.Definition, answers: dict[str, Any]) -> list[tuple[str, str]]:
    cleaned, errors = clean_answers(definition, answers)
    assert errors == {}
    return suggested_findings(definition, cleaned, compute_results(definition, cleaned))


def test_low_health_scores_are_suggested_findings(health_check):
    found = findings_for(
        health_check,
        {
            "cash_flow": {"score": 1, "notes": "No forecast"},
            "marketing_plan": {"score": 2},
            "business_plan": {"score": 3},
            "online_presence": {"score": 5},
        },
    )
    assert found == [
        ("cash_flow", "Cash flow: Serious weakness (No forecast)"),
        ("marketing_plan", "Marketing plan and budget: Needs attention"),
    ]


def test_swot_weaknesses_and_threats_become_findings_with_their_prefixes():
    found = findings_for(
        load("swot"),
        {
            "strengths": {"lines": ["Loyal customers"]},
            "weaknesses": {"lines": ["No website", "Owner does everything"]},
            "opportunities": {"lines": ["New housing estate nearby"]},
            "threats": {"lines": "Supermarket opening in town"},
        },
    )
    assert found == [
        ("weaknesses", "Weakness: No website"),
        ("weaknesses", "Weakness: Owner does everything"),
        ("threats", "Threat: Supermarket opening in town"),
    ]


def test_high_barriers_and_strong_forces_are_findings():
    found = findings_for(
        load("barriers-to-employment"),
        {"transport": {"score": 4, "notes": "No bus before 9"}, "housing": {"score": 2}},
    )
    assert found == [("transport", "Transport: Major barrier (No bus before 9)")]
    found = findings_for(
        load("five-forces"), {"rivalry": {"score": 5}, "substitutes": {"score": 3}}
    )
    assert found == [("rivalry", "Rivalry among existing competitors: Very strong")]


def test_options_marked_as_a_concern_are_findings():
    definition = parse_definition(
        minimal(
            sections=[
                {
                    "key": "records",
                    "title": "Records",
                    "items": [
                        {
                            "key": "bookkeeping",
                            "type": "choice",
                            "label": "Bookkeeping",
                            "options": [
                                {"value": "software", "label": "Accounting software"},
                                {"value": "none", "label": "No records kept", "concern": True},
                            ],
                        }
                    ],
                }
            ]
        )
    )
    assert findings_for(definition, {"bookkeeping": {"choices": ["software"]}}) == []
    assert findings_for(definition, {"bookkeeping": {"choices": ["none"]}}) == [
        ("bookkeeping", "Bookkeeping: No records kept")
    ]


def test_ratios_of_concern_are_findings(ratios_template):
    found = findings_for(ratios_template, figures())
    assert found == [
        (
            "quick_ratio",
            "Quick ratio is 0.75:1. As the current ratio, without stock (the acid test).",
        )
    ]


# Changes since last time -----------------------------------------------------------------------


def changes(definition: dd.Definition, before: dict[str, Any], after: dict[str, Any]):
    then, _ = clean_answers(definition, before)
    now, _ = clean_answers(definition, after)
    return changes_since(
        definition,
        now,
        compute_results(definition, now),
        then,
        compute_results(definition, then),
    )


def test_a_score_rising_on_a_higher_is_better_scale_is_better(health_check):
    result = changes(
        health_check,
        {"cash_flow": {"score": 2}, "business_plan": {"score": 4}, "processes_and_quality": {}},
        {"cash_flow": {"score": 4}, "business_plan": {"score": 3}},
    )
    assert result == [
        dd.Change("Business plan", "4 (Good)", "3 (Adequate)", "worse"),
        dd.Change("Cash flow", "2 (Needs attention)", "4 (Good)", "better"),
    ]


def test_an_unchanged_score_is_not_a_change(health_check):
    assert changes(health_check, {"cash_flow": {"score": 3}}, {"cash_flow": {"score": 3}}) == []


def test_a_barrier_going_down_is_better():
    definition = load("barriers-to-employment")
    result = changes(
        definition,
        {"transport": {"score": 4}, "confidence": {"score": 1}, "housing": {"score": 2}},
        {"transport": {"score": 2}, "confidence": {"score": 3}, "housing": {"score": 1}},
    )
    assert [(change.label, change.direction) for change in result] == [
        ("Transport", "better"),
        ("Housing", "better"),
        ("Confidence", "worse"),
    ]


def test_list_lines_added_and_removed():
    definition = load("swot")
    result = changes(
        definition,
        {"weaknesses": {"lines": ["No website", "Owner does everything"]}},
        {"weaknesses": {"lines": ["Owner does everything", "Late payers"]}},
    )
    assert result == [
        dd.Change("Weaknesses", "", "Late payers", "new"),
        dd.Change("Weaknesses", "No website", "", "gone"),
    ]


def test_ratios_getting_better_and_worse(ratios_template):
    # Before: gross margin 30% ((200,000 - 140,000) / 200,000), gearing 30%.
    # After:  gross margin 40%, gearing 60% (60,000 / (60,000 + 40,000)).
    before = figures(cost_of_sales="140000")
    after = figures(borrowings="60000", equity="40000")
    result = {change.label: change for change in changes(ratios_template, before, after)}
    assert result["Gross margin"] == dd.Change("Gross margin", "30.0%", "40.0%", "better")
    assert result["Gearing"] == dd.Change("Gearing", "30.0%", "60.0%", "worse")
    # Break-even fell from 60,000 / 0.3 = 200,000 to 150,000: lower is better.
    assert result["Break-even turnover"].direction == "better"
    assert result["Cost of sales"] == dd.Change(
        "Cost of sales", "£140000.00", "£120000.00", "changed"
    )
    assert "Current ratio" not in result


def test_changes_against_an_older_version_match_items_by_key(health_check):
    older = json.loads((TEMPLATES / "business-health-check.v1.json").read_text("utf-8"))
    older["sections"][1]["items"][0]["label"] = "Cash flow (old wording)"
    older_definition = parse_definition(older)
    then, _ = clean_answers(older_definition, {"cash_flow": {"score": 1}})
    now, _ = clean_answers(health_check, {"cash_flow": {"score": 3}})
    result = changes_since(health_check, now, {}, then, {})
    assert result == [dd.Change("Cash flow", "1 (Serious weakness)", "3 (Adequate)", "better")]
