"""After an outage the poller tells its streams the store answers again."""

import asyncio
import dataclasses

import pytest

from events.broker import StatusBroker
from events.subscription import WatchList
from meetings.domain import Change, Meeting, StoreUnavailable, Viewer, utcnow

ALICE = Viewer("1")


@pytest.fixture(autouse=True)
def _quiet_loops(settings):
    settings.SSE_POLL_INTERVAL = 3600  # ticks only when the test says so
    settings.SSE_RECHECK_INTERVAL = 3600
    settings.SSE_REVOCATION_INTERVAL = 3600


class Store:
    """The change index and the poller's read; down while down is set."""

    def __init__(self, meeting: Meeting):
        self.meeting = meeting
        self.down = False

    def changes_since(self, since, marks=None):
        if self.down:
            raise StoreUnavailable("DynamoDB is unavailable.")
        meeting = self.meeting
        return [Change(meeting.id, meeting.version, "1", False, utcnow())]

    def latest_meetings(self, meeting_ids):
        if self.down:
            raise StoreUnavailable("DynamoDB is unavailable.")
        return {self.meeting.id: self.meeting}


def test_streams_hear_error_once_then_their_meetings_again_when_it_answers():
    meeting = Meeting(owner_id="1", title="Sync")
    store = Store(meeting)

    async def scenario():
        broker = StatusBroker(
            changes_since=store.changes_since, latest_meetings=store.latest_meetings
        )
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        await broker.poll_once()
        quiet = watcher.take()
        store.down = True
        await broker.poll_once()
        await broker.poll_once()
        failing = watcher.take()
        store.down = False
        await broker.poll_once()
        recovered = watcher.take()
        await broker.poll_once()
        after = watcher.take()
        broker.unsubscribe(watcher, "test")
        return quiet, failing, recovered, after

    quiet, failing, recovered, after = asyncio.run(scenario())
    assert quiet.changed == () and quiet.error is None
    assert failing.error is not None  # once, however many ticks fail
    assert recovered.error is None
    assert recovered.changed == (meeting,)  # the same version, sent again
    assert after.changed == ()


def test_a_meeting_changed_during_the_outage_arrives_at_its_new_version():
    meeting = Meeting(owner_id="1", title="Sync")
    store = Store(meeting)

    async def scenario():
        broker = StatusBroker(
            changes_since=store.changes_since, latest_meetings=store.latest_meetings
        )
        watcher = WatchList(ALICE, {meeting.id: meeting})
        broker.subscribe(watcher)
        await broker.poll_once()
        store.down = True
        await broker.poll_once()
        watcher.take()
        store.meeting = dataclasses.replace(meeting, version=2, title="Moved")
        store.down = False
        await broker.poll_once()
        delivery = watcher.take()
        broker.unsubscribe(watcher, "test")
        return delivery

    delivery = asyncio.run(scenario())
    assert [m.version for m in delivery.changed] == [2]
