"""The per-process poller: one BatchGetItem per 100 watched meetings per tick."""

import asyncio

import pytest

from events.broker import StatusBroker, Subscription, TooManyStreams
from meetings import services
from meetings.domain import Viewer
from meetings.store.schema import get_client

pytestmark = pytest.mark.django_db
OWNER = Viewer("1")


def create_meetings(count: int):
    return [
        services.create_meeting(OWNER.user_id, {"title": f"m{n}"}) for n in range(count)
    ]


def count_batch_gets() -> list[int]:
    calls: list[int] = []

    def record(params, **kwargs):
        calls.append(
            len(params["RequestItems"][next(iter(params["RequestItems"]))]["Keys"])
        )

    get_client().meta.events.register(
        "provide-client-params.dynamodb.BatchGetItem", record
    )
    return calls


def subscribe_all(broker, meetings, streams: int) -> list[Subscription]:
    subscriptions = []
    for n in range(streams):
        meeting = meetings[n % len(meetings)]
        subscription = Subscription(Viewer(str(n)), {meeting.id: meeting})
        broker.subscribe(subscription)
        subscriptions.append(subscription)
    return subscriptions


def test_200_streams_on_5_meetings_cost_one_batch_get_per_tick(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600  # ticks only when the test says so
    meetings = create_meetings(5)
    calls = count_batch_gets()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 200)
        services.update_meeting(OWNER, meetings[0].id, {"title": "x"})
        await broker.poll_once()
        for subscription in subscriptions:
            broker.unsubscribe(subscription, "test")
        return subscriptions

    subscriptions = asyncio.run(scenario())
    assert calls == [5]
    told = [s for s in subscriptions if s.changed]
    assert len(told) == 40  # every stream on the changed meeting, no other
    assert all(meetings[0].id in s.changed for s in told)


def test_250_watched_meetings_take_three_batch_gets(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    meetings = create_meetings(250)
    calls = count_batch_gets()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 250)
        await broker.poll_once()
        for subscription in subscriptions:
            broker.unsubscribe(subscription, "test")

    asyncio.run(scenario())
    assert sorted(calls) == [50, 100, 100]


def test_the_per_user_cap_counts_open_streams(moto_table, settings):
    settings.SSE_MAX_STREAMS_PER_USER = 2
    (meeting,) = create_meetings(1)

    async def scenario():
        broker = StatusBroker()
        first, second, third = (
            Subscription(OWNER, {meeting.id: meeting}) for _ in range(3)
        )
        broker.subscribe(first)
        broker.subscribe(second)
        with pytest.raises(TooManyStreams):
            broker.subscribe(third)
        broker.unsubscribe(first, "test")
        broker.subscribe(third)
        assert broker.open_streams == 2
        broker.unsubscribe(second, "test")
        broker.unsubscribe(third, "test")
        assert (broker.open_streams, broker.watched_meetings) == (0, 0)

    asyncio.run(scenario())


def test_the_poller_stops_when_the_last_stream_leaves(moto_table, settings):
    settings.SSE_POLL_INTERVAL = 0.01
    (meeting,) = create_meetings(1)

    async def scenario():
        broker = StatusBroker()
        subscription = Subscription(OWNER, {meeting.id: meeting})
        broker.subscribe(subscription)
        poller = broker._poller
        assert poller is not None and not poller.done()
        broker.unsubscribe(subscription, "test")
        await asyncio.wait_for(poller, timeout=2)
        assert broker._poller is None

    asyncio.run(scenario())
