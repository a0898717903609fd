"""One coalesced poller per process, fanning meeting changes out to open streams.

Each tick asks the change index what was written since the last tick (one
Query per shard), then reads only the changed meetings that at least one
open stream in this process watches, with one BatchGetItem per 100 meetings,
however many streams and processes there are. Streams that follow a scope
(every meeting their user may see, for a live list) are told what changed
from the same Query, with no read at all. Another tick reads the revocation
feed (events/revocations.py), one query a second, and checks again only the
streams of the users it names; every distinct credential of the open streams
is checked again on a slower tick. Either closes the streams whose credentials
were revoked, and all of them once the user database has failed for longer
than SSE_RECHECK_FAIL_CLOSED_AFTER. The registry of open streams is the only
memory, and it dies with them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError

from meetings import services
from meetings.domain import Change, Meeting, StoreUnavailable, Viewer, utcnow

from . import auth, metrics
from .loops import PerLoop
from .revocations import RevocationFollower

logger = logging.getLogger(__name__)

# A meeting must be missing from this many polls in a row to count as deleted:
# an eventually consistent read may briefly miss a meeting that exists.
MISSING_POLLS_FOR_DELETED = 2
# How far each tick's change query looks back before the previous tick began.
# A change is stamped with its writer's clock when the write is sent, and
# shows in the change index once the write is committed and the index has
# caught up, so the look-back must cover the write's latency (milliseconds,
# rarely a retry's second), the index's lag (usually well under a second on
# AWS) and clock skew between writer and poller (milliseconds under NTP).
# Each tick's query returns the changes of SSE_POLL_INTERVAL + this, so it
# costs read units, not reads of meetings: a change already read is skipped
# by its version.
CHANGE_OVERLAP = timedelta(seconds=3)
# Past this since the last good tick (an outage), a full read replaces the
# change query: cheaper than paging through every change since.
MAX_CHANGE_WINDOW = timedelta(seconds=60)
# (settings.SSE_FULL_READ_INTERVAL, 300 s by default, is how often every watched
# meeting is read again whatever the index says: the belt and braces for a
# change it missed, such as a write slower than the overlap or one made by a
# release before the index. At a 3 s poll it costs 1/100 of a read per watched
# meeting per tick; 0 reads everything every tick, as before the index.)
#
# A scope stream's cursor is honoured only from the poller's own cursor on (the
# start of its last tick; a new poller's reaches back one SSE_POLL_INTERVAL):
# an older one is reset, so no client can make the shared query reach back
# further than the poller's cursor less CHANGE_OVERLAP.

# Revoked streams reconnect within this many milliseconds, spread at random.
REVOKED_RETRY_MS = 1000


class TickChanges:
    """One tick's changes, grouped by owner once for every scope stream.

    Most viewers see only their own meetings, so a scope stream looks at its
    owner's few changes instead of every change of the tick.
    """

    def __init__(self, changes: list[Change]):
        self.changes = changes
        self.by_owner: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            self.by_owner[change.owner_id].append(change)

    def seen_by(self, viewer: Viewer) -> list[Change]:
        """Return the changes viewer may see (Viewer.may_with_owner: theirs, or
        everyone's with the view reach).
        """
        if viewer.sees_everyone:
            return self.changes
        return self.by_owner.get(viewer.user_id, [])


class TooManyStreams(Exception):
    def __init__(self, limit: int):
        super().__init__(f"You already have {limit} live streams open here.")
        self.limit = limit


class Draining(Exception):
    """The process is shutting down and takes no new streams."""


class Subscription:
    """What one open stream is waiting for: changes, deletions, errors, close."""

    __slots__ = (
        "_reported",
        "_waiter",
        "_woken",
        "changed",
        "checked_at",
        "closing",
        "credentials_key",
        "error",
        "gone",
        "scope_changes",
        "scope_reset",
        "scope_since",
        "versions",
        "viewer",
        "watching",
    )

    def __init__(
        self,
        viewer: Viewer,
        meetings: dict[uuid.UUID, Meeting],
        credentials_key: tuple[str, ...] = (),
        scope_since: datetime | None = None,
        checked_at: datetime | None = None,
    ):
        self.viewer = viewer
        # How auth.recheck finds out whether the stream may go on, and when
        # they were last found good (a revocation after it is news).
        self.credentials_key = credentials_key
        self.checked_at = checked_at or utcnow()
        self.versions = {meeting_id: m.version for meeting_id, m in meetings.items()}
        # What the broker registered it for, set by subscribe().
        self.watching: tuple[uuid.UUID, ...] = ()
        # A bare future per wait costs less memory than an asyncio.Event and its
        # deque, which adds up over thousands of streams.
        self._waiter: asyncio.Future | None = None
        self._woken = False
        self.changed: dict[uuid.UUID, Meeting] = {}
        self.gone: set[uuid.UUID] = set()
        self.error: StoreUnavailable | None = None
        self.closing: tuple[str, int] | None = None
        # The scope: every meeting the viewer may see, followed through the
        # change index from scope_since on (None: no scope). scope_changes is
        # what the stream has yet to send; scope_reset asks the client to read
        # its list again (the index cannot say what changed, such as after an
        # outage longer than MAX_CHANGE_WINDOW).
        self.scope_since = scope_since
        self.scope_changes: list[Change] = []
        self.scope_reset = False
        # What was reported within the overlap, so a change is told once:
        # meeting id → (version, changed_at).
        self._reported: dict[uuid.UUID, tuple[int, datetime]] = {}

    @property
    def follows_scope(self) -> bool:
        return self.scope_since is not None

    @property
    def meeting_ids(self) -> list[uuid.UUID]:
        return list(self.versions)

    async def wait(self, timeout: float) -> None:
        """Return when something was delivered, or after timeout seconds."""
        if self._woken:
            self._woken = False
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._waiter
        except TimeoutError:
            pass
        finally:
            self._waiter = None
            self._woken = False

    def _wake(self) -> None:
        self._woken = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def notify(self, meeting: Meeting) -> None:
        if meeting.version > self.versions.get(meeting.id, meeting.version):
            self.changed[meeting.id] = meeting
            self._wake()

    def notify_gone(self, meeting_id: uuid.UUID) -> None:
        self.gone.add(meeting_id)
        self._wake()

    def notify_changes(self, changes: TickChanges, until: datetime) -> None:
        """Take the changes visible to the viewer since scope_since, not yet told.

        until is when the query that found them began: everything written
        before it is now in changes or, late in the index, in a later tick's
        (each tick looks back CHANGE_OVERLAP before scope_since).
        """
        since = self.scope_since - CHANGE_OVERLAP
        self.scope_since = until
        fresh = []
        for change in changes.seen_by(self.viewer):
            if change.changed_at < since:
                continue
            reported = self._reported.get(change.meeting_id)
            if reported is not None and reported[0] >= change.version:
                continue
            self._reported[change.meeting_id] = (change.version, change.changed_at)
            fresh.append(change)
        if self._reported:
            horizon = until - CHANGE_OVERLAP
            self._reported = {
                meeting_id: reported
                for meeting_id, reported in self._reported.items()
                if reported[1] >= horizon
            }
        if fresh:
            self.scope_changes.extend(fresh)
            self._wake()

    def notify_scope_reset(self, now: datetime) -> None:
        self.scope_since = now
        self.scope_changes.clear()
        self._reported.clear()
        self.scope_reset = True
        self._wake()

    def notify_error(self, error: StoreUnavailable) -> None:
        self.error = error
        self._wake()

    def close(self, reason: str, retry_after_ms: int) -> None:
        self.closing = (reason, retry_after_ms)
        self._wake()


class StatusBroker:
    """The registry of this event loop's open streams and their shared poller.

    Its collaborators are attributes, for tests to replace: changes_since (the
    change index), recheck (credential keys → current viewers), revocations
    (the feed's reader) and clock (monotonic seconds).
    """

    def __init__(
        self,
        *,
        changes_since: Callable[[datetime], list[Change]] | None = None,
        recheck: Callable | None = None,
        revocations: Callable | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.changes_since = changes_since or services.changes_since
        self.recheck = recheck or auth.recheck
        self.revocations = RevocationFollower(revocations or auth.revocations_since)
        self.clock = clock
        self._subscriptions: set[Subscription] = set()
        self._scoped: set[Subscription] = set()
        self._watchers: dict[uuid.UUID, set[Subscription]] = {}
        self._latest: dict[uuid.UUID, Meeting] = {}
        self._missing: Counter[uuid.UUID] = Counter()
        # The change index is read from here on (less CHANGE_OVERLAP); None
        # until a tick has read every watched meeting. Before that, a new
        # poller's reach: one SSE_POLL_INTERVAL before it started.
        self._cursor: datetime | None = None
        self._fresh_reach: datetime | None = None
        # Meetings newly watched, read once on the next tick whatever the index
        # says; and when each watched meeting was last read (monotonic).
        self._unverified: set[uuid.UUID] = set()
        self._verified_at: dict[uuid.UUID, float] = {}
        self._full_read_interval = settings.SSE_FULL_READ_INTERVAL
        self._per_user: Counter[str] = Counter()
        self._poller: asyncio.Task | None = None
        self._rechecker: asyncio.Task | None = None
        self._failing = False
        # When the user database first failed to answer a re-check (clock).
        self._auth_failing_since: float | None = None
        self.draining = False

    @property
    def open_streams(self) -> int:
        return len(self._subscriptions)

    @property
    def watched_meetings(self) -> int:
        return len(self._watchers)

    def admit(self, viewer: Viewer) -> None:
        """Raise Draining or TooManyStreams if a stream of viewer would be refused.

        Called before any read, so a refused reconnect storm costs nothing.
        """
        if self.draining or _draining:
            raise Draining()
        limit = settings.SSE_MAX_STREAMS_PER_USER
        if self._per_user[viewer.user_id] >= limit:
            raise TooManyStreams(limit)

    def subscribe(self, subscription: Subscription) -> None:
        """Register an open stream, refusing it past the per-user cap."""
        self.admit(subscription.viewer)
        self._subscriptions.add(subscription)
        if subscription.follows_scope:
            self._scoped.add(subscription)
        self._per_user[subscription.viewer.user_id] += 1
        subscription.watching = tuple(subscription.meeting_ids)
        for meeting_id in subscription.watching:
            watchers = self._watchers.setdefault(meeting_id, set())
            if not watchers:
                self._unverified.add(meeting_id)
            watchers.add(subscription)
            if meeting_id in self._latest:
                subscription.notify(self._latest[meeting_id])
        metrics.OPEN_STREAMS.inc()
        metrics.STREAMS_OPENED.inc()
        loop = asyncio.get_running_loop()
        if self._poller is None:
            self._fresh_reach = utcnow() - timedelta(seconds=settings.SSE_POLL_INTERVAL)
            self._poller = loop.create_task(self._poll_forever())
        if self._rechecker is None:
            self._rechecker = loop.create_task(self._recheck_forever())

    def unsubscribe(self, subscription: Subscription, reason: str) -> None:
        """Forget a stream that ended; stop watching meetings nobody else watches."""
        if subscription not in self._subscriptions:
            return
        self._subscriptions.discard(subscription)
        self._scoped.discard(subscription)
        self._per_user[subscription.viewer.user_id] -= 1
        if self._per_user[subscription.viewer.user_id] <= 0:
            del self._per_user[subscription.viewer.user_id]
        # Not meeting_ids: a meeting the stream was told is deleted has left it.
        for meeting_id in subscription.watching:
            self.stop_watching(subscription, meeting_id)
        metrics.OPEN_STREAMS.dec()
        metrics.STREAMS_CLOSED.labels(reason).inc()

    def stop_watching(self, subscription: Subscription, meeting_id: uuid.UUID) -> None:
        watchers = self._watchers.get(meeting_id)
        if watchers is None:
            return
        watchers.discard(subscription)
        if not watchers:
            del self._watchers[meeting_id]
            self._latest.pop(meeting_id, None)
            self._missing.pop(meeting_id, None)
            self._unverified.discard(meeting_id)
            self._verified_at.pop(meeting_id, None)

    def drain(self, window_seconds: float) -> None:
        """Close every stream, spreading their reconnects across the window."""
        self.draining = True
        window_ms = int(window_seconds * 1000)
        for subscription in list(self._subscriptions):
            subscription.close("shutdown", random.randint(0, window_ms))

    async def poll_once(self) -> None:
        """Read the watched meetings that changed, and tell each stream.

        One Query per change-index shard finds what was written since the last
        tick, less CHANGE_OVERLAP; only the changed meetings this process
        watches are read (one BatchGetItem per 100), with those newly watched,
        those seen missing, and those not read for SSE_FULL_READ_INTERVAL. If the
        change index cannot be read, every watched meeting is read, as before
        the index; `error` events go out only when that fails too.
        """
        if not self._watchers and not self._scoped:
            return
        started = time.perf_counter()
        tick_started = utcnow()
        try:
            reach = self._reach(tick_started)
            try:
                changes, covers_watched = await self._changes(tick_started, reach)
            except StoreUnavailable as error:
                # Fall back on reading everything this tick.
                metrics.DYNAMODB_ERRORS.labels(error.code).inc()
                changes, covers_watched = None, False
            if changes is not None and self._scoped:
                tick_changes = TickChanges(changes)
                for subscription in self._scoped:
                    # Also those that subscribed while the query ran.
                    if subscription.scope_since < reach:
                        subscription.notify_scope_reset(tick_started)
                    else:
                        subscription.notify_changes(tick_changes, tick_started)
            to_read, deleted = self._to_read(changes if covers_watched else None)
            found = {}
            if to_read:
                found = await asyncio.to_thread(services.latest_meetings, to_read)
        except StoreUnavailable as error:
            metrics.DYNAMODB_ERRORS.labels(error.code).inc()
            metrics.POLL_TICK_FAILURES.inc()
            if not self._failing:
                self._failing = True
                for subscription in self._subscriptions:
                    subscription.notify_error(error)
            return
        finally:
            metrics.POLL_TICKS.inc()
            metrics.POLL_LATENCY.observe(time.perf_counter() - started)
        self._failing = False
        # Everything written before this tick began was read or is in the index.
        self._cursor = tick_started
        self._unverified.difference_update(to_read)
        metrics.POLL_MEETINGS_READ.inc(len(to_read))
        now = time.monotonic()
        for meeting_id in to_read:
            watchers = self._watchers.get(meeting_id)
            if watchers:
                self._verified_at[meeting_id] = now
                self._fan_out(
                    meeting_id, found.get(meeting_id), watchers, meeting_id in deleted
                )

    def _reach(self, tick_started: datetime) -> datetime:
        """Return how far back this tick's change query goes, before the overlap.

        The poller's cursor, the start of its last good tick; a new poller's
        reach (one interval before it started) until it has one. Past
        MAX_CHANGE_WINDOW (an outage) the index is not paged through: now.
        """
        oldest = tick_started - MAX_CHANGE_WINDOW
        if self._cursor is not None:
            return self._cursor if self._cursor >= oldest else tick_started
        fresh = self._fresh_reach or tick_started
        return max(fresh, oldest)

    async def _changes(
        self, tick_started: datetime, reach: datetime
    ) -> tuple[list[Change] | None, bool]:
        """Return what the change index holds since reach, less the overlap.

        And whether those changes cover the watched meetings: not when there
        is no usable cursor (the first tick, or one too long ago), nor when
        every tick reads everything anyway; then every watched meeting is
        read instead. A scope stream whose cursor is older than reach is reset
        instead of widening the query: its client reads its list again.
        """
        cursor = self._cursor
        covers_watched = (
            bool(self._watchers)
            and self._full_read_interval > 0
            and cursor is not None
            and cursor == reach
        )
        if not covers_watched and not self._scoped:
            return None, False
        since = reach - CHANGE_OVERLAP
        changes = await asyncio.to_thread(self.changes_since, since)
        metrics.POLL_CHANGES_SEEN.inc(len(changes))
        return changes, covers_watched

    def _to_read(
        self, changes: list[Change] | None
    ) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
        """Return the watched meetings to read this tick, and those deleted.

        Without changes, all of them. A change the process already read
        (its version known) needs no read, so the overlap costs no reads.
        """
        watchers = self._watchers
        if changes is None:
            return list(watchers), set()
        to_read: dict[uuid.UUID, None] = {}
        deleted: set[uuid.UUID] = set()
        for change in changes:
            if change.meeting_id not in watchers:
                continue
            known = self._latest.get(change.meeting_id)
            if change.deleted:
                deleted.add(change.meeting_id)
                to_read[change.meeting_id] = None
            elif known is None or change.version > known.version:
                to_read[change.meeting_id] = None
        # Newly watched: their connect read may predate this process's cursor.
        for meeting_id in self._unverified:
            if meeting_id in watchers:
                to_read[meeting_id] = None
        for meeting_id in self._missing:
            if meeting_id in watchers:
                to_read[meeting_id] = None
        # The slow safety re-read, for anything the index missed.
        stale = time.monotonic() - self._full_read_interval
        for meeting_id in watchers:
            if self._verified_at.get(meeting_id, stale) <= stale:
                to_read[meeting_id] = None
        return list(to_read), deleted

    async def recheck_once(self) -> None:
        """Check each distinct credential of the open streams again.

        Close with `revoked` the streams whose credentials are gone or now reach
        less than when they opened; the rest carry on with the current viewer.
        """
        await self._recheck([s for s in self._subscriptions if s.credentials_key])

    async def follow_revocations_once(self) -> None:
        """Read the revocation feed; check again the streams of the users named.

        One query, whatever the number of streams; a logged-out session's
        streams end without a lookup. Once the database answers after failing,
        every stream is checked again, for what the feed may have missed.
        """
        subscriptions = [s for s in self._subscriptions if s.credentials_key]
        if not subscriptions:
            return
        try:
            await self.revocations.read()
        except DatabaseError as error:
            self._auth_failed(error, subscriptions)
            return
        if self._auth_failing_since is not None:
            await self._recheck(subscriptions)
            return
        feed = self.revocations
        to_check = []
        for subscription in subscriptions:
            if feed.session_ended(subscription.credentials_key):
                subscription.close("revoked", random.randint(0, REVOKED_RETRY_MS))
            elif feed.revoked_since(
                subscription.viewer.user_id, subscription.checked_at
            ):
                to_check.append(subscription)
        if to_check:
            await self._recheck(to_check)

    async def _recheck(self, subscriptions: list[Subscription]) -> None:
        if not subscriptions:
            return
        began = utcnow()
        try:
            current = await self.recheck({s.credentials_key for s in subscriptions})
        except DatabaseError as error:
            self._auth_failed(error, subscriptions)
            return
        self._auth_failing_since = None
        for subscription in subscriptions:
            viewer = current.get(subscription.credentials_key)
            if viewer is None or not viewer.covers(subscription.viewer):
                subscription.close("revoked", random.randint(0, REVOKED_RETRY_MS))
            else:
                subscription.viewer = viewer
                subscription.checked_at = began

    def _auth_failed(
        self, error: DatabaseError, subscriptions: list[Subscription]
    ) -> None:
        """Keep the streams while the outage is short; end them past the limit.

        Unknown is not revoked at first: closing every stream would send them
        all to a connect check that fails the same way. But a login that
        cannot be checked for SSE_RECHECK_FAIL_CLOSED_AFTER seconds is no
        longer trusted; the clients reconnect once the database is back.
        """
        metrics.RECHECK_FAILURES.inc()
        now = self.clock()
        if self._auth_failing_since is None:
            self._auth_failing_since = now
        failing_for = now - self._auth_failing_since
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
            subscription.close("revoked", random.randint(0, REVOKED_RETRY_MS))

    def _fan_out(
        self,
        meeting_id: uuid.UUID,
        meeting: Meeting | None,
        watchers: set,
        tombstoned: bool = False,
    ) -> None:
        if meeting is None:
            self._missing[meeting_id] += 1
            # A tombstone confirms what a single missed read only suggests.
            if tombstoned or self._missing[meeting_id] >= MISSING_POLLS_FOR_DELETED:
                for subscription in watchers:
                    subscription.notify_gone(meeting_id)
            return
        self._missing.pop(meeting_id, None)
        previous = self._latest.get(meeting_id)
        if previous is not None and meeting.version <= previous.version:
            return
        self._latest[meeting_id] = meeting
        for subscription in watchers:
            subscription.notify(meeting)

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        interval = settings.SSE_POLL_INTERVAL
        next_tick = loop.time() + interval
        try:
            while self._subscriptions:
                await asyncio.sleep(max(0.0, next_tick - loop.time()))
                now = loop.time()
                metrics.POLL_TICK_LAG.observe(max(0.0, now - next_tick))
                next_tick = max(next_tick + interval, now)
                await self.poll_once()
        finally:
            self._poller = None
            # A later poller starts from a full read, not a stale cursor.
            self._cursor = None

    async def _recheck_forever(self) -> None:
        """Follow the revocation feed every SSE_REVOCATION_INTERVAL seconds, and
        check every stream again every SSE_RECHECK_INTERVAL.
        """
        feed_interval = settings.SSE_REVOCATION_INTERVAL
        full_interval = settings.SSE_RECHECK_INTERVAL
        next_full = self.clock() + full_interval
        try:
            while self._subscriptions:
                wait = next_full - self.clock()
                if feed_interval > 0:
                    wait = min(wait, feed_interval)
                await asyncio.sleep(max(0.0, wait))
                try:
                    if self.clock() >= next_full:
                        next_full = self.clock() + full_interval
                        await self.recheck_once()
                    elif feed_interval > 0:
                        await self.follow_revocations_once()
                except Exception:
                    # A bug must not end revocation for every later stream.
                    metrics.RECHECK_FAILURES.inc()
                    logger.exception("Stream credentials re-check failed")
        finally:
            self._rechecker = None


_brokers = PerLoop(StatusBroker)
_draining = False
# How often drain_streams looks whether the last stream has ended.
DRAIN_CHECK_SECONDS = 0.02


def get_broker() -> StatusBroker:
    """Return the broker of the running event loop (one per server process)."""
    return _brokers.get()


def open_stream_count() -> int:
    """Return how many streams this process has open."""
    return sum(broker.open_streams for broker in list(_brokers.values()))


def begin_drain() -> None:
    """Start draining every broker; safe to call from a signal handler."""
    global _draining
    _draining = True
    metrics.DRAINING.set(1)
    window = settings.SSE_DRAIN_WINDOW
    for loop, broker in list(_brokers.items()):
        if not loop.is_closed():
            loop.call_soon_threadsafe(broker.drain, window)


async def drain_streams() -> None:
    """Tell every stream of this process to go; return once all have ended."""
    begin_drain()
    while open_stream_count():
        await asyncio.sleep(DRAIN_CHECK_SECONDS)


def is_draining() -> bool:
    """Return whether this process has begun its shutdown drain."""
    return _draining


def forget_drain() -> None:
    """Serve streams again after a drain: for a test that drained its own process."""
    global _draining
    _draining = False
    metrics.DRAINING.set(0)
