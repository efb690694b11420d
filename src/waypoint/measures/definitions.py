"""Measure definitions: their format, checking them, and turning records into figures.

Pure code, tested without a database. A definition is a small JSON object:

    {"source": "contacts", "aggregate": "sum", "field": "hours",
     "where": {"support_type": "advice"}}

- ``source``: the records measured (``SOURCES`` lists them with the attributes ("dims") that
  can be filtered on and the figures ("values") that can be added up).
- ``aggregate``: ``count`` records; ``distinct`` entities among them (``of``: client or
  engagement); ``sum``, ``mean`` or ``median`` of a ``field``; ``rate``: the share (%) of the
  records that also meet ``numerator``; ``nps``: net promoter score of a 0-10 ``field``
  (% scoring 9-10 less % scoring 0-6); ``ratio``: one measure divided by another
  (``numerator`` and ``denominator`` are measure codes, ``per`` scales it, e.g. 100).
- ``where``: conditions on dims, all of which must hold; a condition is a value or a list of
  values (any of them). A dim holding a list (a client's priority groups) matches when any of
  its items does.

Every record counted in a figure is counted in every scope it belongs to (its delivering
organisation, programme, its lead adviser's team and the lead adviser) and every period holding
its date (month, financial quarter and financial year), so that ``contributions`` below gives a
record's share of each rollup cell, and the incremental rollups and a rebuild agree by
construction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from waypoint.core.periods import PeriodKind, period_of

D = decimal.Decimal
HUNDRED = D(100)

AGGREGATES = ("count", "distinct", "sum", "mean", "median", "rate", "nps", "ratio")
FIELD_AGGREGATES = frozenset({"sum", "mean", "median", "nps"})
ENTITIES = ("client", "engagement")
SCOPES = ("organisation", "programme", "team", "adviser")

# Client attributes every client-linked source carries: for filters and case-mix adjustment.
CLIENT_DIMS = {
    "client_kind": "Business or individual",
    "sector": "SIC 2007 section",
    "size_band": "Size band",
    "trading_status": "Trading status",
    "region": "Region",
    "groups": "Priority groups (women, disabled, ethnic_minority, under_25, pre_start)",
    "barriers": "Number of barriers to work (0, 1, 2, 3+)",
}


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    date: str  # which date puts a record in a period
    dims: Mapping[str, str]
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # The scopes its records can count in: every source's records reach an adviser through
    # their engagement's lead adviser, except costs, which belong to an organisation, a
    # programme or a team (sources.cost_facts).
    scopes: frozenset[str] = frozenset(SCOPES)


SOURCES: dict[str, Source] = {
    source.key: source
    for source in (
        Source(
            "engagements",
            "Engagements",
            "the date of the enquiry",
            {
                "status": "Status",
                "end_reason": "End reason",
                "has_agreement": "Agreement accepted (true/false)",
                "reached_support": "Reached the support stage (true/false)",
                **CLIENT_DIMS,
            },
            {"days_to_first_contact": "Days from enquiry to first contact"},
        ),
        Source(
            "contacts",
            "Contacts",
            "the day of the contact",
            {"mode": "Mode", "support_type": "Advice or mentoring", **CLIENT_DIMS},
            {"hours": "Hours"},
        ),
        Source(
            "reviews",
            "Reviews",
            "the day the review was held",
            {"depth": "Depth", "on_time": "Held on time (true/false)", **CLIENT_DIMS},
            {
                "satisfaction": "Satisfaction (1-5)",
                "recommend": "Likelihood to recommend (0-10)",
                "client_rating": "Client's rating of progress (1-5)",
                "adviser_rating": "Adviser's rating of progress (1-5)",
            },
        ),
        Source(
            "actions",
            "Actions",
            "the action's due date",
            {"status": "Status", "done": "Done (true/false)", **CLIENT_DIMS},
            {"progress": "Progress (%)"},
        ),
        Source(
            "goals",
            "Goals",
            "the goal's deadline",
            {
                "status": "Status",
                "achieved": "Achieved (true/false)",
                "priority": "Priority",
                **CLIENT_DIMS,
            },
        ),
        Source(
            "referrals",
            "Referrals",
            "the day the referral was made",
            {
                "status": "Status",
                "completed": "Completed (true/false)",
                "useful": "Useful to the client (true/false)",
                **CLIENT_DIMS,
            },
        ),
        Source(
            "outcomes",
            "Outcomes (latest follow-up against the baseline)",
            "the day of the latest follow-up",
            {"measure": "Outcome measure key", "evidence": "Evidence", **CLIENT_DIMS},
            {"gross": "Gross change", "net": "Net additional impact"},
        ),
        Source(
            "concerns",
            "Concerns",
            "the day the concern was raised",
            {
                "about": "About",
                "severity": "Severity",
                "raised_by": "Raised by (client, adviser, partner, manager)",
                "status": "Status",
                "resolution_due": "Resolved or past its time limit (true/false)",
                "resolved_in_time": "Resolved within its time limit (true/false)",
                **CLIENT_DIMS,
            },
        ),
        Source(
            "costs",
            "Costs",
            "the start of the period the cost covers",
            {"kind": "Kind of cost"},
            {"amount": "£"},
            frozenset({"organisation", "programme", "team"}),
        ),
    )
}


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` name each fault by its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Definition:
    aggregate: str
    source: str = ""
    field: str = ""
    of: str = ""
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    numerator: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # ratio only
    numerator_code: str = ""
    denominator_code: str = ""
    per: D = D(1)  # noqa: RUF009  (Decimals are immutable)

    @property
    def is_ratio(self) -> bool:
        return self.aggregate == "ratio"


def _check_conditions(
    where: Any, source: Source, place: str, problems: list[str]
) -> dict[str, Any]:
    if where in (None, {}):
        return {}
    if not isinstance(where, dict):
        problems.append(f'{place}: give conditions as an object, e.g. {{"status": "done"}}.')
        return {}
    for name, wanted in where.items():
        if name not in source.dims:
            problems.append(
                f"{place}.{name}: {source.label.lower()} have no {name!r}; use one of "
                + ", ".join(sorted(source.dims))
                + "."
            )
        items = wanted if isinstance(wanted, list) else [wanted]
        if not items or not all(isinstance(i, str | bool | int) for i in items):
            problems.append(f"{place}.{name}: give a value or a list of values.")
    return dict(where)


def parse(raw: Any) -> Definition:
    """Check a definition; DefinitionError lists every problem, each with its place."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise DefinitionError(["the definition must be an object"])
    known = {"source", "aggregate", "field", "of", "where", "numerator", "denominator", "per"}
    for name in raw:
        if name not in known:
            problems.append(f"{name}: not a part of a definition (a typo?)")
    aggregate = raw.get("aggregate")
    if aggregate not in AGGREGATES:
        problems.append("aggregate: use one of " + ", ".join(AGGREGATES) + ".")
        raise DefinitionError(problems)
    if aggregate == "ratio":
        top, bottom = raw.get("numerator"), raw.get("denominator")
        for name, code in (("numerator", top), ("denominator", bottom)):
            if not isinstance(code, str) or not code:
                problems.append(f"{name}: give the code of a measure.")
        try:
            per = D(str(raw.get("per", 1)))
            if per <= 0:
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            problems.append("per: give a positive number, e.g. 100.")
            per = D(1)
        if problems:
            raise DefinitionError(problems)
        return Definition(
            aggregate="ratio", numerator_code=str(top), denominator_code=str(bottom), per=per
        )
    source = SOURCES.get(raw.get("source", ""))
    if source is None:
        problems.append("source: use one of " + ", ".join(SOURCES) + ".")
        raise DefinitionError(problems)
    value_field = raw.get("field", "")
    if aggregate in FIELD_AGGREGATES:
        if value_field not in source.values:
            choices = ", ".join(source.values) or "none: count them instead"
            problems.append(
                f"field: {aggregate} needs a figure of {source.label.lower()}: {choices}."
            )
    elif value_field:
        problems.append(f"field: {aggregate} does not use a field.")
    of = raw.get("of", "")
    if aggregate == "distinct" and of not in ENTITIES:
        problems.append("of: count distinct clients or engagements (client or engagement).")
    where = _check_conditions(raw.get("where"), source, "where", problems)
    numerator: dict[str, Any] = {}
    if aggregate == "rate":
        numerator = _check_conditions(raw.get("numerator"), source, "numerator", problems)
        if not numerator:
            problems.append("numerator: a rate needs the conditions its numerator meets.")
    elif "numerator" in raw:
        problems.append(f"numerator: only a rate or a ratio has one, not {aggregate}.")
    if problems:
        raise DefinitionError(problems)
    return Definition(
        aggregate=aggregate,
        source=source.key,
        field=value_field,
        of=of,
        where=where,
        numerator=numerator,
    )


