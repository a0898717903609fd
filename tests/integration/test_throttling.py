"""Credential guessing and write quotas: lockouts, per-user create quotas, 429s.

Failed log-ins count per username and address, and per address, in the
database (django-axes, accounts/lockout.py; the per-username slowdown is in
tests/integration/test_lockout.py); creates count per user in the database
(meetings/quota.py), whichever way in they come by. docs/security.md
describes both.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import httpx
import pytest
from asgiref.sync import async_to_sync
from axes.models import AccessAttempt
from django.test import AsyncClient, Client

from accounts.lockout import lockout_message
from tests.conftest import access_token_for
from tests.support.logins import (
    ELSEWHERE,
    GUESSER,
    RIGHT,
    WRONG,
    CountingHasher,
    obtain,
    use_counting_hasher,
)

pytestmark = [pytest.mark.django_db, pytest.mark.orm]


@pytest.fixture(autouse=True)
def _fast_counted_hashing(settings):
    use_counting_hasher(settings)


MESSAGE = re.escape(lockout_message())


def lock_out(username: str, settings) -> None:
    """Fail log-ins as username from GUESSER until the username is locked out."""
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        response = obtain(username, WRONG)
    assert response.status_code == 429


def assert_locked_out_json(response, settings) -> None:
    assert response.status_code == 429
    assert response.json() == {
        "error": {"code": "locked_out", "message": lockout_message(), "details": None}
    }
    seconds = int(response.headers["Retry-After"])
    assert seconds == settings.AXES_COOLOFF_TIME.total_seconds()


# The API's token


def test_guessing_one_username_meets_429_with_retry_after_before_the_40th(
    alice, settings
):
    statuses = [obtain("alice", WRONG).status_code for _ in range(40)]
    first = statuses.index(429)
    assert first < 39
    # The failure that reaches the limit is already answered 429, and so is
    # everything after it.
    assert first + 1 == settings.LOGIN_FAILURES_PER_USERNAME == 10
    assert set(statuses[:first]) == {401} and set(statuses[first:]) == {429}
    assert_locked_out_json(obtain("alice", WRONG), settings)


def test_ten_wrong_passwords_lock_out_the_guessing_address_only(alice, bob, settings):
    lock_out("alice", settings)
    assert_locked_out_json(obtain("alice", RIGHT), settings)
    # The owner, from another address, is not locked out.
    assert obtain("alice", RIGHT, address=ELSEWHERE).status_code == 200
    # Only that username: the guesser's address is under its own limit.
    assert obtain("bob", RIGHT, address=GUESSER).status_code == 200
    assert_locked_out_json(obtain("alice", RIGHT), settings)


def test_guessing_from_one_address_locks_every_username_there(bob, settings):
    limit = settings.LOGIN_FAILURES_PER_ADDRESS
    assert limit == 30
    # One guess per username, far under the per-username limit.
    for n in range(limit - 1):
        assert obtain(f"user{n}", WRONG).status_code == 401
    assert_locked_out_json(obtain("someone", WRONG), settings)
    assert_locked_out_json(obtain("bob", RIGHT), settings)
    assert obtain("bob", RIGHT, address=ELSEWHERE).status_code == 200


def test_the_right_password_works_again_once_the_window_has_passed(alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    lock_out("alice", settings)
    locked_at = time.monotonic()
    locked = obtain("alice", RIGHT)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "2"
    time.sleep(1)
    # Attempts refused during the lock do not prolong it.
    assert obtain("alice", WRONG).status_code == 429
    time.sleep(max(0.0, locked_at + 2.1 - time.monotonic()))
    response = obtain("alice", RIGHT)
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_a_locked_out_attempt_is_refused_before_any_password_is_hashed(alice, settings):
    lock_out("alice", settings)
    # Every counted failure cost a hash, which is what the lock saves.
    assert CountingHasher.calls >= settings.LOGIN_FAILURES_PER_USERNAME
    hashed = CountingHasher.calls
    assert obtain("alice", RIGHT).status_code == 429
    assert obtain("alice", WRONG).status_code == 429
    page = Client(REMOTE_ADDR=GUESSER).post(
        "/accounts/login/", {"username": "alice", "password": RIGHT}
    )
    assert page.status_code == 429
    assert CountingHasher.calls == hashed


def test_a_username_too_long_to_store_is_counted_by_its_first_255_characters():
    assert obtain("x" * 1000, WRONG).status_code == 401
    assert AccessAttempt.objects.get().username == "x" * 255


# The pages


def test_the_login_page_shows_the_lockout_in_its_form_with_429(alice, settings):
    client = Client(REMOTE_ADDR=GUESSER)
    wrong = {"username": "alice", "password": WRONG}
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME - 1):
        response = client.post("/accounts/login/", wrong)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text
    for attempt in (wrong, {"username": "alice", "password": RIGHT}):
        response = client.post("/accounts/login/", attempt)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "900"
        assert re.search(
            rf'role="alert">\s*<ul class="errorlist nonfield"><li>{MESSAGE}',
            response.text,
        )
        assert response.text.count(lockout_message()) == 1
        assert 'name="username" value="alice"' in response.text  # the form, kept
        assert "_auth_user_id" not in client.session


def test_the_admin_login_shows_the_lockout_in_its_form_with_429(staff, settings):
    client = Client(REMOTE_ADDR=GUESSER)
    wrong = {"username": "sam", "password": WRONG, "next": "/admin/"}
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME - 1):
        response = client.post("/admin/login/", wrong)
        assert response.status_code == 200
        assert "for a staff account" in response.text
    for attempt in (wrong, {**wrong, "password": RIGHT}):
        response = client.post("/admin/login/", attempt)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "900"
        assert re.search(rf'<p class="errornote">\s*{MESSAGE}', response.text)
        assert "_auth_user_id" not in client.session


def test_under_asgi_too_the_login_page_is_the_form_with_429(alice, settings):
    # The ASGI test client's address is its scope's client, 127.0.0.1.
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        obtain("alice", WRONG, address="127.0.0.1")
    client = AsyncClient()
    response = async_to_sync(client.post)(
        "/accounts/login/", {"username": "alice", "password": RIGHT}
    )
    assert response.status_code == 429
    assert lockout_message() in response.text
    assert 'name="username" value="alice"' in response.text


# Write quotas


def test_creates_beyond_the_quota_get_429_for_that_user_only(
    alice, bob, client_for, settings, memory_store
):
    settings.MEETINGS_CREATE_RATE = "3/min"
    alice_api, bob_api = client_for(alice), client_for(bob)
    responses = [
        alice_api.post("/v1/meetings", {"title": f"m{n}"}, format="json")
        for n in range(5)
    ]
    assert [r.status_code for r in responses] == [201, 201, 201, 429, 429]
    refused = responses[-1].json()["error"]
    wait = int(responses[-1].headers["Retry-After"])
    # Until this minute's creates weigh little enough in the next (quota.py).
    assert 0 < wait <= 2 * 60
    assert refused["code"] == "quota_exceeded"
    assert refused["details"] == {"retryAfterSeconds": wait}
    assert "created too many meetings" in refused["message"]
    assert (
        bob_api.post("/v1/meetings", {"title": "b"}, format="json").status_code == 201
    )
    # Only creates count: alice still reads and changes her meetings.
    meeting = responses[0].json()
    assert alice_api.get("/v1/meetings").status_code == 200
    changed = alice_api.patch(
        f"/v1/meetings/{meeting['id']}", {"title": "renamed"}, format="json"
    )
    assert changed.status_code == 200


def test_one_create_quota_counts_the_api_the_pages_and_the_admin(
    alice, make_user, client_for, settings, memory_store
):
    settings.MEETINGS_CREATE_RATE = "2/min"
    api, pages = client_for(alice), Client()
    pages.force_login(alice)
    assert api.post("/v1/meetings", {"title": "a"}, format="json").status_code == 201
    assert pages.post("/meetings/new", {"title": "b"}).status_code == 302

    refused = pages.post("/meetings/new", {"title": "Typed, not lost"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 2 * 60
    page = refused.content.decode()
    assert "created too many meetings" in page
    assert 'value="Typed, not lost"' in page
    assert api.post("/v1/meetings", {"title": "c"}, format="json").status_code == 429

    # The admin counts whoever adds, not the owner they choose.
    sam = make_user("sam", is_staff=True, perms=("add", "view"))
    admin = Client()
    admin.force_login(sam)
    add = "/admin/meetings/meetingrecord/add/"
    assert admin.post(add, {"title": "d", "owner": alice.pk}).status_code == 302
    assert admin.post(add, {"title": "e", "owner": alice.pk}).status_code == 302
    refused = admin.post(add, {"title": "Kept too", "owner": alice.pk})
    assert refused.status_code == 429 and refused["Retry-After"].isdigit()
    page = refused.content.decode()
    assert "created too many meetings" in page and 'value="Kept too"' in page


# Several instances


def test_instances_share_the_counts_and_take_the_address_a_proxy_forwards(
    servers, alice
):
    limits = {"LOGIN_FAILURES_PER_USERNAME": 3, "MEETINGS_CREATE_RATE": "2/min"}
    # gunicorn takes X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS'
    # default), as nginx on the same host connects; the other instance trusts
    # only a proxy elsewhere, so this test is a direct client to it.
    behind_nginx = servers(**limits)
    direct = servers(**limits, FORWARDED_ALLOW_IPS="192.0.2.1")
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    wrong = {"username": "alice", "password": WRONG}

    # No password here is ever checked successfully: the servers hash with
    # PBKDF2, the guesses are wrong and the refused attempts are not checked.
    for _ in range(2):
        spoofed = httpx.post(
            f"{direct.url}/v1/auth/token", json=wrong, headers=forwarded
        )
        assert spoofed.status_code == 401
    # The third failure for alice from 127.0.0.1, on the other instance.
    third = httpx.post(f"{behind_nginx.url}/v1/auth/token", json=wrong)
    assert third.status_code == 429
    response = httpx.post(
        f"{behind_nginx.url}/v1/auth/token", json=wrong, headers=forwarded
    )
    assert response.status_code == 401  # the forwarded address is not locked
    counted = {
        a.ip_address: a.failures_since_start for a in AccessAttempt.objects.all()
    }
    assert counted == {"127.0.0.1": 3, "198.51.100.7": 1}
    right = {"username": "alice", "password": RIGHT}
    for server in (behind_nginx, direct):
        assert httpx.post(f"{server.url}/v1/auth/token", json=right).status_code == 429

    bearer = {"Authorization": f"Bearer {access_token_for(alice)}"}
    for server in (behind_nginx, direct):
        created = httpx.post(
            f"{server.url}/v1/meetings", json={"title": "q"}, headers=bearer
        )
        assert created.status_code == 201
    refused = httpx.post(
        f"{behind_nginx.url}/v1/meetings", json={"title": "q"}, headers=bearer
    )
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert int(refused.headers["Retry-After"]) > 0
