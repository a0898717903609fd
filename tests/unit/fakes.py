"""An in-memory repository with the real one's contract, for service tests."""

from __future__ import annotations

import copy
import uuid

from meetings import cursors
from meetings.domain import (
    DuplicateMeeting,
    Meeting,
    MeetingNotFound,
    VersionConflict,
    utcnow,
)
from meetings.repository import ListQuery, Page


class FakeRepository:
    def __init__(self) -> None:
        self.meetings: dict[uuid.UUID, Meeting] = {}
        self.fingerprints: dict[uuid.UUID, str] = {}
        # Writes another client makes right before our next update, to stage races.
        self.interleaved_writes: list[dict] = []

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        if meeting.id in self.meetings:
            if self.fingerprints[meeting.id] == fingerprint:
                return copy.deepcopy(self.meetings[meeting.id])
            raise DuplicateMeeting(meeting.id)
        self.meetings[meeting.id] = copy.deepcopy(meeting)
        self.fingerprints[meeting.id] = fingerprint
        return meeting

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        if meeting_id not in self.meetings:
            raise MeetingNotFound(meeting_id)
        return copy.deepcopy(self.meetings[meeting_id])

    def get_many(self, meeting_ids, *, consistent=False) -> dict[uuid.UUID, Meeting]:
        return {i: self.get(i) for i in set(meeting_ids) if i in self.meetings}

    def list_for_owner(self, owner_id: str, query: ListQuery) -> Page:
        mine = [m for m in self.meetings.values() if m.owner_id == owner_id]
        return self._page(mine, query)

    def list_all(self, query: ListQuery) -> Page:
        return self._page(list(self.meetings.values()), query)

    def update(self, meeting: Meeting, previous_status=None) -> Meeting:
        if self.interleaved_writes:
            self._write_behind_our_back(meeting.id, self.interleaved_writes.pop(0))
        stored = self.meetings.get(meeting.id)
        if stored is None:
            raise MeetingNotFound(meeting.id)
        if stored.version != meeting.version:
            raise VersionConflict(meeting.version, copy.deepcopy(stored))
        saved = copy.deepcopy(meeting)
        saved.version += 1
        saved.updated_at = utcnow()
        self.meetings[meeting.id] = saved
        return copy.deepcopy(saved)

    def remove(self, meeting: Meeting) -> None:
        stored = self.meetings.get(meeting.id)
        if stored is None:
            raise MeetingNotFound(meeting.id)
        if stored.version != meeting.version:
            raise VersionConflict(meeting.version, copy.deepcopy(stored))
        del self.meetings[meeting.id]

    def _write_behind_our_back(self, meeting_id: uuid.UUID, changes: dict) -> None:
        stored = self.meetings[meeting_id]
        stored.apply(changes)
        stored.version += 1

    def _page(self, meetings: list[Meeting], query: ListQuery) -> Page:
        scope = query.cursor_scope()
        offset = cursors.decode(query.cursor, scope)["offset"] if query.cursor else 0
        if query.status:
            meetings = [m for m in meetings if m.status == query.status]
        if query.title_contains:
            needle = query.title_contains.lower()
            meetings = [m for m in meetings if needle in m.title.lower()]
        meetings.sort(key=lambda m: (m.created_at, str(m.id)), reverse=True)
        chunk = meetings[offset : offset + query.limit]
        more = offset + query.limit < len(meetings)
        next_cursor = (
            cursors.encode(scope, {"offset": offset + query.limit}) if more else None
        )
        return Page(chunk, next_cursor)
