"""The `connected` event names the serving process only when debugging."""

import asyncio

import pytest

from events import streams
from events.broker import StatusBroker
from events.subscription import WatchList
from meetings.domain import Meeting, Viewer
from tests.support.sse import Event, Parser

MEETING = Meeting(owner_id="1", title="Sync")


def first_events(spec: streams.StreamSpec, count: int) -> list[Event]:
    """Return the first count events the stream of spec sends, then close it."""

    async def read() -> list[Event]:
        parser, events = Parser(), []
        stream = streams.event_stream(StatusBroker(), spec)
        try:
            while len(events) < count:
                events += parser.feed((await anext(stream)).decode())
        finally:
            await stream.aclose()
        return events[:count]

    return asyncio.run(read())


@pytest.mark.parametrize(("debug", "named"), [(False, False), (True, True)])
def test_host_and_pid_are_sent_only_under_debug(settings, debug, named):
    settings.DEBUG = debug
    subscription = WatchList(Viewer("1"), {MEETING.id: MEETING})
    spec = streams.StreamSpec(subscription, [MEETING], False, {}, None)
    (connected,) = first_events(spec, 1)
    assert connected.event == "connected"
    data = connected.json()
    assert ("instance" in data) is named
    assert data.get("instance", streams.INSTANCE) == streams.INSTANCE
    assert data["meetingId"] == str(MEETING.id)
