"""Settings for the test suite: fast hashing, in-memory email, no lockout between tests."""

from waypoint.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in use
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Static files straight from the apps and packages; collectstatic is for production only.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
