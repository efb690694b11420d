"""The audit trail: who, when, from where and under which request; entries cannot be changed."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, TeamFactory, UserFactory
from tests.permissions import audit_entries_for
from waypoint.core.audit import SYSTEM_USERNAME, acting_as, audit_purge_allowed, system_user
from waypoint.core.models import BaseModel, Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.request_context import current_request_id, request_id_context

pytestmark = pytest.mark.django_db

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def latest_entry(obj: object) -> LogEntry:
    return audit_entries_for(obj).latest("pk")


# Changes outside a web request -----------------------------------------------------------------


def test_a_change_inside_acting_as_is_attributed_with_a_correlation_id(cast):
    assert current_request_id() is None
    with acting_as(cast.mary) as actor:
        assert actor == cast.mary
        request_id = current_request_id()
        cast.startup_team.name = "Launch"
        cast.startup_team.save()
        TeamFactory(organisation=cast.hub, name="Growth")
    assert current_request_id() is None
    assert request_id is not None and GENERATED_ID.match(request_id)

    change = latest_entry(cast.startup_team)
    assert change.action == LogEntry.Action.UPDATE
    assert change.actor == cast.mary
    assert change.cid == request_id
    assert change.changes["name"] == ["Start-up", "Launch"]
    created = latest_entry(Team.objects.get(name="Growth"))
    assert (created.actor, created.cid) == (cast.mary, request_id)


def test_each_acting_as_block_has_its_own_correlation_id(cast):
    with acting_as(cast.ada):
        TeamFactory(organisation=cast.hub, name="One")
    with acting_as(cast.ada):
        TeamFactory(organisation=cast.hub, name="Two")
    first = latest_entry(Team.objects.get(name="One")).cid
    second = latest_entry(Team.objects.get(name="Two")).cid
    assert first and second and first != second


def test_after_a_nested_acting_as_block_changes_are_attributed_to_the_outer_user(cast):
    with acting_as(cast.mary):
        with acting_as(cast.ada):
            TeamFactory(organisation=cast.hub, name="Inner")
        TeamFactory(organisation=cast.hub, name="After")
    assert latest_entry(Team.objects.get(name="Inner")).actor == cast.ada
    assert latest_entry(Team.objects.get(name="After")).actor == cast.mary


def test_acting_as_keeps_the_request_id_it_runs_under(cast):
    with request_id_context("job-0001-abcdef"), acting_as(cast.ada):
        TeamFactory(organisation=cast.hub, name="Growth")
    assert latest_entry(Team.objects.get(name="Growth")).cid == "job-0001-abcdef"


def test_acting_as_without_a_user_uses_the_system_user(cast):
    with acting_as() as actor:
        TeamFactory(organisation=cast.hub, name="Nightly")
    entry = latest_entry(Team.objects.get(name="Nightly"))
    assert entry.actor == actor
    assert actor.username == SYSTEM_USERNAME
    assert actor.is_system and not actor.is_active and not actor.is_superuser


def test_the_system_user_is_one_account_that_cannot_sign_in(cast):
    first, second = system_user(), system_user()
    assert first.pk == second.pk
    assert User.objects.filter(username=SYSTEM_USERNAME).count() == 1
    first.set_password(PASSWORD)  # even if someone gave it a password
    first.save()
    response = Client().post(
        reverse("accounts:login"), {"username": SYSTEM_USERNAME, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, not a redirect into the app
    assert "_auth_user_id" not in response.client.session


def test_a_change_outside_any_block_is_attributed_to_the_system_account(cast):
    TeamFactory(organisation=cast.hub, name="Loose")
    entry = latest_entry(Team.objects.get(name="Loose"))
    assert entry.actor is not None and entry.actor.is_system and entry.cid


# Changes made by a web request -----------------------------------------------------------------


def edit_team(cast, **headers: str):
    client = cast.client(cast.mary)
    url = reverse("core:team-edit", args=[cast.startup_team.pk])
    return client.post(url, {"name": "Launch", "description": ""}, **headers)


def test_a_web_request_records_the_request_id_it_was_given(cast):
    response = edit_team(cast, HTTP_X_REQUEST_ID="lb-7f3a9c21e0", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "lb-7f3a9c21e0"
    entry = latest_entry(cast.startup_team)
    assert entry.cid == "lb-7f3a9c21e0"
    assert entry.actor == cast.mary
    assert entry.remote_addr == "203.0.113.9"


def test_a_web_request_without_an_id_gets_one_and_echoes_it(cast):
    response = edit_team(cast)
    request_id = response["X-Request-ID"]
    assert GENERATED_ID.match(request_id)
    entry = latest_entry(cast.startup_team)
    assert entry.cid == request_id
    assert entry.remote_addr == "127.0.0.1"


@pytest.mark.parametrize(
    "offered", ["short", "has spaces in it", "x" * 65, "<script>alert</script>"]
)
def test_a_malformed_request_id_is_replaced(cast, offered):
    response = edit_team(cast, HTTP_X_REQUEST_ID=offered)
    request_id = response["X-Request-ID"]
    assert request_id != offered and GENERATED_ID.match(request_id)
    assert latest_entry(cast.startup_team).cid == request_id


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert GENERATED_ID.match(first) and GENERATED_ID.match(second) and first != second


def test_the_request_id_does_not_outlive_its_request(cast):
    edit_team(cast, HTTP_X_REQUEST_ID="lb-7f3a9c21e0")
    assert current_request_id() is None


# Entries cannot be changed or deleted ----------------------------------------------------------


def test_an_entry_cannot_be_changed(cast):
    entry = latest_entry(cast.startup_team)
    entry.changes_text = "nothing happened"
    with pytest.raises(PermissionDenied):
        entry.save()
    assert LogEntry.objects.get(pk=entry.pk).changes_text == ""


def test_an_entry_cannot_be_deleted(cast):
    entry = latest_entry(cast.startup_team)
    # Each attempt in its own savepoint: the refusal aborts the deletion's transaction.
    with pytest.raises(PermissionDenied), transaction.atomic():
        entry.delete()
    with pytest.raises(PermissionDenied), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_record_keeps_its_history(cast):
    team = TeamFactory(organisation=cast.hub, name="Short-lived")
    team_pk = team.pk
    team.delete()
    actions = set(
        LogEntry.objects.filter(object_pk=str(team_pk), content_type__model="team").values_list(
            "action", flat=True
        )
    )
    assert actions == {LogEntry.Action.CREATE, LogEntry.Action.DELETE}


def test_entries_are_deleted_only_inside_audit_purge_allowed(cast):
    entry = latest_entry(cast.startup_team)
    with audit_purge_allowed():
        entry.delete()
    assert not LogEntry.objects.filter(pk=entry.pk).exists()
    other = latest_entry(cast.alice)
    with pytest.raises(PermissionDenied):
        other.delete()  # the permission ends with the block


def test_audit_purge_allowed_ends_even_after_an_error(cast):
    with pytest.raises(RuntimeError), audit_purge_allowed():
        raise RuntimeError("retention job failed")
    with pytest.raises(PermissionDenied):
        latest_entry(cast.startup_team).delete()


# What is audited -------------------------------------------------------------------------------


def test_every_domain_model_is_audited():
    domain_models = [model for model in apps.get_models() if issubclass(model, BaseModel)]
    assert {Team, RoleAssignment, RolePolicy} <= set(domain_models)
    for model in [*domain_models, Organisation, User]:
        assert auditlog.contains(model), f"{model.__name__} is not registered with auditlog"


def test_timestamps_alone_write_no_entry(cast):
    before = LogEntry.objects.count()
    cast.startup_team.save()
    assert LogEntry.objects.count() == before


def test_a_password_never_reaches_the_audit_log(cast):
    user = UserFactory(username="newcomer")
    user.set_password("a brand new secret 42")
    user.last_login = timezone.now()
    user.save()
    entries = audit_entries_for(user)
    assert entries.exists()
    for entry in entries:
        for text in (str(entry.changes), entry.changes_text, str(entry.serialized_data)):
            assert "password" not in text
            assert user.password not in text
    # A password change alone is not a change the log records.
    assert entries.filter(action=LogEntry.Action.UPDATE).count() == 0


def test_a_password_change_through_the_page_writes_no_hash(cast):
    client = cast.client(cast.alice)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new secret 42",
            "new_password2": "a brand new secret 42",
        },
    )
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    for entry in audit_entries_for(cast.alice):
        assert cast.alice.password not in str(entry.changes)
        assert "password" not in (entry.changes or {})


# The Django admin ------------------------------------------------------------------------------


def test_the_admin_offers_no_way_to_edit_entries(cast):
    model_admin = admin.site._registry[LogEntry]
    request = RequestFactory().get("/admin/")
    request.user = cast.root
    entry = latest_entry(cast.startup_team)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_the_admin_refuses_to_add_change_or_delete_entries_over_http(cast):
    entry = latest_entry(cast.startup_team)
    client = cast.client(cast.root)
    base = "/admin/auditlog/logentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{base}{entry.pk}/change/", {"changes_text": "edited"})
    assert LogEntry.objects.get(pk=entry.pk).changes_text == ""
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("path", ["/admin/", "/admin/auditlog/logentry/", "/admin/core/team/"])
def test_the_admin_is_for_superusers_only(cast, path):
    User.objects.filter(pk=cast.ada.pk).update(is_staff=True)  # staff, but not a superuser
    for user in (None, cast.ada, cast.mary):
        response = cast.client(user).get(path)
        assert response.status_code == 302, user
        assert response["Location"].startswith("/admin/login/"), user
    assert cast.client(cast.root).get(path).status_code == 200


def test_an_inactive_superuser_is_refused_the_admin(cast):
    client = cast.client(cast.root)
    User.objects.filter(pk=cast.root.pk).update(is_active=False)
    response = client.get("/admin/")
    assert response.status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies(cast):
    from tests.permissions import audit_entries_for

    client = cast.client(cast.mary)
    client.post(
        f"/teams/{cast.startup_team.pk}/edit/",
        {"name": "Renamed", "description": ""},
        HTTP_X_FORWARDED_FOR="198.51.100.77",
        REMOTE_ADDR="10.1.2.3",
    )
    entry = audit_entries_for(cast.startup_team).latest("timestamp")
    assert entry.remote_addr == "10.1.2.3"


def test_forwarded_for_is_read_from_the_trusted_proxy(cast, settings):
    from tests.permissions import audit_entries_for

    settings.WAYPOINT_PROXY_COUNT = 1
    client = cast.client(cast.mary)
    client.post(
        f"/teams/{cast.startup_team.pk}/edit/",
        {"name": "Renamed", "description": ""},
        HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.9",
        REMOTE_ADDR="10.1.2.3",
    )
    entry = audit_entries_for(cast.startup_team).latest("timestamp")
    assert entry.remote_addr == "203.0.113.9"  # the forged left-most address is not believed


def test_changes_outside_requests_are_attributed_to_the_system_account(db):
    from io import StringIO

    from django.core.management import call_command

    from waypoint.core.audit import SYSTEM_USERNAME
    from waypoint.core.models import User

    call_command(
        "createsuperuser",
        "--noinput",
        username="operator",
        email="operator@example.org",
        stdout=StringIO(),
    )
    operator = User.objects.get(username="operator")
    entry = audit_entries_for(operator).get()
    assert entry.actor.username == SYSTEM_USERNAME
    assert entry.cid
