"""The per-process poller: it reads only the watched meetings that changed.

The first tick reads every watched meeting, one BatchGetItem per 100; later
ticks ask the change index (one Query per shard) and read only what changed.
"""

import asyncio
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from django.conf import settings as django_settings

from events.broker import StatusBroker, TooManyStreams
from events.subscription import WatchList
from events.window import CHANGE_OVERLAP, FAST_GUARD
from meetings import services
from meetings.domain import Viewer, utcnow
from meetings.store import dynamodb
from meetings.store.dynamodb.changes import shard_of
from meetings.store.dynamodb.client import get_client

pytestmark = pytest.mark.django_db
# botocore's event before the change index's read goes out.
CHANGE_READ = "before-send.dynamodb.ExecuteStatement"
OWNER = Viewer("1")


def create_meetings(count: int):
    return [
        services.create_meeting(OWNER.user_id, {"title": f"m{n}"}) for n in range(count)
    ]


def write_stamped(meeting, at) -> None:
    """Start meeting, as a writer whose clock read at when it sent the write."""
    table = django_settings.DYNAMODB_TABLE
    writer = dynamodb.DynamoDBRepository(table, clock=lambda: at)
    stored = writer.get(meeting.id)
    stored.apply({"status": "in_progress"})
    writer.update(stored)


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


def count_queries() -> list[str]:
    """Record the index each read of an index names: a Query's IndexName, or
    the index a PartiQL SELECT reads (the change index's, `"by_change"`)."""
    calls: list[str] = []
    client = get_client()
    client.meta.events.register(
        "provide-client-params.dynamodb.Query",
        lambda params, **kwargs: calls.append(params.get("IndexName")),
    )
    client.meta.events.register(
        "provide-client-params.dynamodb.ExecuteStatement",
        lambda params, **kwargs: calls.append(params["Statement"].split('"')[3]),
    )
    return calls


def unsubscribe_all(broker, subscriptions) -> None:
    for subscription in subscriptions:
        broker.unsubscribe(subscription, "test")


def subscribe_all(broker, meetings, streams: int) -> list[WatchList]:
    subscriptions = []
    for n in range(streams):
        meeting = meetings[n % len(meetings)]
        subscription = WatchList(Viewer(str(n)), {meeting.id: meeting})
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
            WatchList(OWNER, {meeting.id: meeting}) for _ in range(3)
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
        subscription = WatchList(OWNER, {meeting.id: meeting})
        broker.subscribe(subscription)
        poller = broker._poller
        assert poller is not None and not poller.done()
        broker.unsubscribe(subscription, "test")
        await asyncio.wait_for(poller, timeout=2)
        assert broker._poller is None

    asyncio.run(scenario())


def test_after_the_first_tick_only_changed_watched_meetings_are_read(
    local_table, settings
):
    settings.SSE_POLL_INTERVAL = 3600
    meetings = create_meetings(250)
    unwatched = create_meetings(5)
    batch_gets, queries = count_batch_gets(), count_queries()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 500)
        await broker.poll_once()  # the first tick reads all 250
        first = sorted(batch_gets)
        batch_gets.clear()
        for meeting in [*meetings[:3], *unwatched]:
            services.update_meeting(OWNER, meeting.id, {"title": "x"})
        await broker.poll_once()
        second = list(batch_gets)
        batch_gets.clear()
        await broker.poll_once()  # nothing new: the overlap costs no reads
        unsubscribe_all(broker, subscriptions)
        return first, second, list(batch_gets), subscriptions

    first, second, third, subscriptions = asyncio.run(scenario())
    assert first == [50, 100, 100]
    assert second == [3]  # the 3 changed watched meetings, not the 250
    assert third == []
    assert queries == ["by_change"] * 2  # one read of the change index a tick
    told = {m for s in subscriptions for m in s.changed}
    assert told == {m.id for m in meetings[:3]}


def test_changed_meetings_take_one_batch_get_per_hundred(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    meetings = create_meetings(150)
    batch_gets = count_batch_gets()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 150)
        await broker.poll_once()
        batch_gets.clear()
        for meeting in meetings[:120]:
            services.update_meeting(OWNER, meeting.id, {"title": "x"})
        await broker.poll_once()
        unsubscribe_all(broker, subscriptions)

    asyncio.run(scenario())
    assert sorted(batch_gets) == [20, 100]


@pytest.mark.parametrize(
    ("sweep_interval", "stamped_before_tick", "delivered"),
    [
        # Fast ticks: within the guard below the shard's mark, found at once;
        # further below, left to the next sweep.
        (3600, FAST_GUARD / 2, True),
        (3600, timedelta(seconds=1), False),
        # Sweeps (here every tick): within the overlap, found; older, left to
        # the slow safety re-read. This is what the overlap buys.
        (0, timedelta(seconds=1), True),
        (0, CHANGE_OVERLAP + timedelta(seconds=2), False),
    ],
)
def test_a_change_committed_just_before_a_tick_boundary_is_delivered(
    local_table, settings, sweep_interval, stamped_before_tick, delivered
):
    settings.SSE_POLL_INTERVAL = 3600
    settings.SSE_SWEEP_INTERVAL = sweep_interval
    (meeting,) = create_meetings(1)

    async def scenario():
        broker = StatusBroker()
        (subscription,) = subscribe_all(broker, [meeting], 1)
        await broker.poll_once()
        boundary = utcnow()
        await broker.poll_once()  # the tick the change narrowly misses
        # A write stamped before that tick began (its writer's clock, when it
        # was sent) that lands in the index only after the tick's query:
        # a slow write, the index's lag, or clock skew.
        await asyncio.to_thread(write_stamped, meeting, boundary - stamped_before_tick)
        await broker.poll_once()
        unsubscribe_all(broker, [subscription])
        return subscription

    subscription = asyncio.run(scenario())
    if delivered:
        assert subscription.changed[meeting.id].version == 2
    else:
        assert subscription.changed == {}