def matches(conditions: Mapping[str, Any], dims: Mapping[str, Any]) -> bool:
    for name, wanted in conditions.items():
        wanted_set = set(wanted) if isinstance(wanted, list) else {wanted}
        have = dims.get(name)
        have_set = set(have) if isinstance(have, list) else {have}
        if not wanted_set & have_set:
            return False
    return True


@dataclass(frozen=True)
class Fact:
    """What the measures need to know of one record: where it belongs (the delivering
    organisation, the programme and its owner, the lead adviser and their team, the client and
    engagement), its date and how long a period it covers, its dims and its values (figures
    as strings of decimals, so that they survive JSON exactly)."""

    source: str
    record_id: int
    on: dt.date
    organisation_id: int
    programme_id: int | None = None
    programme_owner_id: int | None = None
    team_id: int | None = None
    adviser_id: int | None = None
    client_id: int | None = None
    engagement_id: int | None = None
    grain: str = PeriodKind.MONTH.value
    dims: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def scopes(self) -> dict[str, tuple[int, int]]:
        """Scope kind -> (organisation owning the scope, scope id)."""
        found = {"organisation": (self.organisation_id, self.organisation_id)}
        if self.programme_id is not None and self.programme_owner_id is not None:
            found["programme"] = (self.programme_owner_id, self.programme_id)
        if self.team_id is not None:
            found["team"] = (self.organisation_id, self.team_id)
        if self.adviser_id is not None:
            found["adviser"] = (self.organisation_id, self.adviser_id)
        return found

    def applies_to(self, measure_organisation_id: int | None) -> bool:
        """Standard measures count every record; an organisation's own measures count the
        records it delivers or that belong to its programmes."""
        return measure_organisation_id is None or measure_organisation_id in (
            self.organisation_id,
            self.programme_owner_id,
        )


