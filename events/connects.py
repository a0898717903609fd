"""Coalesced connect work: streams opening together share one lookup.

A reconnect storm (a drained instance's viewers arriving within its drain
window) would otherwise cost, per connect, a pooled thread and a database
connection to authenticate, and a pooled thread and a BatchGetItem to read its
meetings. A Batcher gathers the keys of the connects that arrive within
BATCH_WINDOW of the first one, up to BATCH_LIMIT distinct keys, and looks them
all up with one call. While a lookup is in flight the next batch stays open
until it ends (as a database groups commits), so under load batches grow with
the lookups' own time instead of being cut every BATCH_WINDOW. Connect reads
are consistent BatchGetItems; each connect then keeps what its own viewer may
see (services.visible_among), so the visibility rule stays in the services.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable

from meetings import services
from meetings.domain import Meeting

from .loops import PerLoop

# Long enough to gather a storm's connects, short against a connect's own
# authentication and read (milliseconds each).
BATCH_WINDOW = 0.005
# BatchGetItem's own limit of keys per call.
BATCH_LIMIT = 100


class _Batch:
    __slots__ = ("due", "future", "keys", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.keys: dict[Hashable, None] = {}
        self.future: asyncio.Future[dict] = loop.create_future()
        # Nobody may be left to await a failed lookup (all clients went away).
        self.future.add_done_callback(_retrieve)
        self.timer: asyncio.TimerHandle | None = None
        # Its window is over, and it waits for the lookup in flight to end.
        self.due = False


def _retrieve(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


class Batcher:
    """Look keys up in batches: one call of lookup for the keys of many callers."""

    def __init__(
        self,
        lookup: Callable[[list], Awaitable[dict]],
        window: float = BATCH_WINDOW,
        limit: int = BATCH_LIMIT,
    ) -> None:
        self._lookup = lookup
        self._window = window
        self._limit = limit
        self._open: _Batch | None = None
        # Strong references to running lookups, which the loop holds only weakly.
        self._running: set[asyncio.Task] = set()

    async def get(self, keys: Iterable[Hashable]) -> dict:
        """Return what the lookup found for keys, raising what it raised."""
        wanted = list(dict.fromkeys(keys))
        batch = self._open
        if batch is not None:
            new = sum(1 for key in wanted if key not in batch.keys)
            if len(batch.keys) + new > self._limit:
                self._flush(batch)
                batch = None
        if batch is None:
            loop = asyncio.get_running_loop()
            batch = self._open = _Batch(loop)
            batch.timer = loop.call_later(self._window, self._window_over, batch)
        batch.keys.update(dict.fromkeys(wanted))
        if len(batch.keys) >= self._limit:
            self._flush(batch)
        # Shielded: one connect going away must not cancel the others' lookup.
        found = await asyncio.shield(batch.future)
        return {key: found[key] for key in wanted if key in found}

    def _window_over(self, batch: _Batch) -> None:
        batch.timer = None
        if self._running:
            batch.due = True  # _lookup_done flushes it
        else:
            self._flush(batch)

    def _lookup_done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        batch = self._open
        if batch is not None and batch.due:
            self._flush(batch)

    def _flush(self, batch: _Batch) -> None:
        if self._open is batch:
            self._open = None
        if batch.timer is not None:
            batch.timer.cancel()
            batch.timer = None
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._lookup_done)

    async def _run(self, batch: _Batch) -> None:
        try:
            found = await self._lookup(list(batch.keys))
        except Exception as error:  # StoreUnavailable, or a bug: tell every caller
            batch.future.set_exception(error)
        else:
            batch.future.set_result(found)


class ConnectReads:
    """The connect reads of one event loop, batched across its streams."""

    def __init__(self) -> None:
        self._batcher = Batcher(_read)

    async def read(self, meeting_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Meeting]:
        """Return those of meeting_ids that exist, read consistently with others'.

        Raise StoreUnavailable, to every connect of the batch, if the read fails.
        """
        return await self._batcher.get(meeting_ids)


async def _read(meeting_ids: list[uuid.UUID]) -> dict[uuid.UUID, Meeting]:
    return await asyncio.to_thread(services.consistent_meetings, meeting_ids)


_readers = PerLoop(ConnectReads)


def get_connect_reads() -> ConnectReads:
    """Return the connect reads of the running event loop."""
    return _readers.get()
