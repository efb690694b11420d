"""Import clients, people or contacts from a CSV or XLSX file, as a named person.

The same importers, checks and all-or-nothing commit as the import pages (/imports/<kind>/),
for operators: ``waypoint import_records contacts file.xlsx --organisation "Enterprise Hub
Ltd" --user mary.shaw``. ``--dry-run`` previews only. The person's roles decide what they may
import, as on the pages, and the audit log names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waypoint.core.audit import acting_as
from waypoint.core.importing import DUPLICATE_CHOICES, ImportResult, importers
from waypoint.core.models import Organisation, User
from waypoint.core.permissions import OrganisationScopedPolicy, policy_for

ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import clients, people or contacts from a CSV or XLSX file (all rows or none)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="clients, people or contacts")
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--user", required=True, help="username of the person importing")
        parser.add_argument("--on-duplicate", choices=DUPLICATE_CHOICES, default="skip")
        parser.add_argument("--dry-run", action="store_true", help="preview only")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = importers()
        importer_class = kinds.get(options["kind"])
        if importer_class is None:
            raise CommandError(f"Unknown kind {options['kind']!r}; choose from {sorted(kinds)}.")
        if not options["file"].is_file():
            raise CommandError(f"No file at {options['file']}.")
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if organisation is None or user is None:
            raise CommandError("No such organisation, or no such active person.")
        policy = policy_for(importer_class.permission_model)
        assert isinstance(policy, OrganisationScopedPolicy)
        allowed = policy.organisations_for_add(user)
        if allowed is not None and organisation.pk not in allowed:
            raise CommandError(f"{user} may not import {importer_class.label} into {organisation}.")
        importer = importer_class(
            organisation=organisation, acting_user=user, on_duplicate=options["on_duplicate"]
        )
        if options["dry_run"]:
            result = importer.preview(options["file"])
        else:
            with acting_as(user):
                result = importer.commit(options["file"])
        self.report(result, importer_class.label, options["dry_run"])

    def report(self, result: ImportResult, label: str, dry_run: bool) -> None:
        if result.file_error:
            raise CommandError(result.file_error)
        for duplicate in result.duplicates[:ERRORS_SHOWN]:
            self.stdout.write(f"row {duplicate.row}: {duplicate.message}")
        for error in result.errors[:ERRORS_SHOWN]:
            self.stderr.write(f"row {error.row}, {error.column or '-'}: {error.message}")
        if result.errors:
            raise CommandError(
                f"Nothing imported: {len(result.errors)} problem(s) in {result.total_rows} rows."
            )
        if dry_run:
            self.stdout.write(f"{result.to_import} {label} would be imported (dry run).")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.created} {label} imported; {result.skipped} duplicates skipped."
                )
            )
