"""The credential re-check of open streams: revoked ones close, within seconds.

A stream was authenticated once, when it connected (events/auth.py). The
re-check reads the revocation feed (events/revocations.py), one query a
second, and checks again only the streams of the users it names; every
distinct credential of the open streams is checked again on a slower tick.
Either closes the streams whose credentials were revoked, and all of them
once the user database has failed for longer than
SSE_RECHECK_FAIL_CLOSED_AFTER.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError

from accounts.revocation import Revoked
from meetings.domain import Viewer

from . import auth, metrics
from .clocks import Clocks
from .revocations import RevocationFollower
from .subscription import Subscription

logger = logging.getLogger(__name__)

# Revoked streams reconnect within this many milliseconds, spread at random.
REVOKED_RETRY_MS = 1000

Lookup = Callable[[Iterable[tuple[str, ...]]], Awaitable[dict[tuple[str, ...], Viewer]]]
FeedReader = Callable[[datetime], Awaitable[list[Revoked]]]


class CredentialRecheck(Clocks):
    """Check again the credentials of one broker's open streams.

    Its collaborators are attributes, for tests to replace: lookup (credential
    keys → current viewers, events.auth.recheck), revocations (the feed's
    reader, events.auth.revocations_since), timer (monotonic seconds) and now
    (the wall clock).
    """

    def __init__(
        self,
        *,
        lookup: Lookup | None = None,
        revocations: FeedReader | None = None,
        timer: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.lookup = lookup or auth.recheck
        self.use_clocks(timer, now)
        self.feed = RevocationFollower(revocations or auth.revocations_since, self.now)
        # When the user database first failed to answer (timer).
        self._failing_since: float | None = None

    async def check(self, streams: Collection[Subscription]) -> None:
        """Check each distinct credential of streams again.

        Close with `revoked` the streams whose credentials are gone or now reach
        less than when they opened; the rest carry on with the current viewer.
        """
        await self._check([s for s in streams if s.credentials_key])

    async def follow_feed(self, streams: Collection[Subscription]) -> None:
        """Read the revocation feed; check again the streams of the users named.

        One query, whatever the number of streams; a logged-out session's
        streams end without a lookup. Once the database answers after failing,
        every stream is checked again, for what the feed may have missed.
        """
        subscriptions = [s for s in streams if s.credentials_key]
        if not subscriptions:
            return
        try:
            await self.feed.read()
        except DatabaseError as error:
            self._failed(error, subscriptions)
            return
        if self._failing_since is not None:
            await self._check(subscriptions)
            return
        to_check = []
        for subscription in subscriptions:
            if self.feed.session_ended(subscription.credentials_key):
                _revoke(subscription)
            elif self.feed.revoked_since(
                subscription.viewer.user_id, subscription.checked_at
            ):
                to_check.append(subscription)
        if to_check:
            await self._check(to_check)

    async def run(self, streams: Collection[Subscription]) -> None:
        """Follow the feed every SSE_REVOCATION_INTERVAL seconds, and check every
        stream again every SSE_RECHECK_INTERVAL, while streams is not empty.

        streams is the broker's live registry, looked at on every round.
        """
        feed_interval = settings.SSE_REVOCATION_INTERVAL
        full_interval = settings.SSE_RECHECK_INTERVAL
        next_full = self.timer() + full_interval
        while streams:
            wait = next_full - self.timer()
            if feed_interval > 0:
                wait = min(wait, feed_interval)
            await asyncio.sleep(max(0.0, wait))
            try:
                if self.timer() >= next_full:
                    next_full = self.timer() + full_interval
                    await self.check(streams)
                elif feed_interval > 0:
                    await self.follow_feed(streams)
            except Exception:
                # A bug must not end revocation for every later stream.
                metrics.RECHECK_FAILURES.inc()
                logger.exception("Stream credentials re-check failed")

    async def _check(self, subscriptions: list[Subscription]) -> None:
        if not subscriptions:
            return
        began = self.now()
        try:
            current = await self.lookup({s.credentials_key for s in subscriptions})
        except DatabaseError as error:
            self._failed(error, subscriptions)
            return
        self._failing_since = None
        for subscription in subscriptions:
            viewer = current.get(subscription.credentials_key)
            if viewer is None or not viewer.covers(subscription.viewer):
                _revoke(subscription)
            else:
                subscription.confirm(viewer, began)

    def _failed(self, error: DatabaseError, subscriptions: list[Subscription]) -> None:
        """Keep the streams while the outage is short; end them past the limit.

        Unknown is not revoked at first: closing every stream would send them
        all to a connect check that fails the same way. But a login that
        cannot be checked for SSE_RECHECK_FAIL_CLOSED_AFTER seconds is no
        longer trusted; the clients reconnect once the database is back.
        """
        metrics.RECHECK_FAILURES.inc()
        now = self.timer()
        if self._failing_since is None:
            self._failing_since = now
        failing_for = now - self._failing_since
        if failing_for < settings.SSE_RECHECK_FAIL_CLOSED_AFTER:
            logger.warning("Stream credentials not re-checked this tick: %s", error)
            return
        logger.warning(
            "Stream credentials not re-checked for %.0f s (%s): ending %d streams",
            failing_for,
            error,
            len(subscriptions),
        )
        for subscription in subscriptions:
            _revoke(subscription)


def _revoke(subscription: Subscription) -> None:
    subscription.close("revoked", random.randint(0, REVOKED_RETRY_MS))
