"""The ``waypoint`` operator command: Django's management commands behind one console script."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from waypoint import cli
from waypoint.core.models import User


def test_the_console_script_is_waypoint_cli_main():
    (script,) = entry_points(group="console_scripts", name="waypoint")
    assert script.value == "waypoint.cli:main"
    assert script.load() is cli.main


def test_waypoint_check(capsys):
    cli.main(["waypoint", "check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_an_unknown_command_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["waypoint", "no-such-command"])
    assert exit_.value.code != 0
    assert "Unknown command: 'no-such-command'" in capsys.readouterr().err


def test_settings_default_to_local_but_never_override(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "waypoint.settings.test")
    cli.main(["waypoint", "check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "waypoint.settings.test"
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    cli.main(["waypoint", "check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "waypoint.settings.local"


# Transactional: Django's run_from_argv closes every connection when a command ends, which on
# PostgreSQL would end the transaction an ordinary test runs inside.
@pytest.mark.django_db(transaction=True)
def test_createsuperuser_noinput_uses_the_password_from_the_environment(monkeypatch, capsys):
    password = "operator chooses this 93"
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "operator")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "operator@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    cli.main(["waypoint", "createsuperuser", "--noinput"])
    assert "Superuser created successfully" in capsys.readouterr().out

    user = User.objects.get(username="operator")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.email == "operator@example.org"
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "operator", "password": password}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_createsuperuser_noinput_refuses_a_taken_username(monkeypatch, capsys):
    User.objects.create_user(username="operator", password="x" * 12)
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "operator")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "operator@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "operator chooses this 93")
    with pytest.raises(SystemExit):
        cli.main(["waypoint", "createsuperuser", "--noinput"])
    assert "already taken" in capsys.readouterr().err
    assert not User.objects.get(username="operator").is_superuser


def test_the_installed_command_explains_a_missing_setting_without_a_traceback(tmp_path):
    script = Path(sys.executable).with_name("waypoint")
    assert script.exists()
    result = subprocess.run(
        [str(script), "check"],
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "WAYPOINT_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "waypoint.settings.production",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Waypoint cannot start: The environment variable SECRET_KEY must be set."
    )
