"""Log-in helpers of the lockout and throttling tests: a counted fast hasher and
a token request from a given client address."""

from __future__ import annotations

from django.contrib.auth.hashers import MD5PasswordHasher
from rest_framework.test import APIClient

RIGHT = "pw-12345678"  # every user's password in tests/conftest.py
WRONG = "not-the-password"
GUESSER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


class CountingHasher(MD5PasswordHasher):
    """A fast hasher that counts every password it hashes or checks."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def use_counting_hasher(settings) -> None:
    """Hash with CountingHasher from zero: PBKDF2 would make each of the many
    failures of these tests cost a third of a second."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0


def obtain(username: str, password: str, address: str = GUESSER):
    """Ask for a token as username, from address."""
    return APIClient().post(
        "/v1/auth/token",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )
