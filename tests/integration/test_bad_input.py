"""Hostile and odd input: every answer is a clean 4xx, and nothing changes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import access_token_for

pytestmark = pytest.mark.django_db
MEETINGS = "/v1/meetings"


def claims(user, **overrides) -> dict:
    now = int(time.time())
    return {
        "token_type": "access",
        "user_id": str(user.pk),
        "is_staff": True,
        "exp": now + 300,
        "iat": now,
        "jti": uuid.uuid4().hex,
        **overrides,
    }


def rsa_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hmac_token(payload: dict, key: bytes) -> str:
    """Sign HS256 by hand with any key (PyJWT rightly refuses a PEM key)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def forged_tokens(user, secret: str) -> dict[str, str]:
    key = rsa_private_key()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "bad signature": jwt.encode(
            claims(user), "not-the-secret-but-long-enough-for-hs256", algorithm="HS256"
        ),
        "expired": jwt.encode(
            claims(user, exp=int(time.time()) - 10), secret, algorithm="HS256"
        ),
        "alg none": jwt.encode(claims(user), None, algorithm="none"),
        "RS256 token": jwt.encode(claims(user), key, algorithm="RS256"),
        # HS/RS confusion: HMAC keyed with a public key a server might hold.
        "HS256 keyed with a public key": hmac_token(claims(user), public_pem),
        "refresh token as bearer": str(RefreshToken.for_user(user)),
        "garbage": "a.b.c",
    }


@pytest.fixture
def api(memory_store):
    return APIClient()


def test_forged_expired_and_confused_tokens_are_401(api, staff, settings):
    for name, token in forged_tokens(staff, settings.SECRET_KEY).items():
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api.get(MEETINGS)
        assert response.status_code == 401, name
        assert set(response.json()["error"]) == {"code", "message", "details"}, name
        created = api.post(MEETINGS, {"title": "x"}, format="json")
        assert created.status_code == 401, name


@pytest.mark.parametrize(
    "title",
    [
        "Réunion d'équipe ☕",
        "会議 🗓️ 2026",
        "اجتماع الفريق",  # right-to-left
        "Zalgo t̷̢e̴̡s̵t̶",  # combining marks
        "👩‍👩‍👧‍👦 family sync",  # zero-width joiners
    ],
)
def test_unicode_titles_round_trip_exactly(api, alice, title):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(alice)}")
    created = api.post(MEETINGS, {"title": title}, format="json")
    assert created.status_code == 201
    fetched = api.get(f"{MEETINGS}/{created.json()['id']}").json()
    assert fetched["title"] == title


@pytest.mark.parametrize(
    "field",
    ["title", "description", "status_message"],
)
def test_control_characters_are_refused_in_text_fields(api, alice, field):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(alice)}")
    meeting = api.post(MEETINGS, {"title": "ok"}, format="json").json()
    response = api.patch(
        f"{MEETINGS}/{meeting['id']}", {field: "null\x00byte"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert api.get(f"{MEETINGS}/{meeting['id']}").json()["version"] == 1


def test_a_body_of_several_megabytes_is_413_without_reading_it_all(api, alice):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(alice)}")
    body = json.dumps({"title": "x", "description": "y" * 5_000_000})
    response = api.post(MEETINGS, body, content_type="application/json")
    assert response.status_code == 413
    assert api.get(MEETINGS).json()["results"] == []


@pytest.mark.parametrize(
    "value",
    [0, 12.5, True, ["a"], {"a": 1}, None],
)
def test_text_fields_take_strings_only(api, alice, value):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(alice)}")
    response = api.post(MEETINGS, {"title": value}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "meeting_id",
    ["1", "00000000-0000-0000-0000", "../../etc/passwd", "%00", "x" * 500],
)
def test_malformed_meeting_ids_are_400(api, alice, meeting_id):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(alice)}")
    response = api.get(f"{MEETINGS}/{meeting_id}")
    assert response.status_code in (400, 404)
    assert "error" in response.json()
