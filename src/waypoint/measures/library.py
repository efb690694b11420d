"""The standard measure library, shipped as data (``standard_measures.json``).

``load_standard_measures`` adds new standard measures and brings changed ones up to date; it
runs in migration ``measures 0002`` and in ``waypoint rollups load-library``. Standard
measures belong to no organisation. Each is checked as an organisation's own would be, and
ratios must name measures that exist.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from waypoint.measures import definitions as defs

LIBRARY = Path(__file__).with_name("standard_measures.json")
FIELDS = (
    "name",
    "category",
    "unit",
    "direction",
    "definition",
    "description",
    "validity",
    "data_source",
)


def standard_entries() -> list[dict[str, Any]]:
    entries = json.loads(LIBRARY.read_text(encoding="utf-8"))
    codes = {entry["code"] for entry in entries}
    for entry in entries:
        definition = defs.parse(entry["definition"])  # a bad file stops here, loudly
        for code in (definition.numerator_code, definition.denominator_code):
            if code and code not in codes:
                raise defs.DefinitionError([f"{entry['code']}: no measure {code!r}"])
    return entries


def load_standard_measures(measure_model: Any) -> tuple[int, int]:
    """Create or update the standard measures; returns (created, updated). ``measure_model``
    is the model class (the historical one in a migration)."""
    created = updated = 0
    for position, entry in enumerate(standard_entries(), start=1):
        values = {name: entry[name] for name in FIELDS} | {"position": position * 10}
        found = measure_model.objects.filter(organisation__isnull=True, code=entry["code"]).first()
        if found is None:
            measure_model.objects.create(organisation=None, code=entry["code"], **values)
            created += 1
        elif any(getattr(found, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(found, name, value)
            found.save()
            updated += 1
    return created, updated
