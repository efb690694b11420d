"""Monitoring's scheduled jobs (django-q2): the reminders, daily at 07:00.

``ensure_schedule()`` creates the django-q schedule once; the ``waypoint qcluster`` worker then
runs ``run_scheduled`` every morning. Without a worker, cron can run ``waypoint run-scheduled``
instead (the jobs are safe to run more than once a day: each reminder is sent once).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from waypoint.monitoring.reminders import send_due_reminders

SCHEDULE_NAME = "waypoint-run-scheduled"
SCHEDULE_FUNC = "waypoint.monitoring.tasks.run_scheduled"
RUN_AT = dt.time(7, 0)


# Jobs of the modules above monitoring (measures refreshes figures that change with time),
# added in their AppConfig.ready: each takes the day (None: today) and returns counts by label.
_jobs: list[Callable[[dt.date | None], dict[str, int]]] = []


def add_scheduled_job(job: Callable[[dt.date | None], dict[str, int]]) -> None:
    if job not in _jobs:
        _jobs.append(job)


def run_scheduled(today: dt.date | None = None) -> dict[str, int]:
    """Run every scheduled job now; return what each did (for the task result and the command):
    the reminders by kind, then each added job's counts by label."""
    counts = dict(send_due_reminders(today=today))
    for job in _jobs:
        counts.update(job(today))
    return counts


def ensure_schedule() -> Schedule:
    """The daily django-q schedule running ``run_scheduled`` at 07:00 local time, created once.

    Calling it again changes nothing but a changed function or frequency (the next run stays).
    """
    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).order_by("pk").first()
    if schedule is None:
        return Schedule.objects.create(
            name=SCHEDULE_NAME,
            func=SCHEDULE_FUNC,
            schedule_type=Schedule.DAILY,
            repeats=-1,
            next_run=_next_run(),
        )
    if schedule.func != SCHEDULE_FUNC or schedule.schedule_type != Schedule.DAILY:
        schedule.func = SCHEDULE_FUNC
        schedule.schedule_type = Schedule.DAILY
        schedule.repeats = -1
        schedule.save(update_fields=["func", "schedule_type", "repeats"])
    return schedule


def _next_run(now: dt.datetime | None = None) -> dt.datetime:
    """The next 07:00 in the site's time zone (django-q2 keeps it at 07:00 across clock changes)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local_now = (now or timezone.now()).astimezone(zone)
    run = dt.datetime.combine(local_now.date(), RUN_AT, tzinfo=zone)
    if run <= local_now:
        run = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), RUN_AT, tzinfo=zone)
    return run
