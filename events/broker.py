"""The registry of open streams, their shared poller, and the shutdown drain.

One coalesced poller per process fans meeting changes out to the open streams:
each tick asks the change index what was written since (one Query per shard,
from where events/window.py says), then reads only the changed meetings that
an open stream here watches, one BatchGetItem per 100 (events/planner.py). List
feeds are told what changed from the same Query, with no read. A write made
through this process wakes its watchers at once (meetings.signals). Credentials
are checked again alongside (events/recheck.py). The registry of open streams
is the only memory, and it dies with them.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings

from meetings import services
from meetings.domain import Change, Meeting, StoreThrottled, StoreUnavailable, Viewer
from meetings.retries import POLL, failing_fast

from . import metrics
from .clocks import Clocks
from .loops import PerLoop
from .planner import ReadPlanner, TickChanges
from .recheck import CredentialRecheck
from .subscription import ListFeed, Subscription
from .window import ChangeWindow, TickPlan


class TooManyStreams(Exception):
    def __init__(self, limit: int):
        super().__init__(f"You already have {limit} live streams open here.")
        self.limit = limit


class Draining(Exception):
    """The process is shutting down and takes no new streams."""


class StatusBroker(Clocks):
    """The registry of this event loop's open streams and their shared poller.

    Its collaborators are attributes, for tests to replace: changes_since (the
    change index), latest_meetings (the poller's read), recheck (the
    credential re-check, events/recheck.py), timer (monotonic seconds) and now
    (the wall clock).
    """

    def __init__(
        self,
        *,
        changes_since: Callable[..., list[Change]] | None = None,
        latest_meetings: Callable[[list[uuid.UUID]], dict] | None = None,
        recheck: CredentialRecheck | None = None,
        timer: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.changes_since = changes_since or services.changes_since
        self.latest_meetings = latest_meetings or services.latest_meetings
        self.recheck = recheck or CredentialRecheck()
        self.use_clocks(timer, now)
        self.planner = ReadPlanner(settings.SSE_FULL_READ_INTERVAL)
        self.window = ChangeWindow(
            settings.SSE_SWEEP_INTERVAL,
            full_reads=settings.SSE_FULL_READ_INTERVAL > 0,
        )
        # Each open stream, and the meetings it was registered for.
        self._subscriptions: dict[Subscription, tuple[uuid.UUID, ...]] = {}
        self._list_feeds: set[ListFeed] = set()
        self._watchers: dict[uuid.UUID, set[Subscription]] = {}
        self._per_user: Counter[str] = Counter()
        self._poller: asyncio.Task | None = None
        self._rechecker: asyncio.Task | None = None
        self._failing = False
        self.draining = False

    @property
    def open_streams(self) -> int:
        return len(self._subscriptions)

    @property
    def watched_meetings(self) -> int:
        return len(self._watchers)

    def watches(self, meeting_id: uuid.UUID) -> bool:
        """Return whether an open stream here watches meeting_id (any thread)."""
        return meeting_id in self._watchers

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
        watching = tuple(subscription.meeting_ids)
        self._subscriptions[subscription] = watching
        if isinstance(subscription, ListFeed):
            self._list_feeds.add(subscription)
            if self._poller is not None and self.window.swept is not None:
                subscription.reset_if_before(self.window.swept, self.now())
        self._per_user[subscription.viewer.user_id] += 1
        for meeting_id in watching:
            watchers = self._watchers.setdefault(meeting_id, set())
            if not watchers:
                self.planner.watch(meeting_id)
            watchers.add(subscription)
            latest = self.planner.latest(meeting_id)
            if latest is not None:
                subscription.notify(latest)
        metrics.OPEN_STREAMS.inc()
        metrics.STREAMS_OPENED.inc()
        loop = asyncio.get_running_loop()
        if self._poller is None:
            # A new poller's first sweep reaches one sweep interval back.
            interval = timedelta(seconds=settings.SSE_SWEEP_INTERVAL)
            self.window.start(self.now() - interval)
            self._poller = loop.create_task(self._poll_forever())
        if self._rechecker is None:
            self._rechecker = loop.create_task(self._recheck_forever())

    def unsubscribe(self, subscription: Subscription, reason: str) -> None:
        """Forget a stream that ended; stop watching meetings nobody else watches."""
        # What it was registered for, not meeting_ids: a meeting the stream was
        # told is deleted has left those.
        watching = self._subscriptions.pop(subscription, None)
        if watching is None:
            return
        self._list_feeds.discard(subscription)
        user_id = subscription.viewer.user_id
        self._per_user[user_id] -= 1
        if self._per_user[user_id] <= 0:
            del self._per_user[user_id]
        for meeting_id in watching:
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
            self.planner.forget(meeting_id)

    def drain(self, window_seconds: float) -> None:
        """Close every stream, spreading their reconnects across the window."""
        self.draining = True
        window_ms = int(window_seconds * 1000)
        for subscription in list(self._subscriptions):
            subscription.close("shutdown", random.randint(0, window_ms))

    async def poll_once(self) -> None:
        """Read the watched meetings that changed, and tell each stream: the
        change index's news (events/window.py), then only the changed meetings
        watched here (and those the planner adds). If the index is throttled,
        every watched meeting is read; if the store cannot be reached, or that
        read fails too, the streams are sent `error`."""
        if not self._watchers and not self._list_feeds:
            return
        started = self.timer()
        tick_started = self.now()
        try:
            plan = self.window.plan(
                tick_started,
                watching=bool(self._watchers),
                following=bool(self._list_feeds),
            )
            changes = await self._changes(plan)
            news = None if changes is None else self.window.news(plan, changes)
            if news is not None and self._list_feeds:
                tick_changes = TickChanges(news)
                # Also those that subscribed while the query ran.
                for subscription in self._list_feeds:
                    subscription.notify_tick(
                        tick_changes, plan.reach, tick_started, sweep=plan.sweep
                    )
            to_read, deleted = self.planner.to_read(
                news if plan.covers_watched else None,
                self._watchers,
                self.timer(),
                stale_too=plan.sweep,
            )
            found = {}
            if to_read:
                found = await asyncio.to_thread(self.latest_meetings, to_read)
        except StoreUnavailable as error:
            metrics.DYNAMODB_ERRORS.labels(error.code).inc()
            metrics.POLL_TICK_FAILURES.inc()
            self.window.fail()
            if not self._failing:
                self._failing = True
                for subscription in self._subscriptions:
                    subscription.notify_error(error)
            return
        finally:
            metrics.POLL_TICKS.inc()
            metrics.POLL_LATENCY.observe(self.timer() - started)
        recovered, self._failing = self._failing, False
        self.window.settle(plan, changes)
        metrics.POLL_MEETINGS_READ.inc(len(to_read))
        newer, gone = self.planner.settle(
            to_read, found, deleted, self._watchers, self.timer()
        )
        self._fan_out(newer, gone)
        if recovered:
            self._tell_recovered()

    async def _changes(self, plan: TickPlan) -> list[Change] | None:
        """Return what the change index holds since plan.since, or None: when
        the plan needs no query, or the index is throttled (the table may not
        be) and every watched meeting is read instead. An unreachable store
        fails the tick at once."""
        if not plan.query:
            return None
        try:
            changes = await asyncio.to_thread(
                self.changes_since, plan.since, plan.marks or None
            )
        except StoreThrottled as error:
            metrics.DYNAMODB_ERRORS.labels(error.code).inc()
            return None
        metrics.POLL_CHANGES_SEEN.inc(len(changes))
        return changes

    def written_here(self, meeting: Meeting, deleted: bool) -> None:
        """Tell meeting's watchers of a write made here: its own result, no read
        (the index's report of it, at the same version, is skipped later)."""
        if meeting.id not in self._watchers:
            return
        metrics.LOCAL_WRITE_WAKES.inc()
        if deleted:
            read, found, tombstones = [meeting.id], {}, {meeting.id}
        else:
            read, found, tombstones = [meeting.id], {meeting.id: meeting}, set()
        newer, gone = self.planner.settle(
            read, found, tombstones, self._watchers, self.timer()
        )
        self._fan_out(newer, gone)

    def _tell_recovered(self) -> None:
        """After an `error`, send each stream its meetings as last read."""
        for subscription, watching in self._subscriptions.items():
            latest = (self.planner.latest(meeting_id) for meeting_id in watching)
            subscription.notify_recovered(m for m in latest if m is not None)

    def _fan_out(self, newer: list[Meeting], gone: list[uuid.UUID]) -> None:
        for meeting in newer:
            for subscription in self._watchers.get(meeting.id, ()):
                subscription.notify(meeting)
        for meeting_id in gone:
            for subscription in self._watchers.get(meeting_id, ()):
                subscription.notify_gone(meeting_id)

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        interval = settings.SSE_POLL_INTERVAL
        next_tick = loop.time() + interval
        try:
            # The poller tries again within a second, so its reads fail fast
            # (meetings/retries.py, POLL): an outage reaches the streams as
            # `error` within about two seconds.
            with failing_fast(POLL):
                while self._subscriptions:
                    await asyncio.sleep(max(0.0, next_tick - loop.time()))
                    now = loop.time()
                    metrics.POLL_TICK_LAG.observe(max(0.0, now - next_tick))
                    next_tick = max(next_tick + interval, now)
                    await self.poll_once()
        finally:
            # A later poller starts from a sweep and a full read (window.start).
            self._poller = None

    async def _recheck_forever(self) -> None:
        try:
            await self.recheck.run(self._subscriptions)
        finally:
            self._rechecker = None


_brokers = PerLoop(StatusBroker)
_draining = False
# How often drain_streams looks whether the last stream has ended.
DRAIN_CHECK_SECONDS = 0.02


def get_broker() -> StatusBroker:
    """Return the broker of the running event loop (one per server process)."""
    return _brokers.get()


def wake_watchers(sender, *, meeting: Meeting, deleted: bool, **kwargs) -> None:
    """Hand a write made in this process to the brokers whose streams watch it,
    each on its own loop: meeting_written's receiver, in the writer's thread."""
    for loop, broker in list(_brokers.items()):
        if broker.watches(meeting.id) and not loop.is_closed():
            loop.call_soon_threadsafe(broker.written_here, meeting, deleted)


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
