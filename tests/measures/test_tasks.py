"""The daily job brings figures that change with time alone up to date."""

from __future__ import annotations

import datetime as dt

import pytest

from waypoint.measures import rollups
from waypoint.measures.models import Rollup
from waypoint.measures.tasks import OPEN_CONCERNS, refresh_with_time
from waypoint.monitoring.models import Concern
from waypoint.monitoring.tasks import run_scheduled

pytestmark = pytest.mark.django_db


def in_time_cell(desk):
    return Rollup.objects.filter(
        measure__code="concerns_resolved_in_time",
        scope_kind="organisation",
        scope_id=desk.alice_engagement.organisation_id,
        period_kind="financial_year",
    ).first()


def test_an_open_concern_past_its_time_limit_counts_as_not_resolved_in_time(
    desk, standard_measures, monkeypatch
):
    raised = dt.date(2026, 10, 1)
    Concern.objects.create(
        organisation_id=desk.alice_engagement.organisation_id,
        engagement=desk.alice_engagement,
        source="client",
        raised_on=raised,
        about="delay",
        summary="No call back",
    )
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: raised + dt.timedelta(5))
    rollups.rebuild()
    assert in_time_cell(desk) is None  # not yet due: not counted either way

    assert refresh_with_time(raised + dt.timedelta(days=30)) == {OPEN_CONCERNS: 1}
    cell = in_time_cell(desk)
    assert (cell.n, cell.hits) == (1, 0)
    assert refresh_with_time(raised + dt.timedelta(days=31)) == {OPEN_CONCERNS: 0}


def test_the_daily_jobs_include_measures(desk, standard_measures):
    counts = run_scheduled(today=dt.date(2026, 11, 24))
    assert counts[OPEN_CONCERNS] == 0
