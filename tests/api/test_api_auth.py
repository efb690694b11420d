"""POST /api/v1/auth/token, token and session authentication, and two-factor sign-in."""

from __future__ import annotations

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.helpers import TOKEN_URL, assert_json_error, names
from tests.factories import PASSWORD
from waypoint.core.models import RolePolicy
from waypoint.core.roles import Role

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me/"


def ask_for_token(data: object) -> object:
    return APIClient().post(TOKEN_URL, data, format="json")


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def confirmed_device(user: object) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_from_password_works_in_either_header(cast, keyword):
    response = ask_for_token({"username": "alice", "password": PASSWORD})
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(key=key).user == cast.alice

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    me = client.get(ME)
    assert me.status_code == 200, me.content
    assert me.json()["username"] == "alice"


def test_asking_again_returns_the_same_token(cast):
    first = ask_for_token({"username": "alice", "password": PASSWORD}).json()["token"]
    second = ask_for_token({"username": "alice", "password": PASSWORD}).json()["token"]
    assert first == second


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "no key"),
        ("Bearer one two", "spaces"),
        ("Bearer not-a-real-key", "Invalid token"),
    ],
)
def test_bad_token_headers_answer_401(cast, header, message):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    body = assert_json_error(client.get(ME), 401)
    assert message in body["detail"]


def test_anonymous_request_is_told_how_to_authenticate(cast):
    response = APIClient().get(ME)
    assert_json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_is_refused_with_a_message(cast):
    body = assert_json_error(ask_for_token({"username": "alice", "password": "wrong"}), 400)
    assert body["errors"]["non_field_errors"] == ["The username or password is not right."]
    assert not Token.objects.filter(user=cast.alice).exists()


def test_inactive_person_gets_no_token(cast):
    cast.alice.is_active = False
    cast.alice.save()
    assert_json_error(ask_for_token({"username": "alice", "password": PASSWORD}), 400)
    assert not Token.objects.exists()


def test_missing_fields_are_named(cast):
    body = assert_json_error(ask_for_token({}), 400)
    assert set(body["errors"]) == {"username", "password"}
    assert body["errors"]["password"] == ["This field is required."]


def test_malformed_json_is_a_json_400(cast):
    response = APIClient().post(
        TOKEN_URL, '{"username": "alice", ', content_type="application/json"
    )
    body = assert_json_error(response, 400)
    assert "JSON parse error" in body["detail"]


def test_repeated_failures_lock_the_account_with_a_clear_message(cast, settings):
    assert settings.AXES_FAILURE_LIMIT == 3
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_json_error(ask_for_token({"username": "alice", "password": "wrong"}), 400)
    locked = assert_json_error(ask_for_token({"username": "alice", "password": "wrong"}), 403)
    assert "Too many failed sign-in attempts" in locked["detail"]

    # Even the right password is refused while the lock lasts.
    still_locked = assert_json_error(
        ask_for_token({"username": "alice", "password": PASSWORD}), 403
    )
    assert "locked" in still_locked["detail"]
    assert not Token.objects.filter(user=cast.alice).exists()


def test_lockout_is_per_person(cast, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        ask_for_token({"username": "alice", "password": "wrong"})
    assert ask_for_token({"username": "mary", "password": PASSWORD}).status_code == 200


@pytest.fixture
def ada_needs_two_factor(cast):
    RolePolicy.objects.create(
        organisation=cast.hub, role=Role.ADMINISTRATOR, require_two_factor=True
    )
    return cast.ada


def test_two_factor_role_without_a_code_is_asked_for_one(ada_needs_two_factor):
    confirmed_device(ada_needs_two_factor)
    body = assert_json_error(ask_for_token({"username": "ada", "password": PASSWORD}), 400)
    assert list(body["errors"]) == ["otp_token"]
    assert "six-digit code" in body["errors"]["otp_token"][0]
    assert not Token.objects.exists()


def test_two_factor_role_with_a_wrong_code_is_refused(ada_needs_two_factor):
    device = confirmed_device(ada_needs_two_factor)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    data = {"username": "ada", "password": PASSWORD, "otp_token": wrong}
    body = assert_json_error(ask_for_token(data), 400)
    assert "otp_token" in body["errors"]
    assert not Token.objects.exists()


def test_two_factor_role_with_the_current_code_gets_a_token(ada_needs_two_factor):
    device = confirmed_device(ada_needs_two_factor)
    data = {"username": "ada", "password": PASSWORD, "otp_token": current_code(device)}
    response = ask_for_token(data)
    assert response.status_code == 200, response.content
    assert Token.objects.get(key=response.json()["token"]).user == ada_needs_two_factor


def test_two_factor_role_without_a_device_is_told_to_set_one_up(ada_needs_two_factor):
    data = {"username": "ada", "password": PASSWORD, "otp_token": "123456"}
    body = assert_json_error(ask_for_token(data), 400)
    assert "Set up two-factor sign-in" in body["errors"]["otp_token"][0]


def test_two_factor_is_not_asked_of_other_roles(ada_needs_two_factor):
    assert ask_for_token({"username": "mary", "password": PASSWORD}).status_code == 200


def test_session_not_confirmed_by_two_factor_cannot_use_the_api(ada_needs_two_factor):
    """The pages' two-factor gate leaves /api/ alone; the API must not be the way round it."""
    client = APIClient()
    client.force_login(ada_needs_two_factor)
    body = assert_json_error(client.get("/api/v1/teams/"), 403)
    assert "two-factor" in body["detail"]


def test_session_confirmed_by_two_factor_can_use_the_api(ada_needs_two_factor):
    device = confirmed_device(ada_needs_two_factor)
    client = APIClient()
    client.force_login(ada_needs_two_factor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert names(client.get("/api/v1/teams/")) == {"Start-up"}


def test_session_of_a_person_without_two_factor_rule_can_use_the_api(cast):
    client = APIClient()
    client.force_login(cast.mary)
    assert names(client.get("/api/v1/teams/")) == {"Start-up"}
