"""Rollups: each measure's components per scope and period, kept in step with the records.

When records change, ``refresh`` reads them again into facts, compares each with the fact
kept from last time, and applies the difference to the rollup cells both touch: the old fact's
shares are taken away and the new one's added (``definitions.contributions``). Distinct counts
keep their members and medians their distribution, so every change is exact and costs the
same whatever the size of the history. ``rebuild`` computes everything again from the records;
the two agree (tests/measures/test_rollups_property.py shows it for any sequence of changes).

Changes reach ``refresh`` after their transaction commits (``waypoint.measures.signals``).
Rollups are derived data: they are not audited and are never edited by hand.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from waypoint.core.periods import PeriodKind, period_of
from waypoint.measures import definitions as defs
from waypoint.measures.models import Measure, MeasureFact, Rollup, RollupBin, RollupMember
from waypoint.measures.sources import READERS

log = logging.getLogger(__name__)
D = decimal.Decimal
CHUNK = 500


@dataclass
class CellChange:
    """The sum of the shares applied to one cell in one refresh."""

    measure_id: int
    organisation_id: int
    scope_kind: str
    scope_id: int
    period_kind: str
    period_start: dt.date
    n: int = 0
    total: D = D(0)  # noqa: RUF009
    hits: int = 0
    misses: int = 0
    members: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    bins: dict[D, int] = field(default_factory=lambda: defaultdict(int))
    has_bins: bool = False

    def add(self, delta: defs.Delta, sign: int) -> None:
        self.n += sign * delta.n
        self.total += sign * delta.total
        self.hits += sign * delta.hits
        self.misses += sign * delta.misses
        if delta.member is not None:
            self.members[delta.member] += sign
        if delta.bin is not None:
            self.has_bins = True
            self.bins[delta.bin] += sign


@dataclass(frozen=True)
class LoadedMeasure:
    pk: int
    organisation_id: int | None
    definition: defs.Definition


def load_measures(source: str | None = None) -> list[LoadedMeasure]:
    """Every measure with a usable definition (of ``source``), retired ones too, so that
    bringing one back needs no rebuild. A definition that cannot be read is logged and left
    out: it was checked when saved, so this means the format changed under it."""
    found = []
    for pk, organisation_id, raw in Measure.objects.values_list(
        "pk", "organisation_id", "definition"
    ):
        try:
            definition = defs.parse(raw)
        except defs.DefinitionError as error:
            log.error("Measure %s cannot be computed: %s", pk, error)
            continue
        if definition.is_ratio or (source is not None and definition.source != source):
            continue
        found.append(LoadedMeasure(pk, organisation_id, definition))
    return found


# Facts <-> rows ----------------------------------------------------------------------------------

FACT_FIELDS = (
    "on",
    "organisation_id",
    "programme_id",
    "programme_owner_id",
    "team_id",
    "adviser_id",
    "client_id",
    "engagement_id",
    "grain",
    "dims",
    "values",
)


def fact_from_row(row: MeasureFact) -> defs.Fact:
    return defs.Fact(
        source=row.source, record_id=row.record_id, **{f: getattr(row, f) for f in FACT_FIELDS}
    )


PERIOD_COLUMNS = {
    PeriodKind.MONTH: "month_start",
    PeriodKind.QUARTER: "quarter_start",
    PeriodKind.FINANCIAL_YEAR: "year_start",
}


def period_starts(fact: defs.Fact) -> dict[str, dt.date | None]:
    """The start of each period the fact counts in, by column (None for the others)."""
    found: dict[str, dt.date | None] = dict.fromkeys(PERIOD_COLUMNS.values())
    for kind in defs.GRAIN_PERIODS[fact.grain]:
        found[PERIOD_COLUMNS[kind]] = period_of(fact.on, kind).start
    return found


def row_from_fact(fact: defs.Fact) -> MeasureFact:
    return MeasureFact(
        source=fact.source,
        record_id=fact.record_id,
        **{
            f: (dict(getattr(fact, f)) if f in ("dims", "values") else getattr(fact, f))
            for f in FACT_FIELDS
        },
        **period_starts(fact),
    )


def _same(old: defs.Fact | None, new: defs.Fact | None) -> bool:
    if old is None or new is None:
        return old is new
    return all(getattr(old, f) == getattr(new, f) for f in FACT_FIELDS)


# Refresh -----------------------------------------------------------------------------------------


def refresh(changes: Mapping[str, Iterable[int]], today: dt.date | None = None) -> int:
    """Bring the facts of these records, and the rollups they count in, up to date. Returns
    how many facts changed. ``today`` is for facts that depend on the day (concerns)."""
    changed = 0
    cells: dict[str, CellChange] = {}
    with transaction.atomic():
        for source, ids in changes.items():
            wanted = set(ids)
            if not wanted:
                continue
            measures = load_measures(source)
            reader = READERS[source]
            new = reader.facts(wanted, today) if reader.key == "concerns" else reader.facts(wanted)
            old_rows = {
                row.record_id: row
                for row in MeasureFact.objects.select_for_update().filter(
                    source=source, record_id__in=wanted
                )
            }
            to_delete: list[int] = []
            to_save: list[MeasureFact] = []
            for record_id in wanted:
                old_row = old_rows.get(record_id)
                old = fact_from_row(old_row) if old_row is not None else None
                fact = new.get(record_id)
                if _same(old, fact):
                    continue
                changed += 1
                for measure in measures:
                    if old is not None and old.applies_to(measure.organisation_id):
                        _collect(cells, measure, old, -1)
                    if fact is not None and fact.applies_to(measure.organisation_id):
                        _collect(cells, measure, fact, +1)
                if old_row is not None:
                    to_delete.append(old_row.pk)
                if fact is not None:
                    to_save.append(row_from_fact(fact))
            MeasureFact.objects.filter(pk__in=to_delete).delete()
            MeasureFact.objects.bulk_create(to_save, batch_size=CHUNK)
        apply_changes(cells)
    return changed


def _collect(
    cells: dict[str, CellChange], measure: LoadedMeasure, fact: defs.Fact, sign: int
) -> None:
    for (key, org, scope, scope_id, kind, start), delta in defs.contributions(
        measure.pk, measure.definition, fact
    ):
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = CellChange(measure.pk, org, scope, scope_id, kind, start)
        cell.add(delta, sign)


def apply_changes(cells: dict[str, CellChange]) -> None:
    """Apply summed shares to the rollup table: a handful of queries per 500 cells."""
    keys = [key for key, cell in cells.items() if _matters(cell)]
    for start in range(0, len(keys), CHUNK):
        _apply_chunk({key: cells[key] for key in keys[start : start + CHUNK]})


def _matters(cell: CellChange) -> bool:
    return bool(
        cell.n
        or cell.total
        or cell.hits
        or cell.misses
        or any(cell.members.values())
        or any(cell.bins.values())
    )


def _apply_chunk(cells: dict[str, CellChange]) -> None:
    existing = {r.key: r for r in Rollup.objects.select_for_update().filter(key__in=list(cells))}
    missing = [
        Rollup(
            key=key,
            measure_id=cell.measure_id,
            organisation_id=cell.organisation_id,
            scope_kind=cell.scope_kind,
            scope_id=cell.scope_id,
            period_kind=cell.period_kind,
            period_start=cell.period_start,
        )
        for key, cell in cells.items()
        if key not in existing
    ]
    if missing:
        Rollup.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(
            {
                r.key: r
                for r in Rollup.objects.select_for_update().filter(key__in=[m.key for m in missing])
            }
        )
    by_id = {existing[key].pk: (existing[key], cell) for key, cell in cells.items()}
    distinct_change = _apply_members(by_id)
    _apply_bins(by_id)
    medians = _medians([pk for pk, (_, cell) in by_id.items() if cell.has_bins])
    empty: list[int] = []
    for pk, (rollup, cell) in by_id.items():
        rollup.n += cell.n
        rollup.total += cell.total
        rollup.hits += cell.hits
        rollup.misses += cell.misses
        rollup.distinct += distinct_change.get(pk, 0)
        if cell.has_bins:
            rollup.median = medians.get(pk)
        if rollup.n == 0:
            empty.append(pk)
    Rollup.objects.filter(pk__in=empty).delete()
    Rollup.objects.bulk_update(
        [rollup for pk, (rollup, _) in by_id.items() if pk not in set(empty)],
        ["n", "total", "hits", "misses", "distinct", "median"],
        batch_size=CHUNK,
    )


def _apply_counted(model: Any, attr: str, changes: dict[int, dict[Any, int]]) -> dict[int, int]:
    """Apply count changes to members or bins; returns, per rollup, how many rows appeared
    less how many went."""
    changes = {pk: {k: v for k, v in d.items() if v} for pk, d in changes.items()}
    changes = {pk: d for pk, d in changes.items() if d}
    if not changes:
        return {}
    wanted = {k for d in changes.values() for k in d}
    rows = {
        (row.rollup_id, getattr(row, attr)): row
        for row in model.objects.filter(rollup_id__in=list(changes), **{f"{attr}__in": wanted})
    }
    appeared: dict[int, int] = defaultdict(int)
    create, update, delete = [], [], []
    for pk, counts in changes.items():
        for item, change in counts.items():
            row = rows.get((pk, item))
            if row is None:
                if change < 0:
                    raise RuntimeError(f"Rollup {pk} lost {item!r} it never had: rebuild rollups.")
                create.append(model(rollup_id=pk, count=change, **{attr: item}))
                appeared[pk] += 1
            elif row.count + change == 0:
                delete.append(row.pk)
                appeared[pk] -= 1
            else:
                row.count += change
                update.append(row)
    model.objects.filter(pk__in=delete).delete()
    model.objects.bulk_create(create, batch_size=CHUNK)
    model.objects.bulk_update(update, ["count"], batch_size=CHUNK)
    return appeared


def _apply_members(by_id: dict[int, tuple[Rollup, CellChange]]) -> dict[int, int]:
    return _apply_counted(
        RollupMember, "entity_id", {pk: dict(cell.members) for pk, (_, cell) in by_id.items()}
    )


def _apply_bins(by_id: dict[int, tuple[Rollup, CellChange]]) -> None:
    _apply_counted(RollupBin, "value", {pk: dict(cell.bins) for pk, (_, cell) in by_id.items()})


def _medians(rollup_ids: list[int]) -> dict[int, D | None]:
    if not rollup_ids:
        return {}
    found: dict[int, list[tuple[D, int]]] = defaultdict(list)
    for rollup_id, value, count in RollupBin.objects.filter(rollup_id__in=rollup_ids).values_list(
        "rollup_id", "value", "count"
    ):
        found[rollup_id].append((value, count))
    return {pk: defs.median_of(found.get(pk, [])) for pk in rollup_ids}


# Rebuild -----------------------------------------------------------------------------------------
#
# A rebuild computes the same cells as the facts' ``contributions`` would, but in SQL: each
# measure's facts are first grouped once into a staging table (by where they belong and the
# periods they count in, and by member or value when the measure needs them), from which every
# scope and period is then summed. Nothing grows in Python with the size of the history, and the
# staging table keeps the filters on JSON to one pass over the measure's facts.

FACTS_BATCH = 5000
STAGE = "measures_rebuild_stage"
SCOPE_COLUMNS = {  # scope kind -> (organisation owning the scope, scope id, the scope exists)
    "organisation": ("organisation_id", "organisation_id", "1 = 1"),
    "programme": (
        "programme_owner_id",
        "programme_id",
        "programme_id IS NOT NULL AND programme_owner_id IS NOT NULL",
    ),
    "team": ("organisation_id", "team_id", "team_id IS NOT NULL"),
    "adviser": ("organisation_id", "adviser_id", "adviser_id IS NOT NULL"),
}
PLACE_COLUMNS = (
    "organisation_id",
    "programme_id",
    "programme_owner_id",
    "team_id",
    "adviser_id",
    "month_start",
    "quarter_start",
    "year_start",
)


def rebuild(measure_ids: Iterable[int] | None = None, *, refresh_facts: bool = True) -> int:
    """Compute rollups again from scratch: every record read into a fact again (unless
    ``refresh_facts`` is False, e.g. for a new measure) and every cell recomputed from the
    facts. With ``measure_ids``, only those measures' cells. Returns the number of cells."""
    with transaction.atomic():
        if refresh_facts:
            _rebuild_facts()
        measures = load_measures()
        if measure_ids is not None:
            wanted = set(measure_ids)
            measures = [m for m in measures if m.pk in wanted]
            _delete_cells(wanted)
        else:
            _delete_cells(None)
        sql = _Sql(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(sql.create_stage())
            cells = sum(_rebuild_measure(cursor, sql, measure) for measure in measures)
            cursor.execute(f"DROP TABLE {STAGE}")
    return cells


def _delete_cells(measure_ids: set[int] | None) -> None:
    """Delete rollups with their members and bins in three statements (the ORM would load
    every rollup to find what cascades)."""
    rollup = Rollup._meta.db_table
    where, params = "", []
    if measure_ids is not None:
        if not measure_ids:
            return
        where = f" WHERE measure_id IN ({', '.join(['%s'] * len(measure_ids))})"
        params = sorted(measure_ids)
    with connection.cursor() as cursor:
        for model in (RollupMember, RollupBin):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE rollup_id IN "  # noqa: S608
                f"(SELECT id FROM {rollup}{where})",
                params,
            )
        cursor.execute(f"DELETE FROM {rollup}{where}", params)  # noqa: S608


