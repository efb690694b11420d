"""Settings read strictly from the environment; production refuses to start half-configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from waypoint.settings.env import (
    env_bool,
    env_cache,
    env_database,
    env_int,
    env_list,
    env_str,
)

VARIABLE = "WAYPOINT_TEST_SETTING"


@pytest.fixture
def setenv(monkeypatch):
    def set_value(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(VARIABLE, raising=False)
        else:
            monkeypatch.setenv(VARIABLE, value)

    return set_value


# env_bool --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        (" On ", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
    ],
)
def test_env_bool_accepts(setenv, raw, expected):
    setenv(raw)
    assert env_bool(VARIABLE, not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "-1", "y", "n", "enabled", "truee", "0.0"])
def test_env_bool_rejects_anything_else_naming_the_variable(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VARIABLE) as error:
        env_bool(VARIABLE, False)
    assert repr(raw) in str(error.value)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_bool_uses_the_default_when_unset(setenv, raw):
    setenv(raw)
    assert env_bool(VARIABLE, True) is True
    assert env_bool(VARIABLE, False) is False


# env_int, env_str, env_list --------------------------------------------------------------------


def test_env_int_reads_whole_numbers(setenv):
    setenv(" 42 ")
    assert env_int(VARIABLE, 7) == 42
    setenv(None)
    assert env_int(VARIABLE, 7) == 7


@pytest.mark.parametrize("raw", ["forty", "4.5", "1e3", "12 monkeys"])
def test_env_int_rejects_non_numbers(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} must be a whole number"):
        env_int(VARIABLE, 1)


def test_env_int_rejects_values_below_the_minimum(setenv):
    setenv("299")
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} must be at least 300, not 299"):
        env_int(VARIABLE, 600, minimum=300)
    setenv("300")
    assert env_int(VARIABLE, 600, minimum=300) == 300


def test_env_str_requires_a_value_when_there_is_no_default(setenv):
    setenv("")
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} must be set"):
        env_str(VARIABLE)
    assert env_str(VARIABLE, "fallback") == "fallback"
    setenv("value")
    assert env_str(VARIABLE) == "value"


def test_env_list_splits_on_commas_and_drops_blanks(setenv):
    setenv(" waypoint.example.org, ,api.example.org ")
    assert env_list(VARIABLE) == ["waypoint.example.org", "api.example.org"]
    setenv(None)
    assert env_list(VARIABLE, ["localhost"]) == ["localhost"]


# env_database ----------------------------------------------------------------------------------


def test_env_database_reads_postgres_and_sqlite(setenv):
    setenv("postgres://waypoint:secret@db.internal:5433/waypoint")
    config = env_database(VARIABLE, "sqlite:////srv/waypoint/unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.internal",
        5433,
        "waypoint",
        "waypoint",
    )
    setenv(None)
    config = env_database(VARIABLE, "sqlite:////srv/waypoint/waypoint.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/waypoint/waypoint.sqlite3"


@pytest.mark.parametrize(
    "raw",
    ["mysql://user:pw@localhost/waypoint", "oracle://user:pw@localhost/waypoint"],
)
def test_env_database_rejects_an_unsupported_database(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} names an unsupported database"):
        env_database(VARIABLE, "sqlite:////srv/waypoint/unused.sqlite3")


@pytest.mark.filterwarnings("ignore:Engine not recognized")
@pytest.mark.parametrize("raw", ["not a url", "nosuchscheme://x/y", "postgres://host:port/x"])
def test_env_database_rejects_a_malformed_url(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VARIABLE):
        env_database(VARIABLE, "sqlite:////srv/waypoint/unused.sqlite3")


# env_cache -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "backend"),
    [
        (None, "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
        ("dbcache://waypoint_cache", "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_env_cache_reads_the_supported_caches(setenv, raw, backend):
    setenv(raw)
    assert env_cache(VARIABLE, "locmemcache://")["BACKEND"] == backend


@pytest.mark.parametrize("raw", ["memcachedd://host", "not a url"])
def test_env_cache_rejects_an_unknown_cache_naming_the_variable(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} is not a cache URL"):
        env_cache(VARIABLE, "locmemcache://")


# Production settings, imported in a clean process ----------------------------------------------

GOOD_KEY = "q8Vf3-LrT0xZp9sW2mYc7NhJ4bKd6Ge1UaQo5RiXtEyHvBnMlCgPjSwDzFuIkOe"
SHOW_SETTINGS = """
import json
import waypoint.settings.production as s
print(json.dumps({name: getattr(s, name) for name in (
    "DEBUG", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
    "WAYPOINT_SUPERUSER_TWO_FACTOR", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_HTTPONLY",
)}))
"""


def run_production(tmp_path: Path, code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "WAYPOINT_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "waypoint.settings.production",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refusal(tmp_path: Path, **environment: str) -> str:
    result = run_production(tmp_path, "import waypoint.settings.production", **environment)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    message = refusal(tmp_path, ALLOWED_HOSTS="waypoint.example.org")
    assert "The environment variable SECRET_KEY must be set." in message


@pytest.mark.parametrize(
    "key",
    [
        "too-short-a-key",
        "insecure-local-only-key-do-not-use-in-production-at-all-ever",
        "a" * 60,  # long, but not random: fewer than five distinct characters
    ],
)
def test_production_refuses_a_short_or_insecure_secret_key(tmp_path, key):
    message = refusal(tmp_path, SECRET_KEY=key, ALLOWED_HOSTS="waypoint.example.org")
    assert "SECRET_KEY must be a random value of at least 50 characters" in message


@pytest.mark.parametrize("hosts", [None, "", " , "])
def test_production_refuses_to_start_without_allowed_hosts(tmp_path, hosts):
    environment = {"SECRET_KEY": GOOD_KEY}
    if hosts is not None:
        environment["ALLOWED_HOSTS"] = hosts
    message = refusal(tmp_path, **environment)
    assert "ALLOWED_HOSTS must list the host names" in message


def test_production_refuses_a_bad_flag_naming_it(tmp_path):
    message = refusal(
        tmp_path,
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="waypoint.example.org",
        SECURE_SSL_REDIRECT="sometimes",
    )
    assert "SECURE_SSL_REDIRECT must be true or false" in message


def test_production_with_everything_set_is_secure(tmp_path):
    result = run_production(
        tmp_path,
        SHOW_SETTINGS,
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="waypoint.example.org,www.waypoint.example.org",
        CSRF_TRUSTED_ORIGINS="https://waypoint.example.org",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["waypoint.example.org", "www.waypoint.example.org"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://waypoint.example.org"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["WAYPOINT_SUPERUSER_TWO_FACTOR"] is True


def test_production_passes_djangos_deployment_checks(tmp_path):
    """Only the HSTS preload list is left to the operator (SECURE_HSTS_PRELOAD)."""
    result = run_production(
        tmp_path,
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="waypoint.example.org",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = {line.split(")")[0] for line in output.splitlines() if line.startswith("?: (")}
    assert warnings <= {"?: (security.W021"}, output