@dataclass(frozen=True)
class Delta:
    """One record's share of one rollup cell."""

    n: int = 1
    total: D = D(0)  # noqa: RUF009
    hits: int = 0
    misses: int = 0
    member: int | None = None
    bin: D | None = None


GRAIN_PERIODS = {
    PeriodKind.MONTH.value: (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR),
    PeriodKind.QUARTER.value: (PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR),
    PeriodKind.FINANCIAL_YEAR.value: (PeriodKind.FINANCIAL_YEAR,),
}


def cell_key(
    measure_id: int, organisation_id: int, scope: str, scope_id: int, kind: str, start: dt.date
) -> str:
    return f"{measure_id}:{organisation_id}:{scope}:{scope_id}:{kind}:{start.isoformat()}"


def delta_for(definition: Definition, fact: Fact) -> Delta | None:
    """The record's share of a cell of this measure, or None when it does not count."""
    if definition.is_ratio or definition.source != fact.source:
        return None
    if not matches(definition.where, fact.dims):
        return None
    value: D | None = None
    if definition.aggregate in FIELD_AGGREGATES:
        raw = fact.values.get(definition.field)
        if raw is None:
            return None
        value = D(str(raw))
    aggregate = definition.aggregate
    if aggregate == "distinct":
        entity = fact.client_id if definition.of == "client" else fact.engagement_id
        if entity is None:
            return None
        return Delta(member=entity)
    if aggregate == "rate":
        return Delta(hits=int(matches(definition.numerator, fact.dims)))
    if aggregate == "nps":
        assert value is not None
        return Delta(total=value, hits=int(value >= 9), misses=int(value <= 6))
    if aggregate == "median":
        return Delta(total=value or D(0), bin=value)
    return Delta(total=value or D(0))


