"""The list feed: every meeting a user may see, followed on the change index.

A live list subscribes with ?scope=visible and hears `changed` for meetings
created, changed or deleted anywhere, with no read of any meeting.
"""

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from events.broker import StatusBroker
from events.subscription import ListFeed
from events.window import MAX_CHANGE_WINDOW
from meetings import services
from meetings.domain import Access, Viewer, utcnow
from tests.conftest import access_token_for
from tests.integration.test_broker import count_batch_gets, count_queries
from tests.support.sse import StreamReader

pytestmark = pytest.mark.django_db
POLL = 0.5  # server_env's SSE_POLL_INTERVAL
SWEEP = 3.0  # the SSE_SWEEP_INTERVAL a test server is started with
ALICE, BOB = Viewer("1"), Viewer("2")
STAFF = Viewer("3", frozenset({Access.VIEW}))


def list_feed(viewer: Viewer, since=None) -> ListFeed:
    return ListFeed(viewer, {}, cursor=since or utcnow())


def told(subscription: ListFeed) -> list[tuple[str, int, bool]]:
    """Return (and take) the changes the feed has yet to send."""
    changes = subscription.take().list_changes
    return [(c.owner_id, c.version, c.deleted) for c in changes]


def test_each_user_hears_of_the_meetings_they_may_see_and_no_meeting_is_read(
    local_table, settings
):
    settings.SSE_POLL_INTERVAL = 3600  # ticks only when the test says so
    batch_gets, queries = count_batch_gets(), count_queries()

    async def scenario():
        broker = StatusBroker()
        streams = [list_feed(v) for v in (ALICE, BOB, STAFF)]
        for subscription in streams:
            broker.subscribe(subscription)
        await broker.poll_once()  # nothing written yet
        mine = await asyncio.to_thread(
            services.create_meeting, ALICE.user_id, {"title": "a"}
        )
        await asyncio.to_thread(services.create_meeting, BOB.user_id, {"title": "b"})
        await asyncio.to_thread(
            services.update_meeting, ALICE, mine.id, {"status": "in_progress"}
        )
        await broker.poll_once()
        heard = [told(s) for s in streams]
        await broker.poll_once()  # the overlap tells nothing twice
        again = [told(s) for s in streams]
        await asyncio.to_thread(services.delete_meeting, ALICE, mine.id)
        await broker.poll_once()
        deleted = told(streams[0])
        for subscription in streams:
            broker.unsubscribe(subscription, "test")
        return heard, again, deleted

    heard, again, deleted = asyncio.run(scenario())
    assert heard[0] == [("1", 2, False)]  # alice: her meeting, at its last version
    assert heard[1] == [("2", 1, False)]  # bob: his own only
    assert sorted(heard[2]) == [("1", 2, False), ("2", 1, False)]  # reach: all
    assert again == [[], [], []]
    assert deleted == [("1", 3, True)]
    assert batch_gets == []  # a feed costs the change Query, never a read
    # One read of the change index a tick, whatever the number of feeds.
    assert queries == ["by_change"] * 4


def test_a_feed_hears_changes_since_its_cursor_made_before_it_opened(
    local_table, settings
):
    settings.SSE_POLL_INTERVAL = 3600
    settings.SSE_SWEEP_INTERVAL = 3600  # a new poller reaches back a minute
    before = utcnow() - timedelta(seconds=5)
    created = services.create_meeting(ALICE.user_id, {"title": "while loading"})

    async def scenario():
        broker = StatusBroker()
        late = list_feed(ALICE, since=before)
        fresh = list_feed(ALICE, since=utcnow() + timedelta(seconds=30))
        broker.subscribe(late)
        broker.subscribe(fresh)
        await broker.poll_once()
        broker.unsubscribe(late, "test")
        broker.unsubscribe(fresh, "test")
        return late, fresh

    late, fresh = asyncio.run(scenario())
    assert [c.meeting_id for c in late.take().list_changes] == [created.id]
    assert fresh.take().list_changes == ()


def test_a_cursor_older_than_the_index_can_answer_resets_the_list(
    local_table, settings
):
    settings.SSE_POLL_INTERVAL = 3600

    async def scenario():
        broker = StatusBroker()
        stale = list_feed(
            ALICE, since=utcnow() - MAX_CHANGE_WINDOW - timedelta(seconds=1)
        )
        broker.subscribe(stale)
        await broker.poll_once()
        broker.unsubscribe(stale, "test")
        return stale

    stale = asyncio.run(scenario())
    assert stale.take().list_reset
    assert stale.cursor > utcnow() - timedelta(seconds=10)


def bearer(viewer_user) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_for(viewer_user)}"}


def test_a_meeting_created_elsewhere_reaches_an_open_list_feed(
    start_server, alice, bob
):
    asgi_server = start_server(SSE_SWEEP_INTERVAL=SWEEP)
    url = f"{asgi_server.url}/v1/events?scope=visible&since={int(time.time() * 1000)}"
    stream = StreamReader(url, bearer(alice)).start()
    try:
        connected = stream.next_of("connected").json()
        assert connected["scope"] == "visible"
        assert connected["meetingIds"] == []
        services.create_meeting(str(bob.pk), {"title": "not alice's"})
        created = services.create_meeting(str(alice.pk), {"title": "new"})
        event = stream.next_of("changed", timeout=POLL + 2)
        assert event.json() == {
            "changes": [{"meetingId": str(created.id), "version": 1, "deleted": False}],
            "reset": False,
        }
        cursor = event.id.split(",")[0]
        assert cursor.startswith("scope:")
    finally:
        stream.close()
    # Resuming from that id once the poller's sweeps have moved past it is not
    # replayed (that would widen the shared query): the client reads its list
    # again. A new poller's first sweep reaches one sweep interval back.
    services.update_meeting(Viewer(str(alice.pk)), created.id, {"title": "renamed"})
    time.sleep(SWEEP + POLL)
    resumed = StreamReader(
        f"{asgi_server.url}/v1/events?scope=visible",
        {**bearer(alice), "Last-Event-ID": cursor},
    ).start()
    try:
        resumed.next_of("connected")
        event = resumed.next_of("changed", timeout=POLL + 2)
        assert event.json() == {"changes": [], "reset": True}
        assert int(event.id.split(":")[1]) > int(cursor.split(":")[1])
    finally:
        resumed.close()


def test_a_since_a_minute_back_is_reset_on_a_live_server(asgi_server, alice):
    since = int(time.time() * 1000) - 60_000
    url = f"{asgi_server.url}/v1/events?scope=visible&since={since}"
    stream = StreamReader(url, bearer(alice)).start()
    try:
        connected = stream.next_of("connected").json()
        assert "instance" not in connected  # host:pid only under DEBUG
        event = stream.next_of("changed", timeout=POLL + 2)
        assert event.json() == {"changes": [], "reset": True}
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("scope=everything", "scope"),
        ("since=12", "since"),  # since without a scope
        ("scope=visible&since=-5", "since"),
        ("scope=visible&since=" + "9" * 19, "since"),
        ("", "meeting"),  # neither meetings nor a scope
    ],
)
def test_a_bad_list_feed_request_is_a_400_naming_the_field(
    asgi_server, alice, local_table, query, field
):
    response = httpx.get(f"{asgi_server.url}/v1/events?{query}", headers=bearer(alice))
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
