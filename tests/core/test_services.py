"""core's services on the real database: what they write, whom they refuse, what they explain."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from rest_framework.authtoken.models import Token

from tests.factories import OrganisationFactory, TeamFactory, person
from tests.permissions import assert_audited, assert_no_audit, audit_entries_for
from waypoint.core import services
from waypoint.core.audit import acting_as
from waypoint.core.models import DomainEvent, Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.request_context import request_id_context
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db


def error_fields(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(error.value.message_dict)


def two_factor_roles(organisation: Organisation) -> set[str]:
    rows = RolePolicy.objects.filter(organisation=organisation, require_two_factor=True)
    return set(rows.values_list("role", flat=True))


# organisation_update ---------------------------------------------------------------------------


def test_organisation_update_by_an_administrator(cast):
    with assert_audited([(Organisation, "update")]):
        services.organisation_update(
            organisation=cast.hub,
            acting_user=cast.ada,
            name="Enterprise Hub CIC",
            time_zone="Europe/Dublin",
        )
    cast.hub.refresh_from_db()
    assert (cast.hub.name, cast.hub.time_zone) == ("Enterprise Hub CIC", "Europe/Dublin")


@pytest.mark.parametrize("who", ["mary", "alice", "pat", "oscar"])
def test_organisation_update_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.organisation_update(
            organisation=Organisation.objects.get(pk=cast.hub.pk),
            acting_user=getattr(cast, who),
            name="Taken over",
        )
    assert Organisation.objects.get(pk=cast.hub.pk).name == "Enterprise Hub"


def test_organisation_update_names_a_bad_time_zone(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.organisation_update(
            organisation=cast.hub, acting_user=cast.ada, time_zone="Mars/Olympus"
        )
    assert error_fields(error) == {"time_zone"}
    assert "Mars/Olympus" in error.value.message_dict["time_zone"][0]
    assert Organisation.objects.get(pk=cast.hub.pk).time_zone == "Europe/London"


def test_organisation_update_names_a_duplicate_name(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.organisation_update(
            organisation=cast.hub, acting_user=cast.ada, name="Pathways Employment"
        )
    assert error_fields(error) == {"name"}


def test_organisation_update_cannot_change_other_fields(cast):
    with assert_no_audit(), pytest.raises(ValueError, match="is_active"):
        services.organisation_update(organisation=cast.hub, acting_user=cast.ada, is_active=False)
    assert Organisation.objects.get(pk=cast.hub.pk).is_active


# team_create, team_update ----------------------------------------------------------------------


def test_team_create_by_a_service_manager(cast):
    with assert_audited([(Team, "create")]):
        team = services.team_create(
            organisation=cast.hub,
            name="  Growth  ",
            description="Scale-ups",
            acting_user=cast.mary,
        )
    team.refresh_from_db()
    assert (team.organisation, team.name, team.description) == (cast.hub, "Growth", "Scale-ups")


@pytest.mark.parametrize("who", ["alice", "pat", "carl", "oscar"])
def test_team_create_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.team_create(organisation=cast.hub, name="Growth", acting_user=getattr(cast, who))
    assert not Team.objects.filter(name="Growth").exists()


def test_team_create_refuses_another_organisation(cast):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.team_create(organisation=cast.pathways, name="Growth", acting_user=cast.mary)


@pytest.mark.parametrize("name", ["Start-up", "START-UP", "start-up"])
def test_team_create_names_a_duplicate_name_whatever_its_case(cast, name):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.team_create(organisation=cast.hub, name=name, acting_user=cast.mary)
    assert error_fields(error) == {"name"}
    assert "already has a team with that name" in error.value.message_dict["name"][0]
    assert Team.objects.filter(organisation=cast.hub).count() == 1


def test_team_names_need_only_be_unique_within_an_organisation(cast):
    team = services.team_create(organisation=cast.pathways, name="Start-up", acting_user=cast.root)
    assert team.pk is not None


def test_team_create_names_a_blank_name(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.team_create(organisation=cast.hub, name="   ", acting_user=cast.mary)
    assert error_fields(error) == {"name"}


def test_team_update(cast):
    with assert_audited([(Team, "update")]):
        services.team_update(
            team=cast.startup_team,
            name="Launch",
            description="New businesses",
            acting_user=cast.mary,
        )
    cast.startup_team.refresh_from_db()
    assert (cast.startup_team.name, cast.startup_team.description) == (
        "Launch",
        "New businesses",
    )


def test_team_update_may_change_only_the_case_of_its_own_name(cast):
    services.team_update(
        team=cast.startup_team, name="START-UP", description="", acting_user=cast.mary
    )
    assert Team.objects.get(pk=cast.startup_team.pk).name == "START-UP"


def test_team_update_names_a_duplicate_name(cast):
    growth = TeamFactory(organisation=cast.hub, name="Growth")
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.team_update(team=growth, name="start-UP", description="", acting_user=cast.mary)
    assert error_fields(error) == {"name"}
    assert Team.objects.get(pk=growth.pk).name == "Growth"


@pytest.mark.parametrize("who", ["alice", "pat"])
def test_team_update_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.team_update(
            team=cast.startup_team, name="Mine", description="", acting_user=getattr(cast, who)
        )
    assert Team.objects.get(pk=cast.startup_team.pk).name == "Start-up"


# team_delete -----------------------------------------------------------------------------------


def test_team_delete_records_an_event_and_keeps_the_members_roles(cast):
    team, team_pk = cast.startup_team, cast.startup_team.pk
    with request_id_context("req-team-delete-1"):
        services.team_delete(team=team, acting_user=cast.mary)
    assert not Team.objects.filter(pk=team_pk).exists()
    alice_role = RoleAssignment.objects.get(user=cast.alice)
    assert alice_role.team is None and alice_role.role == Role.ADVISER

    event = DomainEvent.objects.get(verb="team.deleted")
    assert event.organisation == cast.hub
    assert event.actor == cast.mary
    assert event.actor_name == "Mary Tester"
    assert event.object_id == str(team_pk)
    assert event.object_repr == "Start-up"
    assert event.data == {"members": 1}
    assert event.request_id == "req-team-delete-1"


def test_team_delete_audits_the_team_and_each_member_it_releases(cast):
    """The members' roles lose their team: a change to each, recorded like any other."""
    with assert_audited([(Team, "delete"), (RoleAssignment, "update")]):
        services.team_delete(team=cast.startup_team, acting_user=cast.mary)
    alice_role = RoleAssignment.objects.get(user=cast.alice)
    entry = audit_entries_for(alice_role).get(action=LogEntry.Action.UPDATE)
    assert entry.changes["team"][1] == "None"


