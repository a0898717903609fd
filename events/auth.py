"""Authenticate a stream request without pinning a thread or a DB connection.

Stream requests bypass Django's middleware (see events/handler.py), so this
module does what SessionMiddleware and AuthenticationMiddleware would, once,
before the stream starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.db import connections
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tokens import viewer_from_claims
from meetings.domain import Viewer
from meetings.services import viewer_for


@dataclass(frozen=True)
class Credentials:
    viewer: Viewer
    # Unix time at which the credentials stop being valid; None for sessions.
    expires_at: float | None = None


async def authenticate(request) -> Credentials | None:
    """Return who is asking, from a bearer JWT or the session cookie, or None."""
    header = request.headers.get("Authorization", "")
    if header:
        return _from_bearer(header)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        # Not thread-sensitive: a pooled thread does the lookup and is released.
        return await sync_to_async(_from_session, thread_sensitive=False)(session_key)
    return None


def _from_bearer(header: str) -> Credentials | None:
    scheme, _, raw = header.partition(" ")
    if scheme != "Bearer" or not raw or len(raw) > 4096:
        return None
    try:
        token = AccessToken(raw.strip())
    except TokenError:
        return None
    return Credentials(viewer_from_claims(token), expires_at=float(token["exp"]))


def _from_session(session_key: str) -> Credentials | None:
    try:
        engine = import_module(settings.SESSION_ENGINE)
        request = SimpleNamespace(session=engine.SessionStore(session_key))
        user = get_user(request)
        if not user.is_authenticated or not user.is_active:
            return None
        return Credentials(viewer_for(user))
    finally:
        # Connections are per thread; release this pooled thread's at once.
        connections.close_all()
