"""Programme changes agreed with a client (000 req 8): the service, the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.permissions import check_access, request_as
from waypoint.core.models import DomainEvent
from waypoint.monitoring.models import Concern, ProgrammeChange
from waypoint.monitoring.services.concerns import concern_raise
from waypoint.monitoring.services.programme_changes import programme_change_record

pytestmark = pytest.mark.django_db
API = "/api/v1/programme-changes/"
FROM = dt.date(2026, 6, 1)


def _concern(desk, engagement=None) -> Concern:
    engagement = engagement or desk.alice_engagement
    return concern_raise(
        engagement=engagement,
        acting_user=engagement.lead_adviser,
        summary="Meetings are too far away.",
        source=Concern.Source.CLIENT,
        about=Concern.About.SERVICE,
    )


def test_record_links_the_concern_and_writes_an_event(cast, desk):
    concern = _concern(desk)
    change = programme_change_record(
        engagement=desk.alice_engagement,
        what_changed="Meetings online",
        why="Travel",
        effective_from=FROM,
        acting_user=cast.alice,
        concern=concern,
    )
    assert change.organisation == cast.hub and change.recorded_by == cast.alice
    assert list(concern.programme_changes.all()) == [change]
    assert DomainEvent.objects.filter(verb="programme_change.recorded").count() == 1


def test_record_refuses_bad_input_and_other_engagements(cast, desk):
    other = _concern(desk, desk.mary_engagement)
    with pytest.raises(ValidationError) as error:
        programme_change_record(
            engagement=desk.alice_engagement,
            what_changed=" ",
            why="",
            effective_from=FROM,
            acting_user=cast.alice,
            concern=other,
        )
    assert {"what_changed", "why", "concern"} <= set(error.value.message_dict)
    with pytest.raises(PermissionDenied):
        programme_change_record(
            engagement=desk.alice_engagement,
            what_changed="x",
            why="y",
            effective_from=FROM,
            acting_user=cast.carl,
        )
    assert not ProgrammeChange.objects.exists()


def test_create_page(cast, desk):
    engagement = desk.alice_engagement
    concern = _concern(desk)
    url = reverse("monitoring:programme-change-create", args=[engagement.pk])
    form = request_as(cast.alice, url + f"?concern={concern.pk}")
    assert form.status_code == 200 and b"What changes" in form.content
    check_access(
        cast,
        url,
        method="post",
        data={
            "what_changed": "Fortnightly instead of monthly meetings",
            "why": "The client wants more support during the launch",
            "effective_from": FROM.isoformat(),
            "agreed_with_client": "on",
            "concern": concern.pk,
        },
        allowed=cast.alice,
        wrong_role=cast.carl,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(ProgrammeChange, "create")],
    )
    change = ProgrammeChange.objects.get()
    assert change.concern == concern and change.agreed_with_client
    page = request_as(cast.alice, engagement.get_absolute_url())
    assert b"Fortnightly instead of monthly meetings" in page.content
    assert url.encode() in page.content
    bad = request_as(cast.alice, url, method="post", data={"what_changed": "x"})
    assert bad.status_code == 200 and b"Why" in bad.content
    assert ProgrammeChange.objects.count() == 1


def test_api(cast, desk):
    data = {
        "engagement": desk.alice_engagement.pk,
        "what_changed": "Add a marketing workshop",
        "why": "Agreed at the review",
        "effective_from": FROM.isoformat(),
    }
    created = check_access(
        cast,
        API,
        method="post",
        data=data,
        api=True,
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
        expect=201,
        audited=[(ProgrammeChange, "create")],
    )
    change_id = created.json()["id"]
    assert created.json()["recorded_by"] == cast.alice.pk
    # Bob advises at hub but not on this engagement: it is not one he may choose.
    refused = request_as(desk.bob, API, method="post", data=data, api=True)
    assert refused.status_code == 400 and "engagement" in refused.json()["errors"]
    assert request_as(cast.pat, API, method="post", data=data, api=True).status_code == 403
    assert ProgrammeChange.objects.count() == 1
    listed = check_access(
        cast, API, api=True, allowed=cast.mary, wrong_role=cast.oscar, out_of_scope=None
    )
    assert [row["id"] for row in listed.json()["results"]] == [change_id]
    check_access(
        cast,
        f"{API}{change_id}/",
        api=True,
        allowed=cast.carl,
        wrong_role=cast.oscar,
        out_of_scope=cast.pat,
    )
    assert request_as(cast.pat, API, api=True).json()["results"] == []
