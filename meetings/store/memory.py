"""The in-memory backend: meetings in this process's memory, for tests and demos.

It keeps the DynamoDB backend's contract, which tests/contract checks on both:
the same errors, optimistic locking, idempotent adds, newest-first listing and
signed cursors bound to their listing. Like a DynamoDB table, a table here
exists only once ensure_schema() made it, and every operation on a missing
table raises StoreUnavailable. It is thread-safe; it is not shared between
processes, so serve it from one process only.

Two affordances stage what is hard to stage otherwise, as Django's locmem
e-mail backend keeps an outbox: interleave_write() (another client's changes,
applied right before this process's next update) and drop_table().
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain import (
    Change,
    DuplicateMeeting,
    ListQuery,
    Meeting,
    MeetingNotFound,
    ScanPage,
    Status,
    StoreUnavailable,
    VersionConflict,
)
from .base import Position, StoreBase


@dataclass
class _Table:
    meetings: dict[uuid.UUID, Meeting] = field(default_factory=dict)
    fingerprints: dict[uuid.UUID, str] = field(default_factory=dict)
    interleaved_writes: list[dict[str, Any]] = field(default_factory=list)
    # The change index: each meeting's last write, or its deletion.
    changes: dict[uuid.UUID, Change] = field(default_factory=dict)


_lock = threading.RLock()
_tables: dict[str, _Table] = {}


def repository(table_name: str) -> MemoryRepository:
    """Return the repository of the named table."""
    return MemoryRepository(table_name)


def drop_table(name: str) -> None:
    """Forget a table and everything in it, as DeleteTable would."""
    with _lock:
        _tables.pop(name, None)


class MemoryRepository(StoreBase):
    """Store and find meetings in one named table of this process's memory."""

    def interleave_write(self, changes: dict[str, Any]) -> None:
        """Have another client write changes right before one of our next updates.

        Each call stages one such write; updates take them in order.
        """
        with _lock:
            self._table().interleaved_writes.append(changes)

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        """Store a new meeting; a retried add with the same fingerprint is a no-op."""
        with _lock:
            table = self._table()
            if meeting.id in table.meetings:
                if table.fingerprints[meeting.id] == fingerprint:
                    return _copy(table.meetings[meeting.id])
                raise DuplicateMeeting(meeting.id)
            table.meetings[meeting.id] = _copy(meeting)
            table.fingerprints[meeting.id] = fingerprint
            _record_change(table, meeting, self.clock())
            return _copy(meeting)

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        """Return the meeting or raise MeetingNotFound."""
        with _lock:
            stored = self._table().meetings.get(meeting_id)
            if stored is None:
                raise MeetingNotFound(meeting_id)
            return _copy(stored)

    def get_many(
        self, meeting_ids: Iterable[uuid.UUID], *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]:
        """Return the meetings that exist among meeting_ids, keyed by id."""
        with _lock:
            meetings = self._table().meetings
            return {
                meeting_id: _copy(meetings[meeting_id])
                for meeting_id in dict.fromkeys(meeting_ids)
                if meeting_id in meetings
            }

    def _page(
        self, query: ListQuery, position: Position
    ) -> tuple[list[Meeting], Position | None]:
        after = position.get("key")
        needle = (query.title_contains or "").lower()
        with _lock:
            matching = sorted(
                (
                    (_sort_key(meeting), meeting)
                    for meeting in self._table().meetings.values()
                    if (not query.owner_id or meeting.owner_id == query.owner_id)
                    and (not query.status or meeting.status == query.status)
                    and needle in meeting.title.lower()
                ),
                key=lambda pair: pair[0],
                reverse=True,
            )
            if after is not None:
                matching = [pair for pair in matching if pair[0] < str(after)]
            chunk = matching[: query.limit]
            meetings = [_copy(meeting) for _, meeting in chunk]
        if len(matching) > query.limit:
            return meetings, {"key": chunk[-1][0]}
        return meetings, None

    def update(self, meeting: Meeting) -> Meeting:
        """Store meeting's changes if the stored version is still meeting.version."""
        with _lock:
            table = self._table()
            if table.interleaved_writes and meeting.id in table.meetings:
                _write_behind_our_back(
                    table.meetings[meeting.id], table.interleaved_writes.pop(0)
                )
                _record_change(table, table.meetings[meeting.id], self.clock())
            self._check_version(table, meeting)
            saved = _copy(meeting)
            saved.version += 1
            saved.updated_at = self.clock()
            saved.stored_status = saved.status
            table.meetings[meeting.id] = saved
            _record_change(table, saved, saved.updated_at)
            return _copy(saved)

    def remove(self, meeting: Meeting) -> None:
        """Delete meeting if it is still at meeting.version."""
        with _lock:
            table = self._table()
            self._check_version(table, meeting)
            del table.meetings[meeting.id]
            table.fingerprints.pop(meeting.id, None)
            _record_change(table, meeting, self.clock(), deleted=True)

    def changed_since(
        self, since: datetime, marks: Mapping[int, datetime] | None = None
    ) -> list[Change]:
        """Return the last change of each meeting written at or after since.

        Everything here is in shard 0, so a mark for it replaces since.
        """
        start = (marks or {}).get(0, since)
        with _lock:
            return [
                change
                for change in self._table().changes.values()
                if change.changed_at >= start
            ]

    def scan(self, position: dict[str, Any] | None, limit: int) -> ScanPage:
        """Return up to limit meetings in order of id, after position's."""
        after = str((position or {}).get("after", ""))
        with _lock:
            ids = sorted(
                str(meeting_id)
                for meeting_id in self._table().meetings
                if str(meeting_id) > after
            )
            chunk = ids[:limit]
            meetings = [_copy(self._table().meetings[uuid.UUID(i)]) for i in chunk]
        more = len(ids) > limit
        return ScanPage(meetings, {"after": chunk[-1]} if more else None)

    def status_counts(self) -> dict[Status, int]:
        """Return how many meetings are in each status: always exact here."""
        with _lock:
            counts = dict.fromkeys(Status, 0)
            for meeting in self._table().meetings.values():
                counts[meeting.status] += 1
            return counts

    def recount_statuses(self) -> dict[Status, int]:
        """Return the counts; there is nothing stored to correct in memory."""
        return self.status_counts()

    def ensure_schema(self) -> list[str]:
        """Create the table if missing; return [its name] when it was created."""
        with _lock:
            if self.table_name in _tables:
                return []
            _tables[self.table_name] = _Table()
            return [self.table_name]

    def ping(self) -> None:
        """Raise StoreUnavailable unless the table exists."""
        with _lock:
            self._table()

    def _table(self) -> _Table:
        table = _tables.get(self.table_name)
        if table is None:
            raise StoreUnavailable(
                f"The in-memory table {self.table_name} does not exist."
            )
        return table

    @staticmethod
    def _check_version(table: _Table, meeting: Meeting) -> None:
        stored = table.meetings.get(meeting.id)
        if stored is None:
            raise MeetingNotFound(meeting.id)
        if stored.version != meeting.version:
            raise VersionConflict(meeting.version, _copy(stored))


def _sort_key(meeting: Meeting) -> str:
    # The DynamoDB backend's index sort key: newest first, ties by id.
    return f"{meeting.created_at.isoformat()}#{meeting.id}"


def _write_behind_our_back(stored: Meeting, changes: dict[str, Any]) -> None:
    stored.apply(changes)
    stored.version += 1
    stored.stored_status = stored.status


def _record_change(
    table: _Table, meeting: Meeting, now: datetime, *, deleted: bool = False
) -> None:
    # A deletion is a change past the last version, as the DynamoDB tombstone.
    table.changes[meeting.id] = Change(
        meeting_id=meeting.id,
        version=meeting.version + 1 if deleted else meeting.version,
        owner_id=meeting.owner_id,
        deleted=deleted,
        changed_at=now,
    )


def _copy(meeting: Meeting) -> Meeting:
    return copy.deepcopy(meeting)
