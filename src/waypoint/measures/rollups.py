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
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

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


def row_from_fact(fact: defs.Fact) -> MeasureFact:
    return MeasureFact(
        source=fact.source,
        record_id=fact.record_id,
        **{
            f: (dict(getattr(fact, f)) if f in ("dims", "values") else getattr(fact, f))
            for f in FACT_FIELDS
        },
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
            Rollup.objects.filter(measure_id__in=wanted).delete()
        else:
            Rollup.objects.all().delete()
        by_source: dict[str, list[LoadedMeasure]] = defaultdict(list)
        for measure in measures:
            by_source[measure.definition.source].append(measure)
        cells: dict[str, CellChange] = {}
        for source, source_measures in by_source.items():
            for row in MeasureFact.objects.filter(source=source).iterator(chunk_size=2000):
                fact = fact_from_row(row)
                for measure in source_measures:
                    if fact.applies_to(measure.organisation_id):
                        _collect(cells, measure, fact, +1)
        _create_cells(cells)
    return len(cells)


def _rebuild_facts() -> None:
    MeasureFact.objects.all().delete()
    for reader in READERS.values():
        ids = list(reader.model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 2000):
            facts = reader.facts(set(ids[start : start + 2000]))
            MeasureFact.objects.bulk_create(
                [row_from_fact(f) for f in facts.values()], batch_size=CHUNK
            )


def _create_cells(cells: dict[str, CellChange]) -> None:
    rows = [
        Rollup(
            key=key,
            measure_id=cell.measure_id,
            organisation_id=cell.organisation_id,
            scope_kind=cell.scope_kind,
            scope_id=cell.scope_id,
            period_kind=cell.period_kind,
            period_start=cell.period_start,
            n=cell.n,
            total=cell.total,
            hits=cell.hits,
            misses=cell.misses,
            distinct=sum(1 for count in cell.members.values() if count),
            median=defs.median_of(list(cell.bins.items())) if cell.has_bins else None,
        )
        for key, cell in cells.items()
        if cell.n
    ]
    Rollup.objects.bulk_create(rows, batch_size=CHUNK)
    ids = dict(Rollup.objects.filter(key__in=[]).values_list("key", "pk"))  # placeholder
    del ids
    pks = {}
    keys = [r.key for r in rows]
    for start in range(0, len(keys), CHUNK):
        pks.update(
            dict(
                Rollup.objects.filter(key__in=keys[start : start + CHUNK]).values_list("key", "pk")
            )
        )
    members = [
        RollupMember(rollup_id=pks[key], entity_id=entity, count=count)
        for key, cell in cells.items()
        if key in pks
        for entity, count in cell.members.items()
        if count
    ]
    bins = [
        RollupBin(rollup_id=pks[key], value=value, count=count)
        for key, cell in cells.items()
        if key in pks
        for value, count in cell.bins.items()
        if count
    ]
    RollupMember.objects.bulk_create(members, batch_size=CHUNK)
    RollupBin.objects.bulk_create(bins, batch_size=CHUNK)
