"""The SQLite search index: an FTS5 table of the titles, with the trigram tokenizer.

The trigram tokenizer indexes every three characters of a title, case folded,
so a phrase query of the search text finds it anywhere in a title, inside a
word as well: the substring match the DynamoDB filter made. Texts shorter than
three characters have no trigram; they fall back to LIKE over the entries, a
scan (ASCII case folding only: SQLite's LIKE). Relevance is FTS5's bm25.
The table and the triggers that keep it in step with the entries are made by
migration 0004; SQLite 3.34 or later has the tokenizer.

Every query starts from the FTS5 matches (a CROSS JOIN fixes SQLite's join
order): left to itself, the planner walks an owner's whole index in order
instead, which costs a rare word as much as the owner has meetings
(docs/performance.md, "Search").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ..domain import Status
from ..models import SearchEntry
from .base import IndexBase
from .index import Search

MATCHING = (
    "SELECT rowid FROM meetings_searchentry_fts WHERE meetings_searchentry_fts MATCH %s"
)
# The matches, then their entries: the FTS5 table drives every query.
MATCHES = (
    "FROM meetings_searchentry_fts f CROSS JOIN meetings_searchentry e "
    "ON e.id = f.rowid WHERE f.title MATCH %s AND e.deleted = %s"
)
# The trigram tokenizer needs three characters to match anything.
TRIGRAM = 3


def index(using: str) -> SQLiteIndex:
    """Return the index in the database using names."""
    return SQLiteIndex(using)


def phrase(text: str) -> str:
    """Return text as one FTS5 phrase: quoted, with its quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


class SQLiteIndex(IndexBase):
    """Search entries with an FTS5 trigram index of their titles."""

    name = "sqlite"

    def matching(self, text: str) -> QuerySet[SearchEntry]:
        """Return the entries whose title contains text, ignoring case."""
        if len(text) < TRIGRAM:
            return self.entries.filter(title__icontains=text)
        # A constant statement; the text is its parameter.
        return self.entries.filter(id__in=RawSQL(MATCHING, [phrase(text)]))  # noqa: S611

    def newest(
        self, search: Search, after: tuple[datetime, uuid.UUID] | None
    ) -> list[tuple[uuid.UUID, datetime]]:
        """Return the ids and creation times of search's matches, newest first."""
        if len(search.text) < TRIGRAM:
            return super().newest(search, after)
        where, params = self._matches(search)
        if after is not None:
            created_at, meeting_id = self._prepared(
                created_at=after[0], meeting_id=after[1]
            )
            where += (
                " AND (e.created_at < %s OR (e.created_at = %s AND e.meeting_id < %s))"
            )
            params += [created_at, created_at, meeting_id]
        found = self.entries.raw(
            f"SELECT e.id, e.meeting_id, e.created_at {where} "
            "ORDER BY e.created_at DESC, e.meeting_id DESC LIMIT %s",
            [*params, search.limit],
        )
        return [(entry.meeting_id, entry.created_at) for entry in found]

    def ranked(self, search: Search, offset: int) -> list[uuid.UUID]:
        """Return the ids of search's matches, best first by bm25, from offset on.

        (FTS5's rank column is bm25.) Ties go newest first.
        """
        if len(search.text) < TRIGRAM:
            found = self._filtered(search).order_by("-created_at", "-meeting_id")
            return list(
                found.values_list("meeting_id", flat=True)[
                    offset : offset + search.limit
                ]
            )
        where, params = self._matches(search)
        found = self.entries.raw(
            f"SELECT e.id, e.meeting_id {where} "
            "ORDER BY f.rank, e.created_at DESC, e.meeting_id DESC LIMIT %s OFFSET %s",
            [*params, search.limit, offset],
        )
        return [entry.meeting_id for entry in found]

    def status_counts(self, text: str, owner_id: str | None) -> dict[Status, int]:
        """Return how many entries whose title contains text are in each status."""
        if len(text) < TRIGRAM:
            return super().status_counts(text, owner_id)
        where, params = self._matches(Search(text, owner_id=owner_id))
        counts = dict.fromkeys(Status, 0)
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT e.status, COUNT(*) {where} GROUP BY e.status", params
            )
            for status, number in cursor.fetchall():
                if status in Status:
                    counts[Status(status)] = number
        return counts

    def _matches(self, search: Search) -> tuple[str, list[Any]]:
        """Return the FROM and WHERE of search's live matches, and their values."""
        where, params = MATCHES, [phrase(search.text), False]
        if search.owner_id:
            where += " AND e.owner_id = %s"
            params.append(search.owner_id)
        if search.status:
            where += " AND e.status = %s"
            params.append(str(search.status))
        return where, params

    def _prepared(self, **values: Any) -> list[Any]:
        """Return values as this database stores each field of the same name."""
        connection = connections[self.using]
        return [
            SearchEntry._meta.get_field(name).get_db_prep_value(value, connection)
            for name, value in values.items()
        ]
