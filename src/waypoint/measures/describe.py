"""A measure's definition explained in words, for the library's pages and the form's preview.

Pure code: it reads the labels of ``definitions.SOURCES`` and nothing else, so every measure,
standard or an organisation's own, is explained the same way (000 knowledge point: measures
must be valid and useful, which starts with people knowing what they count).

    >>> describe(parse({"source": "contacts", "aggregate": "distinct", "of": "client"}))
    'The number of distinct clients among contacts'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from waypoint.measures import definitions as defs

# Dims whose label reads badly once its explanation in brackets is taken off.
DIM_WORDS = {
    "client_kind": "kind of client",
    "measure": "outcome measure",
    "sector": "sector (SIC 2007 section)",
    "resolution_due": "resolved or past its time limit",
}
# Figures whose label is a unit rather than a name.
FIELD_WORDS = {"amount": "amount (£)"}
AGGREGATE_WORDS = {"mean": "mean", "median": "median"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (SIC, NPS)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def _without_brackets(label: str) -> str:
    return re.sub(r"\s*\([^)]*\)$", "", label).strip()


def dim_words(source: defs.Source, dim: str) -> str:
    if dim in DIM_WORDS:
        return DIM_WORDS[dim]
    label = source.dims.get(dim)
    return _lower_first(_without_brackets(label)) if label else dim.replace("_", " ")


def field_words(source: defs.Source, field: str) -> str:
    if field in FIELD_WORDS:
        return FIELD_WORDS[field]
    label = source.values.get(field)
    return _lower_first(label) if label else field.replace("_", " ")


def source_words(source: defs.Source) -> str:
    return _lower_first(source.label)


def value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("_", " ")


def _any_of(values: list[Any]) -> str:
    words = [value_words(v) for v in values]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _list_dim(dim: str) -> bool:
    return dim == "groups"  # a client's priority groups: a list, matched by any item


def condition_words(source: defs.Source, conditions: Mapping[str, Any]) -> str:
    """``status is open or achieved and priority groups include women``."""
    parts = []
    for dim, wanted in conditions.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        verb = "include" if _list_dim(dim) else "is"
        parts.append(f"{dim_words(source, dim)} {verb} {_any_of(values)}")
    return " and ".join(parts)


def _bracketed(source: defs.Source, conditions: Mapping[str, Any]) -> str:
    """``(held on time: true or false)``: the records a rate is a share of."""
    parts = []
    for dim, wanted in conditions.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        parts.append(f"{dim_words(source, dim)}: {_any_of(values)}")
    return f" ({'; '.join(parts)})"


def _where(source: defs.Source, conditions: Mapping[str, Any]) -> str:
    return f" where {condition_words(source, conditions)}" if conditions else ""


def _measure_words(code: str, names: Mapping[str, str], first: bool) -> str:
    name = names.get(code, code.replace("_", " "))
    return name[:1].upper() + name[1:] if first else _lower_first(name)


def _number(value: Any) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(definition: defs.Definition, names: Mapping[str, str] | None = None) -> str:
    """One sentence saying what the measure computes. ``names`` maps measure codes to names,
    for ratios (a code without a name is shown in words)."""
    names = names or {}
    if definition.is_ratio:
        words = (
            f"{_measure_words(definition.numerator_code, names, True)} divided by "
            f"{_measure_words(definition.denominator_code, names, False)}"
        )
        if definition.per != 1:
            words += f", times {_number(definition.per)}"
        return words
    source = defs.SOURCES[definition.source]
    records = source_words(source)
    where = _where(source, definition.where)
    aggregate = definition.aggregate
    if aggregate == "count":
        return f"The number of {records}{where}"
    if aggregate == "distinct":
        entity = "clients" if definition.of == "client" else "engagements"
        return f"The number of distinct {entity} among {records}{where}"
    field = field_words(source, definition.field)
    if aggregate == "sum":
        return f"The total {field} of {records}{where}"
    if aggregate in AGGREGATE_WORDS:
        return f"The {AGGREGATE_WORDS[aggregate]} {field} among {records}{where}"
    if aggregate == "rate":
        among = _bracketed(source, definition.where) if definition.where else ""
        return (
            f"The share of {records}{among} where {condition_words(source, definition.numerator)}"
        )
    if aggregate == "nps":
        return (
            f"The net promoter score of {field} among {records}{where}: the share scoring 9 "
            "or 10 less the share scoring 0 to 6"
        )
    raise ValueError(f"No words for the aggregate {aggregate!r}")


def period_words(definition: defs.Definition) -> str:
    """Which date puts a record in a month, quarter and year."""
    if definition.is_ratio:
        return "Both measures are taken over the same scope and period."
    source = defs.SOURCES[definition.source]
    return f"Each record counts in the period that holds {source.date}."


def describe_raw(raw: Any, names: Mapping[str, str] | None = None) -> str:
    """Words for a stored definition; DefinitionError when it cannot be read."""
    return describe(defs.parse(raw), names)
