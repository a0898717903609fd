"""Connect reads: streams opening together share one consistent BatchGetItem."""

import asyncio
from types import SimpleNamespace

import pytest
from botocore.exceptions import EndpointConnectionError

from events import auth
from events.connects import BATCH_LIMIT, ConnectReads
from meetings import services
from meetings.domain import StoreUnavailable, Viewer
from meetings.store.dynamodb.client import get_client
from tests.integration.test_broker import count_batch_gets
from tests.integration.test_events import bearer

pytestmark = pytest.mark.django_db


def create_meetings(owners: list[Viewer], count: int):
    return [
        services.create_meeting(owners[n % len(owners)].user_id, {"title": f"m{n}"})
        for n in range(count)
    ]


def test_50_concurrent_connects_share_one_batch_get(local_table):
    owners = [Viewer("1"), Viewer("2")]
    meetings = create_meetings(owners, 50)
    batch_gets = count_batch_gets()

    async def scenario():
        reads = ConnectReads()
        stored = await asyncio.gather(*(reads.read([m.id]) for m in meetings))
        # Each connect keeps what its viewer may see, by the services' rule.
        return [services.visible_among(owners[0], found) for found in stored], stored

    visible, stored = asyncio.run(scenario())
    assert batch_gets == [50]
    assert [list(found) for found in stored] == [[m.id] for m in meetings]
    mine = [m.id for n, m in enumerate(meetings) if n % 2 == 0]
    assert [i for found in visible for i in found] == mine


def test_connects_past_the_limit_take_one_batch_get_per_hundred(local_table):
    meetings = create_meetings([Viewer("1")], 2 * BATCH_LIMIT + 10)
    batch_gets = count_batch_gets()

    async def scenario():
        reads = ConnectReads()
        pairs = [meetings[n : n + 2] for n in range(0, len(meetings), 2)]
        return await asyncio.gather(*(reads.read(m.id for m in p) for p in pairs))

    stored = asyncio.run(scenario())
    assert sorted(batch_gets) == [10, BATCH_LIMIT, BATCH_LIMIT]
    assert sum(len(found) for found in stored) == len(meetings)


def test_a_failed_read_reaches_every_waiting_connect(local_table):
    meetings = create_meetings([Viewer("1")], 3)

    def refuse(**kwargs):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    async def scenario():
        reads = ConnectReads()
        get_client().meta.events.register("before-send.dynamodb.BatchGetItem", refuse)
        try:
            return await asyncio.gather(
                *(reads.read([m.id]) for m in meetings), return_exceptions=True
            )
        finally:
            get_client().meta.events.unregister(
                "before-send.dynamodb.BatchGetItem", refuse
            )

    outcomes = asyncio.run(scenario())
    assert [type(outcome) for outcome in outcomes] == [StoreUnavailable] * 3


def test_a_connect_that_goes_away_leaves_the_others_read(local_table):
    meetings = create_meetings([Viewer("1")], 2)

    async def scenario():
        reads = ConnectReads()
        leaving = asyncio.ensure_future(reads.read([meetings[0].id]))
        staying = asyncio.ensure_future(reads.read([meetings[1].id]))
        await asyncio.sleep(0)
        leaving.cancel()
        return await staying

    assert list(asyncio.run(scenario())) == [meetings[1].id]


def test_concurrent_connects_authenticate_in_one_batch(transactional_db, alice, bob):
    batches: list[int] = []

    def counting(keys):
        batches.append(len(keys))
        return auth.look_up(keys)

    headers = [bearer(alice), bearer(bob)] * 10 + [{"Authorization": "Bearer x"}]
    requests = [SimpleNamespace(headers=h, COOKIES={}) for h in headers]

    async def scenario():
        authenticator = auth.Authenticator(lookup=counting)
        return await asyncio.gather(*(authenticator.authenticate(r) for r in requests))

    found = asyncio.run(scenario())
    assert batches == [3]  # one thread, one lookup per distinct credential
    owners = [c.viewer.user_id if c else None for c in found]
    assert owners == [str(alice.pk), str(bob.pk)] * 10 + [None]
