"""Refuse weak signing keys: sessions, JWTs and cursors are only as safe as they."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Django's own deployment check (security.W009) asks for as much.
MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "secret-key",
    "secret_key",
    "secretkey",
    "password",
    "django-secret-key",
    "your-secret-key",
}
# startproject writes "django-insecure-…", 66 characters: long but public.
PLACEHOLDER_PREFIXES = ("django-insecure", "changeme", "change-me", "insecure")


def weakness(key: str) -> str | None:
    """Return why key is too weak to sign with, or None when it will do."""
    normalised = key.strip().lower()
    if normalised in PLACEHOLDERS or normalised.startswith(PLACEHOLDER_PREFIXES):
        return "a placeholder"
    if len(key) < MIN_LENGTH:
        return f"{len(key)} characters long, under {MIN_LENGTH}"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return f"made of fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"
    return None


def require_strong_key(name: str, key: str, *, debug: bool) -> str:
    """Return key, or raise ImproperlyConfigured if it is weak and debug is off."""
    reason = weakness(key)
    if reason and not debug:
        raise ImproperlyConfigured(
            f"{name} is {reason}. Set it to a long random value, e.g. the output "
            "of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
            "(DJANGO_DEBUG=true allows a weak key, for local development only)."
        )
    return key
