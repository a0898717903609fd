"""Idle costs nothing extra: no stream, no tick; nothing changed, no read."""

import asyncio

import pytest

from events.broker import StatusBroker
from events.subscription import WatchList
from meetings.domain import Meeting, Viewer

ALICE = Viewer("1")


@pytest.fixture(autouse=True)
def _fast_ticks(settings):
    settings.SSE_POLL_INTERVAL = 0.01
    settings.SSE_RECHECK_INTERVAL = 3600
    settings.SSE_REVOCATION_INTERVAL = 3600


class Index:
    """The change index and the poller's read, counting calls; nothing changes."""

    def __init__(self, *meetings: Meeting):
        self.meetings = {m.id: m for m in meetings}
        self.queries = 0
        self.reads: list[list] = []

    def changes_since(self, since, marks=None):
        self.queries += 1
        return []

    def latest_meetings(self, meeting_ids):
        self.reads.append(list(meeting_ids))
        return {i: self.meetings[i] for i in meeting_ids if i in self.meetings}


def test_a_process_with_no_stream_never_ticks_and_stops_after_the_last():
    index = Index()
    meeting = Meeting(owner_id="1", title="Sync")

    async def scenario():
        broker = StatusBroker(
            changes_since=index.changes_since, latest_meetings=index.latest_meetings
        )
        await asyncio.sleep(0.1)
        idle = index.queries
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        await asyncio.sleep(0.2)
        busy = index.queries
        broker.unsubscribe(watcher, "test")
        await asyncio.sleep(0.05)
        stopped = index.queries
        await asyncio.sleep(0.2)
        return idle, busy, stopped, index.queries

    idle, busy, stopped, later = asyncio.run(scenario())
    assert idle == 0
    assert busy >= 5  # it ticked while the stream was open
    assert later == stopped  # and not after


def test_watching_what_did_not_change_costs_only_the_shard_queries():
    meeting = Meeting(owner_id="1", title="Sync")
    index = Index(meeting)

    async def scenario():
        broker = StatusBroker(
            changes_since=index.changes_since, latest_meetings=index.latest_meetings
        )
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        await asyncio.sleep(0.3)
        broker.unsubscribe(watcher, "test")

    asyncio.run(scenario())
    assert index.queries >= 5
    assert index.reads == [[meeting.id]]  # the newly watched meeting, once
