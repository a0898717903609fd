"""Answering searches from the search index (meetings/indexing/answer.py).

On the in-memory store and the test database's index: the index only proposes
ids, and what DynamoDB holds now decides, so a stale entry can make a result
late but never wrong.
"""

import contextlib
import uuid
from dataclasses import replace

import pytest
from django.db import connection

from meetings import indexing, services
from meetings.domain import Access, InvalidCursor, Status, Viewer
from meetings.search import Entry, get_index
from meetings.signals import meeting_written
from meetings.store import get_repository

pytestmark = [pytest.mark.django_db, pytest.mark.orm]

ALICE = Viewer("1")
BOB = Viewer("2")
STAFF = Viewer("9", reach=frozenset(Access))
WRITE_THROUGH = "meetings.indexing.write_through"


@contextlib.contextmanager
def write_through_dropped():
    """Lose the index's write-through of the writes made inside, as a process
    that died between DynamoDB and the database would."""
    from meetings.indexing import write_through

    meeting_written.disconnect(dispatch_uid=WRITE_THROUGH)
    try:
        yield
    finally:
        meeting_written.connect(write_through, dispatch_uid=WRITE_THROUGH)


@pytest.fixture
def store(memory_store):
    return get_repository()


def create(owner=ALICE, title="Sync", **fields):
    return services.create_meeting(owner.user_id, {"title": title, **fields})


def titles(page) -> list[str]:
    return [meeting.title for meeting in page.meetings]


def search(viewer=ALICE, text="sync", **asked):
    return services.list_meetings(viewer, title_contains=text, **asked)


def test_a_search_is_answered_by_the_index_newest_first(store):
    for n in range(3):
        create(title=f"Sync {n}")
    create(title="Planning")
    assert indexing.search_index_name() == connection.vendor
    assert titles(search()) == ["Sync 2", "Sync 1", "Sync 0"]


def test_a_stale_entry_never_shows_a_meeting_whose_title_no_longer_matches(store):
    renamed = create(title="Needle review")
    kept = create(title="Needle kept")
    with write_through_dropped():
        services.update_meeting(ALICE, renamed.id, {"title": "Haystack"})
    # The index still says "Needle review" at version 1.
    assert get_index().stored([renamed.id])[renamed.id].version == 1
    assert [m.id for m in search(text="needle").meetings] == [kept.id]


def test_a_stale_entry_never_shows_a_deleted_meeting(store):
    gone = create(title="Needle")
    with write_through_dropped():
        services.delete_meeting(ALICE, gone.id)
    assert search(text="needle").meetings == []


def test_a_stale_entry_never_shows_a_meeting_the_viewer_may_not_see(store):
    moved = create(title="Needle")
    with write_through_dropped():
        services.update_meeting(STAFF, moved.id, {"owner_id": BOB.user_id})
    # The index still files it under Alice: she no longer sees it, all the same.
    assert search(ALICE, "needle").meetings == []
    # Nor does an entry that names the wrong owner, at whatever version.
    theirs = Entry.of(create(BOB, "Needle of Bob"))
    get_index().apply([replace(theirs, owner_id=ALICE.user_id, version=99)])
    assert search(ALICE, "needle").meetings == []


def test_a_stale_status_is_checked_against_the_meeting(store):
    meeting = create(title="Needle")
    with write_through_dropped():
        services.update_meeting(ALICE, meeting.id, {"status": Status.IN_PROGRESS})
    assert search(text="needle", status=Status.SCHEDULED).meetings == []
    assert search(text="needle", status=Status.IN_PROGRESS).meetings == []
    assert [m.id for m in search(text="needle").meetings] == [meeting.id]


def test_others_see_only_their_own_and_staff_see_everyones(store):
    create(ALICE, "Sync of Alice")
    create(BOB, "Sync of Bob")
    assert titles(search(ALICE)) == ["Sync of Alice"]
    assert titles(search(BOB)) == ["Sync of Bob"]
    assert titles(search(STAFF)) == ["Sync of Bob", "Sync of Alice"]
    assert titles(search(STAFF, owner_id=BOB.user_id)) == ["Sync of Bob"]
    # A non-staff owner filter is their own, whatever they ask.
    assert titles(search(ALICE, owner_id=BOB.user_id)) == ["Sync of Alice"]


def test_search_pages_follow_the_cursor_without_gaps(store):
    made = [create(title=f"Sync {n}") for n in range(7)]
    seen, cursor = [], None
    while True:
        page = search(limit=3, cursor=cursor)
        seen.extend(page.meetings)
        cursor = page.next_cursor
        if not cursor:
            break
    assert [m.id for m in seen] == [m.id for m in reversed(made)]


def test_a_page_with_stale_hits_reads_on_to_fill_up(store):
    fresh = [create(title=f"Needle {n}") for n in range(3)]
    stale = [create(title=f"Needle stale {n}") for n in range(2)]
    with write_through_dropped():
        for meeting in stale:
            services.update_meeting(ALICE, meeting.id, {"title": "Haystack"})
    page = search(text="needle", limit=3)
    assert [m.id for m in page.meetings] == [m.id for m in reversed(fresh)]


def test_a_cursor_of_one_order_or_of_the_listing_is_refused_by_another(store):
    for n in range(3):
        create(title=f"Sync {n}")
    newest = search(limit=1)
    with pytest.raises(InvalidCursor):
        search(limit=1, cursor=newest.next_cursor, sort="relevance")
    listing = services.list_meetings(ALICE, limit=1)
    with pytest.raises(InvalidCursor):
        search(limit=1, cursor=listing.next_cursor)


def test_relevance_puts_the_closest_title_first(store):
    create(title="Notes from the needle workshop with the whole team")
    exact = create(title="Needle")
    create(title="Needle planning")
    assert search(text="needle", sort="relevance").meetings[0].id == exact.id


def test_without_an_index_the_listing_is_filtered_as_before(store, settings):
    settings.MEETINGS_SEARCH_INDEX = "none"
    create(title="Sync")
    assert indexing.search_index_name() == "none"
    assert titles(search()) == ["Sync"]
    assert indexing.search_status_counts(STAFF, "sync") is None


def test_status_counts_of_a_search_come_from_the_index_within_reach(store):
    create(ALICE, "Sync a")
    create(ALICE, "Sync b", status=Status.IN_PROGRESS)
    create(BOB, "Sync c")
    counts = indexing.search_status_counts(STAFF, "sync")
    assert (counts[Status.SCHEDULED], counts[Status.IN_PROGRESS]) == (2, 1)
    assert sum(indexing.search_status_counts(ALICE, "sync").values()) == 2
    assert sum(indexing.search_status_counts(ALICE, "sync", BOB.user_id).values()) == 2


def test_an_unknown_meeting_id_in_the_index_is_dropped(store):
    ghost = Entry.of(create(title="Needle"))
    get_index().apply([replace(ghost, meeting_id=uuid.uuid4())])
    assert len(search(text="needle").meetings) == 1
