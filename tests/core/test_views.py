"""Every core page: anonymous, wrong role, out of scope, allowed, audited when it changes data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, TeamFactory
from tests.permissions import audit_entries_for, check_access, request_as
from waypoint.core.models import Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db


def test_home_lists_roles_and_attention(cast):
    response = check_access(
        cast, reverse("core:home"), allowed=cast.alice, wrong_role=None, out_of_scope=None
    )
    body = response.content.decode()
    assert "Adviser" in body and "Enterprise Hub" in body
    assert "Protect your account with two-factor sign-in" in body


def test_home_tells_a_person_without_roles_what_to_do(cast):
    body = request_as(cast.oscar, reverse("core:home")).content.decode()
    assert "You have no role in any organisation yet" in body


def test_navigation_follows_roles(cast):
    alice_page = request_as(cast.alice, reverse("core:home")).content.decode()
    oscar_page = request_as(cast.oscar, reverse("core:home")).content.decode()
    assert reverse("core:team-list") in alice_page
    assert reverse("core:team-list") not in oscar_page


def test_organisation_list_shows_only_own_organisations(cast):
    response = check_access(
        cast,
        reverse("core:organisation-list"),
        allowed=cast.alice,
        wrong_role=cast.oscar,
        out_of_scope=None,
    )
    body = response.content.decode()
    assert "Enterprise Hub" in body
    assert "Pathways Employment" not in body


def test_organisation_detail(cast):
    url = reverse("core:organisation-detail", args=[cast.hub.pk])
    response = check_access(cast, url, allowed=cast.alice, wrong_role=None, out_of_scope=cast.pat)
    assert "Start-up" in response.content.decode()


def test_organisation_edit_is_for_administrators_and_audited(cast):
    url = reverse("core:organisation-edit", args=[cast.hub.pk])
    data = {
        "name": "Enterprise Hub CIC",
        "short_name": "Hub",
        "registered_number": "",
        "time_zone": "Europe/London",
    }
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.ada,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Organisation, "update")],
    )
    cast.hub.refresh_from_db()
    assert cast.hub.name == "Enterprise Hub CIC"


def test_organisation_edit_names_the_bad_field(cast):
    url = reverse("core:organisation-edit", args=[cast.hub.pk])
    data = {"name": "Enterprise Hub", "time_zone": "Mars/Olympus"}
    response = request_as(cast.ada, url, method="post", data=data)
    assert response.status_code == 200
    assert "Time zone" in response.content.decode()
    assert "Mars/Olympus" in response.content.decode()
    cast.hub.refresh_from_db()
    assert cast.hub.time_zone == "Europe/London"


def test_team_list_and_search(cast):
    TeamFactory(organisation=cast.pathways, name="Hidden team")
    url = reverse("core:team-list") + "?q=start"
    response = check_access(cast, url, allowed=cast.alice, wrong_role=cast.oscar, out_of_scope=None)
    body = response.content.decode()
    assert "Start-up" in body and "Hidden team" not in body


def test_team_create_is_audited(cast):
    data = {"organisation": cast.hub.pk, "name": "Growth", "description": "Scale-ups"}
    check_access(
        cast,
        reverse("core:team-create"),
        method="post",
        data=data,
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=None,
        expect=302,
        audited=[(Team, "create")],
    )
    assert Team.objects.filter(organisation=cast.hub, name="Growth").exists()


def test_team_create_refuses_another_organisation(cast):
    data = {"organisation": cast.pathways.pk, "name": "Sneaky"}
    response = request_as(cast.mary, reverse("core:team-create"), method="post", data=data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Team.objects.filter(name="Sneaky").exists()


def test_team_duplicate_name_is_explained(cast):
    data = {"organisation": cast.hub.pk, "name": "START-UP"}
    response = request_as(cast.mary, reverse("core:team-create"), method="post", data=data)
    assert "already has a team with that name" in response.content.decode()
    assert Team.objects.filter(organisation=cast.hub).count() == 1


def test_team_edit(cast):
    url = reverse("core:team-edit", args=[cast.startup_team.pk])
    check_access(
        cast,
        url,
        method="post",
        data={"name": "Start-ups", "description": ""},
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Team, "update")],
    )


def test_team_delete_asks_first_then_deletes(cast):
    team = TeamFactory(organisation=cast.hub, name="Old team")
    url = reverse("core:team-delete", args=[team.pk])
    confirm = request_as(cast.mary, url)
    assert "Delete team Old team?" in confirm.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.mary,
        wrong_role=cast.alice,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(Team, "delete")],
    )
    assert not Team.objects.filter(pk=team.pk).exists()


def test_person_list_is_scoped(cast):
    response = check_access(
        cast, reverse("core:person-list"), allowed=cast.alice, wrong_role=None, out_of_scope=None
    )
    body = response.content.decode()
    assert "Mary" in body and "Pat" not in body


def test_person_detail(cast):
    url = reverse("core:person-detail", args=[cast.alice.pk])
    response = check_access(cast, url, allowed=cast.mary, wrong_role=None, out_of_scope=cast.pat)
    assert "Adviser" in response.content.decode()


def test_role_assign_is_for_administrators(cast):
    url = reverse("core:role-assign", args=[cast.alice.pk])
    data = {"organisation": cast.hub.pk, "role": Role.MENTOR, "team": ""}
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.ada,
        wrong_role=cast.mary,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(RoleAssignment, "create")],
    )
    assert RoleAssignment.objects.filter(user=cast.alice, role=Role.MENTOR).exists()


def test_role_assign_twice_is_explained(cast):
    url = reverse("core:role-assign", args=[cast.alice.pk])
    data = {"organisation": cast.hub.pk, "role": Role.ADVISER}
    response = request_as(cast.ada, url, method="post", data=data)
    assert response.status_code == 400
    assert "already holds that role" in response.content.decode()


def test_role_revoke(cast):
    assignment = RoleAssignment.objects.get(user=cast.alice)
    url = reverse("core:role-revoke", args=[assignment.pk])
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.ada,
        wrong_role=cast.mary,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(RoleAssignment, "delete")],
    )


def test_last_administrator_cannot_be_removed(cast):
    assignment = RoleAssignment.objects.get(user=cast.ada)
    url = reverse("core:role-revoke", args=[assignment.pk])
    response = request_as(cast.ada, url, method="post")
    assert response.status_code == 400
    assert "last administrator" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_security_settings(cast):
    url = reverse("core:organisation-security", args=[cast.hub.pk])
    data = {"two_factor_roles": [Role.ADMINISTRATOR, Role.SERVICE_MANAGER]}
    check_access(
        cast,
        url,
        method="post",
        data=data,
        allowed=cast.ada,
        wrong_role=cast.mary,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(RolePolicy, "create"), (RolePolicy, "create")],
    )
    required = set(
        RolePolicy.objects.filter(organisation=cast.hub, require_two_factor=True).values_list(
            "role", flat=True
        )
    )
    assert required == {Role.ADMINISTRATOR, Role.SERVICE_MANAGER}


def test_audit_history_shows_changes(cast):
    request_as(
        cast.mary,
        reverse("core:team-edit", args=[cast.startup_team.pk]),
        method="post",
        data={"name": "Launch", "description": ""},
    )
    url = reverse("core:audit-history", args=["core", "team", cast.startup_team.pk])
    response = check_access(
        cast, url, allowed=cast.mary, wrong_role=cast.alice, out_of_scope=cast.pat
    )
    body = response.content.decode()
    assert "Start-up" in body and "Launch" in body and "Mary" in body
    assert audit_entries_for(cast.startup_team).filter(actor=cast.mary).count() == 1


def test_audit_history_of_unknown_kind_is_404(cast):
    url = reverse("core:audit-history", args=["core", "nothing", 1])
    assert request_as(cast.root, url).status_code == 404


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_person_invite_creates_the_person_and_emails_a_link(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    data = {
        "organisation": cast.hub.pk,
        "first_name": "Nia",
        "last_name": "Jones",
        "email": "nia@example.org",
        "username": "nia.jones",
        "job_title": "Adviser",
        "role": Role.ADVISER,
        "team": cast.startup_team.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        check_access(
            cast,
            reverse("core:person-invite"),
            method="post",
            data=data,
            allowed=cast.ada,
            wrong_role=cast.mary,
            out_of_scope=None,
            expect=302,
            audited=[(User, "create"), (RoleAssignment, "create")],
        )
    nia = User.objects.get(username="nia.jones")
    assert not nia.has_usable_password()
    assert nia.home_organisation == cast.hub
    assert RoleAssignment.objects.get(user=nia).team == cast.startup_team
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nia@example.org"]
    link = next(
        line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line
    )
    page = request_as(None, link.replace("http://testserver", ""), method="get")
    assert page.status_code == 302  # the token is swapped into the session, then the form shows


def test_person_invite_refuses_a_duplicate_email_and_writes_nothing(cast):
    data = {
        "organisation": cast.hub.pk,
        "first_name": "A",
        "last_name": "B",
        "email": "ALICE@example.org",
        "username": "someone.new",
        "role": Role.ADVISER,
    }
    response = request_as(cast.ada, reverse("core:person-invite"), method="post", data=data)
    assert response.status_code == 400
    assert "Another person already uses this email address" in response.content.decode()
    assert not User.objects.filter(username="someone.new").exists()


def test_person_invite_into_another_organisation_is_refused(cast):
    data = {
        "organisation": cast.pathways.pk,
        "first_name": "A",
        "last_name": "B",
        "email": "x@example.org",
        "username": "x",
        "role": Role.ADVISER,
    }
    response = request_as(cast.ada, reverse("core:person-invite"), method="post", data=data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_person_deactivate_and_reactivate(cast):
    url = reverse("core:person-active", args=[cast.alice.pk])
    assert "Deactivate Alice Tester?" in request_as(cast.ada, url).content.decode()
    check_access(
        cast,
        url,
        method="post",
        allowed=cast.ada,
        wrong_role=cast.mary,
        out_of_scope=cast.pat,
        expect=302,
        audited=[(User, "update")],
    )
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active
    login = request_as(
        None,
        reverse("accounts:login"),
        method="post",
        data={"username": "alice", "password": PASSWORD},
    )
    assert login.status_code == 200 and "_auth_user_id" not in login.wsgi_request.session
    request_as(cast.ada, url, method="post", data={"active": "true"})
    cast.alice.refresh_from_db()
    assert cast.alice.is_active


def test_nobody_deactivates_themselves(cast):
    url = reverse("core:person-active", args=[cast.ada.pk])
    response = request_as(cast.ada, url, method="post")
    assert response.status_code == 400
    assert "cannot deactivate your own account" in response.content.decode()
    cast.ada.refresh_from_db()
    assert cast.ada.is_active


def test_requiring_two_factor_revokes_api_tokens_of_that_role(cast):
    from rest_framework.authtoken.models import Token

    ada_token = Token.objects.create(user=cast.ada)
    alice_token = Token.objects.create(user=cast.alice)
    url = reverse("core:organisation-security", args=[cast.hub.pk])
    request_as(cast.ada, url, method="post", data={"two_factor_roles": [Role.ADMINISTRATOR]})
    assert not Token.objects.filter(pk=ada_token.pk).exists()
    assert Token.objects.filter(pk=alice_token.pk).exists()


def test_api_errors_are_json_and_page_errors_are_html(cast):
    api = request_as(cast.alice, "/api/v1/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.json()["detail"]
    page = request_as(cast.alice, "/no-such-page/")
    assert page.status_code == 404 and "Page not found" in page.content.decode()


def test_server_error_page_gives_the_request_id(rf):
    from waypoint.core.errors import server_error

    request = rf.get("/teams/")
    request.request_id = "abc123def456"
    response = server_error(request)
    assert response.status_code == 500 and "abc123def456" in response.content.decode()
    api_request = rf.get("/api/v1/teams/")
    api_request.request_id = "abc123def456"
    assert b'"request_id": "abc123def456"' in server_error(api_request).content


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_pages_carry_the_security_headers(cast):
    response = request_as(cast.alice, reverse("core:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()  # no inline script in the layout


def test_audit_history_reads_plainly(cast):
    request_as(
        cast.mary,
        reverse("core:team-create"),
        method="post",
        data={"organisation": cast.hub.pk, "name": "Growth", "description": ""},
    )
    team = Team.objects.get(name="Growth")
    body = request_as(cast.mary, reverse("core:audit-history", args=["core", "team", team.pk]))
    text = body.content.decode()
    assert "Enterprise Hub" in text  # the organisation by name, not its id
    assert "role_assignments" not in text and "RoleAssignment.None" not in text
    assert "(empty)" in text  # the empty description before the team existed
