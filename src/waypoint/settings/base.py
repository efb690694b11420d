"""Settings shared by every environment. Values that differ come from the environment."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.bootstrap

from waypoint.settings.env import (
    env_bool,
    env_cache,
    env_database,
    env_int,
    env_list,
    env_str,
)

APP_DIR = Path(__file__).resolve().parent.parent  # src/waypoint
PROJECT_DIR = APP_DIR.parent.parent  # the repository (or install) root
VAR_DIR = Path(env_str("WAYPOINT_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-local-only-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'waypoint.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/ (it is ignored by git); SQLite cannot create the folder.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One process: memory. Several web processes (gunicorn workers, servers) need a shared cache so
# that API throttling counts every request: CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env_cache("CACHE_URL", "locmemcache://")}

INSTALLED_APPS = [
    "waypoint.core.admin_apps.WaypointAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_q",
    "import_export",
    "waypoint.core",
    "waypoint.clients",
    "waypoint.delivery",
    "waypoint.monitoring",
    "waypoint.measures",
    "waypoint.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "waypoint.core.middleware.RequestIdMiddleware",
    "waypoint.core.middleware.ClientAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "waypoint.core.middleware.TwoFactorMiddleware",
    # Axes must come last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "waypoint.urls"
WSGI_APPLICATION = "waypoint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APP_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "waypoint.core.context_processors.navigation",
            ],
        },
    },
]

# Accounts and security
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token is sent from a meta tag
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# django-axes: lock an account (per username and address) after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "waypoint.core.request_context.client_address"
# How many reverse proxies in front of Waypoint append to X-Forwarded-For (0: trust none).
WAYPOINT_PROXY_COUNT = env_int("WAYPOINT_PROXY_COUNT", 0, minimum=0)

# django-otp; administrators choose per role which roles must use it (core.RolePolicy).
WAYPOINT_SUPERUSER_TWO_FACTOR = env_bool("WAYPOINT_SUPERUSER_TWO_FACTOR", False)
OTP_TOTP_ISSUER = "Waypoint"

# Content-Security-Policy: no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Internationalisation and time: stored in UTC, shown in Europe/London unless the
# organisation says otherwise (see waypoint.core.middleware).
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files: Bootstrap comes from the XStatic-Bootstrap package, htmx from django-htmx.
STATIC_URL = "/static/"
STATIC_ROOT: Path | None = PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Forms and tables
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover align-middle"}

# Email
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Waypoint <waypoint@localhost>")

# Audit: django-auditlog takes the request id (waypoint.core.request_context) as its
# correlation id.
AUDITLOG_CID_GETTER = "waypoint.core.request_context.current_request_id"
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Record a related record by its name, not its database id, so that history reads plainly.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "waypoint.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "waypoint.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "waypoint.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Waypoint API",
    "DESCRIPTION": "Business support delivery and service performance monitoring.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choices used by more than one field get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ReviewUnitEnum": "waypoint.delivery.models.ReviewUnit",
        "ReviewDepthEnum": "waypoint.delivery.models.ReviewDepth",
        "ReferralStatusEnum": "waypoint.delivery.models.ReferralStatus",
        "ReferralUsefulnessEnum": "waypoint.delivery.models.ReferralUsefulness",
        "GoalStatusEnum": "waypoint.delivery.models.GoalStatus",
        "ActionStatusEnum": "waypoint.delivery.models.ActionStatus",
        "DiagnosticStatusEnum": "waypoint.delivery.models.DiagnosticStatus",
        "DiagnosticKindEnum": "waypoint.delivery.models.DiagnosticKind",
    },
}

# Background tasks: django-q2 with the database as broker (Redis when deployed at scale).
Q_CLUSTER = {
    "name": "waypoint",
    "orm": "default",
    "workers": env_int("WAYPOINT_TASK_WORKERS", 2, minimum=1),
    # An import of 100,000 contacts takes about three minutes on a small machine; allow ten times
    # that before a task is stopped. django-q2 needs ``retry`` to exceed ``timeout``.
    "timeout": 1800,
    "retry": 1900,
    "catch_up": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"},
    },
    "filters": {"request_id": {"()": "waypoint.core.request_context.RequestIdLogFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
