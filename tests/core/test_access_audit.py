from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from tests.permissions import audit_entries_for
from waypoint.core.audit import acting_as, record_access

pytestmark = pytest.mark.django_db


def test_record_access_writes_an_access_entry_for_the_actor(cast):
    with acting_as(cast.mary):
        record_access(cast.startup_team)
    entry = audit_entries_for(cast.startup_team).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == cast.mary
    assert entry.cid


def test_audit_entries_cannot_be_rewritten_even_in_bulk(cast):
    from django.db import IntegrityError, transaction

    entry = audit_entries_for(cast.startup_team).first()
    assert entry is not None
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(actor=cast.mary)
    entry.refresh_from_db()
    assert entry.object_repr == "Start-up"


def test_deleting_a_person_keeps_their_entries_with_the_copied_name(cast):
    from tests.factories import UserFactory
    from waypoint.core.models import Team

    leaver = UserFactory(username="leaver", email="leaver@example.org")
    with acting_as(leaver):
        team = Team.objects.create(organisation=cast.hub, name="Short-lived")
    leaver.delete()
    entry = audit_entries_for(team).get(action=LogEntry.Action.CREATE)
    assert entry.actor is None
    assert entry.actor_email == "leaver@example.org"