def contributions(
    measure_id: int, definition: Definition, fact: Fact
) -> Iterator[tuple[tuple[str, int, str, int, str, dt.date], Delta]]:
    """Every rollup cell the record counts in, with its share: ((key, organisation, scope,
    scope id, period kind, period start), delta)."""
    delta = delta_for(definition, fact)
    if delta is None:
        return
    scopes = fact.scopes
    for kind in GRAIN_PERIODS[fact.grain]:
        start = period_of(fact.on, kind).start
        for scope in SCOPES:
            if scope not in scopes:
                continue
            organisation_id, scope_id = scopes[scope]
            key = cell_key(measure_id, organisation_id, scope, scope_id, kind.value, start)
            yield (key, organisation_id, scope, scope_id, kind.value, start), delta


def median_of(bins: list[tuple[D, int]]) -> D | None:
    """The median of a distribution given as (value, how many) pairs."""
    ordered = sorted((value, count) for value, count in bins if count > 0)
    size = sum(count for _, count in ordered)
    if size == 0:
        return None
    wanted = [(size - 1) // 2, size // 2]  # the middle one, or the middle two
    found: list[D] = []
    seen = 0
    for value, count in ordered:
        while len(found) < 2 and seen <= wanted[len(found)] < seen + count:
            found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


@dataclass(frozen=True)
class Components:
    n: int = 0
    total: D = D(0)  # noqa: RUF009
    hits: int = 0
    misses: int = 0
    distinct: int = 0
    median: D | None = None


@dataclass(frozen=True)
class Figure:
    """A measure's value in a cell, with what it was computed from (for the API and for
    people: "18 of 24")."""

    value: D | None
    numerator: D | None = None
    denominator: D | None = None
    records: int = 0  # how many records the figure counts


def figure(definition: Definition, parts: Components | None) -> Figure:
    """The value of a (non-ratio) measure from its cell's components. A cell with no records
    is 0 for counts and sums, and has no value for means, medians, rates and scores."""
    parts = parts or Components()
    aggregate, n = definition.aggregate, parts.n
    if aggregate == "count":
        return Figure(D(n), records=n)
    if aggregate == "distinct":
        return Figure(D(parts.distinct), records=n)
    if aggregate == "sum":
        return Figure(parts.total, records=n)
    if n == 0:
        return Figure(None, None, D(0))
    if aggregate == "mean":
        return Figure(parts.total / n, parts.total, D(n), n)
    if aggregate == "median":
        return Figure(parts.median, None, D(n), n)
    if aggregate == "rate":
        return Figure(D(parts.hits) * HUNDRED / n, D(parts.hits), D(n), n)
    if aggregate == "nps":
        return Figure(D(parts.hits - parts.misses) * HUNDRED / n, None, D(n), n)
    raise ValueError(f"figure() cannot compute a {aggregate}")


def ratio_figure(
    definition: Definition, top: Figure, bottom: Figure, top_aggregate: str = "count"
) -> Figure:
    """One measure over another. Nothing below, or a sum with nothing recorded on top (no
    costs entered), gives no value rather than a misleading 0."""
    unrecorded = top_aggregate == "sum" and top.records == 0
    if top.value is None or bottom.value is None or bottom.value == 0 or unrecorded:
        return Figure(None, top.value, bottom.value, top.records)
    return Figure(top.value * definition.per / bottom.value, top.value, bottom.value, top.records)


def reaches(definition: Definition, scope_kind: str) -> bool:
    """Whether the records of the definition's source can count in a scope of this kind (costs
    never reach an adviser). A ratio depends on its parts: see selectors.counting_in."""
    source = SOURCES.get(definition.source)
    return definition.is_ratio or source is None or scope_kind in source.scopes
