"""A setting the operator got wrong stops the `waypoint` command with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _waypoint(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from waypoint.cli import main; main()", *args],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "waypoint.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
        ("CACHE_URL", "nonsense://", "CACHE_URL is not a cache URL"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL names an unsupported database"),
        ("AXES_FAILURE_LIMIT", "lots", "AXES_FAILURE_LIMIT must be a whole number"),
    ],
)
def test_bad_setting_is_named_without_a_traceback(variable, value, message):
    result = _waypoint("check", **{variable: value})
    assert result.returncode == 2
    assert result.stderr.startswith("Waypoint cannot start:")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
