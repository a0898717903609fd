"""The search index's contract: what an entry holds, what a search asks and gets.

SearchIndex is the Protocol every backend of meetings.search provides; Entry,
Search and Hit are what it is given and answers. tests/contract/
test_search_index.py runs one suite against every backend.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..domain import Meeting, Status

Position = dict[str, Any]


class Sort(enum.StrEnum):
    """How a list is ordered: as the listing (newest first), by match (searches),
    or by an entry's scheduled start or last update, either way (the index's
    orders, which the listing cannot answer). Undated meetings come last."""

    NEWEST = "newest"
    SCHEDULED = "scheduled"
    SCHEDULED_DESC = "-scheduled"
    UPDATED_DESC = "-updated"
    UPDATED = "updated"
    RELEVANCE = "relevance"

    @property
    def label(self) -> str:
        """Return how the list pages name this order."""
        return SORT_LABELS[self]

    @property
    def field(self) -> str | None:
        """Return the date the order follows (an Entry's field), or None."""
        return SORT_FIELDS.get(self)

    @property
    def descending(self) -> bool:
        """Return whether the order goes from the latest date to the earliest."""
        return self in (Sort.NEWEST, Sort.SCHEDULED_DESC, Sort.UPDATED_DESC)

    @property
    def by_index_only(self) -> bool:
        """Return whether only a search index can answer this order."""
        return self.field in ("scheduled_start", "updated_at")


SORT_LABELS = {
    Sort.NEWEST: "Newest first",
    Sort.SCHEDULED: "Scheduled start, earliest first",
    Sort.SCHEDULED_DESC: "Scheduled start, latest first",
    Sort.UPDATED_DESC: "Last updated, latest first",
    Sort.UPDATED: "Last updated, earliest first",
    Sort.RELEVANCE: "Best match (searches)",
}
SORT_FIELDS = {
    Sort.NEWEST: "created_at",
    Sort.SCHEDULED: "scheduled_start",
    Sort.SCHEDULED_DESC: "scheduled_start",
    Sort.UPDATED_DESC: "updated_at",
    Sort.UPDATED: "updated_at",
}


@dataclass(frozen=True)
class Entry:
    """One meeting as the index holds it, or its deletion (deleted, no title).

    A deletion's created_at is when it was deleted: it removes the entry of an
    incarnation created before then at a lower version, whatever that
    incarnation's own created_at was.
    """

    meeting_id: uuid.UUID
    owner_id: str
    status: str
    title: str
    scheduled_start: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    deleted: bool = False

    @classmethod
    def of(cls, meeting: Meeting) -> Entry:
        """Return the entry of meeting as stored."""
        return cls(
            meeting_id=meeting.id,
            owner_id=meeting.owner_id,
            status=str(meeting.status),
            title=meeting.title,
            scheduled_start=meeting.scheduled_start,
            created_at=meeting.created_at,
            updated_at=meeting.updated_at or meeting.created_at,
            version=meeting.version,
        )

    @classmethod
    def deletion(
        cls, meeting_id: uuid.UUID, owner_id: str, version: int, at: datetime
    ) -> Entry:
        """Return the deletion of meeting_id at version (its tombstone's), at at."""
        return cls(
            meeting_id=meeting_id,
            owner_id=owner_id,
            status="",
            title="",
            scheduled_start=None,
            created_at=at,
            updated_at=at,
            version=version,
            deleted=True,
        )


@dataclass(frozen=True)
class Stored:
    """What the index holds of a meeting: enough to tell whether it is behind."""

    created_at: datetime
    version: int
    deleted: bool


@dataclass(frozen=True)
class Search:
    """What a search asks: meetings whose title contains text, in sort order.

    It resumes right after position ({} for the first page), a position a Hit
    of the same search gave, and asks for at most limit hits.
    """

    text: str
    owner_id: str | None = None
    status: Status | None = None
    sort: Sort = Sort.NEWEST
    limit: int = 20
    position: Position | None = None


@dataclass(frozen=True)
class Hit:
    """A matching meeting's id, and the position to resume right after it."""

    meeting_id: uuid.UUID
    position: Position


class SearchIndex(Protocol):
    """A search index in the ORM database: every backend of meetings.search."""

    # What the responses name it: "sqlite", "postgresql".
    name: str

    def apply(self, entries: Iterable[Entry]) -> int:
        """Store the entries that are newer than what is held; return how many."""
        ...

    def stored(self, meeting_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Stored]:
        """Return what is held of each of meeting_ids that has an entry."""
        ...

    def search(self, search: Search) -> list[Hit]:
        """Return the hits of search, in its order, from its position on."""
        ...

    def status_counts(self, text: str, owner_id: str | None) -> dict[Status, int]:
        """Return how many entries whose title contains text are in each status."""
        ...

    def purge(self, before: datetime) -> int:
        """Forget deletions made before before; return how many."""
        ...

    def clear(self) -> None:
        """Forget every entry."""
        ...

    def analyze(self) -> None:
        """Bring the engine's statistics of the index up to date (after a rebuild)."""
        ...
