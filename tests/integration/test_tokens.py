"""Refresh tokens: rotation, families revoked on reuse, and logging out.

accounts/tokens.py; the OpenAPI description of both is checked here too.
"""

from __future__ import annotations

import jwt
import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tokens import CheckedTokenRefreshSerializer

pytestmark = [pytest.mark.django_db, pytest.mark.orm]

RIGHT = "pw-12345678"  # every user's password in tests/conftest.py


def obtain(username: str) -> dict:
    response = APIClient().post(
        "/v1/auth/token", {"username": username, "password": RIGHT}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def refresh(token: str):
    return APIClient().post("/v1/auth/token/refresh", {"refresh": token}, format="json")


def logout(body: dict):
    return APIClient().post("/v1/auth/logout", body, format="json")


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# Families


def test_replaying_a_rotated_refresh_token_revokes_the_newest_one(alice, bob):
    first = obtain("alice")["refresh"]
    second = refresh(first).json()["refresh"]
    newest = refresh(second).json()["refresh"]
    other_login = obtain("alice")["refresh"]
    bobs = obtain("bob")["refresh"]

    replayed = refresh(first)
    assert replayed.status_code == 401
    assert error(replayed)["code"] == "token_reused"

    # Every outstanding refresh token of alice fails; bob's does not.
    for token in (newest, other_login):
        refused = refresh(token)
        assert refused.status_code == 401
        assert error(refused)["code"] == "token_reused"
    assert refresh(bobs).status_code == 200


def test_a_refresh_token_used_twice_at_once_revokes_the_family(alice):
    # The second of two racing refreshes finds the token blacklisted only when
    # it blacklists it itself: this token class skips the earlier check.
    class Unchecked(RefreshToken):
        def check_blacklist(self) -> None:
            pass

    class Racing(CheckedTokenRefreshSerializer):
        token_class = Unchecked

    token = obtain("alice")["refresh"]
    newest = refresh(token).json()["refresh"]
    serializer = Racing(data={"refresh": token})
    with pytest.raises(Exception) as raised:
        serializer.is_valid(raise_exception=True)
    assert raised.value.detail["code"] == "token_reused"
    assert refresh(newest).status_code == 401


def test_a_forged_token_revokes_nothing(alice):
    token = obtain("alice")["refresh"]
    newest = refresh(token).json()["refresh"]
    # The used token's claims, signed with another key.
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, "x" * 64, algorithm="HS256")
    refused = refresh(forged)
    assert refused.status_code == 401
    assert error(refused)["code"] == "token_not_valid"
    assert refresh(newest).status_code == 200


def test_an_access_token_is_not_a_refresh_token(alice):
    access = obtain("alice")["access"]
    assert error(refresh(access))["code"] == "token_not_valid"
    assert not BlacklistedToken.objects.exists()


# Logging out


def test_logout_revokes_its_refresh_token_and_no_other(alice):
    session = obtain("alice")
    other = obtain("alice")["refresh"]
    response = logout({"refresh": session["refresh"]})
    assert response.status_code == 204
    assert response.content == b""
    refused = refresh(session["refresh"])
    assert refused.status_code == 401
    # Logging out twice is refused: that token is no longer valid.
    assert error(logout({"refresh": session["refresh"]}))["code"] == "token_not_valid"
    # A logged-out token presented to refresh counts as reuse (docs/security.md).
    assert error(refused)["code"] == "token_reused"
    assert refresh(other).status_code == 401


def test_logout_after_logout_of_another_session_leaves_that_one(alice):
    first = obtain("alice")["refresh"]
    second = obtain("alice")["refresh"]
    assert logout({"refresh": first}).status_code == 204
    assert refresh(second).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"refresh": ""}, 400, "invalid"),
        ({"refresh": "not-a-token"}, 401, "token_not_valid"),
    ],
)
def test_logout_refuses_a_missing_or_bad_token_in_the_error_shape(body, status, code):
    response = logout(body)
    assert response.status_code == status
    assert error(response)["code"] == code


def test_logout_refuses_an_access_token(alice):
    response = logout({"refresh": obtain("alice")["access"]})
    assert response.status_code == 401
    assert error(response)["code"] == "token_not_valid"


# The OpenAPI description


def test_the_schema_describes_logout_and_the_refresh_401_on_reuse(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    paths = yaml.safe_load(out.read_text())["paths"]
    operation = paths["/v1/auth/logout"]["post"]
    assert operation["operationId"] == "auth_logout"
    assert "204" in operation["responses"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LogoutRequest"
    }
    unauthorized = paths["/v1/auth/token/refresh"]["post"]["responses"]["401"]
    assert "token_reused" in unauthorized["description"]
    assert unauthorized["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
