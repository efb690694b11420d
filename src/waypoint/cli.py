"""The ``waypoint`` operator command: Django's management commands plus Waypoint's own.

``waypoint migrate``, ``waypoint createsuperuser --noinput``, ``waypoint demo``, ...
Settings default to ``waypoint.settings.local``; set DJANGO_SETTINGS_MODULE in production.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waypoint.settings.local")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv if argv is not None else sys.argv)
    except ImproperlyConfigured as error:
        # A setting the operator must fix: say which, without a traceback.
        sys.stderr.write(f"Waypoint cannot start: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
