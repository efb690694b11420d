"""``waypoint rollups rebuild``: compute every rollup again from the records;
``waypoint rollups load-library``: add or update the standard measures."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waypoint.core.audit import acting_as
from waypoint.measures import rollups
from waypoint.measures.library import load_standard_measures
from waypoint.measures.models import Measure


class Command(BaseCommand):
    help = "Rebuild the measures' rollups from the records, or load the standard measures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "load-library"])
        parser.add_argument(
            "--measure",
            action="append",
            default=[],
            help="Rebuild only this measure (its code; may be given more than once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-library":
            with acting_as(None):
                created, updated = load_standard_measures(Measure)
            self.stdout.write(f"Standard measures: {created} added, {updated} updated.")
            return
        measure_ids = None
        if options["measure"]:
            found = dict(
                Measure.objects.filter(code__in=options["measure"]).values_list("code", "pk")
            )
            unknown = sorted(set(options["measure"]) - set(found))
            if unknown:
                raise CommandError(f"No measure with the code {', '.join(unknown)}.")
            measure_ids = list(found.values())
        started = time.monotonic()
        cells = rollups.rebuild(measure_ids, refresh_facts=measure_ids is None)
        self.stdout.write(f"Rollups rebuilt: {cells} cells in {time.monotonic() - started:.1f} s.")