@pytest.mark.parametrize("who", ["alice", "pat", "oscar"])
def test_team_delete_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.team_delete(team=cast.startup_team, acting_user=getattr(cast, who))
    assert Team.objects.filter(pk=cast.startup_team.pk).exists()
    assert not DomainEvent.objects.exists()


# role_assign -----------------------------------------------------------------------------------


def test_role_assign_by_an_administrator(cast):
    with assert_audited([(RoleAssignment, "create")]):
        assignment = services.role_assign(
            user=cast.alice,
            organisation=cast.hub,
            role=Role.MENTOR,
            team=cast.startup_team,
            acting_user=cast.ada,
        )
    assert RoleAssignment.objects.get(pk=assignment.pk).team == cast.startup_team
    assert set(cast.alice.role_assignments.values_list("role", flat=True)) == {
        Role.ADVISER,
        Role.MENTOR,
    }


def test_role_assign_sets_the_home_organisation_when_empty(cast):
    assert cast.oscar.home_organisation is None
    with assert_audited([(RoleAssignment, "create"), (User, "update")]):
        services.role_assign(
            user=cast.oscar, organisation=cast.hub, role=Role.ADVISER, acting_user=cast.ada
        )
    assert User.objects.get(pk=cast.oscar.pk).home_organisation == cast.hub


def test_role_assign_keeps_an_existing_home_organisation(cast):
    services.role_assign(
        user=cast.mary, organisation=cast.pathways, role=Role.VIEWER, acting_user=cast.root
    )
    assert User.objects.get(pk=cast.mary.pk).home_organisation == cast.hub


def test_role_assign_takes_effect_at_once_for_the_same_user_object(cast):
    oscar = cast.oscar
    assert not Team.objects.restrict(oscar, "view").exists()  # caches "no roles" on oscar
    services.role_assign(user=oscar, organisation=cast.hub, role=Role.ADVISER, acting_user=cast.ada)
    assert list(Team.objects.restrict(oscar, "view")) == [cast.startup_team]


@pytest.mark.parametrize("who", ["mary", "alice", "pat", "oscar"])
def test_role_assign_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.role_assign(
            user=cast.oscar,
            organisation=cast.hub,
            role=Role.ADMINISTRATOR,
            acting_user=getattr(cast, who),
        )
    assert not RoleAssignment.objects.filter(user=cast.oscar).exists()
    assert User.objects.get(pk=cast.oscar.pk).home_organisation is None


