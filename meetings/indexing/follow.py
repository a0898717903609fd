"""Keeping the search index in step: written through, repaired from the change index.

Every write the services commit is applied to the index at once, in the thread
that made it (write_through, a receiver of meetings.signals.meeting_written).
What that misses (a process that died between the two writes, a database
error, a write by a release without the index) the Reconciler repairs: any
instance may run it, a lease in the ORM database lets one at a time apply each
window of the change index, and each window reaches back OVERLAP before the
last one ended, as the stream's poller does, for the index's lag and clocks.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, close_old_connections
from django.dispatch import receiver
from django.utils import timezone

from ..domain import Change, Meeting, StoreUnavailable
from ..search import Entry, SearchIndex, get_index
from ..search.lease import Lease
from ..search.metrics import (
    INDEX_LAG,
    RECONCILED_UP_TO,
    REPAIRS,
    WRITE_THROUGH_FAILURES,
)
from ..signals import meeting_written
from ..store import get_repository

logger = logging.getLogger(__name__)

RECONCILE_LEASE = "reconcile"
# How far before the last window's end each window starts again: the change
# index is eventually consistent and writers' clocks differ (docs/dynamodb.md,
# "The change index"); more than the poller's 3 s, as a pass is less frequent
# and an entry seen twice costs only its bytes in the Query.
OVERLAP = timedelta(seconds=10)
# Deletions stay in the index this long, as the table's tombstones do, so a
# replay of an older write cannot bring a deleted meeting back meanwhile.
TOMBSTONE_KEEP = timedelta(days=1)
# Seconds between passes of the reconciler's loop.
DEFAULT_INTERVAL = 5.0


@receiver(meeting_written, dispatch_uid="meetings.indexing.write_through")
def write_through(
    sender: Any, meeting: Meeting, deleted: bool = False, **kwargs: Any
) -> None:
    """Apply a committed write to the search index, if there is one.

    A database error is counted and logged, not raised: the write has
    committed, and the reconciler applies it within its window.
    """
    index = get_index()
    if index is None:
        return
    now = timezone.now()
    if deleted:
        entry = Entry.deletion(meeting.id, meeting.owner_id, meeting.version + 1, now)
    else:
        entry = Entry.of(meeting)
    try:
        index.apply([entry])
    except DatabaseError as error:
        # Counted, and one line: the reconciler repairs it (a locked or
        # unreachable database is an operating condition, not a bug).
        WRITE_THROUGH_FAILURES.inc()
        logger.warning("Search entry of %s not applied: %r", meeting.id, error)
        return
    written = meeting.updated_at or meeting.created_at
    lag = (timezone.now() - (now if deleted else written)).total_seconds()
    INDEX_LAG.labels("write_through").observe(max(lag, 0.0))


@dataclass(frozen=True)
class Pass:
    """What one pass of the reconciler did."""

    since: datetime
    until: datetime
    changes: int
    repaired: int


class Reconciler:
    """Repair the search index from the change index, one window per pass.

    Its collaborators are attributes, so tests pass fakes: the lease (another
    holder name makes another instance) and the clock.
    """

    def __init__(
        self,
        lease: Lease | None = None,
        *,
        overlap: timedelta = OVERLAP,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.lease = lease or Lease(RECONCILE_LEASE)
        self.overlap = overlap
        self.clock = clock

    def run_once(self) -> Pass | None:
        """Apply the next window if this instance holds the lease; else None.

        The first pass anywhere starts at its own start, less the overlap:
        what came before is `manage.py rebuild_search_index`'s.
        """
        index = get_index()
        if index is None:
            return None
        progress = self.lease.take()
        if progress is None:
            return None
        until = self.clock()
        since = _moment(progress.get("watermark")) or until
        changes = get_repository().changed_since(since - self.overlap)
        repaired = self.repair(index, changes, until)
        if not self.lease.save({"watermark": until.isoformat()}):
            logger.warning("Lost the reconciler's lease during a pass")
        index.purge(until - TOMBSTONE_KEEP)
        RECONCILED_UP_TO.set(until.timestamp())
        return Pass(since - self.overlap, until, len(changes), repaired)

    def repair(
        self, index: SearchIndex, changes: Iterable[Change], now: datetime
    ) -> int:
        """Apply what the index lacks of changes; return how many entries changed.

        Meetings whose entry is behind are read (consistently) and applied;
        deletions need no read. Entries already current cost nothing more.
        """
        latest: dict[uuid.UUID, dict[bool, Change]] = {}
        for change in changes:
            kinds = latest.setdefault(change.meeting_id, {})
            held = kinds.get(change.deleted)
            if held is None or change.version > held.version:
                kinds[change.deleted] = change
        stored = index.stored(latest)
        reads: dict[uuid.UUID, Change] = {}
        entries: list[Entry] = []
        for meeting_id, kinds in latest.items():
            held = stored.get(meeting_id)
            if (live := kinds.get(False)) is not None:
                # Versions start again when a deleted id is created anew.
                if held is None or held.deleted or held.version != live.version:
                    reads[meeting_id] = live
                continue
            gone = kinds[True]
            if held is None or (not held.deleted and held.version < gone.version):
                entries.append(
                    Entry.deletion(
                        meeting_id, gone.owner_id, gone.version, gone.changed_at
                    )
                )
        found = get_repository().get_many(reads, consistent=True) if reads else {}
        for meeting_id, change in reads.items():
            if meeting_id in found:
                entries.append(Entry.of(found[meeting_id]))
            else:  # deleted since: its tombstone is on its way
                entries.append(
                    Entry.deletion(meeting_id, change.owner_id, change.version + 1, now)
                )
        applied = index.apply(entries) if entries else 0
        REPAIRS.inc(applied)
        if applied:
            for entry in entries:
                INDEX_LAG.labels("reconciler").observe(
                    max((now - entry.updated_at).total_seconds(), 0.0)
                )
        return applied

    def run(self, interval: float, stop: threading.Event) -> None:
        """Run a pass every interval seconds until stop is set."""
        while not stop.is_set():
            try:
                self.run_once()
            except (OperationalError, StoreUnavailable) as error:
                # A locked or unreachable database, or the store down: the
                # next pass tries again, and nothing is lost meanwhile.
                logger.warning("A search reconciler pass could not run: %s", error)
            except Exception:
                logger.exception("The search index's reconciler pass failed")
            finally:
                close_old_connections()
            stop.wait(interval)


@dataclass(frozen=True)
class Running:
    """A reconciler's thread (None when none was started), and how to stop it."""

    thread: threading.Thread | None
    stopping: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and wait, up to timeout seconds, for its pass to end."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)


def start_reconciler(interval: float | None = None) -> Running:
    """Run a Reconciler in a daemon thread, a pass every interval seconds.

    The default interval is MEETINGS_SEARCH_RECONCILE_INTERVAL (5); 0 starts
    none, and so does having no index. Every server process may run one: the
    lease lets one of them apply each window.
    """
    if interval is None:
        interval = settings.MEETINGS_SEARCH_RECONCILE_INTERVAL
    stopping = threading.Event()
    if interval <= 0 or get_index() is None:
        return Running(None, stopping)
    thread = threading.Thread(
        target=Reconciler().run,
        args=(interval, stopping),
        name="search-reconciler",
        daemon=True,
    )
    thread.start()
    return Running(thread, stopping)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
