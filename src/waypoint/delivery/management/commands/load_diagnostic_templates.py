"""Load the standard diagnostic templates shipped as files (delivery/diagnostic_templates/).

Idempotent: files already loaded are left alone; a file changed after it was loaded is refused
(a change is a new version file). Run after each upgrade: ``waypoint load_diagnostic_templates``.
See docs/diagnostic-templates.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waypoint.core.audit import acting_as
from waypoint.delivery.diagnostic_definitions import DefinitionError
from waypoint.delivery.services.diagnostics import load_standard_templates


class Command(BaseCommand):
    help = "Load the standard diagnostic templates shipped with Waypoint (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with acting_as(None):
                report = load_standard_templates()
        except DefinitionError as error:
            raise CommandError("Nothing loaded: " + "; ".join(error.errors)) from None
        for name in report.created:
            self.stdout.write(f"loaded {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} template(s) loaded, {len(report.unchanged)} unchanged."
            )
        )
