"""Each user's share of the request threads, enforced on the event loop.

A process serves pages and API requests on REQUEST_THREADS threads, and its
Python runs one of them at a time: one user's burst of requests, each cheap,
slows every other user's by taking the threads and the interpreter. The rates
of meetings/api/throttles.py count per minute, so they answer 429 only once a
burst has run for seconds, and each 429 still takes a thread to say so.

It is the thread pool's admission. It knows a request's user from
its credentials, without a database: a bearer token whose signature and expiry
check out (simplejwt's AccessToken) names its user, and a session cookie is
its own key (a forged one only shares with itself). A user has at most
`share` requests in the threads at once; the next `queue` wait on the loop,
first come first served, for up to `wait` seconds each; past that, or past
the queue, the request is answered 429 when its wait is over, so a script
that ignores Retry-After gets one refusal a `wait`, not one a millisecond. The
body is received first, on the loop (a slow one takes no place), and a place
is held only while a thread makes the response. Requests with no credentials
(log-in, health, metrics) and static files pass.

Per process, like the threads it shares: a fleet of N processes gives a user
N shares, and nginx's limits stand in front of all of them.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django.http import parse_cookie
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from config.wsgi_pool import Refused

MESSAGE = "Too many requests from this user at once; retry after a second."


@functools.lru_cache(maxsize=4096)
def bearer_key(raw: str) -> tuple[str | None, float]:
    """Return the key of the user a bearer token names, and when it expires.

    A client sends the same token for minutes, so each is verified once: the
    key only shares out threads, and the API checks the token again (and
    whether it was revoked) in its turn. An invalid token names nobody.
    """
    try:
        token = AccessToken(raw)
    except TokenError:
        return None, math.inf  # answered 401 by the API, in its turn
    return f"user:{token.get(api_settings.USER_ID_CLAIM)}", float(token["exp"])


def credential_key(scope: dict, session_cookie: str) -> str | None:
    """Return the key of the user the request in scope comes from, or None."""
    headers = dict(scope.get("headers", ()))
    authorization = headers.get(b"authorization", b"").decode("latin1")
    scheme, _, raw = authorization.partition(" ")
    if scheme.lower() == "bearer" and raw:
        key, expires = bearer_key(raw.strip())
        return key if time.time() < expires else None
    # Read as Django reads request.COOKIES, so the key is the session it loads.
    cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin1"))
    session = cookies.get(session_cookie)
    return f"session:{session}" if session else None


class Lane:
    """One user's requests in this process: those in the threads, those waiting."""

    def __init__(self, share: int) -> None:
        self.slots = asyncio.Semaphore(share)
        self.waiting = 0
        self.users = 0  # requests in the lane, served or waiting

    async def enter(self, queue: int, wait: float) -> bool:
        """Take a slot within wait seconds, or return False when wait is over."""
        if not self.slots.locked():
            await self.slots.acquire()  # free: taken without yielding
            return True
        if self.waiting >= queue:
            await asyncio.sleep(wait)
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(wait):
                await self.slots.acquire()
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1


class UserShare:
    """The admission of config/wsgi_pool.py: at most `share` requests a user in
    the threads at once, the next `queue` waiting up to `wait` seconds."""

    def __init__(
        self,
        *,
        share: int,
        queue: int,
        wait: float,
        session_cookie: str,
        exempt_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.share = share
        self.queue = queue
        self.wait = wait
        self.session_cookie = session_cookie
        self.exempt_prefixes = exempt_prefixes
        self.lanes: dict[str, Lane] = {}

    @asynccontextmanager
    async def turn(self, scope: dict) -> AsyncIterator[None]:
        """Hold one of the user's places in the threads; raise Refused (429)
        if none frees within the wait."""
        key = self.key(scope)
        if key is None:
            yield
            return
        lane = self.lanes.get(key)
        if lane is None:
            lane = self.lanes[key] = Lane(self.share)
        lane.users += 1
        try:
            if not await lane.enter(self.queue, self.wait):
                retry_after = str(max(1, round(self.wait))).encode()
                raise Refused(429, MESSAGE, [(b"retry-after", retry_after)])
            try:
                yield
            finally:
                lane.slots.release()
        finally:
            lane.users -= 1
            if not lane.users:
                del self.lanes[key]

    def key(self, scope: dict) -> str | None:
        if self.share <= 0 or scope["type"] != "http":
            return None
        if scope["path"].startswith(self.exempt_prefixes):
            return None
        return credential_key(scope, self.session_cookie)
