"""Authenticate a stream request without pinning a thread or a DB connection.

Stream requests bypass Django's middleware (see events/handler.py), so this
module does what SessionMiddleware, AuthenticationMiddleware and simplejwt's
JWTAuthentication would, once, before the stream starts: it loads the user from
the database, refuses inactive or deleted users and tokens issued before a
password change, and asks the services what the user may reach. Open streams
are checked again (recheck below, called by events/recheck.py), once per
distinct credential however many streams share it: those of the users the
revocation feed names, within a second or two (revocations_since;
events/revocations.py), and all of them every SSE_RECHECK_INTERVAL seconds.

Every lookup runs in a pooled (not thread-sensitive) thread that closes its
database connections before it returns. Django's async ORM (`aget` and the
like) would not do better: in Django 6.1 it is sync_to_async on the one
thread-sensitive thread, which would queue every connect of the process behind
one thread and keep that thread's connection open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.db import connections
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.revocation import Revoked, written_since
from meetings.domain import Viewer, utcnow
from meetings.services import viewer_for

from .connects import Batcher
from .loops import PerLoop

MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Credentials:
    """Who a stream speaks for, and how to check that again later."""

    viewer: Viewer
    # What proves the identity: ("session", key) or ("bearer", user id,
    # password claim). Streams with equal keys are re-checked once together.
    key: tuple[str, ...] = field(default=())
    # Unix time at which the credentials stop being valid; None for sessions.
    expires_at: float | None = None
    # When the lookup that found them began: a revocation after it is news.
    checked_at: datetime = field(default_factory=utcnow)


class Authenticator:
    """The connect lookups of one event loop, batched across its streams.

    lookup, for tests to replace, takes connect keys and returns each one's
    Credentials, None or the exception its lookup raised; it is called in a
    pooled thread (look_up below).
    """

    def __init__(self, lookup: Callable[[list[tuple[str, str]]], dict] | None = None):
        self.lookup = lookup or look_up
        self._batcher = Batcher(self._look_up_all)

    async def authenticate(self, request) -> Credentials | None:
        """Return who is asking, from a bearer JWT or the session cookie, or None.

        Connects arriving together are looked up together: one pooled thread
        and one database connection for the batch (events/connects.py), not
        for each.
        """
        header = request.headers.get("Authorization", "")
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if header:
            key = ("bearer", header)
        elif session_key:
            key = ("session", session_key)
        else:
            return None
        outcome = (await self._batcher.get([key]))[key]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _look_up_all(self, keys: list[tuple[str, str]]) -> dict:
        return await _in_pooled_thread(self.lookup, keys)


async def authenticate(request) -> Credentials | None:
    """Return who is asking, with the running event loop's Authenticator."""
    return await _authenticators.get().authenticate(request)


async def recheck(keys: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], Viewer]:
    """Return the current viewer of each credential key still valid.

    A key missing from the result was revoked: logout, an expired session, a
    password change, deactivation or deletion. One lookup per distinct key.
    """
    return await _in_pooled_thread(_recheck, list(keys))


async def revocations_since(moment: datetime) -> list[Revoked]:
    """Return the revocation feed's rows written since moment: one query."""
    return await _in_pooled_thread(written_since, moment)


async def _in_pooled_thread(function, *args):
    return await sync_to_async(_closing_connections(function), thread_sensitive=False)(
        *args
    )


def _closing_connections(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            # Connections are per thread; release this pooled thread's at once.
            connections.close_all()

    return run


_authenticators = PerLoop(Authenticator)


def look_up(keys: list[tuple[str, str]]) -> dict:
    """Return each connect key's Credentials, None, or the exception it raised.

    A key is ("bearer", Authorization header) or ("session", session key).
    """
    outcomes: dict = {}
    checked_at = utcnow()
    for key in keys:
        kind, value = key
        try:
            outcomes[key] = (
                _from_bearer(value, checked_at)
                if kind == "bearer"
                else _from_session(value, checked_at)
            )
        except Exception as error:  # fails that connect alone, not the batch
            outcomes[key] = error
    return outcomes


def _from_bearer(header: str, checked_at: datetime) -> Credentials | None:
    scheme, _, raw = header.partition(" ")
    if scheme != "Bearer" or not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    try:
        token = AccessToken(raw.strip())
        user_id = str(token[api_settings.USER_ID_CLAIM])
    except (TokenError, KeyError):
        return None
    key = ("bearer", user_id, str(token.get(api_settings.REVOKE_TOKEN_CLAIM, "")))
    viewer = _bearer_viewer(key)
    if viewer is None:
        return None
    return Credentials(viewer, key, float(token["exp"]), checked_at)


def _bearer_viewer(key: tuple[str, ...]) -> Viewer | None:
    _, user_id, password_claim = key
    user = (
        get_user_model()
        ._default_manager.filter(**{api_settings.USER_ID_FIELD: user_id})
        .first()
    )
    if user is None or not user.is_active:
        return None
    if password_claim != get_md5_hash_password(user.password):
        return None  # issued before the password changed
    return viewer_for(user)


def _from_session(session_key: str, checked_at: datetime) -> Credentials | None:
    key = ("session", session_key)
    viewer = _session_viewer(key)
    return Credentials(viewer, key, None, checked_at) if viewer is not None else None


def _session_viewer(key: tuple[str, ...]) -> Viewer | None:
    engine = import_module(settings.SESSION_ENGINE)
    request = SimpleNamespace(session=engine.SessionStore(key[1]))
    # get_user also refuses a session whose password hash no longer matches.
    user = get_user(request)
    if not user.is_authenticated or not user.is_active:
        return None
    return viewer_for(user)


def _recheck(keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], Viewer]:
    viewers = {}
    for key in keys:
        lookup = _bearer_viewer if key[0] == "bearer" else _session_viewer
        viewer = lookup(key)
        if viewer is not None:
            viewers[key] = viewer
    return viewers
