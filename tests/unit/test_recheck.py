"""The broker's re-check: one lookup per distinct credential, revoked streams close."""

import asyncio

import pytest

import events.broker
from events.broker import StatusBroker, Subscription
from meetings.domain import Access, Meeting, Viewer

MEETING = Meeting(owner_id="1", title="Sync")
FULL = Viewer("2", reach=frozenset(Access))
VIEWING = Viewer("2", reach=frozenset({Access.VIEW}))


def subscription(viewer: Viewer, key: tuple[str, ...]) -> Subscription:
    return Subscription(viewer, {MEETING.id: MEETING}, key)


@pytest.fixture
def looked_up(monkeypatch, settings):
    """Record each re-check's keys; answer with the viewers in `current`."""
    settings.SSE_POLL_INTERVAL = 60
    settings.SSE_RECHECK_INTERVAL = 60
    settings.SSE_MAX_STREAMS_PER_USER = 100
    calls: list[set] = []
    current: dict = {}

    async def recheck(keys):
        calls.append(set(keys))
        return {key: current[key] for key in keys if key in current}

    monkeypatch.setattr(events.broker.auth, "recheck", recheck)
    return calls, current


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
