"""The mailbox of one open stream: what the poller delivered and it has yet to send.

The broker (events/broker.py) puts meetings, deletions, errors and a close in
it and wakes the stream; the stream (events/streams.py) waits, then take()s
one Delivery and sends it. A watch list follows the meetings it was opened
with and ends when the last is deleted; a list feed also follows every
meeting its user may see, through the change index, and stays open.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from meetings.domain import Change, Meeting, StoreUnavailable, Viewer, utcnow

from .planner import TickChanges
from .window import CHANGE_OVERLAP


@dataclass(frozen=True, slots=True)
class Delivery:
    """What arrived since the stream last took its mail: one wake-up's events."""

    error: StoreUnavailable | None = None
    changed: tuple[Meeting, ...] = ()
    gone: frozenset[uuid.UUID] = frozenset()
    # A list feed's: the changes it is to tell, and whether its client is to
    # read its list again (the index cannot say what changed).
    list_changes: tuple[Change, ...] = ()
    list_reset: bool = False


NOTHING = Delivery()


class Subscription:
    """What one open stream is waiting for: changes, deletions, errors, close."""

    __slots__ = (
        "_changed",
        "_closing",
        "_error",
        "_gone",
        "_versions",
        "_waiter",
        "_woken",
        "checked_at",
        "credentials_key",
        "viewer",
    )

    def __init__(
        self,
        viewer: Viewer,
        meetings: Mapping[uuid.UUID, Meeting],
        credentials_key: tuple[str, ...] = (),
        checked_at: datetime | None = None,
    ):
        self.viewer = viewer
        # How the credential re-check (events/recheck.py) finds out whether
        # the stream may go on, and when they were last found good (a
        # revocation after it is news).
        self.credentials_key = credentials_key
        self.checked_at = checked_at or utcnow()
        # The version of each meeting the client has.
        self._versions = {meeting_id: m.version for meeting_id, m in meetings.items()}
        # A bare future per wait costs less memory than an asyncio.Event and its
        # deque, which adds up over thousands of streams.
        self._waiter: asyncio.Future | None = None
        self._woken = False
        self._changed: dict[uuid.UUID, Meeting] = {}
        self._gone: set[uuid.UUID] = set()
        self._error: StoreUnavailable | None = None
        self._closing: tuple[str, int] | None = None

    @property
    def meeting_ids(self) -> list[uuid.UUID]:
        """Return the meetings the stream follows, deleted ones left out."""
        return list(self._versions)

    @property
    def versions(self) -> Mapping[uuid.UUID, int]:
        """Return the version of each followed meeting the client has."""
        return MappingProxyType(self._versions)

    @property
    def changed(self) -> Mapping[uuid.UUID, Meeting]:
        """Return the newer meetings delivered and not yet taken."""
        return MappingProxyType(self._changed)

    @property
    def closing(self) -> tuple[str, int] | None:
        """Return why the stream is to close and its client's retry delay (ms)."""
        return self._closing

    @property
    def finished(self) -> bool:
        """Return whether the stream has nothing left to follow."""
        raise NotImplementedError

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

    def take(self) -> Delivery:
        """Return what was delivered since the last take, and empty the mailbox."""
        if self._error is None and not self._changed and not self._gone:
            return NOTHING  # a keepalive's wake-up, with nothing to build
        delivery = Delivery(
            self._error, tuple(self._changed.values()), frozenset(self._gone)
        )
        self._error = None
        self._changed = {}
        self._gone = set()
        return delivery

    def sent(self, meeting: Meeting) -> None:
        """Record that the client now has meeting at its version."""
        self._versions[meeting.id] = meeting.version

    def forget(self, meeting_id: uuid.UUID) -> bool:
        """Stop following meeting_id; return whether the stream followed it."""
        return self._versions.pop(meeting_id, None) is not None

    def confirm(self, viewer: Viewer, checked_at: datetime) -> None:
        """Carry on as viewer, whose credentials were found good at checked_at."""
        self.viewer = viewer
        self.checked_at = checked_at

    def notify(self, meeting: Meeting) -> None:
        if meeting.version > self._versions.get(meeting.id, meeting.version):
            self._changed[meeting.id] = meeting
            self._wake()

    def notify_gone(self, meeting_id: uuid.UUID) -> None:
        self._gone.add(meeting_id)
        self._wake()

    def notify_error(self, error: StoreUnavailable) -> None:
        self._error = error
        self._wake()

    def notify_recovered(self, meetings: Iterable[Meeting]) -> None:
        """After an `error`, have the stream send meetings again, newer or not:
        its client learns the store answers again (docs/events.md)."""
        for meeting in meetings:
            self._changed[meeting.id] = meeting
        self._wake()

    def close(self, reason: str, retry_after_ms: int) -> None:
        self._closing = (reason, retry_after_ms)
        self._wake()

    def _wake(self) -> None:
        self._woken = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class WatchList(Subscription):
    """A stream of the meetings it was opened with: it ends when all are deleted."""

    __slots__ = ()

    @property
    def finished(self) -> bool:
        return not self._versions


