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
