#!/usr/bin/env python
"""Django's manage.py for those used to it; the same as the ``waypoint`` command."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from waypoint.cli import main

if __name__ == "__main__":
    main()
