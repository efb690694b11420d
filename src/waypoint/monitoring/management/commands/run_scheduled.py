"""``waypoint run-scheduled`` (or ``run_scheduled``): run the scheduled jobs now, for cron.

The same jobs the ``waypoint qcluster`` worker runs every morning at 07:00 (see
``waypoint.monitoring.tasks``). Safe to run more than once a day: each reminder is sent once.
``--install-schedule`` creates that daily schedule instead of running the jobs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waypoint.monitoring import reminders
from waypoint.monitoring.tasks import ensure_schedule, run_scheduled

LABELS = {
    reminders.REVIEW_DUE: "Reminders of reviews coming due",
    reminders.REVIEW_OVERDUE: "Reminders of overdue reviews",
    reminders.FOLLOW_UP: "Reminders of outcome follow-ups",
    reminders.NO_ADDRESS: "Not sent: the lead adviser has no email address",
}


class Command(BaseCommand):
    help = "Run the scheduled jobs now (reminders by email) and print what was sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="Run as if today were this date (YYYY-MM-DD); default: each organisation's date.",
        )
        parser.add_argument(
            "--install-schedule",
            action="store_true",
            help="Create the daily 07:00 schedule for the qcluster worker instead (idempotent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["install_schedule"]:
            schedule = ensure_schedule()
            self.stdout.write(
                f"Daily schedule {schedule.name!r}: next run {schedule.next_run:%Y-%m-%d %H:%M %Z}."
            )
            return
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today: give a date as YYYY-MM-DD.") from None
        counts = run_scheduled(today=today)
        for kind, label in LABELS.items():
            self.stdout.write(f"{label}: {counts.get(kind, 0)}")
        self.stdout.write(
            f"Emails sent: {sum(counts.get(k, 0) for k in LABELS if k != reminders.NO_ADDRESS)}"
        )
        for label, count in counts.items():
            if label not in LABELS:
                self.stdout.write(f"{label}: {count}")
