"""The broker's re-check: one lookup per distinct credential, revoked streams close."""

import asyncio

import pytest
from django.db import DatabaseError

import events.broker
import events.metrics
from events.broker import Subscription
from meetings.domain import Access, Meeting, Viewer

MEETING = Meeting(owner_id="1", title="Sync")
FULL = Viewer("2", reach=frozenset(Access))
VIEWING = Viewer("2", reach=frozenset({Access.VIEW}))


def subscription(viewer: Viewer, key: tuple[str, ...]) -> Subscription:
    return Subscription(viewer, {MEETING.id: MEETING}, key)


# Errors the next re-checks raise, in order, before they answer again.
failures: list[Exception] = []


# The broker's re-check collaborator, set by the looked_up fixture.
fake_recheck = None


@pytest.fixture
def looked_up(settings):
    """Record each re-check's keys; answer with the viewers in `current`."""
    global fake_recheck
    settings.SSE_POLL_INTERVAL = 60
    settings.SSE_RECHECK_INTERVAL = 60
    settings.SSE_MAX_STREAMS_PER_USER = 100
    calls: list[set] = []
    current: dict = {}
    failures.clear()

    async def recheck(keys):
        if failures:
            raise failures.pop(0)
        calls.append(set(keys))
        return {key: current[key] for key in keys if key in current}

    fake_recheck = recheck
    return calls, current


def StatusBroker(**seams):  # stands in for the class, with the fakes
    """Return a broker whose re-check is the fake, and whose feed is empty."""

    async def no_revocations(since):
        return []

    return events.broker.StatusBroker(
        recheck=fake_recheck, revocations=no_revocations, **seams
    )


def test_streams_sharing_a_credential_are_checked_once(looked_up):
    calls, current = looked_up
    current[("session", "a")] = VIEWING
    current[("session", "b")] = VIEWING

    async def scenario():
        broker = StatusBroker()
        streams = [subscription(VIEWING, ("session", "a")) for _ in range(50)]
        streams.append(subscription(VIEWING, ("session", "b")))
        for stream in streams:
            broker.subscribe(stream)
        await broker.recheck_once()
        for stream in streams:
            broker.unsubscribe(stream, "test")
        return streams

    streams = asyncio.run(scenario())
    assert calls == [{("session", "a"), ("session", "b")}]
    assert all(stream.closing is None for stream in streams)


def test_a_gone_or_narrower_credential_closes_its_streams_as_revoked(looked_up):
    _, current = looked_up
    current[("bearer", "2", "h")] = VIEWING  # lost change and delete
    current[("session", "kept")] = FULL

    async def scenario():
        broker = StatusBroker()
        narrowed = subscription(FULL, ("bearer", "2", "h"))
        logged_out = subscription(FULL, ("session", "gone"))
        kept = subscription(VIEWING, ("session", "kept"))
        for stream in (narrowed, logged_out, kept):
            broker.subscribe(stream)
        await broker.recheck_once()
        for stream in (narrowed, logged_out, kept):
            broker.unsubscribe(stream, "test")
        return narrowed, logged_out, kept

    narrowed, logged_out, kept = asyncio.run(scenario())
    assert narrowed.closing[0] == "revoked"
    assert logged_out.closing[0] == "revoked"
    assert kept.closing is None
    assert kept.viewer == FULL  # a wider reach carries on, with the new viewer


def test_a_database_error_keeps_the_streams_and_the_next_tick_checks_again(
    looked_up, caplog
):
    failures[:] = [DatabaseError("database is locked")]
    failed_before = events.metrics.RECHECK_FAILURES._value.get()

    async def scenario():
        broker = StatusBroker()
        stream = subscription(VIEWING, ("session", "gone"))
        broker.subscribe(stream)
        await broker.recheck_once()  # the database cannot answer
        kept = stream.closing
        await broker.recheck_once()  # it can: the session is gone
        broker.unsubscribe(stream, "test")
        return kept, stream.closing

    kept, closing = asyncio.run(scenario())
    assert kept is None
    assert closing[0] == "revoked"
    assert events.metrics.RECHECK_FAILURES._value.get() == failed_before + 1
    assert "not re-checked this tick: database is locked" in caplog.text
    assert "Traceback" not in caplog.text


def test_the_recheck_loop_outlives_an_unexpected_error(looked_up, settings):
    settings.SSE_RECHECK_INTERVAL = 0.01
    calls, current = looked_up
    current[("session", "a")] = VIEWING
    failures[:] = [RuntimeError("bug")]

    async def scenario():
        broker = StatusBroker()
        stream = subscription(VIEWING, ("session", "a"))
        broker.subscribe(stream)
        for _ in range(200):
            if calls:
                break
            await asyncio.sleep(0.01)
        broker.unsubscribe(stream, "test")

    asyncio.run(scenario())
    assert calls == [{("session", "a")}]
