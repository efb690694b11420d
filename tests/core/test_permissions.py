"""Who sees and may change what: ``restrict()`` per model, action and person; django-rules;
``get_object_for``; the policy registry."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils import timezone

from tests.factories import TeamFactory
from waypoint.core.models import (
    BaseModel,
    DomainEvent,
    Organisation,
    RoleAssignment,
    RolePolicy,
    Team,
    User,
)
from waypoint.core.permissions import ACTIONS, policy_for
from waypoint.core.roles import Role
from waypoint.core.viewkit import get_object_for

pytestmark = pytest.mark.django_db

HUB = "Enterprise Hub"
PATHWAYS = "Pathways Employment"
NORTHSHIRE = "Northshire Combined Authority"


@pytest.fixture
def world(cast: Any) -> Any:
    """The cast, plus a team at pathways, two role policies and two domain events."""
    TeamFactory(organisation=cast.pathways, name="Placements")
    RolePolicy.objects.create(organisation=cast.hub, role=Role.ADMINISTRATOR)
    RolePolicy.objects.create(organisation=cast.pathways, role=Role.PROVIDER_STAFF)
    for organisation in (cast.hub, cast.pathways):
        DomainEvent.objects.create(
            organisation=organisation, occurred_at=timezone.now(), verb=f"test.{organisation.pk}"
        )
    return cast


def someone(cast: Any, who: str) -> Any:
    """A fresh copy of the named person (so that no role look-up is cached on it)."""
    if who == "anonymous":
        return AnonymousUser()
    return User.objects.get(pk=getattr(cast, who).pk)


def organisations(user: Any, action: str) -> set[str]:
    return set(Organisation.objects.restrict(user, action).values_list("name", flat=True))


def teams(user: Any, action: str) -> set[str]:
    return set(Team.objects.restrict(user, action).values_list("name", flat=True))


def people(user: Any, action: str) -> set[str]:
    return set(User.objects.restrict(user, action).values_list("username", flat=True))


def assignments(user: Any, action: str) -> set[tuple[str, str]]:
    rows = RoleAssignment.objects.restrict(user, action).values_list("user__username", "role")
    return set(rows)


def role_policies(user: Any, action: str) -> set[str]:
    rows = RolePolicy.objects.restrict(user, action).values_list("organisation__name", flat=True)
    return set(rows)


def events(user: Any, action: str) -> set[str]:
    rows = DomainEvent.objects.restrict(user, action).values_list("organisation__name", flat=True)
    return set(rows)


def assert_scopes(world: Any, reader: Any, table: list[tuple[str, str, set[Any]]]) -> None:
    """Every (person, action) in the table sees exactly the expected rows; all misses reported."""
    misses = []
    for who, action, expected in table:
        found = reader(someone(world, who), action)
        if found != expected:
            misses.append(f"{who} {action}: got {sorted(found)}, expected {sorted(expected)}")
    assert not misses, "\n".join(misses)


ALL_ORGANISATIONS = {HUB, PATHWAYS, NORTHSHIRE}
HUB_PEOPLE = {"ada", "mary", "alice"}
HUB_ASSIGNMENTS = {
    ("ada", Role.ADMINISTRATOR),
    ("mary", Role.SERVICE_MANAGER),
    ("alice", Role.ADVISER),
}


# Organisations ---------------------------------------------------------------------------------


def test_organisations_in_scope(world):
    assert_scopes(
        world,
        organisations,
        [
            ("ada", "view", {HUB}),
            ("mary", "view", {HUB}),
            ("alice", "view", {HUB}),
            ("carl", "view", {NORTHSHIRE}),
            ("pat", "view", {PATHWAYS}),
            ("oscar", "view", set()),
            ("ada", "change", {HUB}),
            ("mary", "change", set()),
            ("alice", "change", set()),
            ("carl", "change", set()),
            ("ada", "audit", {HUB}),
            ("mary", "audit", {HUB}),
            ("alice", "audit", set()),
            ("ada", "add", set()),
            ("ada", "delete", set()),
            ("mary", "delete", set()),
            ("root", "view", ALL_ORGANISATIONS),
            ("root", "delete", ALL_ORGANISATIONS),
        ],
    )


# Teams -----------------------------------------------------------------------------------------


def test_teams_in_scope(world):
    assert_scopes(
        world,
        teams,
        [
            ("alice", "view", {"Start-up"}),
            ("mary", "view", {"Start-up"}),
            ("pat", "view", {"Placements"}),
            ("carl", "view", set()),
            ("oscar", "view", set()),
            ("ada", "change", {"Start-up"}),
            ("mary", "change", {"Start-up"}),
            ("mary", "delete", {"Start-up"}),
            ("mary", "add", {"Start-up"}),
            ("alice", "change", set()),
            ("alice", "delete", set()),
            ("pat", "change", set()),
            ("mary", "audit", {"Start-up"}),
            ("alice", "audit", set()),
        ],
    )


# People ----------------------------------------------------------------------------------------


def test_people_in_scope(world):
    assert_scopes(
        world,
        people,
        [
            ("alice", "view", HUB_PEOPLE),
            ("ada", "view", HUB_PEOPLE),
            ("pat", "view", {"pat"}),
            ("carl", "view", {"carl"}),
            ("oscar", "view", {"oscar"}),
            ("ada", "change", HUB_PEOPLE),
            ("mary", "change", set()),
            ("alice", "change", set()),
            ("oscar", "change", set()),
            ("ada", "audit", HUB_PEOPLE),
            ("alice", "audit", set()),
        ],
    )


def test_administrators_see_but_never_change_a_superuser_colleague(world):
    RoleAssignment.objects.create(user=world.root, organisation=world.hub, role=Role.VIEWER)
    ada = someone(world, "ada")
    assert "root" in people(ada, "view")
    assert "root" not in people(ada, "change")
    assert "root" not in people(ada, "delete")
    assert people(ada, "change") == HUB_PEOPLE


# Role assignments, role policies, domain events ------------------------------------------------


def test_role_assignments_in_scope(world):
    assert_scopes(
        world,
        assignments,
        [
            ("alice", "view", HUB_ASSIGNMENTS),
            ("pat", "view", {("pat", Role.PROVIDER_STAFF)}),
            ("oscar", "view", set()),
            ("ada", "change", HUB_ASSIGNMENTS),
            ("ada", "delete", HUB_ASSIGNMENTS),
            ("mary", "change", set()),
            ("mary", "delete", set()),
            ("mary", "audit", HUB_ASSIGNMENTS),
            ("alice", "audit", set()),
        ],
    )


def test_role_policies_are_for_administrators_only(world):
    assert_scopes(
        world,
        role_policies,
        [
            ("ada", "view", {HUB}),
            ("ada", "change", {HUB}),
            ("mary", "view", set()),
            ("alice", "view", set()),
            ("pat", "view", set()),
            ("pat", "change", set()),
        ],
    )


def test_domain_events_are_for_managers_and_never_changed(world):
    assert_scopes(
        world,
        events,
        [
            ("ada", "view", {HUB}),
            ("mary", "view", {HUB}),
            ("alice", "view", set()),
            ("pat", "view", set()),
            ("ada", "change", set()),
            ("ada", "delete", set()),
        ],
    )


# Superusers, inactive people, anonymous visitors, inactive organisations -----------------------

SCOPED_MODELS = [Organisation, Team, User, RoleAssignment, RolePolicy, DomainEvent]


def test_superuser_sees_everything(world):
    root = someone(world, "root")
    for model in SCOPED_MODELS:
        everything = model._default_manager.count()
        assert everything > 0, model.__name__
        for action in ACTIONS:
            found = model._default_manager.restrict(root, action).count()
            assert found == everything, (model.__name__, action)


def test_anonymous_and_inactive_people_see_nothing(world):
    User.objects.filter(pk__in=[world.ada.pk, world.root.pk]).update(is_active=False)
    for who in ("anonymous", "ada", "root"):
        user = someone(world, who)
        for model in SCOPED_MODELS:
            for action in ACTIONS:
                visible = model._default_manager.restrict(user, action).exists()
                assert not visible, (who, model.__name__, action)


def test_an_inactive_organisation_gives_its_members_no_access(world):
    Organisation.objects.filter(pk=world.hub.pk).update(is_active=False)
    ada = someone(world, "ada")
    for action in ACTIONS:
        assert organisations(ada, action) == set(), action
        assert teams(ada, action) == set(), action
        assert assignments(ada, action) == set(), action
        assert role_policies(ada, action) == set(), action
    assert people(ada, "view") == {"ada"}  # herself, and no colleague
    assert not ada.has_perm("core.view_team")
    assert not ada.has_perm("core.change_team", world.startup_team)
    # Her colleagues elsewhere are not affected.
    assert organisations(someone(world, "pat"), "view") == {PATHWAYS}


def test_unknown_action_is_refused_for_everybody(world):
    for who in ("alice", "root", "anonymous"):
        with pytest.raises(ValueError, match="'publish'"):
            Team.objects.restrict(someone(world, who), "publish")


# django-rules: user.has_perm asks the same policy ----------------------------------------------


@pytest.mark.parametrize(
    ("who", "perm", "expected"),
    [
        ("alice", "core.view_team", True),
        ("oscar", "core.view_team", False),
        ("mary", "core.add_team", True),
        ("alice", "core.add_team", False),
        ("ada", "core.change_organisation", True),
        ("mary", "core.change_organisation", False),
        ("ada", "core.add_organisation", False),
        ("mary", "core.view_rolepolicy", False),
        ("ada", "core.view_rolepolicy", True),
        ("root", "core.add_organisation", True),
    ],
)
def test_has_perm_without_an_object(world, who, perm, expected):
    assert someone(world, who).has_perm(perm) is expected


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        ("mary", "change", True),
        ("ada", "delete", True),
        ("alice", "view", True),
        ("alice", "change", False),
        ("pat", "view", False),
        ("pat", "change", False),
        ("oscar", "view", False),
        ("root", "delete", True),
    ],
)
def test_has_perm_on_a_team(world, who, action, expected):
    assert someone(world, who).has_perm(f"core.{action}_team", world.startup_team) is expected


def test_has_perm_to_add_looks_at_the_new_records_organisation(world):
    mary = someone(world, "mary")
    assert mary.has_perm("core.add_team", Team(organisation=world.hub))
    assert not mary.has_perm("core.add_team", Team(organisation=world.pathways))


def test_has_perm_follows_a_role_change(world):
    team = world.startup_team
    assert not someone(world, "alice").has_perm("core.change_team", team)
    RoleAssignment.objects.create(
        user=world.alice, organisation=world.hub, role=Role.SERVICE_MANAGER
    )
    assert someone(world, "alice").has_perm("core.change_team", team)


# get_object_for: 404 out of scope, 403 visible but not allowed ---------------------------------


def test_get_object_for_returns_the_record_when_allowed(world):
    team = world.startup_team
    assert get_object_for(someone(world, "alice"), Team, "view", pk=team.pk) == team
    assert get_object_for(someone(world, "mary"), Team, "change", pk=team.pk) == team


def test_get_object_for_hides_records_out_of_scope(world):
    team = world.startup_team
    for action in ("view", "change", "delete"):
        with pytest.raises(Http404):
            get_object_for(someone(world, "pat"), Team, action, pk=team.pk)


def test_get_object_for_refuses_a_visible_record_the_role_may_not_change(world):
    team = world.startup_team
    with pytest.raises(PermissionDenied, match="change"):
        get_object_for(someone(world, "alice"), Team, "change", pk=team.pk)
    with pytest.raises(PermissionDenied, match="delete"):
        get_object_for(someone(world, "alice"), Team, "delete", pk=team.pk)


@pytest.mark.parametrize("action", ["view", "change"])
def test_get_object_for_answers_404_for_missing_or_malformed_keys(world, action):
    mary = someone(world, "mary")
    with pytest.raises(Http404):
        get_object_for(mary, Team, action, pk=999_999)
    with pytest.raises(Http404):
        get_object_for(mary, Team, action, pk="not-a-number")


def test_get_object_for_anonymous_is_404(world):
    with pytest.raises(Http404):
        get_object_for(AnonymousUser(), Team, "view", pk=world.startup_team.pk)


# The registry ----------------------------------------------------------------------------------


def test_a_model_without_a_policy_names_the_fix(world):
    with pytest.raises(LookupError, match=r"ContentType has no permission policy.*policies\.py"):
        policy_for(ContentType)
    with pytest.raises(LookupError, match=r"policies\.py"):
        get_object_for(someone(world, "root"), ContentType, "view", pk=1)


def test_every_domain_model_has_a_policy():
    domain_models: list[type[models.Model]] = [
        model for model in apps.get_models() if issubclass(model, BaseModel)
    ]
    assert {Team, RoleAssignment, RolePolicy} <= set(domain_models)
    for model in [*domain_models, Organisation, User]:
        assert policy_for(model).model is model, model.__name__
