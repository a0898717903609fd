"""The read planner: changes in, reads and deletions out, with no event loop."""

import dataclasses
import uuid

from events.planner import MISSING_POLLS_FOR_DELETED, ReadPlanner
from meetings.domain import Change, Meeting, utcnow

NOW = utcnow()
FULL_READ = 300.0


def meeting(version: int = 1) -> Meeting:
    return Meeting(owner_id="1", title="Sync", version=version)


def change(meeting_id: uuid.UUID, version: int, deleted: bool = False) -> Change:
    return Change(meeting_id, version, "1", deleted, NOW)


def settled(planner: ReadPlanner, meetings: list[Meeting], now: float = 0.0):
    """Return a planner that has read meetings once, as the first tick does."""
    watched = {m.id for m in meetings}
    for m in meetings:
        planner.watch(m.id)
    to_read, deleted = planner.to_read(None, watched, now)
    planner.settle(to_read, {m.id: m for m in meetings}, deleted, watched, now)
    return watched


def test_without_changes_every_watched_meeting_is_read():
    planner = ReadPlanner(FULL_READ)
    watched = {uuid.uuid4(), uuid.uuid4()}
    to_read, deleted = planner.to_read(None, watched, 0.0)
    assert set(to_read) == watched
    assert deleted == set()


def test_only_watched_meetings_at_a_new_version_are_read():
    planner = ReadPlanner(FULL_READ)
    same, newer = meeting(), meeting()
    watched = settled(planner, [same, newer])
    changes = [change(same.id, 1), change(newer.id, 2), change(uuid.uuid4(), 5)]
    to_read, deleted = planner.to_read(changes, watched, 1.0)
    assert to_read == [newer.id]  # the overlap's repeat costs no read
    assert deleted == set()


def test_a_tombstone_is_read_and_named_deleted():
    planner = ReadPlanner(FULL_READ)
    gone = meeting()
    watched = settled(planner, [gone])
    to_read, deleted = planner.to_read([change(gone.id, 2, True)], watched, 1.0)
    assert (to_read, deleted) == ([gone.id], {gone.id})


def test_a_newly_watched_meeting_is_read_once_whatever_the_index_says():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    planner.watch(m.id)
    to_read, deleted = planner.to_read([], {m.id}, 0.0)
    assert to_read == [m.id]
    planner.settle(to_read, {m.id: m}, deleted, {m.id}, 0.0)
    assert planner.to_read([], {m.id}, 1.0) == ([], set())


def test_every_watched_meeting_is_read_again_after_the_full_read_interval():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    watched = settled(planner, [m], now=100.0)
    assert planner.to_read([], watched, 100.0 + FULL_READ - 1) == ([], set())
    assert planner.to_read([], watched, 100.0 + FULL_READ) == ([m.id], set())


def test_only_a_newer_version_is_told():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    planner.watch(m.id)
    newer, gone = planner.settle([m.id], {m.id: m}, set(), {m.id}, 0.0)
    assert (newer, gone) == ([m], [])
    assert planner.latest(m.id) is m
    same = dataclasses.replace(m)
    assert planner.settle([m.id], {m.id: same}, set(), {m.id}, 1.0) == ([], [])
    bumped = dataclasses.replace(m, version=2)
    newer, gone = planner.settle([m.id], {m.id: bumped}, set(), {m.id}, 2.0)
    assert (newer, gone) == ([bumped], [])


def test_a_meeting_missed_by_one_read_is_read_again_and_gone_only_when_missed_twice():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    watched = settled(planner, [m])
    missed = [planner.settle([m.id], {}, set(), watched, float(n)) for n in range(2)]
    assert MISSING_POLLS_FOR_DELETED == 2
    assert missed == [([], []), ([], [m.id])]
    # Seen missing: read again on the next tick, whatever the index says.
    assert planner.to_read([], watched, 3.0) == ([m.id], set())


def test_a_tombstone_confirms_a_single_missed_read():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    watched = settled(planner, [m])
    assert planner.settle([m.id], {}, {m.id}, watched, 1.0) == ([], [m.id])


def test_a_meeting_no_longer_watched_is_passed_over_and_forgotten():
    planner = ReadPlanner(FULL_READ)
    m = meeting()
    settled(planner, [m])
    planner.forget(m.id)
    assert planner.latest(m.id) is None
    assert planner.settle([m.id], {}, {m.id}, set(), 1.0) == ([], [])
    assert planner.to_read(None, set(), 2.0) == ([], set())
