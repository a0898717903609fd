"""A list feed's cursor cannot widen the change query its process shares."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from events import streams
from events.broker import StatusBroker
from events.subscription import ListFeed
from events.window import CHANGE_OVERLAP
from meetings.domain import Change, Viewer, utcnow
from tests.unit.test_connected_event import first_events

STAFF = Viewer("9")


class ChangeIndex:
    """A change index in memory, a change every half second for two minutes,
    that counts the entries each query returns.
    """

    def __init__(self):
        now = utcnow()
        self.changes = [
            Change(uuid.uuid4(), 2, "9", False, now - timedelta(seconds=n / 2))
            for n in range(240)
        ]
        self.entries: list[int] = []

    def __call__(self, since, marks=None):
        start = (marks or {}).get(0, since)
        found = [c for c in self.changes if c.changed_at >= start]
        self.entries.append(len(found))
        return found


@pytest.fixture(autouse=True)
def _quiet_loops(settings):
    settings.SSE_POLL_INTERVAL = 3  # the test ticks by hand
    settings.SSE_SWEEP_INTERVAL = 0  # every tick a sweep: the list feeds' cursors
    settings.SSE_RECHECK_INTERVAL = 3600
    settings.SSE_REVOCATION_INTERVAL = 3600


def list_feed(since) -> ListFeed:
    return ListFeed(STAFF, {}, cursor=since)


def changed_event(subscription: ListFeed) -> dict:
    """Return the `changed` event the stream of subscription sends next."""
    spec = streams.StreamSpec(subscription, [], True, {}, None)
    connected, changed = first_events(spec, 2)
    assert (connected.event, changed.event) == ("connected", "changed")
    return changed.json()


@pytest.mark.parametrize("back", [60, 59, 30, 7])
def test_a_feed_cursor_from_the_past_is_reset_and_reads_no_more_entries(back):
    index = ChangeIndex()
    broker = StatusBroker(changes_since=index)
    now = utcnow()
    steady = list_feed(now)
    old = list_feed(now - timedelta(seconds=back))

    async def scenario():
        broker.subscribe(steady)
        await broker.poll_once()  # a new poller: one interval back, and overlap
        await broker.poll_once()  # steady state: since its last tick
        broker.subscribe(old)
        await broker.poll_once()
        await broker.poll_once()
        broker.unsubscribe(steady, "test")
        broker.unsubscribe(old, "test")

    asyncio.run(scenario())
    first, before, with_old, after = index.entries
    interval = 3
    assert first <= (interval + CHANGE_OVERLAP.total_seconds()) * 2 + 2
    assert with_old <= before + 1  # the old cursor did not widen the query
    assert after <= before + 1
    event = changed_event(old)
    assert event["reset"] is True
    assert old.cursor >= now


def test_a_cursor_within_the_pollers_own_window_is_served_without_a_reset():
    index = ChangeIndex()
    broker = StatusBroker(changes_since=index)
    now = utcnow()

    async def scenario():
        first = list_feed(now)
        broker.subscribe(first)
        await broker.poll_once()
        # A list read just now, as the poller's cursor: no reset.
        late = list_feed(utcnow())
        broker.subscribe(late)
        await broker.poll_once()
        broker.unsubscribe(first, "test")
        broker.unsubscribe(late, "test")
        return late

    late = asyncio.run(scenario())
    assert not late.take().list_reset


def test_a_new_pollers_first_list_feed_keeps_a_cursor_one_sweep_interval_old(
    settings,
):
    settings.SSE_SWEEP_INTERVAL = 3
    index = ChangeIndex()
    broker = StatusBroker(changes_since=index)
    page_read = utcnow() - timedelta(seconds=2)  # the page loaded, then connected

    async def scenario():
        stream = list_feed(page_read)
        broker.subscribe(stream)
        await broker.poll_once()
        broker.unsubscribe(stream, "test")
        return stream

    delivery = asyncio.run(scenario()).take()
    assert not delivery.list_reset
    assert delivery.list_changes  # the changes since its list was read, and overlap


def test_a_last_event_id_cursor_is_held_to_the_same_window():
    known = streams.known_versions("scope:1000", multi=True)
    now = utcnow()
    start = streams.feed_start(known, None, now)
    index = ChangeIndex()
    broker = StatusBroker(changes_since=index)

    async def scenario():
        stream = list_feed(start)
        broker.subscribe(stream)
        await broker.poll_once()
        broker.unsubscribe(stream, "test")
        return stream

    stream = asyncio.run(scenario())
    assert stream.take().list_reset
    (entries,) = index.entries
    assert entries <= (3 + CHANGE_OVERLAP.total_seconds()) * 2 + 2
