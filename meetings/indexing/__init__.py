"""The search index's use cases: answer searches, keep it in step, rebuild it.

The index itself (meetings/search/) is derived from the meetings in DynamoDB
and never their source of truth; this package is what reads DynamoDB for it,
beside meetings.services, whose list_meetings pages through it; the ways in
ask it what services.list_meetings cannot say (search_index_name, SORTS,
sorts_offered, search_status_counts):

- answer.py: a search's page (or a list's by scheduled start or last update),
  ids from the index and meetings from DynamoDB, and what the ways in ask of
  searches (which index, which orders, counts);
- follow.py: the write-through of every committed write, and the Reconciler
  that repairs what it missed from the change index, under a lease;
- rebuild.py: the whole table into the index, page by page, resumable.

Importing it connects the write-through to meetings.signals.meeting_written.
"""

from .answer import (
    INDEX_SORTS,
    ORDER_NEEDS_INDEX,
    SORTS,
    OrderNeedsIndex,
    listing_page,
    ordered_by,
    search_index_name,
    search_page,
    search_status_counts,
    sort_choices,
    sorts_offered,
    still_matches,
)
from .follow import Pass, Reconciler, Running, start_reconciler, write_through
from .rebuild import RebuildError, rebuild

__all__ = [
    "INDEX_SORTS",
    "ORDER_NEEDS_INDEX",
    "SORTS",
    "OrderNeedsIndex",
    "Pass",
    "RebuildError",
    "Reconciler",
    "Running",
    "listing_page",
    "ordered_by",
    "rebuild",
    "search_index_name",
    "search_page",
    "search_status_counts",
    "sort_choices",
    "sorts_offered",
    "start_reconciler",
    "still_matches",
    "write_through",
]
