"""The search index of meetings, in the ORM database, chosen by MEETINGS_SEARCH_INDEX.

The index is derived from the meetings in DynamoDB and never their source of
truth (meetings/indexing/ keeps it in step and answers searches from it). As
MEETINGS_STORE names a store backend, MEETINGS_SEARCH_INDEX names a module of
this package with an `index(using)` function returning a SearchIndex (index.py)
built on base.IndexBase:

- "auto" (the default): the backend of the database's engine;
- `meetings.search.sqlite`: an FTS5 table with the trigram tokenizer;
- `meetings.search.postgresql`: pg_trgm's GIN index, ranked by full-text search;
- "none": no index; searches filter the DynamoDB listing, as before it.

lease.py holds the lease its jobs take, metrics.py what /metrics shows of it.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .index import Entry, Hit, Search, SearchIndex, Sort, Stored

# The default of settings.MEETINGS_SEARCH_INDEX.
AUTO = "auto"
NONE = "none"
BACKENDS = {
    "sqlite": "meetings.search.sqlite",
    "postgresql": "meetings.search.postgresql",
}

__all__ = [
    "Entry",
    "Hit",
    "Search",
    "SearchIndex",
    "Sort",
    "Stored",
    "get_index",
]


def get_index() -> SearchIndex | None:
    """Return the configured search index, or None when there is none."""
    name = settings.MEETINGS_SEARCH_INDEX or NONE
    return _index(name, connections[DEFAULT_DB_ALIAS].vendor)


@cache
def _index(name: str, vendor: str) -> SearchIndex | None:
    if name == AUTO:
        name = BACKENDS.get(vendor, NONE)
    if name == NONE:
        return None
    return import_module(name).index(DEFAULT_DB_ALIAS)
