"""Weak signing keys are refused unless DEBUG is on, in settings too."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.keys import require_strong_key, weakness
from tests.support.live import BASE_DIR

STRONG = secrets.token_urlsafe(50)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "changeme",
        "  Secret ",
        "short-but-random-Zq8",
        "a" * 49 + "b",
        "abcd" * 20,
        "django-insecure-" + secrets.token_urlsafe(40),
        "changeme-" + secrets.token_urlsafe(40),
    ],
)
def test_weak_keys_are_refused_with_the_variable_named(key):
    assert weakness(key)
    with pytest.raises(ImproperlyConfigured, match=r"^JWT_SIGNING_KEY is .*token_url"):
        require_strong_key("JWT_SIGNING_KEY", key, debug=False)


def test_a_long_random_key_is_returned():
    assert weakness(STRONG) is None
    assert require_strong_key("DJANGO_SECRET_KEY", STRONG, debug=False) == STRONG


def test_debug_accepts_a_weak_key():
    assert require_strong_key("DJANGO_SECRET_KEY", "dev", debug=True) == "dev"


def load_settings(**environ: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with environ over .env."""
    return subprocess.run(
        [sys.executable, "-c", "from config import settings"],
        cwd=BASE_DIR,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("environ", "refused"),
    [
        ({"DJANGO_SECRET_KEY": "changeme"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": STRONG, "JWT_SIGNING_KEY": "jwt"}, "JWT_SIGNING_KEY"),
        ({"DJANGO_SECRET_KEY": STRONG, "JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY"),
        ({"DJANGO_SECRET_KEY": STRONG}, None),
        ({"DJANGO_SECRET_KEY": "changeme", "DJANGO_DEBUG": "true"}, None),
    ],
    ids=["weak-secret", "weak-jwt", "empty-jwt", "strong", "debug"],
)
def test_settings_refuse_weak_keys_when_debug_is_off(environ, refused):
    finished = load_settings(**{"DJANGO_DEBUG": "false", **environ})
    if refused:
        assert finished.returncode != 0
        assert f"ImproperlyConfigured: {refused} is " in finished.stderr
    else:
        assert finished.returncode == 0, finished.stderr
