"""Keeping the search index in step: write-through, the reconciler, its lease, rebuilds.

On the in-memory store (whose change index the reconciler reads as DynamoDB's)
and the test database's index.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from prometheus_client import REGISTRY

from meetings import indexing, services
from meetings.domain import Viewer
from meetings.search import get_index
from meetings.search.lease import Lease
from tests.unit.test_search_answer import write_through_dropped

pytestmark = [pytest.mark.django_db, pytest.mark.orm]

ALICE = Viewer("1")


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(memory_store):
    return memory_store


def create(title="Sync"):
    return services.create_meeting(ALICE.user_id, {"title": title})


def found(text: str) -> list[str]:
    page = services.list_meetings(ALICE, title_contains=text)
    return [meeting.title for meeting in page.meetings]


def stored(meeting):
    return get_index().stored([meeting.id]).get(meeting.id)


def reconciler(holder: str, clock: Clock, ttl: float = 30) -> indexing.Reconciler:
    lease = Lease("reconcile", holder, ttl=ttl, clock=clock)
    return indexing.Reconciler(lease, clock=clock)


def test_every_committed_write_is_written_through(store):
    meeting = create("Draft")
    assert (stored(meeting).version, stored(meeting).deleted) == (1, False)
    services.update_meeting(ALICE, meeting.id, {"title": "Final"})
    assert stored(meeting).version == 2
    assert found("final") == ["Final"]
    services.delete_meeting(ALICE, meeting.id)
    assert (stored(meeting).version, stored(meeting).deleted) == (3, True)
    assert found("final") == []


def test_the_write_through_lag_is_measured(store):
    def observed() -> float:
        return REGISTRY.get_sample_value(
            "meetstream_search_index_lag_seconds_count", {"path": "write_through"}
        )

    before = observed() or 0
    create()
    assert observed() == before + 1


def test_the_reconciler_repairs_a_write_whose_write_through_was_dropped(store):
    clock = Clock()
    worker = reconciler("a", clock)
    meeting = create("Needle")
    worker.run_once()  # where the window starts
    with write_through_dropped():
        services.update_meeting(ALICE, meeting.id, {"title": "Haystack"})
        added = create("Haystack two")
        gone = create("Gone")
    with write_through_dropped():
        services.delete_meeting(ALICE, gone.id)
    assert found("haystack") == []  # stale: the index still has "Needle"
    clock.advance(5)
    done = worker.run_once()
    assert done.repaired == 3
    assert found("haystack") == ["Haystack two", "Haystack"]
    assert stored(added).version == 1 and stored(gone).deleted
    assert REGISTRY.get_sample_value(
        "meetstream_search_reconciled_timestamp_seconds"
    ) == pytest.approx(clock.now.timestamp())


def test_a_pass_with_nothing_lost_repairs_nothing(store):
    clock = Clock()
    worker = reconciler("a", clock)
    worker.run_once()
    create("One")
    services.update_meeting(ALICE, create("Two").id, {"title": "Two v2"})
    clock.advance(5)
    assert worker.run_once().repaired == 0


def test_only_the_lease_holder_applies_a_window(store):
    clock = Clock()
    first, second = reconciler("a", clock), reconciler("b", clock)
    assert first.run_once() is not None
    with write_through_dropped():
        lost = create("Needle")
    clock.advance(5)
    assert second.run_once() is None  # a holds the lease: b applies nothing
    assert stored(lost) is None
    assert first.run_once().repaired == 1
    # a stops (or dies): once its lease expires, b takes over where it was.
    with write_through_dropped():
        services.update_meeting(ALICE, lost.id, {"title": "Needle v2"})
    clock.advance(31)
    taken = second.run_once()
    assert taken.repaired == 1
    assert taken.since == clock.now - timedelta(seconds=31 + 10)
    assert first.run_once() is None


def test_a_holder_that_lost_its_lease_cannot_move_the_window_on(store):
    clock = Clock()
    first, second = reconciler("a", clock), reconciler("b", clock)
    first.run_once()
    first.lease.take()
    clock.advance(31)
    assert second.lease.take() is not None  # a's lease expired; b took it
    assert not first.lease.save({"watermark": clock.now.isoformat()})


def test_a_rebuild_stopped_after_some_pages_resumes_where_it_was(store):
    with write_through_dropped():
        made = [create(f"Sync {n}") for n in range(25)]
    assert found("sync") == []
    progress = indexing.rebuild(page_size=10, max_pages=1)
    assert (progress["done"], progress["entries"]) == (False, 10)
    assert len(get_index().stored(m.id for m in made)) == 10
    progress = indexing.rebuild(page_size=10)
    assert (progress["done"], progress["pages"], progress["entries"]) == (True, 3, 25)
    assert len(get_index().stored(m.id for m in made)) == 25
    assert len(found("sync")) == 20


def test_a_rebuild_keeps_what_was_written_meanwhile(store):
    meeting = create("Old title")
    with write_through_dropped():
        services.update_meeting(ALICE, meeting.id, {"title": "Scanned"})
    progress = indexing.rebuild(page_size=10)
    assert progress["applied"] == 1
    assert indexing.rebuild(page_size=10)["applied"] == 0  # nothing newer


def test_restart_starts_a_rebuild_over_and_one_rebuild_runs_at_a_time(store):
    for n in range(5):
        create(f"Sync {n}")
    indexing.rebuild(page_size=2, max_pages=1)
    progress = indexing.rebuild(page_size=2, max_pages=1, restart=True)
    assert (progress["pages"], progress["entries"]) == (1, 2)
    busy = Lease("rebuild", "elsewhere", ttl=60)
    assert busy.take() is not None
    with pytest.raises(indexing.RebuildError):
        indexing.rebuild()


def test_clear_empties_the_index_before_a_fresh_rebuild(store):
    meeting = create("Sync")
    with write_through_dropped():
        services.delete_meeting(ALICE, meeting.id)
    indexing.rebuild(clear=True)
    assert stored(meeting) is None


def test_the_commands_rebuild_with_a_progress_bar_and_reconcile(store):
    for n in range(3):
        create(f"Sync {n}")
    out = io.StringIO()
    call_command("rebuild_search_index", "--page-size", "2", "--pages", "1", stdout=out)
    assert "2/3 meetings, 1 pages" in out.getvalue()
    assert "Paused" in out.getvalue()
    out = io.StringIO()
    call_command("rebuild_search_index", "--page-size", "2", stdout=out)
    assert "[" + "#" * 30 + "]" in out.getvalue()
    assert "Rebuilt the search index: 3 meetings" in out.getvalue()
    out = io.StringIO()
    call_command("reconcile_search_index", "--once", stdout=out)
    assert "entries repaired" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_server_runs_the_reconciler_in_a_thread_until_stopped(store, settings):
    import time

    from meetings.models import SearchLease

    settings.MEETINGS_SEARCH_RECONCILE_INTERVAL = 0
    assert indexing.start_reconciler().thread is None  # off
    running = indexing.start_reconciler(0.05)
    try:
        deadline = time.monotonic() + 10
        while not SearchLease.objects.filter(name="reconcile").exists():
            assert time.monotonic() < deadline, "no pass ran"
            time.sleep(0.05)
    finally:
        running.stop()
    assert not running.thread.is_alive()
