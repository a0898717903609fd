"""A write made through this process wakes its watchers at once, without a read."""

import asyncio
import dataclasses
import threading

import pytest
from prometheus_client import REGISTRY

from events.broker import StatusBroker, get_broker
from events.subscription import WatchList
from meetings import services
from meetings.domain import Meeting, Viewer

ALICE = Viewer("1")


@pytest.fixture(autouse=True)
def _quiet_loops(settings):
    settings.SSE_POLL_INTERVAL = 3600  # no tick unless the test asks
    settings.SSE_RECHECK_INTERVAL = 3600
    settings.SSE_REVOCATION_INTERVAL = 3600


def wakes() -> float:
    return REGISTRY.get_sample_value("meetstream_local_write_wakes_total") or 0.0


class Reads:
    """The poller's read, counting what it is asked for."""

    def __init__(self):
        self.asked: list[list] = []

    def __call__(self, meeting_ids):
        self.asked.append(list(meeting_ids))
        return {}


def test_a_write_here_reaches_its_watchers_before_any_tick():
    meeting = Meeting(owner_id="1", title="Sync")
    reads = Reads()

    async def scenario():
        broker = StatusBroker(
            changes_since=lambda since, marks=None: [], latest_meetings=reads
        )
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        newer = dataclasses.replace(meeting, version=2, title="Moved")
        broker.written_here(newer, deleted=False)
        delivered = watcher.take()
        broker.written_here(meeting, deleted=False)  # an older write: nothing
        stale = watcher.take()
        broker.written_here(newer, deleted=True)
        gone = watcher.take()
        broker.unsubscribe(watcher, "test")
        return delivered, stale, gone

    before = wakes()
    delivered, stale, gone = asyncio.run(scenario())
    assert [m.version for m in delivered.changed] == [2]
    assert stale.changed == ()
    assert gone.gone == frozenset({meeting.id})
    assert reads.asked == []  # the write's own result: no read
    assert wakes() - before == 3


def test_the_index_s_later_report_of_that_write_costs_no_read():
    meeting = Meeting(owner_id="1", title="Sync")
    newer = dataclasses.replace(meeting, version=2)
    reads = Reads()

    async def scenario():
        broker = StatusBroker(
            changes_since=lambda since, marks=None: [], latest_meetings=reads
        )
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        await broker.poll_once()  # the first tick reads what it watches
        first = list(reads.asked)
        broker.written_here(newer, deleted=False)
        assert broker.planner.latest(meeting.id) == newer
        broker.unsubscribe(watcher, "test")
        return first

    assert asyncio.run(scenario()) == [[meeting.id]]


def test_the_services_signal_wakes_the_watchers_of_the_loop_from_a_writer_thread(
    memory_store,
):
    viewer = Viewer("1")
    meeting = services.create_meeting("1", {"title": "Sync"})

    async def scenario():
        broker = get_broker()
        watcher = WatchList(viewer, {meeting.id: meeting})
        broker.subscribe(watcher)
        writer = threading.Thread(
            target=services.update_meeting,
            args=(viewer, meeting.id, {"title": "Renamed"}),
        )
        writer.start()
        await asyncio.to_thread(writer.join)
        await asyncio.wait_for(watcher.wait(5), 5)
        delivery = watcher.take()
        broker.unsubscribe(watcher, "test")
        return delivery

    delivery = asyncio.run(scenario())
    assert [(m.title, m.version) for m in delivery.changed] == [("Renamed", 2)]
