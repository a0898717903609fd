"""Answering a search: ids from the index, meetings from DynamoDB, stale hits dropped.

The index returns the matching ids in the listing's order, by relevance, or
by scheduled start or last update (the list's other orders, which the
DynamoDB listing cannot answer, searched or not); the page reads those
meetings with one BatchGetItem and keeps those that still match: present,
visible to the viewer, within the owner and status asked, and whose current
title contains the text. An index entry that is behind can only make a result
late (or out of place in its order), never wrong.
"""

from __future__ import annotations

from ..domain import (
    MAX_SEARCH_LENGTH,
    Access,
    ListQuery,
    Meeting,
    Page,
    Status,
    Viewer,
)
from ..search import Search, SearchIndex, Sort, get_index
from ..search.metrics import STALE_HITS
from ..store import cursors, get_repository

# A page whose hits were stale reads further, this many times at most.
MAX_ROUNDS = 3
NO_INDEX = "none"
# What a list may be ordered by, for the ways in: newest first (the default),
# by scheduled start or last update either way, best match (searches only).
SORTS = [sort.value for sort in Sort]
# The orders only a search index answers.
INDEX_SORTS = [sort.value for sort in Sort if sort.by_index_only]
ORDER_NEEDS_INDEX = (
    "Ordering by scheduled start or last update needs the search index, and "
    "none is configured (MEETINGS_SEARCH_INDEX=none)."
)


class OrderNeedsIndex(ValueError):
    """An order only the search index answers was asked where there is none."""

    def __init__(self) -> None:
        super().__init__(ORDER_NEEDS_INDEX)


def search_index_name() -> str:
    """Return what answers searches: "sqlite", "postgresql", or "none" (a filter)."""
    index = get_index()
    return index.name if index is not None else NO_INDEX


def sorts_offered() -> list[Sort]:
    """Return the orders a list can be given here: all of them with a search
    index; without one, the listing's own (newest first)."""
    return list(Sort) if get_index() is not None else [Sort.NEWEST]


def sort_choices() -> list[tuple[str, str]]:
    """Return the value and label of each order sorts_offered gives, for forms."""
    return [(sort.value, sort.label) for sort in sorts_offered()]


def ordered_by(sort: str | None) -> tuple[str, bool]:
    """Return the meeting field a list in sort's order is ordered by (which the
    list shows) and whether it goes latest first. Relevance: creation, latest
    first, as its ties go."""
    order = Sort(sort or Sort.NEWEST)
    if order.field is None:
        return "created_at", True
    return order.field, order.descending


def search_status_counts(
    viewer: Viewer, text: str, owner_id: str | None = None
) -> dict[Status, int] | None:
    """Return how many meetings whose title contains text are in each status, as
    the search index holds them (None without one), within viewer's reach."""
    if (index := get_index()) is None:
        return None
    owner_id = owner_id if viewer.sees_everyone else viewer.user_id
    return index.status_counts(text[:MAX_SEARCH_LENGTH], owner_id or None)


def listing_page(viewer: Viewer, query: ListQuery, sort: str = "newest") -> Page:
    """Return query's page: a search's, or any list by a date other than its
    creation, from the search index in sort's order; otherwise (the default
    order, or a search without an index) the store's listing, newest first.

    The ways in reach this through services.list_meetings, which decides whose
    meetings viewer may list. Raise OrderNeedsIndex for an order only the index
    answers when there is none.
    """
    order = Sort(sort)
    wants_index = bool(query.title_contains) or order.by_index_only
    index = get_index() if wants_index else None
    if index is None:
        if order.by_index_only:
            raise OrderNeedsIndex()
        return get_repository().list(query)
    return search_page(index, viewer, query, order)


def search_page(
    index: SearchIndex, viewer: Viewer, query: ListQuery, sort: Sort
) -> Page:
    """Return a page of the meetings matching query in sort's order, from index.

    The order shown is the index's: a meeting whose date changed since its
    entry was written shows at its old place until the entry catches up.

    Its cursor is bound to the query and the sort, and resumes after the last
    hit examined (a stale one included). A page with stale hits reads the next
    hits to fill up, MAX_ROUNDS reads at most, so it may come out short.
    """
    binding = f"{query.cursor_binding()}|index:{sort}"
    position = cursors.decode(query.cursor, binding) if query.cursor else None
    text = query.title_contains or ""
    meetings: list[Meeting] = []
    wanted, more = query.limit, False
    for _ in range(MAX_ROUNDS):
        hits = index.search(
            Search(text, query.owner_id, query.status, sort, wanted + 1, position)
        )
        examined, more = hits[:wanted], len(hits) > wanted
        found = get_repository().get_many(hit.meeting_id for hit in examined)
        for hit in examined:
            meeting = found.get(hit.meeting_id)
            if meeting is not None and still_matches(meeting, viewer, query):
                meetings.append(meeting)
            else:
                STALE_HITS.inc()
        if examined:
            position = examined[-1].position
        wanted = query.limit - len(meetings)
        if not more or not wanted:
            break
    next_cursor = cursors.encode(binding, position or {}) if more else None
    return Page(meetings, next_cursor)


def still_matches(meeting: Meeting, viewer: Viewer, query: ListQuery) -> bool:
    """Return whether meeting, as stored now, belongs in query's results."""
    text = (query.title_contains or "").lower()
    return (
        viewer.may(Access.VIEW, meeting)
        and (not query.owner_id or meeting.owner_id == query.owner_id)
        and (not query.status or meeting.status == query.status)
        and text in meeting.title.lower()
    )
