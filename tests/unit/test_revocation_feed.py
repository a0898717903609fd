"""The re-check follows the revocation feed: one read a tick, and only the streams
of the users it names are checked again; the re-check fails closed in time.
"""

import asyncio
import itertools
from datetime import timedelta

import pytest
from django.db import DatabaseError

from accounts.revocation import Revoked, session_digest
from events.recheck import CredentialRecheck
from events.revocations import CLOCK_MARGIN, REMEMBER
from events.subscription import WatchList
from meetings.domain import Access, Meeting, Viewer, utcnow

MEETING = Meeting(owner_id="1", title="Sync")
ALICE = Viewer("1")
SAM = Viewer("2", reach=frozenset({Access.VIEW}))
ids = itertools.count(1)


class Feed:
    """The revocation feed, in memory: counts its reads, or fails them."""

    def __init__(self):
        self.rows: list[Revoked] = []
        self.reads: list = []
        self.failing = False

    def revoke(self, user_id: str, session_key: str = "", at=None) -> None:
        session = session_digest(session_key) if session_key else ""
        self.rows.append(Revoked(next(ids), user_id, session, at or utcnow()))

    async def __call__(self, since):
        self.reads.append(since)
        if self.failing:
            raise DatabaseError("unable to open database file")
        return [row for row in self.rows if row.at >= since]


class Credentials:
    """The user database behind re-checks: current viewers, or failing."""

    def __init__(self, current: dict):
        self.current = current
        self.calls: list[set] = []
        self.failing = False

    async def __call__(self, keys):
        if self.failing:
            raise DatabaseError("unable to open database file")
        self.calls.append(set(keys))
        return {key: self.current[key] for key in keys if key in self.current}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fail_closed_after(settings):
    settings.SSE_RECHECK_FAIL_CLOSED_AFTER = 300


def stream(viewer, key, checked_at=None) -> WatchList:
    return WatchList(viewer, {MEETING.id: MEETING}, key, checked_at=checked_at)


class Ticks:
    """The re-check of a list of open streams, ticked by hand."""

    def __init__(self, recheck: CredentialRecheck, streams: list[WatchList]):
        self.recheck = recheck
        self.streams = streams

    async def follow_feed(self) -> None:
        await self.recheck.follow_feed(self.streams)

    async def check_all(self) -> None:
        await self.recheck.check(self.streams)


def run(*steps):
    """Run each step (an async callable) in order, on one event loop."""

    async def scenario():
        for step in steps:
            await step()

    asyncio.run(scenario())


def test_only_the_streams_of_the_users_named_are_checked_again_with_one_read():
    feed, users = Feed(), Credentials({})
    sams = [stream(SAM, ("bearer", "2", f"h{n}")) for n in range(3)]
    alices = [stream(ALICE, ("session", f"s{n}")) for n in range(500)]
    ticks = Ticks(CredentialRecheck(lookup=users, revocations=feed), [*sams, *alices])

    async def demote_sam():
        feed.revoke("2")
        users.current[("bearer", "2", "h0")] = Viewer("2")  # lost the view reach
        users.current[("bearer", "2", "h1")] = SAM

    run(ticks.follow_feed, demote_sam, ticks.follow_feed)
    assert len(feed.reads) == 2  # one query a tick, for 503 streams
    assert users.calls == [
        {("bearer", "2", "h0"), ("bearer", "2", "h1"), ("bearer", "2", "h2")}
    ]
    assert [s.closing and s.closing[0] for s in sams] == ["revoked", None, "revoked"]
    assert all(s.closing is None for s in alices)


def test_a_logged_out_session_ends_its_streams_without_a_lookup():
    feed, users = Feed(), Credentials({})
    here = stream(ALICE, ("session", "here"))
    elsewhere = stream(ALICE, ("session", "elsewhere"))
    users.current[("session", "elsewhere")] = ALICE
    ticks = Ticks(CredentialRecheck(lookup=users, revocations=feed), [here, elsewhere])

    async def log_out():
        feed.revoke("1", session_key="here")

    run(log_out, ticks.follow_feed)
    assert here.closing[0] == "revoked"
    assert elsewhere.closing is None  # the user's other login still stands
    assert users.calls == [{("session", "elsewhere")}]


