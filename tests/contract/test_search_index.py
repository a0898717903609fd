"""The search index's contract (meetings.search.SearchIndex), on every backend.

Each test runs on the SQLite (FTS5) and the PostgreSQL (pg_trgm) backend; a
backend runs where the test database is its engine, so a run on SQLite checks
one and a run with a PostgreSQL DATABASE_URL the other.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from meetings.domain import Status
from meetings.search import Entry, Search, Sort
from meetings.search.postgresql import PostgreSQLIndex
from meetings.search.sqlite import SQLiteIndex

pytestmark = [pytest.mark.django_db, pytest.mark.orm]
BACKENDS = {"sqlite": SQLiteIndex, "postgresql": PostgreSQLIndex}
T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=list(BACKENDS))
def index(request):
    """The backend of request.param, where the test database is that engine."""
    if connection.vendor != request.param:
        pytest.skip(f"needs a {request.param} database (DATABASE_URL)")
    return BACKENDS[request.param]("default")


def entry(title="Sync", *, owner="1", minutes=0, version=1, **fields) -> Entry:
    created = fields.pop("created_at", T0 + timedelta(minutes=minutes))
    values = {
        "meeting_id": uuid.uuid4(),
        "owner_id": owner,
        "status": str(Status.SCHEDULED),
        "title": title,
        "scheduled_start": None,
        "created_at": created,
        "updated_at": created,
        "version": version,
        **fields,
    }
    return Entry(**values)


def again(old: Entry, **changes) -> Entry:
    return Entry(**{**old.__dict__, **changes})


def ids(index, text, **asked) -> list[uuid.UUID]:
    return [hit.meeting_id for hit in index.search(Search(text, **asked))]


@pytest.mark.parametrize("text", ["sync", "SYNC", "eekl", "y syn", "Weekly sync"])
def test_a_title_is_found_by_any_part_of_it_whatever_the_case(index, text):
    weekly = entry("Weekly SYNC review")
    index.apply([weekly, entry("Planning")])
    assert ids(index, text) == [weekly.meeting_id]


@pytest.mark.parametrize("text", ["a", "XA", "Ré"])
def test_texts_shorter_than_a_trigram_match_too(index, text):
    found = entry("Réunion xa")
    index.apply([found, entry("Sync")])
    assert ids(index, text) == [found.meeting_id]


@pytest.mark.parametrize(
    "text", ['say "hi"', "100%_done", "NEAR(a b)", "a OR b", "*", "title:x", "'"]
)
def test_any_text_is_searched_literally(index, text):
    literal = entry(f"Before {text} after")
    index.apply([literal, entry("Before after")])
    assert ids(index, text) == [literal.meeting_id]


def test_nothing_matches_an_absent_text(index):
    index.apply([entry("Sync"), entry("Planning")])
    assert ids(index, "needle") == []


def test_only_a_newer_version_replaces_an_entry(index):
    first = entry("Alpha")
    assert index.apply([first]) == 1
    second = again(first, title="Beta", version=2)
    assert index.apply([second]) == 1
    assert index.apply([first]) == 0  # a replay of the older write
    assert index.apply([second]) == 0  # and of the same one
    assert ids(index, "alpha") == []
    assert ids(index, "beta") == [first.meeting_id]
    stored = index.stored([first.meeting_id, uuid.uuid4()])
    assert list(stored) == [first.meeting_id]
    assert (stored[first.meeting_id].version, stored[first.meeting_id].deleted) == (
        2,
        False,
    )


def test_a_deletion_removes_the_entry_and_a_late_replay_cannot_bring_it_back(index):
    meeting = entry("Retro")
    index.apply([meeting])
    gone = Entry.deletion(meeting.meeting_id, "1", 2, T0 + timedelta(hours=1))
    assert index.apply([gone]) == 1
    assert ids(index, "retro") == []
    assert index.apply([meeting]) == 0
    assert ids(index, "retro") == []
    assert index.stored([meeting.meeting_id])[meeting.meeting_id].deleted


def test_a_deletion_of_an_older_version_or_before_a_re_creation_changes_nothing(
    index,
):
    meeting = entry("Retro", version=3)
    index.apply([meeting])
    assert index.apply([Entry.deletion(meeting.meeting_id, "1", 3, T0)]) == 0
    # The same id created again after a deletion starts again at version 1.
    recreated = again(meeting, version=1, created_at=T0 + timedelta(days=1))
    assert index.apply([recreated]) == 1
    old_tombstone = Entry.deletion(meeting.meeting_id, "1", 4, T0 + timedelta(hours=1))
    assert index.apply([old_tombstone]) == 0
    assert ids(index, "retro") == [meeting.meeting_id]


def test_a_meeting_created_again_after_its_deletion_is_indexed_again(index):
    meeting = entry("Retro", version=4)
    index.apply([meeting, Entry.deletion(meeting.meeting_id, "1", 5, T0)])
    recreated = again(meeting, version=1, created_at=T0 + timedelta(seconds=1))
    assert index.apply([recreated]) == 1
    assert ids(index, "retro") == [meeting.meeting_id]


def test_a_deletion_with_no_entry_leaves_a_tombstone_that_refuses_the_older_write(
    index,
):
    meeting = entry("Retro")
    index.apply([Entry.deletion(meeting.meeting_id, "1", 2, T0 + timedelta(hours=1))])
    assert index.apply([meeting]) == 0
    assert ids(index, "retro") == []


def test_hits_come_newest_first_and_page_by_position_without_gaps(index):
    created = [entry(f"Sync {n}", minutes=n) for n in range(7)]
    # Two created at the same moment are ordered by id, as the listing.
    twins = [entry("Sync twin", minutes=3) for _ in range(2)]
    index.apply([*created, *twins, entry("Other", minutes=9)])
    expected = sorted(
        created + twins, key=lambda e: (e.created_at, str(e.meeting_id)), reverse=True
    )
    seen, position = [], None
    while True:
        hits = index.search(Search("sync", limit=3, position=position))
        seen.extend(hit.meeting_id for hit in hits)
        if len(hits) < 3:
            break
        position = hits[-1].position
    assert seen == [e.meeting_id for e in expected]


def test_a_search_keeps_to_an_owner_and_a_status(index):
    mine = entry("Sync", owner="1")
    theirs = entry("Sync", owner="2")
    processing = entry("Sync", owner="1", status=str(Status.PROCESSING))
    index.apply([mine, theirs, processing])
    assert set(ids(index, "sync", owner_id="1")) == {
        mine.meeting_id,
        processing.meeting_id,
    }
    assert ids(index, "sync", status=Status.PROCESSING) == [processing.meeting_id]
    assert ids(index, "sync", owner_id="2", status=Status.PROCESSING) == []


def test_relevance_puts_the_closest_titles_first_and_pages_on(index):
    long = entry("A needle, and a haystack of other words about the quarter", minutes=2)
    close = entry("Needle", minutes=0)
    middle = entry("Needle review notes", minutes=1)
    index.apply([long, close, middle, entry("Haystack")])
    first = index.search(Search("needle", sort=Sort.RELEVANCE, limit=2))
    assert first[0].meeting_id == close.meeting_id
    rest = index.search(
        Search("needle", sort=Sort.RELEVANCE, limit=2, position=first[-1].position)
    )
    assert {hit.meeting_id for hit in first + rest} == {
        long.meeting_id,
        close.meeting_id,
        middle.meeting_id,
    }
    assert len(rest) == 1


def test_status_counts_count_the_matches_by_status(index):
    index.apply(
        [
            entry("Sync a", owner="1"),
            entry("Sync b", owner="1", status=str(Status.COMPLETED)),
            entry("Sync c", owner="2"),
            entry("Planning", owner="1"),
        ]
    )
    everyone = index.status_counts("sync", None)
    assert (everyone[Status.SCHEDULED], everyone[Status.COMPLETED]) == (2, 1)
    assert sum(index.status_counts("sync", "1").values()) == 2


def test_purge_forgets_old_deletions_only(index):
    old, recent, live = entry("A"), entry("B"), entry("C")
    index.apply(
        [
            Entry.deletion(old.meeting_id, "1", 2, T0),
            Entry.deletion(recent.meeting_id, "1", 2, T0 + timedelta(days=2)),
            live,
        ]
    )
    assert index.purge(T0 + timedelta(days=1)) == 1
    assert set(index.stored([old.meeting_id, recent.meeting_id, live.meeting_id])) == {
        recent.meeting_id,
        live.meeting_id,
    }


def test_clear_forgets_every_entry_and_analyze_keeps_them(index):
    kept = entry("Sync")
    index.apply([kept])
    index.analyze()
    assert ids(index, "sync") == [kept.meeting_id]
    index.clear()
    assert ids(index, "sync") == []
