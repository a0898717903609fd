"""Credential guessing locks out the guesser's address, never the owner.

accounts/lockout.py: a lock per username and address, a lock per address, and
a slowdown per username across addresses that an address which has not failed
for it passes. tests/integration/test_throttling.py holds the per-address
limit, the windows and the hashing the locks save.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from accounts.lockout import delay_message, lockout_message
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


SECOND_GUESSER = "203.0.113.8"
THIRD_GUESSER = "203.0.113.9"


def fail(username: str, address: str, times: int) -> None:
    for _ in range(times):
        assert obtain(username, WRONG, address).status_code == 401


def lock_out(username: str, address: str) -> None:
    """Fail ten times: the tenth failure is already answered 429."""
    fail(username, address, 9)
    assert obtain(username, WRONG, address).status_code == 429


# The lock per username and address: the done-when of issue 19, on every door


def test_the_api_locks_out_the_guessing_address_and_lets_the_owner_in(alice, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        last = obtain("alice", WRONG, GUESSER)
    assert last.status_code == 429
    owner = obtain("alice", RIGHT, ELSEWHERE)
    assert owner.status_code == 200 and set(owner.json()) == {"access", "refresh"}
    refused = obtain("alice", RIGHT, GUESSER)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "locked_out"
    assert refused.headers["Retry-After"] == "900"


@pytest.mark.parametrize(
    ("path", "user_fixture", "next_url"),
    [("/accounts/login/", "alice", ""), ("/admin/login/", "staff", "/admin/")],
)
def test_the_login_page_and_the_admin_lock_out_the_guesser_only(
    path, user_fixture, next_url, request, settings
):
    username = request.getfixturevalue(user_fixture).username
    guesser = Client(REMOTE_ADDR=GUESSER)
    wrong = {"username": username, "password": WRONG, "next": next_url}
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        response = guesser.post(path, wrong)
    assert response.status_code == 429

    owner = Client(REMOTE_ADDR=ELSEWHERE)
    response = owner.post(path, {**wrong, "password": RIGHT})
    assert response.status_code == 302
    assert "_auth_user_id" in owner.session

    response = guesser.post(path, {**wrong, "password": RIGHT})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert lockout_message() in response.text
    assert "_auth_user_id" not in guesser.session


# The slowdown per username, across addresses


@pytest.fixture
def slowdown(settings):
    """Slow a username down after 12 failures, by 1 second."""
    settings.LOGIN_USERNAME_SLOWDOWN_FAILURES = 12
    settings.LOGIN_USERNAME_SLOWDOWN_SECONDS = 1
    return settings


def test_a_username_guessed_from_many_addresses_slows_the_guessers(alice, slowdown):
    lock_out("alice", GUESSER)
    fail("alice", SECOND_GUESSER, 2)  # 12 in all: the slowdown starts
    hashed = CountingHasher.calls

    delayed = obtain("alice", WRONG, SECOND_GUESSER)
    assert delayed.status_code == 429
    assert delayed.headers["Retry-After"] == "1"
    assert delayed.json() == {
        "error": {
            "code": "login_delayed",
            "message": delay_message(1),
            "details": {"retryAfterSeconds": 1},
        }
    }
    # Refused unchecked, and not counted: it prolongs nothing.
    assert obtain("alice", RIGHT, SECOND_GUESSER).status_code == 429
    assert CountingHasher.calls == hashed
    # The lock, the longer refusal, is what the first guesser is told.
    assert obtain("alice", WRONG, GUESSER).json()["error"]["code"] == "locked_out"

    time.sleep(1.1)
    # Once the username's last failure is a second old, one more guess is
    # checked, and the next waits again.
    assert obtain("alice", WRONG, SECOND_GUESSER).status_code == 401
    assert obtain("alice", WRONG, SECOND_GUESSER).status_code == 429


def test_an_address_that_has_not_failed_for_the_username_is_checked_at_once(
    alice, slowdown
):
    lock_out("alice", GUESSER)
    fail("alice", SECOND_GUESSER, 2)
    assert obtain("alice", WRONG, SECOND_GUESSER).status_code == 429
    # A fresh address is checked: the owner gets in, a guesser gets one guess.
    assert obtain("alice", RIGHT, ELSEWHERE).status_code == 200
    assert obtain("alice", WRONG, THIRD_GUESSER).status_code == 401
    assert obtain("alice", WRONG, THIRD_GUESSER).status_code == 429
    # Other usernames are not slowed.
    assert obtain("bob", WRONG, SECOND_GUESSER).status_code == 401


def test_an_owner_who_mistyped_during_the_slowdown_is_delayed_not_denied(
    alice, slowdown
):
    lock_out("alice", GUESSER)
    fail("alice", ELSEWHERE, 2)  # the owner mistypes twice: 12 in all
    waited = obtain("alice", RIGHT, ELSEWHERE)
    assert waited.status_code == 429
    time.sleep(int(waited.headers["Retry-After"]) + 0.1)
    assert obtain("alice", RIGHT, ELSEWHERE).status_code == 200


@pytest.mark.parametrize(
    ("path", "user_fixture", "next_url"),
    [("/accounts/login/", "alice", ""), ("/admin/login/", "staff", "/admin/")],
)
def test_the_login_page_and_the_admin_show_the_slowdown_with_429(
    path, user_fixture, next_url, request, slowdown
):
    username = request.getfixturevalue(user_fixture).username
    lock_out(username, GUESSER)
    fail(username, SECOND_GUESSER, 2)
    client = Client(REMOTE_ADDR=SECOND_GUESSER)
    response = client.post(
        path, {"username": username, "password": RIGHT, "next": next_url}
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert re.search(re.escape(delay_message(1)), response.text)
    assert "_auth_user_id" not in client.session
    owner = Client(REMOTE_ADDR=ELSEWHERE)
    response = owner.post(
        path, {"username": username, "password": RIGHT, "next": next_url}
    )
    assert response.status_code == 302
