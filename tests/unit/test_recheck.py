"""The credential re-check: one lookup per credential; revoked streams close."""

import asyncio

import pytest
from django.db import DatabaseError

import events.metrics
from events.broker import StatusBroker
from events.recheck import CredentialRecheck
from events.subscription import WatchList
from meetings.domain import Access, Meeting, Viewer

MEETING = Meeting(owner_id="1", title="Sync")
FULL = Viewer("2", reach=frozenset(Access))
VIEWING = Viewer("2", reach=frozenset({Access.VIEW}))


def subscription(viewer: Viewer, key: tuple[str, ...]) -> WatchList:
    return WatchList(viewer, {MEETING.id: MEETING}, key)


class Lookup:
    """The user database behind re-checks: records each call's keys, answers
    with the viewers in current, or raises the errors in failures first.
    """

    def __init__(self):
        self.calls: list[set] = []
        self.current: dict = {}
        self.failures: list[Exception] = []

    async def __call__(self, keys):
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append(set(keys))
        return {key: self.current[key] for key in keys if key in self.current}


async def no_revocations(since):
    return []


@pytest.fixture
def lookup(settings):
    settings.SSE_POLL_INTERVAL = 60
    settings.SSE_RECHECK_INTERVAL = 60
    settings.SSE_MAX_STREAMS_PER_USER = 100
    return Lookup()


def recheck_with(lookup: Lookup) -> CredentialRecheck:
    return CredentialRecheck(lookup=lookup, revocations=no_revocations)


def test_streams_sharing_a_credential_are_checked_once(lookup):
    lookup.current[("session", "a")] = VIEWING
    lookup.current[("session", "b")] = VIEWING
    streams = [subscription(VIEWING, ("session", "a")) for _ in range(50)]
    streams.append(subscription(VIEWING, ("session", "b")))

    asyncio.run(recheck_with(lookup).check(streams))
    assert lookup.calls == [{("session", "a"), ("session", "b")}]
    assert all(stream.closing is None for stream in streams)


def test_a_gone_or_narrower_credential_closes_its_streams_as_revoked(lookup):
    lookup.current[("bearer", "2", "h")] = VIEWING  # lost change and delete
    lookup.current[("session", "kept")] = FULL
    narrowed = subscription(FULL, ("bearer", "2", "h"))
    logged_out = subscription(FULL, ("session", "gone"))
    kept = subscription(VIEWING, ("session", "kept"))

    asyncio.run(recheck_with(lookup).check([narrowed, logged_out, kept]))
    assert narrowed.closing[0] == "revoked"
    assert logged_out.closing[0] == "revoked"
    assert kept.closing is None
    assert kept.viewer == FULL  # a wider reach carries on, with the new viewer


def test_a_database_error_keeps_the_streams_and_the_next_tick_checks_again(
    lookup, caplog
):
    lookup.failures[:] = [DatabaseError("database is locked")]
    failed_before = events.metrics.RECHECK_FAILURES._value.get()
    stream = subscription(VIEWING, ("session", "gone"))

    async def scenario():
        recheck = recheck_with(lookup)
        await recheck.check([stream])  # the database cannot answer
        kept = stream.closing
        await recheck.check([stream])  # it can: the session is gone
        return kept

    assert asyncio.run(scenario()) is None
    assert stream.closing[0] == "revoked"
    assert events.metrics.RECHECK_FAILURES._value.get() == failed_before + 1
    assert "not re-checked this tick: database is locked" in caplog.text
    assert "Traceback" not in caplog.text


def test_the_recheck_loop_outlives_an_unexpected_error(lookup, settings):
    settings.SSE_RECHECK_INTERVAL = 0.01
    lookup.current[("session", "a")] = VIEWING
    lookup.failures[:] = [RuntimeError("bug")]

    async def scenario():
        # The broker runs the re-check's loop while it holds streams.
        broker = StatusBroker(recheck=recheck_with(lookup))
        stream = subscription(VIEWING, ("session", "a"))
        broker.subscribe(stream)
        for _ in range(200):
            if lookup.calls:
                break
            await asyncio.sleep(0.01)
        broker.unsubscribe(stream, "test")

    asyncio.run(scenario())
    assert lookup.calls == [{("session", "a")}]
