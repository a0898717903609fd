"""What every search backend shares: entries kept newer-only, paging, the counts.

As meetings.store.base.StoreBase holds what both store backends share,
IndexBase holds what the SQLite and the PostgreSQL indexes share: entries are
written by one INSERT … ON CONFLICT … DO UPDATE … WHERE statement, which both
engines run alike and which applies an entry only over an older one, so a
replay or a late write-through changes nothing. A backend provides matching()
(the entries whose title contains a text) and ranked() (the same, best first).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Q, QuerySet

from ..domain import InvalidCursor, Status
from ..models import SearchEntry
from .index import Entry, Hit, Position, Search, Sort, Stored

COLUMNS = (
    "meeting_id",
    "owner_id",
    "status",
    "title",
    "scheduled_start",
    "created_at",
    "updated_at",
    "version",
    "deleted",
)
# A meeting's entry is replaced by a later incarnation of its id (re-created
# after a delete, with a later created_at) or a higher version of the same one.
NEWER = (
    "excluded.created_at > {table}.created_at OR "
    "(excluded.created_at = {table}.created_at AND excluded.version > {table}.version)"
)
# A deletion (created_at: when it happened) removes an incarnation created
# before it at a lower version; the entry keeps its created_at.
DELETES = (
    "excluded.version > {table}.version AND excluded.created_at >= {table}.created_at"
)
LIVE_COLUMNS = [c for c in COLUMNS if c != "meeting_id"]
DELETION_COLUMNS = [
    "status",
    "title",
    "scheduled_start",
    "updated_at",
    "version",
    "deleted",
]
# Ids asked about in one query (SQLite's parameter limit is far above).
CHUNK = 500


class IndexBase:
    """The base of every search backend: one database, entries, paging, counts."""

    name = ""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    @property
    def entries(self) -> QuerySet[SearchEntry]:
        return SearchEntry.objects.using(self.using)

    def apply(self, entries: Iterable[Entry]) -> int:
        """Store the entries that are newer than what is held; return how many.

        One statement per kind (meetings, deletions), for any number of entries.
        """
        rows: dict[bool, list[list[Any]]] = {False: [], True: []}
        for entry in entries:
            rows[entry.deleted].append(self._row(entry))
        applied = 0
        with (
            transaction.atomic(using=self.using),
            connections[self.using].cursor() as cursor,
        ):
            for deleted, kind in rows.items():
                if kind:
                    cursor.executemany(self._upsert(deleted), kind)
                    applied += max(cursor.rowcount, 0)
        return applied

    def stored(self, meeting_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Stored]:
        """Return what is held of each of meeting_ids that has an entry."""
        wanted = list(dict.fromkeys(meeting_ids))
        found: dict[uuid.UUID, Stored] = {}
        for start in range(0, len(wanted), CHUNK):
            rows = self.entries.filter(
                meeting_id__in=wanted[start : start + CHUNK]
            ).values_list("meeting_id", "created_at", "version", "deleted")
            for meeting_id, created_at, version, deleted in rows:
                found[meeting_id] = Stored(created_at, version, deleted)
        return found

    def search(self, search: Search) -> list[Hit]:
        """Return the hits of search, in its order, from its position on."""
        if search.sort == Sort.RELEVANCE:
            offset = _offset(search.position)
            ids = self.ranked(search, offset)
            return [
                Hit(meeting_id, {"o": offset + n + 1})
                for n, meeting_id in enumerate(ids)
            ]
        if search.sort.by_index_only:
            return self.ordered(search)
        after = _resume_after(search.position) if search.position else None
        return [
            Hit(meeting_id, {"c": created_at.isoformat(), "i": str(meeting_id)})
            for meeting_id, created_at in self.newest(search, after)
        ]

    def ordered(self, search: Search) -> list[Hit]:
        """Return the hits of search in its order by a date, from its position on.

        A keyset over (date, meeting id), which the indexes of migration 0005
        serve for one owner or for everyone's: entries with the date first,
        then those without one (a meeting not scheduled) by id, both ways.
        """
        field = search.sort.field or ""
        descending = search.sort.descending
        after = _resume_at(search.position) if search.position else None
        found = self._filtered(search)
        hits: list[Hit] = []
        if after is None or after[0] is not None:
            dated = found.filter(**{f"{field}__isnull": False})
            if after is not None:
                dated = dated.filter(_beyond(field, *after, descending))
            rows = dated.order_by(*_ordering(field, descending)).values_list(
                "meeting_id", field
            )
            hits = [
                Hit(meeting_id, {"k": value.isoformat(), "i": str(meeting_id)})
                for meeting_id, value in rows[: search.limit]
            ]
        wanted = search.limit - len(hits)
        if wanted > 0 and SearchEntry._meta.get_field(field).null:
            undated = found.filter(**{f"{field}__isnull": True})
            if after is not None and after[0] is None:
                lookup = "lt" if descending else "gt"
                undated = undated.filter(**{f"meeting_id__{lookup}": after[1]})
            ids = undated.order_by(
                "-meeting_id" if descending else "meeting_id"
            ).values_list("meeting_id", flat=True)
            hits += [
                Hit(meeting_id, {"k": None, "i": str(meeting_id)})
                for meeting_id in ids[:wanted]
            ]
        return hits

    def newest(
        self, search: Search, after: tuple[datetime, uuid.UUID] | None
    ) -> list[tuple[uuid.UUID, datetime]]:
        """Return the ids and creation times of search's matches, newest first
        (ties by id, as the listing), after the (created_at, id) given."""
        found = self._filtered(search)
        if after is not None:
            created_at, meeting_id = after
            found = found.filter(
                Q(created_at__lt=created_at)
                | Q(created_at=created_at, meeting_id__lt=meeting_id)
            )
        rows = found.order_by("-created_at", "-meeting_id").values_list(
            "meeting_id", "created_at"
        )
        return list(rows[: search.limit])

    def status_counts(self, text: str, owner_id: str | None) -> dict[Status, int]:
        """Return how many entries whose title contains text are in each status."""
        counts = dict.fromkeys(Status, 0)
        rows = (
            self._filtered(Search(text, owner_id=owner_id))
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )
        for status, number in rows:
            if status in Status:
                counts[Status(status)] = number
        return counts

    def purge(self, before: datetime) -> int:
        """Forget deletions made before before; return how many."""
        deleted, _ = self.entries.filter(deleted=True, updated_at__lt=before).delete()
        return deleted

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.all().delete()

    def analyze(self) -> None:
        """Bring the engine's statistics of the index up to date (after a rebuild).

        Without them, PostgreSQL's planner may not see that the trigram index
        is the way to a rare word until autovacuum analyses the table.
        """
        quote = connections[self.using].ops.quote_name
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(SearchEntry._meta.db_table)}")

    def matching(self, text: str) -> QuerySet[SearchEntry]:
        """Return the entries whose title contains text, ignoring case."""
        raise NotImplementedError("search backends must provide matching()")

    def ranked(self, search: Search, offset: int) -> list[uuid.UUID]:
        """Return the ids of search's matches, best first, from offset on."""
        raise NotImplementedError("search backends must provide ranked()")

    def _filtered(self, search: Search) -> QuerySet[SearchEntry]:
        """Return the live entries that match search's text and filters."""
        found = self.matching(search.text) if search.text else self.entries
        found = found.filter(deleted=False)
        if search.owner_id:
            found = found.filter(owner_id=search.owner_id)
        if search.status:
            found = found.filter(status=str(search.status))
        return found

    def _row(self, entry: Entry) -> list[Any]:
        connection = connections[self.using]
        return [
            SearchEntry._meta.get_field(column).get_db_prep_value(
                getattr(entry, column), connection
            )
            for column in COLUMNS
        ]

    def _upsert(self, deleted: bool) -> str:
        quote = connections[self.using].ops.quote_name
        table = quote(SearchEntry._meta.db_table)
        updated = DELETION_COLUMNS if deleted else LIVE_COLUMNS
        condition = (DELETES if deleted else NEWER).format(table=table)
        # Names from the model, values as parameters.
        return (
            f"INSERT INTO {table} ({', '.join(map(quote, COLUMNS))}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
            f"ON CONFLICT ({quote('meeting_id')}) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
            + f" WHERE {condition}"
        )


