"""The store's contract: what every backend of meetings.store provides.

Repository is the Protocol; ListQuery, Page, Change and ScanPage are what it
is asked and answers, and the limits below bound what a listing may ask.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .lifecycle import Status
from .meeting import Meeting

MAX_PAGE_SIZE = 100
MAX_SEARCH_LENGTH = 100
# The longest paging cursor the ways in accept; the store's signed ones are far
# shorter, so a longer one cannot be one.
MAX_CURSOR_LENGTH = 4_096


@dataclass(frozen=True)
class Page:
    meetings: list[Meeting]
    next_cursor: str | None


@dataclass(frozen=True)
class ListQuery:
    """What a listing asks for, on whose behalf, and where it resumes.

    A cursor is valid only for the same requester, owner, filters and limit.
    """

    requester_id: str
    owner_id: str | None = None
    status: Status | None = None
    title_contains: str | None = None
    limit: int = 20
    cursor: str | None = None

    def cursor_binding(self) -> str:
        """Return the string a cursor of this listing is bound to."""
        return "|".join(
            [
                f"{self.requester_id}:{self.owner_id or '*'}",
                self.status or "",
                self.title_contains or "",
                str(self.limit),
            ]
        )


@dataclass(frozen=True)
class Change:
    """A meeting's last write as the change index shows it: enough to decide a read.

    deleted marks a tombstone: the meeting was removed at version - 1. shard
    is the part of the index it was found in (a backend with one part: 0),
    which a reader may ask from its own mark (Repository.changed_since).
    """

    meeting_id: uuid.UUID
    version: int
    owner_id: str
    deleted: bool
    changed_at: datetime
    shard: int = 0


@dataclass(frozen=True)
class ScanPage:
    """One page of a scan of every meeting, and where the next page starts.

    position is plain data (it can be stored to resume a scan later); None on
    the last page.
    """

    meetings: list[Meeting]
    position: dict[str, Any] | None


class Repository(Protocol):
    """Where meetings are kept: every backend in meetings.store provides this."""

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        """Store a new meeting; a retry with the same fingerprint returns it."""
        ...

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        """Return the meeting, read consistently, or raise MeetingNotFound."""
        ...

    def get_many(
        self, meeting_ids: Iterable[uuid.UUID], *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]:
        """Return the meetings that exist among meeting_ids, keyed by id."""
        ...

    def list(self, query: ListQuery) -> Page:
        """Return one page of meetings, newest first: an owner's, or everyone's."""
        ...

    def update(self, meeting: Meeting) -> Meeting:
        """Store meeting at the next version, or raise VersionConflict."""
        ...

    def remove(self, meeting: Meeting) -> None:
        """Delete meeting if it is still at meeting.version."""
        ...

    def changed_since(
        self, since: datetime, marks: Mapping[int, datetime] | None = None
    ) -> list[Change]:
        """Return the last change of each meeting written at or after since.

        With marks, a shard that has one is asked from its mark instead of
        since. Eventually consistent, and billed by what it returns: meetings
        not written since cost nothing. Deletions come back as deleted changes.
        """
        ...

    def scan(self, position: dict[str, Any] | None, limit: int) -> ScanPage:
        """Return up to limit meetings of the whole table, in no set order, from
        position (None: the start) on.

        For maintenance (rebuilding the search index), never a request: it
        reads every meeting, and only there is it worth its cost.
        """
        ...

    def status_counts(self) -> dict[Status, int]:
        """Return how many meetings are in each status."""
        ...

    def recount_statuses(self) -> dict[Status, int]:
        """Count every meeting by status again, store and return the counts."""
        ...

    def ensure_schema(self) -> list[str]:
        """Create what the store needs if missing; return what was created."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store can be reached."""
        ...
