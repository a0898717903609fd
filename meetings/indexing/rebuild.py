"""Rebuilding the search index from the table: page by page, resumable.

For a new index, one restored from a backup, or one a release without the
index left behind. It reads every meeting with the store's scan(), applies
each page's entries (an entry only over an older one, so the writes made
meanwhile are kept), and after each page stores the scan's position with its
lease (meetings/search/lease.py): a rebuild stopped anywhere resumes at the
page it was on, and two cannot run at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from ..search import Entry, get_index
from ..search.lease import Lease
from ..store import get_repository

REBUILD_LEASE = "rebuild"
# Items one Scan call reads: well under its 1 MB page at the largest meetings'
# 6 KB is ~170 items, so the page, not this, bounds those.
PAGE_SIZE = 1_000
# A rebuild's lease outlives one page's read and write many times over.
LEASE_SECONDS = 120.0

Progress = dict[str, Any]


class RebuildError(Exception):
    """The rebuild cannot run: no index, or another holder has its lease."""


def rebuild(
    *,
    restart: bool = False,
    clear: bool = False,
    page_size: int = PAGE_SIZE,
    max_pages: int | None = None,
    on_page: Callable[[Progress], None] | None = None,
    lease: Lease | None = None,
) -> Progress:
    """Rebuild the index, from where an unfinished rebuild stopped unless restart.

    clear empties the index first when the rebuild starts afresh. It stops
    after max_pages pages, if given, to be resumed later. on_page sees the
    progress after each page. Return the progress: pages, entries, position
    and done.
    """
    index = get_index()
    if index is None:
        raise RebuildError("No search index is configured (MEETINGS_SEARCH_INDEX).")
    lease = lease or Lease(REBUILD_LEASE, ttl=LEASE_SECONDS)
    if restart:
        lease.reset({})
    progress = lease.take()
    if progress is None:
        raise RebuildError("Another rebuild holds the lease; try again later.")
    if not progress or progress.get("done"):
        progress = {"started_at": timezone.now().isoformat(), "pages": 0}
        progress.update(entries=0, applied=0, position=None, done=False)
        if clear:
            index.clear()
    repository = get_repository()
    pages = 0
    try:
        while not progress["done"] and (max_pages is None or pages < max_pages):
            page = repository.scan(progress["position"], page_size)
            applied = index.apply(Entry.of(meeting) for meeting in page.meetings)
            progress = {
                **progress,
                "pages": progress["pages"] + 1,
                "entries": progress["entries"] + len(page.meetings),
                "applied": progress["applied"] + applied,
                "position": page.position,
                "done": page.position is None,
            }
            if not lease.save(progress):
                raise RebuildError("The rebuild lost its lease; run it again.")
            pages += 1
            if on_page:
                on_page(progress)
    finally:
        lease.release()
    if progress["done"]:
        index.analyze()
    return progress