def _offset(position: Position | None) -> int:
    offset = (position or {}).get("o", 0)
    if not isinstance(offset, int) or offset < 0:
        raise InvalidCursor()
    return offset


def _ordering(field: str, descending: bool) -> list[str]:
    sign = "-" if descending else ""
    return [f"{sign}{field}", f"{sign}meeting_id"]


def _beyond(field: str, value: datetime, meeting_id: uuid.UUID, descending: bool) -> Q:
    """Return the entries after (value, meeting_id) in the order: a range on the
    date that an index can seek to, then the ties past the id."""
    past = "lt" if descending else "gt"
    return Q(**{f"{field}__{past}e": value}) & (
        Q(**{f"{field}__{past}": value}) | Q(**{f"meeting_id__{past}": meeting_id})
    )


def _resume_at(position: Position) -> tuple[datetime | None, uuid.UUID]:
    """Return the (date or None, meeting id) an ordered() hit's position holds."""
    try:
        value = position["k"]
        return (
            None if value is None else datetime.fromisoformat(value),
            uuid.UUID(position["i"]),
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidCursor() from None


def _resume_after(position: Position) -> tuple[datetime, uuid.UUID]:
    try:
        return datetime.fromisoformat(position["c"]), uuid.UUID(position["i"])
    except (KeyError, TypeError, ValueError):
        raise InvalidCursor() from None
