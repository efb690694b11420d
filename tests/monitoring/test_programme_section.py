"""The programme page links to the programme's monitoring settings and outcome measures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.permissions import request_as

pytestmark = pytest.mark.django_db


def test_the_programme_page_links_to_its_monitoring(cast, desk):
    body = request_as(cast.carl, desk.growth.get_absolute_url()).content.decode()
    assert 'id="programme-monitoring"' in body
    assert reverse("monitoring:programme-settings", args=[desk.growth.pk]) in body
    assert reverse("monitoring:outcome-measures", args=[desk.growth.pk]) in body