def test_a_stream_checked_before_a_row_already_read_is_checked_on_subscribing():
    feed, users = Feed(), Credentials({})
    watching = stream(ALICE, ("session", "other"))
    users.current[("session", "other")] = ALICE
    ticks = Ticks(CredentialRecheck(lookup=users, revocations=feed), [watching])
    # The connect's lookup began before the row; the row was read before the
    # stream subscribed.
    connected_at = utcnow() - timedelta(seconds=2)
    feed.revoke("2")
    late = stream(SAM, ("bearer", "2", "old"), checked_at=connected_at)

    async def subscribe_late():
        ticks.streams.append(late)

    run(ticks.follow_feed, subscribe_late, ticks.follow_feed)
    assert late.closing[0] == "revoked"
    assert users.calls == [{("bearer", "2", "old")}]


def test_a_stream_checked_after_the_row_is_not_checked_again():
    feed, users = Feed(), Credentials({("session", "s"): ALICE})
    feed.revoke("1", at=utcnow() - CLOCK_MARGIN - timedelta(seconds=1))
    fresh = stream(ALICE, ("session", "s"))  # looked up after the row
    ticks = Ticks(CredentialRecheck(lookup=users, revocations=feed), [fresh])

    run(ticks.follow_feed, ticks.follow_feed)
    assert users.calls == []
    assert fresh.closing is None


def test_the_feed_is_never_read_further_back_than_it_remembers():
    feed, users = Feed(), Credentials({})
    ticks = Ticks(
        CredentialRecheck(lookup=users, revocations=feed),
        [stream(ALICE, ("session", "s"))],
    )
    before = utcnow()

    run(ticks.follow_feed, ticks.follow_feed)
    first, second = feed.reads
    assert before - REMEMBER - timedelta(seconds=3) < first < before - REMEMBER
    assert second > before - timedelta(seconds=3)  # since the last read, less 2 s


def test_streams_end_as_revoked_once_the_database_fails_past_the_limit(caplog):
    feed, users, clock = Feed(), Credentials({}), Clock()
    streams = [stream(ALICE, ("session", f"s{n}")) for n in range(3)]
    for subscription in streams:
        users.current[subscription.credentials_key] = ALICE
    recheck = CredentialRecheck(lookup=users, revocations=feed, timer=clock)
    ticks = Ticks(recheck, streams)

    def at(seconds, tick):
        async def step():
            clock.now = 1000.0 + seconds
            await tick()

        return step

    async def fail():
        feed.failing = users.failing = True

    closed_at = {}

    def note(seconds):
        async def step():
            closed_at[seconds] = [s.closing for s in streams]

        return step

    run(
        fail,
        at(0, ticks.follow_feed),
        at(200, ticks.check_all),
        at(299, ticks.follow_feed),
        note(299),
        at(300, ticks.follow_feed),
        note(300),
    )
    assert closed_at[299] == [None, None, None]  # unknown is not revoked, yet
    assert [c[0] for c in closed_at[300]] == ["revoked"] * 3
    assert "not re-checked for 300 s" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_database_back_within_the_limit_keeps_the_streams_and_checks_them_all():
    feed, users, clock = Feed(), Credentials({}), Clock()
    kept = stream(ALICE, ("session", "kept"))
    gone = stream(ALICE, ("session", "gone"))  # expired meanwhile: no row
    users.current[("session", "kept")] = ALICE
    recheck = CredentialRecheck(lookup=users, revocations=feed, timer=clock)
    ticks = Ticks(recheck, [kept, gone])

    async def fail():
        feed.failing = users.failing = True

    async def recover():
        clock.now += 299
        feed.failing = users.failing = False

    async def then_fail_again():
        feed.failing = True
        clock.now += 299

    run(
        fail,
        ticks.follow_feed,
        recover,
        ticks.follow_feed,
        then_fail_again,
        ticks.follow_feed,
    )
    assert users.calls == [{("session", "kept"), ("session", "gone")}]
    assert kept.closing is None  # the outage's clock started again
    assert gone.closing[0] == "revoked"
