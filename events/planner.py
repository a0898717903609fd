"""The read planner: which watched meetings a tick reads, and which are gone.

Changes in (from the change index), reads and deletions out. It holds what the
process last read of each watched meeting, and is told the time: it starts no
task, awaits nothing and reads no store, so it is tested without an event
loop. Where each tick's change query starts is events/window.py; the broker
(events/broker.py) does the reading and the telling.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Collection

from meetings.domain import Change, Meeting, Viewer

# A meeting must be missing from this many polls in a row to count as deleted:
# an eventually consistent read may briefly miss a meeting that exists.
MISSING_POLLS_FOR_DELETED = 2


class TickChanges:
    """One tick's changes, grouped by owner once for every list feed.

    Most viewers see only their own meetings, so a list feed looks at its
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


class ReadPlanner:
    """What the process last read of each watched meeting, and what to read next.

    full_read_interval is how often every watched meeting is read again
    whatever the index says (SSE_FULL_READ_INTERVAL), for a change it missed,
    such as a write slower than the overlap; 0 reads everything every tick
    (docs/performance.md, "Fleet: the change index"). Times are monotonic
    seconds, given by the caller.
    """

    def __init__(self, full_read_interval: float) -> None:
        self.full_read_interval = full_read_interval
        self._latest: dict[uuid.UUID, Meeting] = {}
        self._missing: Counter[uuid.UUID] = Counter()
        # Meetings newly watched, read once on the next tick whatever the index
        # says; and when each watched meeting was last read.
        self._unverified: set[uuid.UUID] = set()
        self._verified_at: dict[uuid.UUID, float] = {}

    def watch(self, meeting_id: uuid.UUID) -> None:
        """Start watching meeting_id: read it on the next tick.

        Its connect read may predate the poller's cursor.
        """
        self._unverified.add(meeting_id)

    def forget(self, meeting_id: uuid.UUID) -> None:
        """Stop watching meeting_id: nobody in this process follows it."""
        self._latest.pop(meeting_id, None)
        self._missing.pop(meeting_id, None)
        self._unverified.discard(meeting_id)
        self._verified_at.pop(meeting_id, None)

    def latest(self, meeting_id: uuid.UUID) -> Meeting | None:
        """Return the meeting as last read, if it was read since watched."""
        return self._latest.get(meeting_id)

    def to_read(
        self,
        changes: list[Change] | None,
        watched: Collection[uuid.UUID],
        now: float,
        *,
        stale_too: bool = True,
    ) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
        """Return the watched meetings to read this tick, and those deleted.

        Without changes, all of them. A change the process already read (its
        version known) needs no read, so the overlap costs no reads. Also read:
        the newly watched, those seen missing, and, when stale_too (a sweep:
        not every fast tick walks every watched meeting), those not read for
        full_read_interval.
        """
        if changes is None:
            return list(watched), set()
        to_read: dict[uuid.UUID, None] = {}
        deleted: set[uuid.UUID] = set()
        for change in changes:
            if change.meeting_id not in watched:
                continue
            known = self._latest.get(change.meeting_id)
            if change.deleted:
                deleted.add(change.meeting_id)
                to_read[change.meeting_id] = None
            elif known is None or change.version > known.version:
                to_read[change.meeting_id] = None
        for meeting_id in (*self._unverified, *self._missing):
            if meeting_id in watched:
                to_read[meeting_id] = None
        if stale_too:
            stale = now - self.full_read_interval
            for meeting_id in watched:
                if self._verified_at.get(meeting_id, stale) <= stale:
                    to_read[meeting_id] = None
        return list(to_read), deleted

    def settle(
        self,
        to_read: list[uuid.UUID],
        found: dict[uuid.UUID, Meeting],
        deleted: set[uuid.UUID],
        watched: Collection[uuid.UUID],
        now: float,
    ) -> tuple[list[Meeting], list[uuid.UUID]]:
        """Record what a tick read; return the newer meetings and those gone.

        found holds those of to_read that exist; deleted, those the index has a
        tombstone for. A meeting no longer watched is passed over. A meeting
        missing from one read is gone only with a tombstone, or once missing
        from MISSING_POLLS_FOR_DELETED reads in a row.
        """
        self._unverified.difference_update(to_read)
        newer: list[Meeting] = []
        gone: list[uuid.UUID] = []
        for meeting_id in to_read:
            if meeting_id not in watched:
                continue
            self._verified_at[meeting_id] = now
            meeting = found.get(meeting_id)
            if meeting is None:
                self._missing[meeting_id] += 1
                if (
                    meeting_id in deleted
                    or self._missing[meeting_id] >= MISSING_POLLS_FOR_DELETED
                ):
                    gone.append(meeting_id)
                continue
            self._missing.pop(meeting_id, None)
            previous = self._latest.get(meeting_id)
            if previous is not None and meeting.version <= previous.version:
                continue
            self._latest[meeting_id] = meeting
            newer.append(meeting)
        return newer, gone
