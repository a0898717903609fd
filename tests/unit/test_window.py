"""Where each tick's change query starts: marks for fast ticks, and sweeps."""

import dataclasses
import uuid
from datetime import timedelta

import pytest

from events.window import (
    CHANGE_OVERLAP,
    FAST_GUARD,
    MAX_CHANGE_WINDOW,
    ChangeWindow,
    reach,
)
from meetings.domain import Change, utcnow

NOW = utcnow()
SWEEP = 3.0


def change(at, shard: int = 0, version: int = 2) -> Change:
    return Change(uuid.uuid4(), version, "1", False, at, shard)


def swept(window: ChangeWindow, at=NOW, changes=()) -> None:
    """Run a good first sweep at at, finding changes."""
    plan = window.plan(at, watching=True, following=True)
    assert plan.sweep
    window.settle(plan, list(changes))


@pytest.mark.parametrize(
    ("swept_at", "fresh", "expected"),
    [
        (NOW - timedelta(seconds=3), None, NOW - timedelta(seconds=3)),
        (NOW - MAX_CHANGE_WINDOW, None, NOW - MAX_CHANGE_WINDOW),
        # An outage: the index is not paged through.
        (NOW - MAX_CHANGE_WINDOW - timedelta(seconds=1), None, NOW),
        # A new poller: one interval before it started, never past the window.
        (None, NOW - timedelta(seconds=3), NOW - timedelta(seconds=3)),
        (None, NOW - timedelta(hours=1), NOW - MAX_CHANGE_WINDOW),
        (None, None, NOW),
    ],
)
def test_a_sweep_reaches_back_to_the_last_sweep_within_the_window(
    swept_at, fresh, expected
):
    assert reach(NOW, swept_at, fresh) == expected


def test_the_first_tick_sweeps_and_queries_the_index_only_for_list_feeds():
    window = ChangeWindow(SWEEP)
    fresh = NOW - timedelta(seconds=3)
    window.start(fresh)
    watching = window.plan(NOW, watching=True, following=False)
    assert (watching.sweep, watching.query, watching.covers_watched) == (
        True,
        False,
        False,
    )
    both = window.plan(NOW, watching=True, following=True)
    assert (both.query, both.covers_watched) == (True, False)
    assert both.since == fresh - CHANGE_OVERLAP
    assert both.marks == {}


def test_after_a_sweep_ticks_are_fast_and_ask_each_shard_from_its_mark():
    window = ChangeWindow(SWEEP)
    window.start(NOW - timedelta(seconds=3))
    newest = NOW - timedelta(milliseconds=200)
    swept(window, NOW, [change(NOW - timedelta(seconds=2), 1), change(newest, 1)])
    plan = window.plan(NOW + timedelta(seconds=0.5), watching=True, following=False)
    assert not plan.sweep
    assert (plan.query, plan.covers_watched) == (True, True)
    assert plan.marks == {1: newest - FAST_GUARD}
    # A shard with no mark is asked from the sweep's start, less the overlap.
    assert plan.since == NOW - CHANGE_OVERLAP


def test_a_mark_never_runs_ahead_of_the_pollers_clock():
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    swept(window, NOW, [change(NOW + timedelta(seconds=30), 2)])
    plan = window.plan(NOW + timedelta(seconds=0.5), watching=True, following=False)
    assert plan.marks == {2: NOW - FAST_GUARD}


def test_a_sweep_comes_round_every_sweep_interval():
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    swept(window)
    kinds = []
    for tick in range(1, 13):
        at = NOW + timedelta(seconds=tick / 2)
        plan = window.plan(at, watching=True, following=True)
        window.settle(plan, [])
        kinds.append(plan.sweep)
    assert kinds == [False] * 5 + [True] + [False] * 5 + [True]


def test_a_late_entry_behind_the_mark_is_found_by_the_next_sweep():
    """An index entry that lands late, older than its shard's mark less the
    guard, is missed by the fast ticks and found by the sweep, whose query
    reaches back over it.
    """
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    swept(window)
    written = NOW + timedelta(seconds=0.2)  # stamped, then slow to the index
    later = NOW + timedelta(seconds=1.8)
    index = [change(later, 3)]  # the later write is seen first
    found_at = None
    for tick in range(1, 13):
        at = NOW + timedelta(seconds=tick / 2)
        if tick == 5:
            index.append(change(written, 3))  # lands 2.3 s after its stamp
        plan = window.plan(at, watching=True, following=False)
        start = plan.marks.get(3, plan.since)
        found = [c for c in index if c.changed_at >= start and c.changed_at <= at]
        if any(c.changed_at == written for c in found) and found_at is None:
            found_at = at
        window.settle(plan, found)
    assert found_at is not None
    assert found_at - NOW == timedelta(seconds=SWEEP)  # the sweep, not before
    assert found_at - (NOW + timedelta(seconds=2.5)) <= timedelta(seconds=SWEEP)


def test_a_failed_tick_makes_the_next_one_sweep_from_the_last_good_sweep():
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    swept(window)
    window.fail()
    plan = window.plan(NOW + timedelta(seconds=1), watching=True, following=False)
    assert plan.sweep
    assert plan.reach == NOW
    assert plan.covers_watched  # the sweep's changes cover the gap


def test_an_unreadable_index_makes_the_next_tick_sweep():
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    swept(window)
    plan = window.plan(NOW + timedelta(seconds=0.5), watching=True, following=False)
    window.settle(plan, None)  # every watched meeting was read instead
    later = window.plan(NOW + timedelta(seconds=1), watching=True, following=False)
    assert later.sweep


def test_reading_everything_every_tick_needs_no_change_query():
    window = ChangeWindow(SWEEP, full_reads=False)
    window.start(NOW)
    swept(window)
    plan = window.plan(NOW + timedelta(seconds=0.5), watching=True, following=False)
    assert (plan.query, plan.covers_watched) == (False, False)


def test_a_fast_tick_hands_on_only_what_it_had_not_found_before():
    window = ChangeWindow(SWEEP)
    window.start(NOW)
    quiet = change(NOW - timedelta(seconds=2), shard=1)
    swept(window, NOW, [quiet])
    plan = window.plan(NOW + timedelta(seconds=0.5), watching=True, following=True)
    fresh = change(NOW + timedelta(seconds=0.4), shard=2)
    # The quiet shard's newest entry comes back on every fast tick: not news.
    assert window.news(plan, [quiet, fresh]) == [fresh]
    window.settle(plan, [quiet, fresh])
    later = window.plan(NOW + timedelta(seconds=1), watching=True, following=True)
    newer = dataclasses.replace(fresh, version=3)
    assert window.news(later, [quiet, fresh, newer]) == [newer]
    # Long after a sweep, the quiet shard's entry is still known.
    window.settle(later, [quiet, fresh, newer])
    sweep = window.plan(NOW + timedelta(seconds=SWEEP), watching=True, following=True)
    assert sweep.sweep
    assert window.news(sweep, [quiet]) == [quiet]  # a sweep's come whole
    window.settle(sweep, [quiet])
    fast = window.plan(
        NOW + timedelta(seconds=SWEEP + 0.5), watching=True, following=True
    )
    assert window.news(fast, [quiet]) == []