def _rebuild_facts() -> None:
    MeasureFact.objects.all().delete()
    for reader in READERS.values():
        ids = list(reader.model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), FACTS_BATCH):
            facts = reader.facts(set(ids[start : start + FACTS_BATCH]))
            _insert_facts(facts.values())


FACT_COLUMNS = ("source", "record_id", *FACT_FIELDS, *PERIOD_COLUMNS.values())


def _insert_facts(facts: Iterable[defs.Fact]) -> None:
    """Insert facts in plain batched INSERTs: the same rows as ``row_from_fact`` gives, without
    the ORM's work per field."""
    ops = connection.ops
    rows = []
    for fact in facts:
        starts = period_starts(fact)
        rows.append(
            (
                fact.source,
                fact.record_id,
                ops.adapt_datefield_value(fact.on),
                fact.organisation_id,
                fact.programme_id,
                fact.programme_owner_id,
                fact.team_id,
                fact.adviser_id,
                fact.client_id,
                fact.engagement_id,
                fact.grain,
                ops.adapt_json_value(dict(fact.dims), None),
                ops.adapt_json_value(dict(fact.values), None),
                *(ops.adapt_datefield_value(day) for day in starts.values()),
            )
        )
    if not rows:
        return
    columns = ", ".join(ops.quote_name(column) for column in FACT_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(FACT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            batch = rows[start : start + CHUNK]
            cursor.execute(
                f"INSERT INTO {MeasureFact._meta.db_table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([one] * len(batch)),
                [value for row in batch for value in row],
            )


class _Sql:
    """The few expressions that differ between SQLite and PostgreSQL. Figures are summed
    exactly: as numeric on PostgreSQL, in ten-thousandths as integers on SQLite (facts keep
    figures to four places)."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"
        self.q = connection.ops.quote_name

    def create_stage(self) -> str:
        figure = "NUMERIC" if self.postgres else "INTEGER"
        return (
            f"CREATE TEMPORARY TABLE {STAGE} (organisation_id BIGINT, programme_id BIGINT, "
            "programme_owner_id BIGINT, team_id BIGINT, adviser_id BIGINT, month_start DATE, "
            f"quarter_start DATE, year_start DATE, entity BIGINT, value {figure}, n BIGINT, "
            f"total {figure}, hits BIGINT, misses BIGINT)"
        )

    def figure(self, name: str) -> tuple[str, list[Any]]:
        """A fact's figure ``name`` (NULL when it has none)."""
        if self.postgres:
            return f"CAST(({self.q('values')} ->> %s) AS NUMERIC)", [name]
        return (
            f"CAST(ROUND(CAST(json_extract({self.q('values')}, %s) AS REAL) * 10000) AS INTEGER)",
            [_path(name)],
        )

    def at_least(self, figure: str, value: int) -> str:
        return f"{figure} >= {value if self.postgres else value * 10000}"

    def at_most(self, figure: str, value: int) -> str:
        return f"{figure} <= {value if self.postgres else value * 10000}"

    def as_decimal(self, figure: str) -> str:
        """A summed figure as the rollup keeps it."""
        return figure if self.postgres else f"({figure}) / 10000.0"

    def text(self, column: str, is_date: bool = False) -> str:
        if self.postgres and is_date:
            return f"to_char({column}, 'YYYY-MM-DD')"
        return f"CAST({column} AS TEXT)"

    def conditions(self, conditions: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """SQL true exactly when ``definitions.matches(conditions, dims)``: the dim equals one
        of the values, or it holds a list and one of its items does."""
        parts, params = [], []
        for name, wanted in conditions.items():
            items = wanted if isinstance(wanted, list) else [wanted]
            sql, found = (self._pg_condition if self.postgres else self._sqlite_condition)(
                name, items
            )
            parts.append(sql)
            params.extend(found)
        return " AND ".join(f"({part})" for part in parts) or "1 = 1", params

    def _sqlite_condition(self, name: str, items: list[Any]) -> tuple[str, list[Any]]:
        # json_extract gives strings as text and true/false as 1/0, as Python compares them
        # (True == 1); json_each walks a list's items.
        values = [int(item) if isinstance(item, bool) else item for item in items]
        marks = ", ".join(["%s"] * len(values))
        path = _path(name)
        return (
            f"CASE WHEN json_type(dims, %s) = 'array' THEN EXISTS (SELECT 1 FROM "  # noqa: S608
            f"json_each(dims, %s) AS item WHERE item.value IN ({marks})) "
            f"ELSE json_extract(dims, %s) IN ({marks}) END",
            [path, path, *values, path, *values],
        )

    def _pg_condition(self, name: str, items: list[Any]) -> tuple[str, list[Any]]:
        values: list[str] = []
        for item in items:  # as Python compares them: True == 1 and False == 0
            values.append(json.dumps(item))
            if isinstance(item, bool) or item in (0, 1):
                values.extend([json.dumps(bool(item)), json.dumps(int(item))])
        values = sorted(set(values))
        marks = ", ".join(["CAST(%s AS JSONB)"] * len(values))
        return (
            "CASE WHEN jsonb_typeof(dims -> %s) = 'array' THEN EXISTS (SELECT 1 FROM "  # noqa: S608
            f"jsonb_array_elements(dims -> %s) AS item(value) WHERE item.value IN ({marks})) "
            f"ELSE (dims -> %s) IN ({marks}) END",
            [name, name, *values, name, *values],
        )


def _path(name: str) -> str:
    return '$."' + name.replace('"', '\\"') + '"'


def _rebuild_measure(cursor: Any, sql: _Sql, measure: LoadedMeasure) -> int:
    """Stage the measure's facts, then sum each scope and period into rollups (with members
    and bins). Returns the number of cells."""
    definition = measure.definition
    aggregate = definition.aggregate
    where, params = sql.conditions(definition.where)
    filters = [f"source = %s AND ({where})"]
    params = [definition.source, *params]
    if measure.organisation_id is not None:  # Fact.applies_to
        filters.append("(organisation_id = %s OR programme_owner_id = %s)")
        params += [measure.organisation_id, measure.organisation_id]
    entity, value = "NULL", "NULL"
    total, hits, misses = "0", "0", "0"
    select_params: list[Any] = []
    if aggregate in defs.FIELD_AGGREGATES:
        figure, figure_params = sql.figure(definition.field)
        filters.append(f"{figure} IS NOT NULL")
        params += figure_params
        total = f"SUM({figure})"
        select_params += figure_params
        if aggregate == "nps":
            hits = f"SUM(CASE WHEN {sql.at_least(figure, 9)} THEN 1 ELSE 0 END)"
            misses = f"SUM(CASE WHEN {sql.at_most(figure, 6)} THEN 1 ELSE 0 END)"
            select_params += figure_params * 2
        if aggregate == "median":
            value = figure
            select_params = figure_params + select_params
    elif aggregate == "distinct":
        entity = "client_id" if definition.of == "client" else "engagement_id"
        filters.append(f"{entity} IS NOT NULL")
    elif aggregate == "rate":
        numerator, numerator_params = sql.conditions(definition.numerator)
        hits = f"SUM(CASE WHEN {numerator} THEN 1 ELSE 0 END)"
        select_params += numerator_params
    places = ", ".join(PLACE_COLUMNS)
    group = (
        [places] + (["entity"] if entity != "NULL" else []) + (["value"] if value != "NULL" else [])
    )
    cursor.execute(f"DELETE FROM {STAGE}")  # noqa: S608
    cursor.execute(
        f"INSERT INTO {STAGE} ({places}, entity, value, n, total, hits, misses) "  # noqa: S608
        f"SELECT {places}, {entity} AS entity, {value} AS value, COUNT(*), {total}, {hits}, "
        f"{misses} FROM {MeasureFact._meta.db_table} WHERE {' AND '.join(filters)} "
        f"GROUP BY {', '.join(group)}",
        select_params + params,
    )
    cells = 0
    for scope, (organisation, scope_id, exists) in SCOPE_COLUMNS.items():
        for kind, start in PERIOD_COLUMNS.items():
            cells += _sum_cells(
                cursor, sql, measure, scope, organisation, scope_id, exists, kind.value, start
            )
    if aggregate == "median":
        _store_medians(cursor, measure.pk)
    return cells


def _sum_cells(
    cursor: Any,
    sql: _Sql,
    measure: LoadedMeasure,
    scope: str,
    organisation: str,
    scope_id: str,
    exists: str,
    kind: str,
    start: str,
) -> int:
    """One scope kind and period kind of a measure's staged facts into rollups (the keys as
    ``definitions.cell_key`` makes them), then their members and bins."""
    q = sql.q
    rollup = Rollup._meta.db_table
    key = (
        f"%s || {sql.text(organisation)} || %s || {sql.text(scope_id)} || %s || "
        f"{sql.text(start, is_date=True)}"
    )
    key_params = [f"{measure.pk}:", f":{scope}:", f":{kind}:"]
    where = f"{exists} AND {start} IS NOT NULL"
    cursor.execute(
        f"INSERT INTO {rollup} ({q('key')}, measure_id, organisation_id, scope_kind, scope_id, "  # noqa: S608
        f"period_kind, period_start, n, total, hits, misses, {q('distinct')}, median) "
        f"SELECT {key}, %s, {organisation}, %s, {scope_id}, %s, {start}, SUM(n), "
        f"{sql.as_decimal('SUM(total)')}, SUM(hits), SUM(misses), COUNT(DISTINCT entity), NULL "
        f"FROM {STAGE} WHERE {where} GROUP BY {organisation}, {scope_id}, {start}",
        [*key_params, measure.pk, scope, kind],
    )
    cells = cursor.rowcount
    aggregate = measure.definition.aggregate
    if aggregate not in ("distinct", "median"):
        return cells
    model, column = (RollupMember, "entity_id") if aggregate == "distinct" else (RollupBin, "value")
    item = "entity" if aggregate == "distinct" else "value"
    stored = "x.item" if aggregate == "distinct" else sql.as_decimal("x.item")
    # Each cell's members (or bins) summed first, then found by its key (a unique index).
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} (rollup_id, {column}, count) "  # noqa: S608
        f"SELECT r.id, {stored}, x.n FROM (SELECT {key} AS cell, {item} AS item, SUM(n) AS n "
        f"FROM {STAGE} WHERE {where} GROUP BY {organisation}, {scope_id}, {start}, {item}) AS x "
        f"JOIN {rollup} AS r ON r.{q('key')} = x.cell",
        key_params,
    )
    return cells


def _store_medians(cursor: Any, measure_id: int) -> None:
    """Each cell's median from its bins (``definitions.median_of``, as a refresh keeps it)."""
    bins = (
        RollupBin.objects.filter(rollup__measure_id=measure_id)
        .order_by("rollup_id")
        .values_list("rollup_id", "value", "count")
    )
    medians: list[tuple[Any, int]] = []
    current: int | None = None
    found: list[tuple[D, int]] = []
    ops = connection.ops

    def done() -> None:
        if current is not None:
            median = defs.median_of(found)
            medians.append((ops.adapt_decimalfield_value(median, 24, 4), current))

    for rollup_id, value, count in bins.iterator(chunk_size=5000):
        if rollup_id != current:
            done()
            current, found = rollup_id, []
        found.append((value, count))
    done()
    table = Rollup._meta.db_table
    for start in range(0, len(medians), CHUNK):
        cursor.executemany(
            f"UPDATE {table} SET median = %s WHERE id = %s",  # noqa: S608
            medians[start : start + CHUNK],
        )