def test_the_safety_re_read_finds_what_the_index_missed(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    settings.SSE_FULL_READ_INTERVAL = 0  # every tick, as before the change index
    meetings = create_meetings(3)
    batch_gets, queries = count_batch_gets(), count_queries()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 3)
        await broker.poll_once()
        await broker.poll_once()
        unsubscribe_all(broker, subscriptions)

    asyncio.run(scenario())
    assert batch_gets == [3, 3]
    assert queries == []  # reading everything, it needs no change query


def test_a_deleted_meeting_is_gone_on_the_next_tick(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    meetings = create_meetings(2)

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 4)
        await broker.poll_once()
        services.delete_meeting(OWNER, meetings[0].id)
        await broker.poll_once()  # the tombstone and a missed read agree
        unsubscribe_all(broker, subscriptions)
        return subscriptions

    subscriptions = asyncio.run(scenario())
    assert [s.take().gone for s in subscriptions] == [{meetings[0].id}, set()] * 2


def test_when_the_change_index_is_throttled_every_watched_meeting_is_read(
    local_table, settings
):
    settings.SSE_POLL_INTERVAL = 3600
    settings.DYNAMODB_MAX_ATTEMPTS = 0
    meetings = create_meetings(3)
    batch_gets = count_batch_gets()

    def refuse(**kwargs):
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "x"}
        raise ClientError({"Error": error}, "ExecuteStatement")

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 3)
        await broker.poll_once()
        services.update_meeting(OWNER, meetings[1].id, {"title": "x"})
        get_client().meta.events.register(
            "before-send.dynamodb.ExecuteStatement", refuse
        )
        await broker.poll_once()
        get_client().meta.events.unregister(
            "before-send.dynamodb.ExecuteStatement", refuse
        )
        unsubscribe_all(broker, subscriptions)
        return subscriptions

    subscriptions = asyncio.run(scenario())
    assert batch_gets == [3, 3]  # the fallback read all, as before the index
    assert [bool(s.changed) for s in subscriptions] == [False, True, False]
    assert all(s.take().error is None for s in subscriptions)  # no error event


def test_a_new_stream_s_meeting_is_read_on_the_next_tick(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    first, second = create_meetings(2)
    batch_gets = count_batch_gets()

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, [first], 1)
        await broker.poll_once()
        # A stream whose connect read may predate the broker's cursor.
        subscriptions += subscribe_all(broker, [second], 1)
        await broker.poll_once()
        await broker.poll_once()
        unsubscribe_all(broker, subscriptions)

    asyncio.run(scenario())
    assert batch_gets == [1, 1]


def test_when_the_store_cannot_be_reached_the_tick_fails_at_once(local_table, settings):
    settings.SSE_POLL_INTERVAL = 3600
    meetings = create_meetings(2)
    batch_gets = count_batch_gets()

    def refuse(**kwargs):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    async def scenario():
        broker = StatusBroker()
        subscriptions = subscribe_all(broker, meetings, 2)
        await broker.poll_once()
        get_client().meta.events.register(
            "before-send.dynamodb.ExecuteStatement", refuse
        )
        await broker.poll_once()
        get_client().meta.events.unregister(
            "before-send.dynamodb.ExecuteStatement", refuse
        )
        unsubscribe_all(broker, subscriptions)
        return subscriptions

    subscriptions = asyncio.run(scenario())
    assert batch_gets == [2]  # no fallback read of a store that is not there
    assert all(s.take().error is not None for s in subscriptions)


def test_an_entry_landing_behind_its_shards_mark_arrives_with_the_next_sweep(
    local_table, settings
):
    """A write stamped a second before a later write of its shard, that reaches
    the index after it (a slow write, lag, a writer's clock behind): the fast
    ticks pass it by, the next sweep delivers it."""
    settings.SSE_POLL_INTERVAL = 3600
    settings.SSE_SWEEP_INTERVAL = 0.5
    meetings = create_meetings(40)
    shard = shard_of(meetings[0].id)
    late, later = [m for m in meetings if shard_of(m.id) == shard][:2]

    async def scenario():
        broker = StatusBroker()
        (watcher,) = subscribe_all(broker, [late], 1)
        await broker.poll_once()  # the first sweep
        now = utcnow()
        await asyncio.to_thread(write_stamped, later, now)
        await broker.poll_once()  # fast: the shard's mark is now `now`
        await asyncio.to_thread(write_stamped, late, now - timedelta(seconds=1))
        await broker.poll_once()  # fast, from the mark less the guard: missed
        missed = dict(watcher.changed)
        await asyncio.sleep(settings.SSE_SWEEP_INTERVAL)
        await broker.poll_once()  # the sweep
        unsubscribe_all(broker, [watcher])
        return missed, watcher.changed

    missed, swept = asyncio.run(scenario())
    assert missed == {}
    assert swept[late.id].version == 2
