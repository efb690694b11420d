from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from waypoint.core.audit import SYSTEM_USERNAME
from waypoint.core.management.commands.demo import DEMO_PASSWORD, PEOPLE
from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.roles import Role
from waypoint.core.security import two_factor_required

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_loads_organisations_teams_and_people_in_every_role():
    output = _demo()
    assert Organisation.objects.filter(kind=Organisation.Kind.COMMISSIONER).count() == 1
    assert Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).count() == 2
    assert Team.objects.count() == 5
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(is_system=False).count() == len(PEOPLE) + 1
    for person in PEOPLE:
        assert person.username in output
    assert DEMO_PASSWORD in output


def test_demo_logins_work():
    _demo()
    assert User.objects.get(username="alice.moss").check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.check_password(DEMO_PASSWORD) and admin.is_superuser


def test_demo_is_idempotent_and_keeps_changes():
    _demo()
    Team.objects.filter(name="Growth").update(name="Scale-up")
    output = _demo()
    assert "already loaded" in output
    assert Team.objects.filter(name="Scale-up").count() == 1
    assert Team.objects.count() == 5


def test_demo_is_attributed_to_the_system_account():
    _demo()
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert entries.exists()
    assert set(entries.values_list("actor__username", flat=True)) == {SYSTEM_USERNAME}


def test_demo_shows_two_factor_for_commissioner_administrators():
    _demo()
    assert two_factor_required(User.objects.get(username="nadia.khan"))
    assert not two_factor_required(User.objects.get(username="ada.lovell"))


def test_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "waypoint.settings.production"
    with pytest.raises(CommandError, match="production"):
        call_command("demo", stdout=io.StringIO())
    assert not Organisation.objects.exists()
