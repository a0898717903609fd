"""Follow the revocation feed: whose open streams to check again, which to end.

Logouts, password changes, deactivations and changes of staff status, groups
or permissions each write a row to the feed (accounts/revocation.py). The
broker reads the rows written since its last look, with one indexed query a
tick whatever the number of streams, and checks again only the streams of the
users named; a logout's session ends its streams without a lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from accounts.revocation import Revoked, session_digest
from meetings.domain import utcnow

# Each read looks back this far before the previous one began: a row is
# stamped by its writer's clock just before its insert commits, so the
# overlap covers the insert's latency and the clock skew between processes.
# Rows already seen are skipped by id.
FEED_OVERLAP = timedelta(seconds=2)
# A stream whose credentials were confirmed less than this after a row was
# stamped is checked again: the two times come from different clocks.
CLOCK_MARGIN = timedelta(seconds=1)
# The first read looks back this far, and each user's latest row is
# remembered this long: a stream connecting while its user was revoked may
# subscribe after the row was read (a connect's read takes seconds at worst).
REMEMBER = timedelta(seconds=60)


class RevocationFollower:
    """The rows of the feed one broker has read, and what they ask of its streams."""

    def __init__(
        self,
        read: Callable[[datetime], Awaitable[list[Revoked]]],
        now: Callable[[], datetime] = utcnow,
    ):
        self._read = read
        self._now = now
        self._cursor: datetime | None = None
        # Row id → its time, for the rows within the overlap: told once.
        self._seen: dict[int, datetime] = {}
        # User id → the time of their latest row; session digest → its row's.
        self._latest: dict[str, datetime] = {}
        self._ended_sessions: dict[str, datetime] = {}

    async def read(self) -> int:
        """Read the rows written since the last read; return how many were new.

        Raises what the read raises (DatabaseError), the cursor unmoved.
        """
        began = self._now()
        # The first read, and any after a gap (no streams, the database down),
        # looks back REMEMBER, never further: after a longer outage the broker
        # checks every stream again instead.
        horizon = began - REMEMBER
        cursor = self._cursor
        since = (horizon if cursor is None else max(cursor, horizon)) - FEED_OVERLAP
        rows = await self._read(since)
        self._cursor = began
        fresh = 0
        for row in rows:
            if row.id in self._seen:
                continue
            fresh += 1
            self._seen[row.id] = row.at
            latest = self._latest.get(row.user_id, row.at)
            self._latest[row.user_id] = max(latest, row.at)
            if row.session:
                self._ended_sessions[row.session] = row.at
        self._seen = {i: at for i, at in self._seen.items() if at >= since}
        forget = began - REMEMBER
        for remembered in (self._latest, self._ended_sessions):
            for key in [k for k, at in remembered.items() if at < forget]:
                del remembered[key]
        return fresh

    def session_ended(self, credentials_key: tuple[str, ...]) -> bool:
        """Return whether the feed says this session was logged out."""
        if not self._ended_sessions or credentials_key[:1] != ("session",):
            return False
        return session_digest(credentials_key[1]) in self._ended_sessions

    def revoked_since(self, user_id: str, checked_at: datetime) -> bool:
        """Return whether user_id has a row later than a check at checked_at."""
        at = self._latest.get(user_id)
        return at is not None and checked_at <= at + CLOCK_MARGIN