class ListFeed(Subscription):
    """A stream that also follows every meeting its user may see, for a live list.

    It is told what changed through the change index from its cursor on, with
    no read of any meeting, and stays open when its meetings are deleted.
    """

    __slots__ = ("_changes", "_cursor", "_reported", "_reset")

    def __init__(
        self,
        viewer: Viewer,
        meetings: Mapping[uuid.UUID, Meeting],
        credentials_key: tuple[str, ...] = (),
        checked_at: datetime | None = None,
        *,
        cursor: datetime,
    ):
        super().__init__(viewer, meetings, credentials_key, checked_at)
        self._cursor = cursor
        self._changes: list[Change] = []
        self._reset = False
        # What was reported within the overlap, so a change is told once:
        # meeting id → (version, changed_at).
        self._reported: dict[uuid.UUID, tuple[int, datetime]] = {}

    @property
    def cursor(self) -> datetime:
        """Return the time from which the feed has been told every change."""
        return self._cursor

    @property
    def finished(self) -> bool:
        return False

    def take(self) -> Delivery:
        delivery = super().take()
        if not self._changes and not self._reset:
            return delivery
        changes, self._changes = tuple(self._changes), []
        reset, self._reset = self._reset, False
        return Delivery(delivery.error, delivery.changed, delivery.gone, changes, reset)

    def notify_tick(
        self,
        changes: TickChanges,
        reach: datetime,
        until: datetime,
        *,
        sweep: bool = True,
    ) -> None:
        """Take a tick's changes visible to the viewer since the cursor, not yet
        told; or, on a sweep, if the cursor is older than its reach, reset the
        list.

        until is when the query that found them began. After a sweep,
        everything written before it is in changes or, late in the index, in
        the next sweep's (each sweep looks back CHANGE_OVERLAP before the
        last), so only a sweep moves the cursor; a fast tick's changes are told
        as they come (events/window.py).
        """
        if sweep and self._cursor < reach:
            self._reset_list(until)
            return
        since = self._cursor - CHANGE_OVERLAP
        fresh = []
        for change in changes.seen_by(self.viewer):
            if change.changed_at < since:
                continue
            reported = self._reported.get(change.meeting_id)
            if reported is not None and reported[0] >= change.version:
                continue
            self._reported[change.meeting_id] = (change.version, change.changed_at)
            fresh.append(change)
        if sweep:
            self._cursor = until
        if sweep and self._reported:
            horizon = until - CHANGE_OVERLAP
            self._reported = {
                meeting_id: reported
                for meeting_id, reported in self._reported.items()
                if reported[1] >= horizon
            }
        if fresh:
            self._changes.extend(fresh)
            self._wake()

    def reset_if_before(self, reach: datetime, now: datetime) -> None:
        """Reset the list now if the cursor is older than reach, the next
        sweep's: that sweep would reset it, and fast ticks cannot serve it.
        """
        if self._cursor < reach:
            self._reset_list(now)

    def _reset_list(self, now: datetime) -> None:
        self._cursor = now
        self._changes.clear()
        self._reported.clear()
        self._reset = True
        self._wake()
