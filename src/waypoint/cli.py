"""The ``waypoint`` operator command: Django's management commands plus Waypoint's own.

``waypoint migrate``, ``waypoint createsuperuser --noinput``, ``waypoint demo``, ...
Settings default to ``waypoint.settings.local``; set DJANGO_SETTINGS_MODULE in production.
"""

from __future__ import annotations

import os
import sys

# Commands also known by a hyphenated name (``waypoint run-scheduled``, as cron lines are written).
ALIASES = {"run-scheduled": "run_scheduled"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waypoint.settings.local")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    argv = list(argv if argv is not None else sys.argv)
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        # A setting the operator must fix: say which, without a traceback.
        sys.stderr.write(f"Waypoint cannot start: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
