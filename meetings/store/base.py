"""What every meetings backend shares: its table's name, its clock and paging.

As django.contrib.sessions.backends.base.SessionBase holds what every session
backend shares, StoreBase holds what the in-memory and the DynamoDB backends
share: list() turns the query's cursor into a position and the position after
the page into the next cursor, bound to the query, so a backend provides only
_page(), the meetings from a position on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain import ListQuery, Meeting, Page, utcnow
from . import cursors

Position = dict[str, Any]


class StoreBase:
    """The base of every backend: one named table, a clock, and list()."""

    def __init__(
        self, table_name: str, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.table_name = table_name
        # What the store stamps writes with; tests pass a fake.
        self.clock = clock

    def list(self, query: ListQuery) -> Page:
        """Return one page of query's owner's meetings, or everyone's, newest first.

        It continues where query.cursor left off. Its next cursor is bound to
        query, so it pages that listing only, and is None on the last page.
        """
        binding = query.cursor_binding()
        position = cursors.decode(query.cursor, binding) if query.cursor else {}
        meetings, resume_at = self._page(query, position)
        next_cursor = cursors.encode(binding, resume_at) if resume_at else None
        return Page(meetings, next_cursor)

    def _page(
        self, query: ListQuery, position: Position
    ) -> tuple[list[Meeting], Position | None]:
        """Return query's meetings from position ({} for the first page) on, and
        the position right after them, or None when no meeting is left."""
        raise NotImplementedError("subclasses of StoreBase must provide _page()")
