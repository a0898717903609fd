"""The `connected` event names the serving process only when debugging."""

import pytest

from events import streams
from events.broker import Subscription
from meetings.domain import Meeting, Viewer

MEETING = Meeting(owner_id="1", title="Sync")


@pytest.mark.parametrize(("debug", "named"), [(False, False), (True, True)])
def test_host_and_pid_are_sent_only_under_debug(settings, debug, named):
    settings.DEBUG = debug
    subscription = Subscription(Viewer("1"), {MEETING.id: MEETING})
    spec = streams.StreamSpec(subscription, [MEETING], False, {}, None)
    data = streams._connected_data(spec)
    assert ("instance" in data) is named
    assert data.get("instance", streams.INSTANCE) == streams.INSTANCE
    assert data["meetingId"] == str(MEETING.id)
