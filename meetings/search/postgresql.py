"""The PostgreSQL search index: trigram matching, ranked with full-text search.

Matching is Django's icontains, UPPER(title) LIKE UPPER('%text%'), which the
GIN index of migration 0004 (pg_trgm's gin_trgm_ops over UPPER(title)) answers
for texts of three characters or more, inside words as well: the substring
match the DynamoDB filter made. Relevance is django.contrib.postgres.search's
SearchRank of the whole words (the "simple" configuration: no stemming, so a
ranked match is still a substring; shorter titles first) plus the trigram
similarity of the whole title, which ranks partial words too.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.db.models import QuerySet, Value

from ..models import SearchEntry
from .base import IndexBase
from .index import Search

# Text search without stemming or stop words: titles are short and any language.
CONFIG = "simple"
# ts_rank's normalization 1: divide by 1 + log(length), so of two titles with
# the word, the shorter ranks first.
LENGTH_NORMALIZATION = 1


def index(using: str) -> PostgreSQLIndex:
    """Return the index in the database using names."""
    return PostgreSQLIndex(using)


class PostgreSQLIndex(IndexBase):
    """Search entries with pg_trgm's GIN index, ranked by full-text search."""

    name = "postgresql"

    def matching(self, text: str) -> QuerySet[SearchEntry]:
        """Return the entries whose title contains text, ignoring case."""
        return self.entries.filter(title__icontains=text)

    def ranked(self, search: Search, offset: int) -> list[uuid.UUID]:
        """Return the ids of search's matches, best first, from offset on.

        Ties go newest first.
        """
        rank = SearchRank(
            SearchVector("title", config=CONFIG),
            SearchQuery(search.text, config=CONFIG),
            normalization=Value(LENGTH_NORMALIZATION),
        ) + TrigramSimilarity("title", search.text)
        found = (
            self._filtered(search)
            .annotate(rank=rank)
            .order_by("-rank", "-created_at", "-meeting_id")
        )
        return list(
            found.values_list("meeting_id", flat=True)[offset : offset + search.limit]
        )
