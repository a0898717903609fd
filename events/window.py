"""Where each tick's change query starts: per-shard high-water marks, and sweeps.

The poller ticks every SSE_POLL_INTERVAL. Most ticks are fast: each shard of
the change index is asked only from its high-water mark (the newest change
seen in it, never ahead of this poller's clock), less FAST_GUARD, so a fast
tick returns the changes since the last one and little more. Every
SSE_SWEEP_INTERVAL, a sweep asks every shard from the last sweep's start, less
CHANGE_OVERLAP, as every tick once did: it catches an entry that reached the
index more than FAST_GUARD behind its shard's newest (index lag, a slow
write, a writer's clock behind the others), so the overlap is paid once a
sweep, not once a tick (docs/dynamodb.md, "Lag and overlap"). Like the
planner, it is told the time and reads nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from meetings.domain import Change

# How far each sweep's query looks back before the previous sweep began. A
# change is stamped with its writer's clock when the write is sent, and shows
# in the change index once the write is committed and the index has caught
# up, so the look-back must cover the write's latency, the index's lag and the
# clock skew between writer and poller. A sweep returns the changes of
# SSE_SWEEP_INTERVAL + this: it costs read units, not reads of meetings, as a
# change already read is skipped by its version.
CHANGE_OVERLAP = timedelta(seconds=3)
# How far a fast tick looks back before its shard's high-water mark: a write
# stamped before a later write of the same shard may reach the index after it,
# by the difference in their latencies; within this it is found on the next
# fast tick, beyond it by the next sweep.
FAST_GUARD = timedelta(seconds=0.25)
# Past this since the last good sweep (an outage), a full read replaces the
# change query: cheaper than paging through every change since.
MAX_CHANGE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class TickPlan:
    """What one tick asks the change index, and whether that covers the reads."""

    started: datetime
    # How far back a sweep goes, before the overlap. A list feed whose cursor
    # is older is reset instead: no client widens the shared query.
    reach: datetime
    # Whether to query the change index at all this tick.
    query: bool
    # Whether the changes found tell which watched meetings to read; if not,
    # every watched meeting is read.
    covers_watched: bool
    # A sweep asks every shard from since; a fast tick asks each shard with a
    # mark from there, and the others from since.
    sweep: bool = True
    marks: Mapping[int, datetime] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        """Return where the query starts in a shard without a mark."""
        return self.reach - CHANGE_OVERLAP


def reach(
    started: datetime, swept: datetime | None, fresh_reach: datetime | None
) -> datetime:
    """Return how far back a sweep begun at started looks, before the overlap.

    The start of the last good sweep; a new poller's reach until it has one.
    Past MAX_CHANGE_WINDOW (an outage) the index is not paged through: started.
    """
    oldest = started - MAX_CHANGE_WINDOW
    if swept is not None:
        return swept if swept >= oldest else started
    return max(fresh_reach or started, oldest)


class ChangeWindow:
    """One poller's place in the change index: its marks and its last sweep.

    full_reads tells whether the changes may replace reading every watched
    meeting (SSE_FULL_READ_INTERVAL > 0); sweep_interval is SSE_SWEEP_INTERVAL
    in seconds.
    """

    def __init__(self, sweep_interval: float, *, full_reads: bool = True) -> None:
        self.sweep_interval = timedelta(seconds=sweep_interval)
        self.full_reads = full_reads
        self.start(None)

    def start(self, fresh_reach: datetime | None) -> None:
        """Begin again, as a new poller: the first tick sweeps from fresh_reach."""
        self._fresh_reach = fresh_reach
        # The start of the last good sweep, and each shard's newest change.
        self._swept: datetime | None = None
        self._marks: dict[int, datetime] = {}
        self._sweep_due = True
        # The changes already found, by meeting: (version, when, shard).
        self._seen: dict[uuid.UUID, tuple[int, datetime, int]] = {}

    @property
    def swept(self) -> datetime | None:
        """Return when the last good sweep began: the next sweep's reach."""
        return self._swept

    @property
    def marks(self) -> Mapping[int, datetime]:
        """Return each shard's high-water mark."""
        return dict(self._marks)

    def plan(self, started: datetime, *, watching: bool, following: bool) -> TickPlan:
        """Return what a tick begun at started asks the change index.

        A sweep when one is due (the first tick, after a failure, every
        sweep_interval), else a fast tick. The changes cover the watched
        meetings only after a good sweep, not on the first tick nor after an
        outage; the index is queried if they do, or if a list feed (following)
        needs the tick's changes.
        """
        if self._swept is None or self._sweep_due or self._sweep_is_due(started):
            tick_reach = reach(started, self._swept, self._fresh_reach)
            covers = watching and self.full_reads and self._swept == tick_reach
            return TickPlan(started, tick_reach, covers or following, covers)
        covers = watching and self.full_reads
        floor = self._swept - CHANGE_OVERLAP
        marks = {
            shard: max(mark - FAST_GUARD, floor) for shard, mark in self._marks.items()
        }
        return TickPlan(
            started, self._swept, covers or following, covers, sweep=False, marks=marks
        )

    def settle(self, plan: TickPlan, changes: list[Change] | None) -> None:
        """Record a good tick: a sweep's start, and the newest change per shard.

        Without changes (the index could not be read, and every watched
        meeting was read instead), the next tick sweeps.
        """
        if plan.sweep:
            self._swept = plan.started
            self._sweep_due = False
            self._forget_unreachable(plan.started)
        if changes is None:
            self._sweep_due = self._sweep_due or plan.query
            return
        for change in changes:
            newest = min(change.changed_at, plan.started)
            if newest > self._marks.get(change.shard, newest - FAST_GUARD):
                self._marks[change.shard] = newest
            seen = self._seen.get(change.meeting_id)
            if seen is None or change.version > seen[0]:
                seen = (change.version, change.changed_at, change.shard)
                self._seen[change.meeting_id] = seen

    def news(self, plan: TickPlan, changes: list[Change]) -> list[Change]:
        """Return changes less those a fast tick found again (each shard's
        newest, the guard's), so only news costs work downstream; a sweep's
        come whole, for list feeds that opened since (they drop repeats)."""
        if plan.sweep:
            return changes
        return [
            change
            for change in changes
            if (seen := self._seen.get(change.meeting_id)) is None
            or change.version > seen[0]
        ]

    def fail(self) -> None:
        """Record a failed tick: the next one sweeps from the last good sweep."""
        self._sweep_due = True

    def _forget_unreachable(self, swept: datetime) -> None:
        """Forget the changes no later query can find again: older than the
        next sweep reaches, and than their shard's fast ticks do."""
        horizon = swept - CHANGE_OVERLAP
        self._seen = {
            meeting_id: seen
            for meeting_id, seen in self._seen.items()
            if seen[1] >= horizon
            or seen[1] >= self._marks.get(seen[2], seen[1]) - FAST_GUARD
        }

    def _sweep_is_due(self, started: datetime) -> bool:
        return self._swept is not None and started - self._swept >= self.sweep_interval
