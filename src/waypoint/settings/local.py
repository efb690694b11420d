"""Settings for a developer's machine and `make demo`: SQLite under var/, console email."""

from waypoint.settings.base import *  # noqa: F403
from waypoint.settings.env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Static files straight from the apps and packages; collectstatic is for production only.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Background tasks (imports) run synchronously, inside the request that queues them, so that
# `make demo` needs no worker. Production runs `waypoint qcluster` as a separate process.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
