"""Diagnostic templates as data: reading a definition, checking answers against it, and what
follows from the answers (scores, financial ratios, suggested findings, changes since last time).

A definition is JSON (the format is described in docs/diagnostic-templates.md). Nothing here
touches the database: services and views call these functions with a template's definition.

001 E5.08 1.1 (analyse the business with the client, using established measures and
diagnostic tools: SWOT, PEST, five forces, financial appraisal), 2.1 (evaluate readiness to
change), 2.2 (prioritise changes).
"""

from __future__ import annotations

import decimal
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "health_check",
    "swot",
    "pestle",
    "five_forces",
    "financial_ratios",
    "readiness",
    "barriers",
    "learning",
    "other",
)
AUDIENCES = ("any", "business", "individual")
ITEM_TYPES = ("score", "list", "figure", "choice", "text")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TEMPLATE_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LINES = 50
MAX_TEXT = 4000


class DefinitionError(ValueError):
    """A definition that cannot be used. ``errors`` lists every problem, each naming where it is
    (e.g. ``sections[1].items[0].scale``)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


# The definition --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    key: str
    low: int
    high: int
    labels: dict[int, str]
    concern: frozenset[int]
    higher_is_better: bool = True

    def label(self, value: int | None) -> str:
        if value is None:
            return ""
        return self.labels.get(value, str(value))

    @property
    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1))


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    concern: bool = False


@dataclass(frozen=True)
class Item:
    key: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    scale: Scale | None = None
    unit: str = ""
    options: tuple[Option, ...] = ()
    multiple: bool = False
    finding: bool = False  # list items: each line is a candidate finding (weaknesses, threats)
    finding_prefix: str = ""

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    help: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class RatioUse:
    """A financial ratio the template computes, with its concern threshold."""

    name: str
    concern_below: decimal.Decimal | None = None
    concern_above: decimal.Decimal | None = None


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    name: str
    kind: str
    audience: str
    description: str
    sections: tuple[Section, ...]
    ratios: tuple[RatioUse, ...] = ()
    scales: dict[str, Scale] = field(default_factory=dict)

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, key: str) -> Item | None:
        return next((item for item in self.items() if item.key == key), None)


def checksum(data: dict[str, Any]) -> str:
    """SHA-256 of the definition in a canonical form (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


FIELDS = {
    "template": {
        "key", "version", "name", "kind", "audience", "description", "scales", "sections", "ratios",
    },
    "scale": {"min", "max", "labels", "concern", "better"},
    "section": {"key", "title", "help", "items"},
    "item": {
        "key", "type", "label", "help", "required", "scale", "unit", "options", "multiple",
        "finding", "finding_prefix",
    },
    "option": {"value", "label", "concern"},
    "ratio": {"ratio", "concern_below", "concern_above"},
}  # fmt: skip


class _Reader:
    """Reads one definition, collecting every problem with its path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def known(self, data: dict[str, Any], what: str, path: str) -> None:
        """A field the format does not have is reported (usually a typo)."""
        article = "an" if what[0] in "aeiou" else "a"
        for name in sorted(set(data) - FIELDS[what], key=str):
            self.error(f"{path}{name}", f"is not a field of {article} {what}")

    def text(self, data: dict[str, Any], name: str, path: str, required: bool = True) -> str:
        value = data.get(name, "")
        if not isinstance(value, str):
            self.error(f"{path}{name}", "must be text")
            return ""
        if required and not value.strip():
            self.error(f"{path}{name}", "is required")
        return value.strip()

    def key(self, data: dict[str, Any], path: str, seen: set[str]) -> str:
        value = data.get("key")
        if not isinstance(value, str) or not KEY.match(value):
            self.error(
                f"{path}key",
                "must be lower-case letters, digits and underscores, starting with a letter",
            )
            return ""
        if value in seen:
            self.error(f"{path}key", f"{value!r} is used twice")
        seen.add(value)
        return value

    def flag(self, data: dict[str, Any], name: str, path: str, default: bool = False) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.error(f"{path}{name}", "must be true or false")
            return default
        return value

    def number(self, data: dict[str, Any], name: str, path: str) -> decimal.Decimal | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.error(f"{path}{name}", "must be a number")
            return None
        try:
            return decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            self.error(f"{path}{name}", "must be a number")
            return None

    def scale(self, key: str, data: Any, path: str) -> Scale | None:
        if not isinstance(data, dict):
            self.error(path, "must be an object with min, max and labels")
            return None
        self.known(data, "scale", f"{path}.")
        low, high = data.get("min"), data.get("max")
        if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool):
            self.error(path, "min and max must be whole numbers")
            return None
        if not low < high or high - low > 10:
            self.error(path, "max must be above min, by at most 10")
            return None
        labels: dict[int, str] = {}
        raw_labels = data.get("labels", {})
        if not isinstance(raw_labels, dict):
            self.error(f"{path}.labels", "must map values to labels")
            raw_labels = {}
        for raw, label in raw_labels.items():
            try:
                value = int(raw)
            except (TypeError, ValueError):
                self.error(f"{path}.labels", f"{raw!r} is not a whole number")
                continue
            if not low <= value <= high or not isinstance(label, str) or not label.strip():
                self.error(f"{path}.labels.{raw}", f"must be a label for a value {low} to {high}")
                continue
            labels[value] = label.strip()
        concern = data.get("concern", [])
        if not isinstance(concern, list) or not all(
            isinstance(v, int) and low <= v <= high for v in concern
        ):
            self.error(f"{path}.concern", f"must be a list of values from {low} to {high}")
            concern = []
        better = data.get("better", "higher")
        if better not in ("higher", "lower"):
            self.error(f"{path}.better", 'must be "higher" or "lower"')
        return Scale(key, low, high, labels, frozenset(concern), better != "lower")

    def item(self, data: Any, path: str, scales: dict[str, Scale], seen: set[str]) -> Item | None:
        if not isinstance(data, dict):
            self.error(path, "must be an object")
            return None
        self.known(data, "item", f"{path}.")
        key = self.key(data, f"{path}.", seen)
        kind = data.get("type")
        if kind not in ITEM_TYPES:
            self.error(f"{path}.type", f"must be one of {', '.join(ITEM_TYPES)}")
            return None
        label = self.text(data, "label", f"{path}.")
        scale = None
        options: list[Option] = []
        if kind == "score":
            scale_key = data.get("scale")
            scale = scales.get(scale_key) if isinstance(scale_key, str) else None
            if scale is None:
                self.error(f"{path}.scale", f"{scale_key!r} is not one of the template's scales")
        if kind == "choice":
            raw_options = data.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                self.error(f"{path}.options", "a choice needs at least two options")
                raw_options = []
            values: set[str] = set()
            for index, option in enumerate(raw_options):
                where = f"{path}.options[{index}]"
                if not isinstance(option, dict):
                    self.error(where, "must be an object with value and label")
                    continue
                self.known(option, "option", f"{where}.")
                value = option.get("value")
                if not isinstance(value, str) or not value or value in values:
                    self.error(f"{where}.value", "must be text, different for each option")
                    continue
                values.add(value)
                options.append(
                    Option(
                        value,
                        self.text(option, "label", f"{where}."),
                        self.flag(option, "concern", f"{where}."),
                    )
                )
        default_required = kind == "score"
        return Item(
            key=key,
            type=kind,
            label=label,
            help=self.text(data, "help", f"{path}.", required=False),
            required=self.flag(data, "required", f"{path}.", default_required),
            scale=scale,
            unit=self.text(data, "unit", f"{path}.", required=False),
            options=tuple(options),
            multiple=self.flag(data, "multiple", f"{path}."),
            finding=self.flag(data, "finding", f"{path}."),
            finding_prefix=self.text(data, "finding_prefix", f"{path}.", required=False),
        )


def parse_definition(data: Any) -> Definition:
    """Read and check a definition; raise DefinitionError listing every problem."""
    reader = _Reader()
    if not isinstance(data, dict):
        raise DefinitionError(["the definition must be a JSON object"])
    reader.known(data, "template", "")
    key = data.get("key")
    if not isinstance(key, str) or not TEMPLATE_KEY.match(key) or len(key) > 60:
        reader.error(
            "key", "must be lower-case words joined by hyphens, e.g. business-health-check"
        )
        key = ""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        reader.error("version", "must be a whole number from 1")
        version = 0
    name = reader.text(data, "name", "")
    kind = data.get("kind")
    if kind not in KINDS:
        reader.error("kind", f"must be one of {', '.join(KINDS)}")
        kind = "other"
    audience = data.get("audience", "any")
    if audience not in AUDIENCES:
        reader.error("audience", f"must be one of {', '.join(AUDIENCES)}")
        audience = "any"
    description = reader.text(data, "description", "", required=False)

    scales: dict[str, Scale] = {}
    raw_scales = data.get("scales", {})
    if not isinstance(raw_scales, dict):
        reader.error("scales", "must map a name to each scale")
        raw_scales = {}
    for scale_key, raw in raw_scales.items():
        if scale := reader.scale(scale_key, raw, f"scales.{scale_key}"):
            scales[scale_key] = scale

    sections: list[Section] = []
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        reader.error("sections", "a template needs at least one section")
        raw_sections = []
    section_keys: set[str] = set()
    item_keys: set[str] = set()
    for index, raw_section in enumerate(raw_sections):
        path = f"sections[{index}]"
        if not isinstance(raw_section, dict):
            reader.error(path, "must be an object")
            continue
        reader.known(raw_section, "section", f"{path}.")
        section_key = reader.key(raw_section, f"{path}.", section_keys)
        title = reader.text(raw_section, "title", f"{path}.")
        raw_items = raw_section.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            reader.error(f"{path}.items", "a section needs at least one item")
            raw_items = []
        items = [
            item
            for position, raw_item in enumerate(raw_items)
            if (item := reader.item(raw_item, f"{path}.items[{position}]", scales, item_keys))
        ]
        help_text = reader.text(raw_section, "help", f"{path}.", required=False)
        sections.append(Section(section_key, title, help_text, tuple(items)))

    ratios = _read_ratios(reader, data.get("ratios", []), sections)
    if reader.errors:
        raise DefinitionError(reader.errors)
    return Definition(
        key=key,
        version=version,
        name=name,
        kind=kind,
        audience=audience,
        description=description,
        sections=tuple(sections),
        ratios=tuple(ratios),
        scales=scales,
    )


def _read_ratios(reader: _Reader, raw: Any, sections: list[Section]) -> list[RatioUse]:
    if not isinstance(raw, list):
        reader.error("ratios", "must be a list")
        return []
    figures = {item.key for section in sections for item in section.items if item.type == "figure"}
    uses = []
    for index, entry in enumerate(raw):
        path = f"ratios[{index}]"
        if isinstance(entry, str):
            entry = {"ratio": entry}
        if not isinstance(entry, dict) or entry.get("ratio") not in RATIOS:
            reader.error(f"{path}.ratio", f"must be one of {', '.join(RATIOS)}")
            continue
        reader.known(entry, "ratio", f"{path}.")
        ratio = RATIOS[entry["ratio"]]
        if missing := [name for name in ratio.inputs if name not in figures]:
            reader.error(path, f"{ratio.label} needs figure items {', '.join(missing)}")
        uses.append(
            RatioUse(
                ratio.name,
                reader.number(entry, "concern_below", f"{path}."),
                reader.number(entry, "concern_above", f"{path}."),
            )
        )
    return uses


# Financial ratios ------------------------------------------------------------------------------
# 001 E5.08 indicative content: financial appraisal techniques; profit and loss accounts,
# balance sheets. Rules of thumb for concern can be changed per template (concern_below/above).

D = decimal.Decimal
Figures = dict[str, D]


@dataclass(frozen=True)
class Ratio:
    name: str
    label: str
    unit: str
    inputs: tuple[str, ...]
    compute: Callable[[Figures], D | None]
    explanation: str
    concern_below: D | None = None
    concern_above: D | None = None
    higher_is_better: bool = True


def _share(part: D, whole: D) -> D | None:
    return None if whole == 0 else part / whole * 100


def _divide(top: D, bottom: D) -> D | None:
    return None if bottom == 0 else top / bottom


def _break_even(f: Figures) -> D | None:
    if f["turnover"] == 0:
        return None
    margin = (f["turnover"] - f["cost_of_sales"]) / f["turnover"]
    return None if margin <= 0 else f["overheads"] / margin


RATIOS: dict[str, Ratio] = {
    ratio.name: ratio
    for ratio in (
        Ratio(
            "gross_margin",
            "Gross margin",
            "%",
            ("turnover", "cost_of_sales"),
            lambda f: _share(f["turnover"] - f["cost_of_sales"], f["turnover"]),
            "Gross profit as a share of turnover: what each sale leaves to pay the overheads.",
            concern_below=D(20),
        ),
        Ratio(
            "net_margin",
            "Net margin",
            "%",
            ("turnover", "net_profit"),
            lambda f: _share(f["net_profit"], f["turnover"]),
            "Net profit as a share of turnover.",
            concern_below=D(0),
        ),
        Ratio(
            "current_ratio",
            "Current ratio",
            ":1",
            ("current_assets", "current_liabilities"),
            lambda f: _divide(f["current_assets"], f["current_liabilities"]),
            "Current assets for each £1 of current liabilities: below 1, bills due within a "
            "year exceed what can be turned into cash.",
            concern_below=D(1),
        ),
        Ratio(
            "quick_ratio",
            "Quick ratio",
            ":1",
            ("current_assets", "stock", "current_liabilities"),
            lambda f: _divide(f["current_assets"] - f["stock"], f["current_liabilities"]),
            "As the current ratio, without stock (the acid test).",
            concern_below=D("0.8"),
        ),
        Ratio(
            "gearing",
            "Gearing",
            "%",
            ("borrowings", "equity"),
            lambda f: _share(f["borrowings"], f["borrowings"] + f["equity"]),
            "Borrowings as a share of borrowings plus the owners' capital.",
            concern_above=D(50),
            higher_is_better=False,
        ),
        Ratio(
            "debtor_days",
            "Debtor days",
            "days",
            ("trade_debtors", "turnover"),
            lambda f: None if f["turnover"] == 0 else f["trade_debtors"] / f["turnover"] * 365,
            "How long customers take to pay, on average.",
            concern_above=D(60),
            higher_is_better=False,
        ),
        Ratio(
            "break_even",
            "Break-even turnover",
            "£",
            ("overheads", "turnover", "cost_of_sales"),
            _break_even,
            "The turnover at which gross profit covers the overheads; a concern when it is "
            "above the actual turnover.",
            higher_is_better=False,
        ),
    )
}


# Answers ---------------------------------------------------------------------------------------


def clean_answers(
    definition: Definition, answers: Any, *, complete: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check answers against the definition: (cleaned answers, errors by item key).

    Answers map an item key to ``{"score": int, "notes": str}`` (score), ``{"lines": [str]}``
    (list), ``{"value": "12.50"}`` (figure), ``{"choices": [str]}`` (choice) or
    ``{"text": str}`` (text). Unknown keys are errors. With ``complete``, required items must be
    answered and at least one item must be.
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if not isinstance(answers, dict):
        return {}, {"answers": "Answers must map each item's key to its answer."}
    known = {item.key: item for item in definition.items()}
    for key in answers:
        if key not in known:
            errors[str(key)] = f"{key!r} is not an item of this template."
    for key, item in known.items():
        raw = answers.get(key)
        if raw in (None, {}, ""):
            if complete and item.required:
                errors[key] = f"Answer “{item.label}” to complete the diagnostic."
            continue
        if not isinstance(raw, dict):
            errors[key] = f"The answer to “{item.label}” must be an object."
            continue
        try:
            value = _clean_answer(item, raw)
        except ValueError as error:
            errors[key] = f"{item.label}: {error}"
            continue
        unscored = item.type == "score" and value is not None and "score" not in value
        if complete and item.required and (value is None or unscored):
            errors[key] = f"Answer “{item.label}” to complete the diagnostic."
            continue
        if value is not None:
            cleaned[key] = value
    if complete and not cleaned and not errors:
        errors["answers"] = "Answer at least one question to complete the diagnostic."
    return cleaned, errors


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text.")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is longer than {MAX_TEXT} characters.")
    return value.strip()


def _clean_answer(item: Item, raw: dict[str, Any]) -> dict[str, Any] | None:
    if item.type == "score":
        assert item.scale is not None
        notes = _text(raw, "notes")
        score: Any = raw.get("score")
        if score in (None, ""):
            return {"notes": notes} if notes else None
        try:
            number = int(score)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"choose a score from {item.scale.low} to {item.scale.high}."
            ) from None
        if str(number) != str(score).strip() or not item.scale.low <= number <= item.scale.high:
            raise ValueError(f"choose a score from {item.scale.low} to {item.scale.high}.")
        return {"score": number, "notes": notes}
    if item.type == "list":
        lines = raw.get("lines", [])
        if isinstance(lines, str):
            lines = lines.splitlines()
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise ValueError("lines must be a list of text.")
        kept = [line.strip() for line in lines if line.strip()]
        if len(kept) > MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} lines.")
        if any(len(line) > 500 for line in kept):
            raise ValueError("each line must be at most 500 characters.")
        return {"lines": kept} if kept else None
    if item.type == "figure":
        value = raw.get("value")
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise ValueError("enter a number.")
        try:
            amount = D(str(value).replace(",", "").replace("£", "").strip())
        except decimal.InvalidOperation:
            raise ValueError("enter a number, e.g. 125000 or 12.5.") from None
        if not amount.is_finite() or abs(amount) >= D("1e13"):
            raise ValueError("enter a number below 10,000,000,000,000.")
        return {"value": str(amount.quantize(D("0.01")))}
    if item.type == "choice":
        choices = raw.get("choices", [])
        if isinstance(choices, str):
            choices = [choices] if choices else []
        if not isinstance(choices, list):
            raise ValueError("choices must be a list.")
        allowed = {option.value for option in item.options}
        if unknown := [c for c in choices if not isinstance(c, str) or c not in allowed]:
            raise ValueError(f"{', '.join(map(str, unknown))} is not one of the options.")
        if len(choices) > 1 and not item.multiple:
            raise ValueError("choose one option.")
        return {"choices": list(dict.fromkeys(choices))} if choices else None
    text = _text(raw, "text")
    return {"text": text} if text else None


# Results ---------------------------------------------------------------------------------------


def _figures(definition: Definition, answers: dict[str, Any]) -> Figures:
    return {
        item.key: D(answers[item.key]["value"])
        for item in definition.items()
        if item.type == "figure" and item.key in answers
    }


def _format(value: D, unit: str) -> str:
    if unit == "£":
        return f"£{value:,.0f}"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == ":1":
        return f"{value:.2f}:1"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:.2f}"


def compute_results(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    """Section averages for scored items and the financial ratios (as text, for JSON)."""
    sections: dict[str, Any] = {}
    for section in definition.sections:
        scores = [
            answers[item.key]["score"]
            for item in section.items
            if item.type == "score" and "score" in answers.get(item.key, {})
        ]
        if scores:
            sections[section.key] = {
                "average": str(round(D(sum(scores)) / len(scores), 1)),
                "scored": len(scores),
            }
    figures = _figures(definition, answers)
    ratios: dict[str, Any] = {}
    for use in definition.ratios:
        ratio = RATIOS[use.name]
        if any(name not in figures for name in ratio.inputs):
            ratios[use.name] = {"value": None, "note": "Needs " + ", ".join(ratio.inputs) + "."}
            continue
        value = ratio.compute(figures)
        if value is None:
            warning = _warning(use.name, figures)
            ratios[use.name] = {
                "value": None,
                "note": warning or "Cannot be computed from these figures.",
                "concern": bool(warning),
            }
            continue
        below = use.concern_below if use.concern_below is not None else ratio.concern_below
        above = use.concern_above if use.concern_above is not None else ratio.concern_above
        concern = (below is not None and value < below) or (above is not None and value > above)
        if use.name == "break_even":
            concern = value > figures["turnover"]
        if use.name == "gearing" and figures["equity"] < 0:
            concern = True  # negative equity: owes more than it owns, whatever the ratio says
        try:
            rounded = value.quantize(D("0.01"))
        except decimal.InvalidOperation:  # more digits than the context holds
            ratios[use.name] = {"value": None, "note": "Too large to compute from these figures."}
            continue
        ratios[use.name] = {
            "value": str(rounded),
            "display": _format(value, ratio.unit),
            "concern": bool(concern),
        }
    return {"sections": sections, "ratios": ratios}


def _warning(name: str, figures: Figures) -> str:
    """Why a ratio that cannot be computed is itself a concern (empty when it is not)."""
    if name == "gearing" and figures["equity"] < 0:
        return "Negative equity: the business owes more than it owns."
    gross_profit = figures["turnover"] - figures.get("cost_of_sales", D(0))
    if name == "break_even" and figures["turnover"] > 0 and gross_profit <= 0:
        return "No gross profit: sales do not cover their direct costs at any turnover."
    return ""


def suggested_findings(
    definition: Definition, answers: dict[str, Any], results: dict[str, Any]
) -> list[tuple[str, str]]:
    """Candidate findings, as (item key, text): areas scored as a concern, list lines marked
    as findings (weaknesses, threats), options marked as a concern and ratios of concern."""
    found: list[tuple[str, str]] = []
    for item in definition.items():
        answer = answers.get(item.key)
        if not answer:
            continue
        if item.type == "score" and item.scale and answer.get("score") in item.scale.concern:
            text = f"{item.label}: {item.scale.label(answer['score'])}"
            if answer.get("notes"):
                text += f" ({answer['notes']})"
            found.append((item.key, text))
        elif item.type == "list" and item.finding:
            prefix = f"{item.finding_prefix or item.label}: "
            found.extend((item.key, prefix + line) for line in answer["lines"])
        elif item.type == "choice":
            for option in item.options:
                if option.concern and option.value in answer["choices"]:
                    found.append((item.key, f"{item.label}: {option.label}"))
    for name, result in results.get("ratios", {}).items():
        if result.get("concern"):
            ratio = RATIOS[name]
            if result.get("value") is None:
                found.append((name, f"{ratio.label}: {result['note']}"))
            else:
                found.append((name, f"{ratio.label} is {result['display']}. {ratio.explanation}"))
    return found


# What changed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    direction: str  # "better", "worse", "changed", "new" or "gone"


def _describe(item: Item, answer: dict[str, Any] | None) -> str:
    if not answer:
        return ""
    if item.type == "score" and item.scale:
        score = answer.get("score")
        return f"{score} ({item.scale.label(score)})" if score is not None else ""
    if item.type == "figure":
        if item.unit == "£":
            return f"£{answer['value']}"
        return f"{answer['value']} {item.unit}".strip()
    if item.type == "choice":
        return ", ".join(item.option_label(choice) for choice in answer["choices"])
    if item.type == "text":
        return str(answer["text"])
    return "; ".join(answer.get("lines", []))


def changes_since(
    definition: Definition,
    answers: dict[str, Any],
    results: dict[str, Any],
    previous_answers: dict[str, Any],
    previous_results: dict[str, Any],
) -> list[Change]:
    """What changed since the client's previous diagnostic of the same template (items are
    matched by key, so a new version of a template still compares with an older one)."""
    changes: list[Change] = []
    for item in definition.items():
        now, then = answers.get(item.key), previous_answers.get(item.key)
        if item.type == "list":
            added = [line for line in (now or {}).get("lines", []) if line not in _lines(then)]
            gone = [line for line in _lines(then) if line not in (now or {}).get("lines", [])]
            if added:
                changes.append(Change(item.label, "", "; ".join(added), "new"))
            if gone:
                changes.append(Change(item.label, "; ".join(gone), "", "gone"))
            continue
        before, after = _describe(item, then), _describe(item, now)
        if before == after:
            continue
        direction = "changed"
        if item.type == "score" and then and now and "score" in then and "score" in now:
            higher = now["score"] > then["score"]
            better = item.scale.higher_is_better if item.scale else True
            direction = "better" if higher == better else "worse"
            if item.scale and (now["score"] in item.scale.concern) != (
                then["score"] in item.scale.concern
            ):
                direction = "worse" if now["score"] in item.scale.concern else "better"
        changes.append(Change(item.label, before, after, direction))
    for name, result in results.get("ratios", {}).items():
        earlier = previous_results.get("ratios", {}).get(name, {})
        if result.get("display") != earlier.get("display") and (result.get("value") or earlier):
            direction = "changed"
            if result.get("value") and earlier.get("value"):
                higher = D(result["value"]) > D(earlier["value"])
                direction = "better" if higher == RATIOS[name].higher_is_better else "worse"
            changes.append(
                Change(
                    RATIOS[name].label,
                    earlier.get("display", ""),
                    result.get("display", ""),
                    direction,
                )
            )
    return changes


def _lines(answer: dict[str, Any] | None) -> list[str]:
    return list((answer or {}).get("lines", []))
