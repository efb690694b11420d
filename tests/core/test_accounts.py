"""Signing in and out, lockout, passwords, and two-factor sign-in for the roles that need it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from waypoint.core.models import DomainEvent, Organisation, RolePolicy, User
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")
SETUP = reverse("accounts:two-factor-setup")
VERIFY = reverse("accounts:two-factor-verify")
NEW_PASSWORD = "a quiet harbour at dawn 71"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def code_for(device: TOTPDevice) -> str:
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{token:0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 10**device.digits:0{device.digits}d}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Signing in and out ----------------------------------------------------------------------------


def test_login_page(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = text(response)
    assert 'name="username"' in body and 'name="password"' in body
    assert reverse("accounts:password-reset") in body


def test_successful_login_goes_home(cast):
    client = Client()
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert signed_in_as(client) == cast.alice.pk
    assert client.get(HOME).status_code == 200


def test_a_signed_in_person_is_sent_on_from_the_login_page(cast):
    response = cast.client(cast.alice).get(LOGIN)
    assert response.status_code == 302 and response["Location"] == HOME


def test_wrong_password_is_explained(cast):
    client = Client()
    response = sign_in(client, "alice", "not my password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)
    assert signed_in_as(client) is None


def test_an_inactive_person_cannot_sign_in(cast):
    User.objects.filter(pk=cast.alice.pk).update(is_active=False)
    client = Client()
    response = sign_in(client, "alice")
    assert response.status_code == 200
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http:evil.example"]
)
def test_login_ignores_a_next_url_on_another_site(cast, target):
    response = sign_in(Client(), "alice", next=target)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_login_follows_a_local_next_url(cast):
    response = sign_in(Client(), "alice", next="/teams/")
    assert response["Location"] == "/teams/"


def test_logout_is_a_post(cast):
    client = cast.client(cast.alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_as(client) == cast.alice.pk
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    after = client.get(HOME)
    assert after.status_code == 302 and after["Location"].startswith(LOGIN)


# Lockout (django-axes; AXES_FAILURE_LIMIT is 3 in the test settings) ---------------------------


def test_lockout_after_repeated_failures(cast, settings):
    assert settings.AXES_FAILURE_LIMIT == 3
    client = Client()
    for _ in range(2):
        assert sign_in(client, "alice", "wrong").status_code == 200
    locked = sign_in(client, "alice", "wrong")
    assert locked.status_code == 429
    body = text(locked)
    assert "Too many failed attempts" in body
    assert "locked after 3 wrong passwords" in body
    assert reverse("accounts:password-reset") in body

    # The right password is refused too while the lock lasts.
    again = sign_in(client, "alice")
    assert again.status_code == 429
    assert signed_in_as(client) is None


def test_lockout_is_per_account(cast):
    client = Client()
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    response = sign_in(Client(), "mary")
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_successful_login_resets_the_count(cast):
    for _ in range(2):
        sign_in(Client(), "alice", "wrong")
    assert sign_in(Client(), "alice").status_code == 302
    for _ in range(2):
        assert sign_in(Client(), "alice", "wrong").status_code == 200
    assert sign_in(Client(), "alice").status_code == 302


# Passwords -------------------------------------------------------------------------------------


def test_password_change(cast):
    client = cast.client(cast.alice)
    assert client.get(reverse("accounts:password-change")).status_code == 200
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-change-done")
    assert client.get(HOME).status_code == 200  # still signed in
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), "alice", PASSWORD).status_code == 200


def test_password_change_names_the_wrong_old_password(cast):
    client = cast.client(cast.alice)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"old_password"}
    assert User.objects.get(pk=cast.alice.pk).check_password(PASSWORD)


def test_password_change_refuses_a_weak_password(cast):
    client = cast.client(cast.alice)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    assert User.objects.get(pk=cast.alice.pk).check_password(PASSWORD)


def test_password_reset_by_email(cast):
    client = Client()
    response = client.post(reverse("accounts:password-reset"), {"email": "ALICE@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "Waypoint" in message.subject
    link = re.search(r"https?://testserver(/accounts/password/reset/\S+/\S+/)", message.body)
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password-reset-complete")
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302

    # The link works once.
    reused = Client().get(link.group(1), follow=True)
    assert not reused.context["validlink"]
    assert "already been used or has expired" in text(reused)


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(cast):
    response = Client().post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


# Two-factor sign-in ----------------------------------------------------------------------------


@pytest.fixture
def two_factor_cast(cast):
    """Hub's administrators must use two-factor sign-in."""
    RolePolicy.objects.create(
        organisation=cast.hub, role=Role.ADMINISTRATOR, require_two_factor=True
    )
    return cast


def redirect_target(response) -> tuple[str, str | None]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query).get("next", [None])[0]