def test_role_assign_names_an_unknown_role(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.role_assign(
            user=cast.oscar, organisation=cast.hub, role="wizard", acting_user=cast.ada
        )
    assert error_fields(error) == {"role"}
    assert "'wizard'" in error.value.message_dict["role"][0]
    assert User.objects.get(pk=cast.oscar.pk).home_organisation is None


def test_role_assign_names_a_team_of_another_organisation(cast):
    elsewhere = TeamFactory(organisation=cast.pathways, name="Placements")
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.role_assign(
            user=cast.oscar,
            organisation=cast.hub,
            role=Role.ADVISER,
            team=elsewhere,
            acting_user=cast.ada,
        )
    assert error_fields(error) == {"team"}
    assert not RoleAssignment.objects.filter(user=cast.oscar).exists()


def test_role_assign_twice_is_explained(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.role_assign(
            user=cast.alice, organisation=cast.hub, role=Role.ADVISER, acting_user=cast.ada
        )
    assert "already holds that role" in str(error.value.message_dict[NON_FIELD_ERRORS])


# role_revoke -----------------------------------------------------------------------------------


def test_role_revoke(cast):
    assignment = RoleAssignment.objects.get(user=cast.alice)
    with assert_audited([(RoleAssignment, "delete")]):
        services.role_revoke(assignment=assignment, acting_user=cast.ada)
    assert not RoleAssignment.objects.filter(user=cast.alice).exists()


@pytest.mark.parametrize("who", ["mary", "alice", "pat"])
def test_role_revoke_refused(cast, who):
    assignment = RoleAssignment.objects.get(user=cast.alice)
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.role_revoke(assignment=assignment, acting_user=getattr(cast, who))
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_last_administrator_cannot_be_removed(cast):
    assignment = RoleAssignment.objects.get(user=cast.ada)
    with assert_no_audit(), pytest.raises(ValidationError, match="last administrator"):
        services.role_revoke(assignment=assignment, acting_user=cast.ada)
    with pytest.raises(ValidationError, match="last administrator"):
        services.role_revoke(assignment=assignment, acting_user=cast.root)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_an_inactive_administrator_does_not_count_as_another(cast):
    dormant = person(
        "dora", "Dora", role=Role.ADMINISTRATOR, organisation=cast.hub, is_active=False
    )
    assert dormant.role_assignments.exists()
    assignment = RoleAssignment.objects.get(user=cast.ada)
    with pytest.raises(ValidationError, match="last administrator"):
        services.role_revoke(assignment=assignment, acting_user=cast.ada)


def test_an_administrator_can_be_removed_when_another_remains(cast):
    person("bea", "Bea", role=Role.ADMINISTRATOR, organisation=cast.hub)
    assignment = RoleAssignment.objects.get(user=cast.ada)
    services.role_revoke(assignment=assignment, acting_user=cast.ada)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_an_administrator_elsewhere_does_not_count(cast):
    person("pia", "Pia", role=Role.ADMINISTRATOR, organisation=cast.pathways)
    assignment = RoleAssignment.objects.get(user=cast.ada)
    with pytest.raises(ValidationError, match="last administrator"):
        services.role_revoke(assignment=assignment, acting_user=cast.root)


# role_policies_set -----------------------------------------------------------------------------


def test_role_policies_set_writes_only_the_roles_that_change(cast):
    with assert_audited([(RolePolicy, "create"), (RolePolicy, "create")]):
        changed = services.role_policies_set(
            organisation=cast.hub,
            two_factor_roles={Role.ADMINISTRATOR, Role.ADVISER},
            acting_user=cast.ada,
        )
    assert {policy.role for policy in changed} == {Role.ADMINISTRATOR, Role.ADVISER}
    assert two_factor_roles(cast.hub) == {Role.ADMINISTRATOR, Role.ADVISER}

    # Adviser off, service manager on, administrator unchanged: two entries, not nine.
    with assert_audited([(RolePolicy, "update"), (RolePolicy, "create")]):
        changed = services.role_policies_set(
            organisation=cast.hub,
            two_factor_roles={Role.ADMINISTRATOR, Role.SERVICE_MANAGER},
            acting_user=cast.ada,
        )
    assert {policy.role for policy in changed} == {Role.ADVISER, Role.SERVICE_MANAGER}
    assert two_factor_roles(cast.hub) == {Role.ADMINISTRATOR, Role.SERVICE_MANAGER}

    with assert_no_audit():
        assert (
            services.role_policies_set(
                organisation=cast.hub,
                two_factor_roles={Role.ADMINISTRATOR, Role.SERVICE_MANAGER},
                acting_user=cast.ada,
            )
            == []
        )
    assert RolePolicy.objects.filter(organisation=cast.hub).count() == 3


def test_role_policies_set_clears_every_role(cast):
    services.role_policies_set(
        organisation=cast.hub, two_factor_roles={Role.ADMINISTRATOR}, acting_user=cast.ada
    )
    with assert_audited([(RolePolicy, "update")]):
        services.role_policies_set(
            organisation=cast.hub, two_factor_roles=set(), acting_user=cast.ada
        )
    assert two_factor_roles(cast.hub) == set()


def test_role_policies_set_revokes_api_tokens_of_roles_newly_needing_two_factor(cast):
    alice_token = Token.objects.create(user=cast.alice)
    mary_token = Token.objects.create(user=cast.mary)
    pat_token = Token.objects.create(user=cast.pat)
    services.role_policies_set(
        organisation=cast.hub, two_factor_roles={Role.ADVISER}, acting_user=cast.ada
    )
    remaining = set(Token.objects.values_list("key", flat=True))
    assert remaining == {mary_token.key, pat_token.key}
    assert alice_token.key not in remaining
    event = DomainEvent.objects.get(verb="api_tokens.revoked")
    assert event.organisation == cast.hub
    assert event.data["tokens"] == 1

    # Turning a requirement off, or leaving it as it was, revokes nothing.
    new_alice_token = Token.objects.create(user=cast.alice)
    services.role_policies_set(
        organisation=cast.hub, two_factor_roles={Role.ADVISER}, acting_user=cast.ada
    )
    services.role_policies_set(organisation=cast.hub, two_factor_roles=set(), acting_user=cast.ada)
    assert Token.objects.filter(key=new_alice_token.key).exists()


@pytest.mark.parametrize("who", ["mary", "alice", "pat"])
def test_role_policies_set_refused(cast, who):
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.role_policies_set(
            organisation=cast.hub,
            two_factor_roles={Role.ADVISER},
            acting_user=getattr(cast, who),
        )
    assert not RolePolicy.objects.exists()


def test_role_policies_set_names_unknown_roles(cast):
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        services.role_policies_set(
            organisation=cast.hub,
            two_factor_roles={Role.ADMINISTRATOR, "wizard"},
            acting_user=cast.ada,
        )
    assert error_fields(error) == {"two_factor_roles"}
    assert "wizard" in error.value.message_dict["two_factor_roles"][0]
    assert not RolePolicy.objects.exists()


def test_role_policies_set_leaves_nothing_half_written(cast, monkeypatch):
    """A failure on the second role rolls back the first: no policy, no audit entry."""
    saved: list[str] = []
    original = RolePolicy.full_clean

    def fail_on_second(self: RolePolicy, *args: Any, **kwargs: Any) -> None:
        if saved:
            raise ValidationError({"role": "Refused for the test."})
        original(self, *args, **kwargs)
        saved.append(self.role)

    monkeypatch.setattr(RolePolicy, "full_clean", fail_on_second)
    with assert_no_audit(), pytest.raises(ValidationError):
        services.role_policies_set(
            organisation=cast.hub,
            two_factor_roles={Role.ADMINISTRATOR, Role.ADVISER},
            acting_user=cast.ada,
        )
    assert len(saved) == 1
    assert not RolePolicy.objects.exists()


def test_role_assign_leaves_nothing_half_written(cast, monkeypatch):
    """The role is saved before the home organisation; a failure then undoes both."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(User, "save", refuse)
    with assert_no_audit(), pytest.raises(RuntimeError):
        services.role_assign(
            user=cast.oscar, organisation=cast.hub, role=Role.ADVISER, acting_user=cast.ada
        )
    assert not RoleAssignment.objects.filter(user=cast.oscar).exists()


# person_invite ---------------------------------------------------------------------------------


def invite(cast: Any, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "organisation": cast.hub,
        "username": " nina.new ",
        "first_name": "Nina",
        "last_name": "Newcomer",
        "email": "nina@example.org",
        "role": Role.ADVISER,
        "team": cast.startup_team,
        "job_title": "Business adviser",
        "base_url": "https://waypoint.example.org/",
        "acting_user": cast.ada,
    }
    values.update(overrides)
    return services.person_invite(**values)


def test_person_invite_adds_the_person_and_emails_a_link_after_commit(
    cast, django_capture_on_commit_callbacks
):
    with assert_audited([(User, "create"), (RoleAssignment, "create")]):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            user = invite(cast)
        assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()

    user.refresh_from_db()
    assert user.username == "nina.new"
    assert user.home_organisation == cast.hub
    assert not user.has_usable_password()  # nobody but Nina will know it
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.organisation, assignment.role, assignment.team) == (
        cast.hub,
        Role.ADVISER,
        cast.startup_team,
    )
    event = DomainEvent.objects.get(verb="person.invited")
    assert (event.actor, event.organisation, event.object_id) == (cast.ada, cast.hub, str(user.pk))

    (message,) = mail.outbox
    assert message.to == ["nina@example.org"]
    assert "Enterprise Hub" in message.subject
    assert "nina.new" in message.body
    assert "https://waypoint.example.org/accounts/password/reset/" in message.body


@pytest.mark.parametrize("who", ["mary", "alice", "pat", "oscar"])
def test_person_invite_refused(cast, who, django_capture_on_commit_callbacks):
    with (
        assert_no_audit(),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(PermissionDenied),
    ):
        invite(cast, acting_user=getattr(cast, who))
    assert not User.objects.filter(username="nina.new").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "alice"}, "username"),
        ({"email": "ALICE@example.org"}, "email"),
        ({"email": "not an address"}, "email"),
        ({"role": "wizard"}, "role"),
    ],
)
def test_person_invite_names_the_bad_field_and_leaves_nothing_behind(
    cast, overrides, field, django_capture_on_commit_callbacks
):
    people_before = User.objects.count()
    with (
        assert_no_audit(),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as error,
    ):
        invite(cast, **overrides)
    assert error_fields(error) == {field}
    assert User.objects.count() == people_before
    assert not DomainEvent.objects.exists()
    assert mail.outbox == []


def test_person_invite_with_a_team_of_another_organisation_leaves_nothing_behind(cast):
    elsewhere = TeamFactory(organisation=cast.pathways, name="Placements")
    with assert_no_audit(), pytest.raises(ValidationError) as error:
        invite(cast, team=elsewhere)
    assert error_fields(error) == {"team"}
    assert not User.objects.filter(username="nina.new").exists()


# person_set_active -----------------------------------------------------------------------------


def test_person_deactivate_and_reactivate(cast):
    Token.objects.create(user=cast.alice)
    with assert_audited([(User, "update")]):
        services.person_set_active(person=cast.alice, active=False, acting_user=cast.ada)
    assert not User.objects.get(pk=cast.alice.pk).is_active
    assert not Token.objects.filter(user=cast.alice).exists()  # the API key dies with it
    assert RoleAssignment.objects.filter(user=cast.alice).exists()  # records are kept

    with assert_audited([(User, "update")]):
        services.person_set_active(person=cast.alice, active=True, acting_user=cast.ada)
    assert User.objects.get(pk=cast.alice.pk).is_active
    verbs = list(DomainEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == ["person.deactivated", "person.reactivated"]


def test_person_set_active_with_no_change_writes_nothing(cast):
    with assert_no_audit():
        services.person_set_active(person=cast.alice, active=True, acting_user=cast.ada)
    assert not DomainEvent.objects.exists()


@pytest.mark.parametrize(
    ("who", "target"),
    [("mary", "alice"), ("alice", "mary"), ("pat", "alice"), ("ada", "pat"), ("ada", "root")],
)
def test_person_set_active_refused(cast, who, target):
    if target == "root":
        RoleAssignment.objects.create(user=cast.root, organisation=cast.hub, role=Role.VIEWER)
    person_ = getattr(cast, target)
    with assert_no_audit(), pytest.raises(PermissionDenied):
        services.person_set_active(person=person_, active=False, acting_user=getattr(cast, who))
    assert User.objects.get(pk=person_.pk).is_active


def test_nobody_deactivates_themselves(cast):
    with assert_no_audit(), pytest.raises(ValidationError, match="your own account"):
        services.person_set_active(person=cast.ada, active=False, acting_user=cast.ada)
    assert User.objects.get(pk=cast.ada.pk).is_active


# Changes made by services are attributed ------------------------------------------------------


def test_service_changes_made_by_a_command_are_attributed(cast):
    organisation = OrganisationFactory(name="Growth Partners")
    with acting_as(cast.root):
        team = services.team_create(
            organisation=organisation, name="Exporters", acting_user=cast.root
        )
    entry = audit_entries_for(team).get()
    assert entry.actor == cast.root
    assert entry.cid
