"""The store's contract (meetings.domain.Repository), on every backend.

Each test runs on the in-memory backend, on moto and on DynamoDB Local, so the
in-memory backend's claim to keep the DynamoDB backend's contract is tested.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest

from meetings.domain import (
    DuplicateMeeting,
    InvalidCursor,
    ListQuery,
    Meeting,
    MeetingNotFound,
    Status,
    StoreUnavailable,
    VersionConflict,
    utcnow,
)
from meetings.store import get_repository

pytestmark = pytest.mark.django_db
BACKENDS = {
    "memory": "memory_store",
    "moto": "moto_table",
    "dynamodb_local": "local_table",
}


@pytest.fixture(params=list(BACKENDS))
def repository(request):
    """The configured repository, on each backend in turn."""
    request.getfixturevalue(BACKENDS[request.param])
    return get_repository()


@pytest.fixture(params=["memory", "dynamodb_local"])
def atomic_repository(request):
    """The repository on the backends whose conditional writes are atomic.

    moto's are not, so a race on it can let both writers win.
    """
    request.getfixturevalue(BACKENDS[request.param])
    return get_repository()


@pytest.fixture(params=["memory", "dynamodb_local"])
def indexed_repository(request):
    """The repository on the backends that answer the change index's query.

    It is one PartiQL SELECT over the index's shards, which moto's PartiQL
    cannot run on an index.
    """
    request.getfixturevalue(BACKENDS[request.param])
    return get_repository()


def new_meeting(owner="1", title="Sync", **fields) -> Meeting:
    return Meeting(owner_id=owner, title=title, **fields)


def test_a_meeting_round_trips_with_every_field(repository):
    from datetime import UTC, datetime

    meeting = new_meeting(
        description="Agenda\n- one",
        scheduled_start=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
        duration_minutes=45,
        participants=["a@example.com", "b@example.com"],
    )
    repository.add(meeting)
    assert repository.get(meeting.id) == meeting


def test_get_of_a_missing_meeting_raises_not_found(repository):
    with pytest.raises(MeetingNotFound):
        repository.get(uuid.uuid4())


def test_add_is_idempotent_for_the_same_fingerprint(repository):
    meeting = new_meeting()
    repository.add(meeting, fingerprint="f1")
    again = repository.add(new_meeting(id=meeting.id, title="Sync"), fingerprint="f1")
    assert again == meeting
    with pytest.raises(DuplicateMeeting):
        repository.add(new_meeting(id=meeting.id), fingerprint="other")


def test_update_bumps_the_version_and_refuses_a_stale_one(repository):
    meeting = repository.add(new_meeting())
    meeting.title = "Renamed"
    saved = repository.update(meeting)
    assert (saved.version, saved.title) == (2, "Renamed")
    assert saved.updated_at >= meeting.created_at
    meeting.title = "Stale write"
    with pytest.raises(VersionConflict) as conflict:
        repository.update(meeting)  # still at version 1
    # The current meeting comes back with the failure, without another read.
    assert conflict.value.current.title == "Renamed"
    assert repository.get(meeting.id).title == "Renamed"


def test_update_of_a_deleted_meeting_is_not_found(repository):
    meeting = repository.add(new_meeting())
    repository.remove(meeting)
    with pytest.raises(MeetingNotFound):
        repository.update(meeting)


def test_remove_refuses_a_stale_version(repository):
    meeting = repository.add(new_meeting())
    meeting.title = "v2"
    repository.update(meeting)
    with pytest.raises(VersionConflict):
        repository.remove(meeting)
    assert repository.get(meeting.id).title == "v2"


def test_of_two_racing_updates_at_one_version_exactly_one_wins(atomic_repository):
    repository = atomic_repository
    meeting = repository.add(new_meeting())
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def write(title: str) -> None:
        mine = repository.get(meeting.id)
        mine.title = title
        barrier.wait()
        try:
            repository.update(mine)
            outcomes.append(title)
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(t,)) for t in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1 and outcomes.count("conflict") == 1
    stored = repository.get(meeting.id)
    assert (stored.title, stored.version) == (winners[0], 2)


def test_get_many_reads_more_than_a_hundred_meetings(repository):
    meetings = [repository.add(new_meeting(title=f"m{n}")) for n in range(130)]
    ids = [m.id for m in meetings] + [meetings[0].id, uuid.uuid4()]  # dup, missing
    found = repository.get_many(ids)
    assert set(found) == {m.id for m in meetings}
    assert found[meetings[42].id].title == "m42"


def test_owner_listing_pages_newest_first_without_gaps(repository):
    created = [repository.add(new_meeting(title=f"m{n}")) for n in range(7)]
    repository.add(new_meeting(owner="2"))
    seen, cursor = [], None
    while True:
        page = repository.list(
            ListQuery(requester_id="1", owner_id="1", limit=3, cursor=cursor)
        )
        seen.extend(page.meetings)
        cursor = page.next_cursor
        if not cursor:
            break
    assert [m.id for m in seen] == [m.id for m in reversed(created)]


def test_listing_filters_by_status_and_title(repository):
    first = repository.add(new_meeting(title="Weekly SYNC"))
    repository.add(new_meeting(title="Planning"))
    processing = repository.add(new_meeting(title="Retro sync"))
    processing.status = Status.PROCESSING
    repository.update(processing)
    by_title = repository.list(
        ListQuery(requester_id="1", owner_id="1", title_contains="sync")
    )
    assert {m.id for m in by_title.meetings} == {first.id, processing.id}
    by_status = repository.list(ListQuery("s", status=Status.PROCESSING))
    assert [m.id for m in by_status.meetings] == [processing.id]
    scheduled = repository.list(ListQuery("s", status=Status.SCHEDULED))
    assert processing.id not in {m.id for m in scheduled.meetings}
    assert len(scheduled.meetings) == 2


def test_the_status_index_forgets_a_meeting_that_leaves_an_indexed_status(repository):
    meeting = repository.add(new_meeting(status=Status.PROCESSING))
    meeting.status = Status.COMPLETED
    repository.update(meeting)
    assert repository.list(ListQuery("s", status=Status.PROCESSING)).meetings == []


def test_staff_timeline_pages_across_everyone(repository):
    created = [repository.add(new_meeting(owner=str(n % 3))) for n in range(5)]
    first = repository.list(ListQuery("s", limit=3))
    second = repository.list(ListQuery("s", limit=3, cursor=first.next_cursor))
    ids = [m.id for m in first.meetings + second.meetings]
    assert ids == [m.id for m in reversed(created)]


@pytest.mark.parametrize("tamper", ["flip", "other-scope", "garbage"])
def test_a_tampered_or_foreign_cursor_is_refused(repository, tamper):
    for n in range(3):
        repository.add(new_meeting(title=f"m{n}"))
    page = repository.list(ListQuery("1", owner_id="1", limit=1))
    cursor = {
        "flip": page.next_cursor[:-2]
        + ("A" if page.next_cursor[-2] != "A" else "B")
        + page.next_cursor[-1],
        "other-scope": page.next_cursor,
        "garbage": "not-a-cursor",
    }[tamper]
    requester = "2" if tamper == "other-scope" else "1"
    with pytest.raises(InvalidCursor):
        repository.list(ListQuery(requester, owner_id="1", limit=1, cursor=cursor))


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"limit": 2},
        {"owner_id": None},
        {"status": Status.SCHEDULED},
        {"title_contains": "m"},
    ],
)
def test_a_cursor_is_refused_by_a_listing_with_other_filters(repository, elsewhere):
    for n in range(3):
        repository.add(new_meeting(title=f"m{n}"))
    asked = {"owner_id": "1", "limit": 1}
    page = repository.list(ListQuery("1", **asked))
    with pytest.raises(InvalidCursor):
        repository.list(
            ListQuery("1", **{**asked, **elsewhere}, cursor=page.next_cursor)
        )


def test_ensure_schema_is_idempotent(repository):
    assert repository.ensure_schema() == []
    repository.ping()


def test_status_counts_follow_creates_transitions_and_deletes(repository):
    meetings = [repository.add(new_meeting(title=f"m{n}")) for n in range(3)]
    moved = meetings[0]
    moved.status = Status.IN_PROGRESS
    moved = repository.update(moved)
    moved.title = "renamed, same status"
    repository.update(moved)
    repository.remove(meetings[1])
    counts = repository.status_counts()
    assert counts[Status.SCHEDULED] == 1
    assert counts[Status.IN_PROGRESS] == 1
    assert sum(counts.values()) == 2
    assert repository.recount_statuses() == counts


def test_a_conflicting_transition_changes_no_count(repository):
    meeting = repository.add(new_meeting())
    stale = repository.get(meeting.id)
    meeting.title = "v2"
    repository.update(meeting)
    stale.status = Status.IN_PROGRESS
    with pytest.raises(VersionConflict) as conflict:
        repository.update(stale)
    assert conflict.value.current.title == "v2"
    assert repository.status_counts()[Status.SCHEDULED] == 1
    assert repository.status_counts()[Status.IN_PROGRESS] == 0


def test_a_missing_table_is_an_unavailable_store(repository, settings):
    settings.DYNAMODB_TABLE = "no-such-table"
    missing = get_repository()
    with pytest.raises(StoreUnavailable):
        missing.ping()
    with pytest.raises(StoreUnavailable):
        missing.get(uuid.uuid4())


def test_listing_by_owner_keeps_to_that_owner_across_pages(repository):
    mine = [repository.add(new_meeting(title=f"m{n}")) for n in range(4)]
    repository.add(new_meeting(owner="2", title="theirs"))
    first = repository.list(ListQuery("s", owner_id="1", limit=2))
    second = repository.list(
        ListQuery("s", owner_id="1", limit=2, cursor=first.next_cursor)
    )
    listed = [m.id for m in first.meetings + second.meetings]
    assert listed == [m.id for m in reversed(mine)]


@pytest.mark.parametrize(
    "backend", ["meetings.store.memory", "meetings.store.dynamodb"]
)
def test_every_backend_implements_the_whole_contract(backend):
    from importlib import import_module

    from meetings.domain import Repository

    contract = {
        name
        for name, value in vars(Repository).items()
        if callable(value) and not name.startswith("_")
    }
    implementation = type(import_module(backend).repository("meetings"))
    assert contract <= set(dir(implementation))


# The change index (the live stream's poller reads it)


def changes_by_id(repository, since) -> dict:
    return {change.meeting_id: change for change in repository.changed_since(since)}


def test_changed_since_returns_each_written_meeting_once_at_its_last_version(
    indexed_repository,
):
    before = utcnow()
    meeting = indexed_repository.add(new_meeting())
    meeting.title = "v2"
    indexed_repository.update(meeting)
    other = indexed_repository.add(new_meeting(owner="2"))
    changes = changes_by_id(indexed_repository, before)
    assert set(changes) == {meeting.id, other.id}
    change = changes[meeting.id]
    assert (change.version, change.owner_id, change.deleted) == (2, "1", False)
    assert change.changed_at >= before - timedelta(seconds=1)
    assert changes[other.id].owner_id == "2"


def test_idle_meetings_cost_no_items(indexed_repository):
    idle = [indexed_repository.add(new_meeting(title=f"m{n}")) for n in range(20)]
    time.sleep(0.05)
    cursor = utcnow()
    busy = idle.pop()
    busy.status = Status.IN_PROGRESS
    indexed_repository.update(busy)
    assert [c.meeting_id for c in indexed_repository.changed_since(cursor)] == [busy.id]


def test_a_change_just_before_the_cursor_is_returned_when_the_overlap_covers_it(
    indexed_repository,
):
    meeting = indexed_repository.add(new_meeting())
    meeting.title = "written just before the tick"
    indexed_repository.update(meeting)
    tick = utcnow()  # the poller's cursor: it began right after the write
    assert meeting.id in changes_by_id(indexed_repository, tick - timedelta(seconds=2))
    # Without the overlap the cursor passes it by: that is what the overlap is for.
    time.sleep(0.05)
    assert meeting.id not in changes_by_id(indexed_repository, utcnow())


def test_a_deletion_is_a_change_past_the_last_version(indexed_repository):
    meeting = indexed_repository.add(new_meeting())
    before = utcnow() - timedelta(seconds=1)
    indexed_repository.remove(meeting)
    change = changes_by_id(indexed_repository, before)[meeting.id]
    assert (change.deleted, change.version, change.owner_id) == (True, 2, "1")
    # The tombstone is no meeting: reads, listings and counts do not see it.
    assert indexed_repository.get_many([meeting.id]) == {}
    assert indexed_repository.list(ListQuery("1", owner_id="1")).meetings == []
    assert sum(indexed_repository.recount_statuses().values()) == 0


def test_a_new_owner_shows_in_the_change(indexed_repository):
    meeting = indexed_repository.add(new_meeting())
    before = utcnow() - timedelta(seconds=1)
    meeting.apply({"owner_id": "2"})
    indexed_repository.update(meeting)
    assert changes_by_id(indexed_repository, before)[meeting.id].owner_id == "2"


# The status timeline: each meeting keeps when it entered each status


def walked(repository, *statuses: str) -> Meeting:
    """Add a meeting and move it through statuses, one stored update each."""
    meeting = repository.add(new_meeting())
    for status in statuses:
        meeting.apply({"status": status})
        meeting = repository.update(meeting)
    return meeting


def test_the_status_history_round_trips(repository):
    meeting = walked(repository, "in_progress", "uploaded")
    stored = repository.get(meeting.id)
    assert [change.status for change in stored.status_history] == [
        Status.SCHEDULED,
        Status.IN_PROGRESS,
        Status.UPLOADED,
    ]
    assert stored.status_history == meeting.status_history
    assert stored.status_history[0].at == meeting.created_at
    assert stored.status_changed_at == stored.status_history[-1].at
    assert stored.status_changed_at.tzinfo is not None
    # A write that keeps the status keeps the history as it was.
    stored.title = "Renamed"
    assert repository.update(stored).status_history == meeting.status_history
    assert repository.get_many([meeting.id])[meeting.id] == repository.get(meeting.id)


def test_a_conflicting_transition_writes_no_history_entry(repository):
    meeting = repository.add(new_meeting())
    stale = repository.get(meeting.id)
    meeting.apply({"status": "in_progress"})
    winner = repository.update(meeting)
    stale.apply({"status": "in_progress"})
    with pytest.raises(VersionConflict) as conflict:
        repository.update(stale)
    assert conflict.value.current.status_history == winner.status_history
    assert repository.get(meeting.id).status_history == winner.status_history


def test_of_two_racing_transitions_only_the_winner_is_in_the_history(
    atomic_repository,
):
    repository = atomic_repository
    meeting = walked(repository, "in_progress", "uploaded", "processing")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def write(status: str) -> None:
        mine = repository.get(meeting.id)
        mine.apply({"status": status})
        barrier.wait()
        try:
            repository.update(mine)
            outcomes.append(status)
        except VersionConflict:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=write, args=(s,)) for s in ("completed", "failed")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome != "conflict"]
    stored = repository.get(meeting.id)
    assert len(winners) == 1
    assert [change.status for change in stored.status_history] == [
        *[change.status for change in meeting.status_history],
        Status(winners[0]),
    ]


def store_without_history(repository, meeting: Meeting, settings) -> None:
    """Store meeting as a release from before the history would have."""
    from dataclasses import replace

    from boto3.dynamodb.types import TypeSerializer

    from meetings.store.dynamodb.items import to_item
    from meetings.store.memory import MemoryRepository
    from tests.conftest import raw_client

    if isinstance(repository, MemoryRepository):
        repository.add(replace(meeting, status_history=[]))
        return
    item = to_item(meeting, utcnow())
    del item["status_history"]
    serializer = TypeSerializer()
    raw_client(settings).put_item(
        TableName=settings.DYNAMODB_TABLE,
        Item={
            name: serializer.serialize(value)
            for name, value in item.items()
            if value is not None
        },
    )


def test_a_meeting_stored_without_history_reads_as_empty(repository, settings):
    meeting = new_meeting(status=Status.UPLOADED)
    store_without_history(repository, meeting, settings)
    old = repository.get(meeting.id)
    assert (old.status, old.status_history, old.status_changed_at) == (
        Status.UPLOADED,
        [],
        None,
    )
    assert repository.get_many([meeting.id])[meeting.id].status_history == []
    assert (
        repository.list(ListQuery("1", owner_id="1")).meetings[0].status_history == []
    )
    # Its next transition starts the history.
    old.apply({"status": "processing"})
    moved = repository.update(old)
    stored = repository.get(meeting.id)
    assert [change.status for change in stored.status_history] == [Status.PROCESSING]
    assert stored.status_changed_at == moved.status_changed_at


# Scanning every meeting (the search index's rebuild)


def test_scan_pages_through_every_meeting_once_and_nothing_else(repository):
    import json

    kept = [
        repository.add(new_meeting(title=f"m{n}", owner=str(n % 3))) for n in range(12)
    ]
    gone = repository.add(new_meeting(title="deleted"))
    repository.remove(gone)  # its tombstone is no meeting
    seen, position, pages = [], None, 0
    while True:
        page = repository.scan(position, 5)
        seen.extend(page.meetings)
        pages += 1
        # Plain data: a rebuild stores it, to resume in another process.
        position = json.loads(json.dumps(page.position))
        if position is None:
            break
    assert sorted(m.id for m in seen) == sorted(m.id for m in kept)
    assert pages >= 3
    assert {m.id: m for m in seen}[kept[4].id] == kept[4]
