"""The named people every test can call on (healthchecks' Alice, Bob and Charlie).

``cast`` builds, in the test's database:
- northshire: a commissioner; hub and pathways: two providers (hub's records are out of
  pathways' scope and the other way round);
- ada, administrator at hub; mary, service manager at hub; alice, adviser at hub (in hub's
  start-up team); carl, contract manager at northshire; pat, provider staff at pathways;
  oscar, an outsider with no role; root, a superuser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, TeamFactory, UserFactory, person
from waypoint.core.models import Organisation, Team, User
from waypoint.core.roles import Role

# The browser plugin prints the "Browser tests: ..." summary line; under pytest-xdist only a
# plugin registered here reaches the controlling process.
pytest_plugins = ["tests.browser.plugin"]


@dataclass
class Cast:
    northshire: Organisation
    hub: Organisation
    pathways: Organisation
    startup_team: Team
    ada: User
    mary: User
    alice: User
    carl: User
    pat: User
    oscar: User
    root: User

    def client(self, user: User | None) -> Client:
        """A test client signed in as ``user`` (anonymous when None)."""
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    northshire = OrganisationFactory(
        name="Northshire Combined Authority", kind=Organisation.Kind.COMMISSIONER
    )
    hub = OrganisationFactory(name="Enterprise Hub", kind=Organisation.Kind.PROVIDER)
    pathways = OrganisationFactory(name="Pathways Employment", kind=Organisation.Kind.PROVIDER)
    startup_team = TeamFactory(organisation=hub, name="Start-up")
    return Cast(
        northshire=northshire,
        hub=hub,
        pathways=pathways,
        startup_team=startup_team,
        ada=person("ada", "Ada", role=Role.ADMINISTRATOR, organisation=hub),
        mary=person("mary", "Mary", role=Role.SERVICE_MANAGER, organisation=hub),
        alice=person("alice", "Alice", role=Role.ADVISER, organisation=hub, team=startup_team),
        carl=person("carl", "Carl", role=Role.CONTRACT_MANAGER, organisation=northshire),
        pat=person("pat", "Pat", role=Role.PROVIDER_STAFF, organisation=pathways),
        oscar=person("oscar", "Oscar"),
        root=UserFactory(username="root", first_name="Root", is_superuser=True, is_staff=True),
    )


@pytest.fixture
def standard_templates(db: None) -> dict[str, Any]:
    """The standard diagnostic templates by key. Migration delivery 0005 loads them, but a
    transactional test (the browser tests, the demo command) empties the database after itself,
    so tests that use them ask for this fixture, which loads them again when missing."""
    from waypoint.delivery.models import DiagnosticTemplate
    from waypoint.delivery.services.diagnostics import load_standard_templates

    load_standard_templates()
    return {t.key: t for t in DiagnosticTemplate.objects.filter(organisation=None, is_active=True)}


@pytest.fixture
def standard_measures(db: None) -> dict[str, Any]:
    """The standard measures by code. Migration measures 0002 loads them, but a transactional
    test empties the database after itself, so tests that use them ask for this fixture, which
    loads them again when missing."""
    from waypoint.measures.library import load_standard_measures
    from waypoint.measures.models import Measure

    load_standard_measures(Measure)
    return {m.code: m for m in Measure.objects.filter(organisation=None)}