def test_a_person_whose_role_needs_two_factor_is_sent_to_set_it_up(two_factor_cast):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    response = client.get("/teams/")
    assert response.status_code == 302
    assert redirect_target(response) == (SETUP, "/teams/")
    # Colleagues whose roles do not need it are not stopped.
    assert cast.client(cast.mary).get("/teams/").status_code == 200


def test_two_factor_setup_with_a_valid_code_lets_her_in(two_factor_cast):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    page = client.get(SETUP, {"next": "/teams/"})
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=cast.ada, confirmed=False)
    assert "Set up two-factor sign-in" in text(page)

    response = client.post(SETUP, {"code": code_for(device), "next": "/teams/"})
    assert response.status_code == 302
    assert response["Location"] == "/teams/"
    device.refresh_from_db()
    assert device.confirmed
    assert DomainEvent.objects.filter(verb="account.two_factor_added", actor=cast.ada).exists()
    assert client.get(HOME).status_code == 200
    assert client.get("/teams/").status_code == 200


@pytest.mark.parametrize(
    ("code", "message"),
    [("wrong", "That code did not match"), ("abcdef", "Enter the six digits")],
)
def test_two_factor_setup_with_a_bad_code_names_the_code_field(two_factor_cast, code, message):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.ada)
    if code == "wrong":
        code = wrong_code_for(device)
    response = client.post(SETUP, {"code": code})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"code"}
    assert message in errors["code"][0]
    assert message in text(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME).status_code == 302  # still not let in


def test_setting_up_again_reuses_the_unconfirmed_device(two_factor_cast):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=cast.ada).count() == 1


def test_with_a_confirmed_device_a_new_session_is_sent_to_verify(two_factor_cast):
    cast = two_factor_cast
    device = TOTPDevice.objects.create(user=cast.ada, name="Phone", confirmed=True)
    client = cast.client(cast.ada)
    response = client.get("/teams/")
    assert response.status_code == 302
    assert redirect_target(response) == (VERIFY, "/teams/")
    assert client.get(VERIFY).status_code == 200

    verified = client.post(VERIFY, {"code": code_for(device), "next": "/teams/"})
    assert verified.status_code == 302
    assert verified["Location"] == "/teams/"
    assert client.get("/teams/").status_code == 200


def test_verify_with_a_wrong_code_names_the_code_field(two_factor_cast):
    cast = two_factor_cast
    device = TOTPDevice.objects.create(user=cast.ada, name="Phone", confirmed=True)
    client = cast.client(cast.ada)
    response = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"code"}
    assert "That code did not match" in text(response)
    assert client.get(HOME).status_code == 302


def test_the_whole_sign_in_with_two_factor(two_factor_cast):
    cast = two_factor_cast
    device = TOTPDevice.objects.create(user=cast.ada, name="Phone", confirmed=True)
    client = Client()
    signed_in = sign_in(client, "ada", next="/teams/")
    assert signed_in.status_code == 302
    stopped = client.get(signed_in["Location"])
    assert redirect_target(stopped) == (VERIFY, "/teams/")
    verified = client.post(VERIFY, {"code": code_for(device), "next": "/teams/"})
    assert verified["Location"] == "/teams/"
    assert client.get("/teams/").status_code == 200


def test_account_pages_stay_reachable_before_two_factor(two_factor_cast):
    client = two_factor_cast.client(two_factor_cast.ada)
    assert client.get(reverse("accounts:password-change")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_api_paths_are_not_redirected(two_factor_cast):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    response = client.get("/api/v1/organisations/")
    assert response.status_code != 302
    # ... but an unconfirmed session does not reach the records either.
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    assert cast.client(cast.mary).get("/api/v1/organisations/").status_code == 200


def test_an_api_session_confirmed_with_a_code_reaches_the_records(two_factor_cast):
    cast = two_factor_cast
    device = TOTPDevice.objects.create(user=cast.ada, name="Phone", confirmed=True)
    client = cast.client(cast.ada)
    client.post(VERIFY, {"code": code_for(device)})
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Enterprise Hub"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/teams/"])
def test_two_factor_next_is_not_an_open_redirect(two_factor_cast, target):
    cast = two_factor_cast
    device = TOTPDevice.objects.create(user=cast.ada, name="Phone", confirmed=True)
    client = cast.client(cast.ada)
    page = client.get(VERIFY, {"next": target})
    assert page.context["next"] == HOME
    response = client.post(VERIFY, {"code": code_for(device), "next": target})
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_two_factor_setup_next_is_not_an_open_redirect(two_factor_cast):
    cast = two_factor_cast
    client = cast.client(cast.ada)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.ada)
    response = client.post(SETUP, {"code": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_redirected_request_leaves_no_time_zone_behind(two_factor_cast):
    """The organisation's time zone is for that request only, even when it is turned away."""
    cast = two_factor_cast
    Organisation.objects.filter(pk=cast.hub.pk).update(time_zone="America/New_York")
    response = cast.client(cast.ada).get(HOME)
    assert response.status_code == 302
    assert timezone.get_current_timezone_name() == "Europe/London"
