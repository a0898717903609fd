"""The retry table: every retry budget and backoff pause in the product.

The server's loops read their budget here, and the pages hand the browser its
reconnect schedule from here (web/live.py), so one table says how hard each
part of meetstream tries again and how long it waits in between.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Retry:
    """Up to `attempts` tries, with "full jitter" pauses between them: a random
    time in [0, min(cap, base·2ⁿ)] seconds after try n, so racing clients
    spread out rather than collide again.
    """

    attempts: int
    base: float = 0.0
    cap: float = 0.0

    def pause(self, attempt: int) -> float:
        """Return the pause after try number attempt (1, 2, …), in seconds."""
        return random.uniform(0, min(self.cap, self.base * 2**attempt))

    def sleep(self, attempt: int) -> None:
        """Sleep the pause after try number attempt."""
        if self.cap:
            time.sleep(self.pause(attempt))


# A write without If-Match that lost a version race is applied again to the
# meeting as it is now. Each try is one conditional write, and every loser of a
# round has lost to a winner, so n writers on one meeting all land within n
# rounds, and the jittered pauses spread them over far fewer: 30 lands the 50
# concurrent writers of tests/system/test_lost_update.py through two servers
# (with each user's share of the request threads off; on, a process lets one
# of a user's writes race at a time). The pauses grow to the cap and stop
# there, so the worst case stays within a request's time. A client that names
# the version it expects (If-Match) gets its 412 at once and is never retried.
VERSION_RACE = Retry(attempts=30, base=0.01, cap=0.5)

# A page's or the admin's save that meets a meeting written meanwhile: it is
# checked again against the fresh meeting (a clash goes back to the user), with
# no pause, since a person is waiting and the form shows what changed.
FORM_SAVE = Retry(attempts=3)

# A DynamoDB transaction (a write with its status-count shard) cancelled by a
# racing transaction on the same shard; after the last, StoreThrottled (503).
TRANSACTION = Retry(attempts=5, base=0.05, cap=2.0)

# Keys BatchGetItem left unprocessed (throttled), read again: the first try
# and five more.
BATCH_GET = Retry(attempts=6, base=0.05, cap=2.0)


def sdk_attempts() -> int:
    """Return botocore's max_attempts for every DynamoDB call (its "standard"
    mode: throttles and 5xx, exponential backoff), DYNAMODB_MAX_ATTEMPTS."""
    return settings.DYNAMODB_MAX_ATTEMPTS


@dataclass(frozen=True)
class QuickBudget:
    """Fewer, shorter tries for a caller that tries again by itself: tries in all
    (botocore's total_max_attempts), and its timeouts in seconds. Settings lower
    than these win."""

    tries: int
    connect_timeout: float
    read_timeout: float


# A page load (a person waits, and reloads) gives up after two short tries: a
# store outage shows as a 503 page within 2 s, not after the full budget's four
# tries of 3 s. Writes keep the full budget: a blip must not lose a save.
PAGE_LOAD = QuickBudget(tries=2, connect_timeout=0.5, read_timeout=0.8)
# The stream's poller tries again on its next tick, half a second later: one
# try, so an outage reaches the streams as `error` within about two seconds.
POLL = QuickBudget(tries=1, connect_timeout=0.5, read_timeout=1.0)
_budget: ContextVar[QuickBudget | None] = ContextVar("meetings_quick", default=None)


@contextmanager
def failing_fast(budget: QuickBudget = PAGE_LOAD) -> Iterator[None]:
    """Make the store's calls in this context (and threads it starts with
    asyncio.to_thread) keep to budget."""
    token = _budget.set(budget)
    try:
        yield
    finally:
        _budget.reset(token)


def quick_budget() -> QuickBudget | None:
    """Return the budget the store's calls here keep to, None for the full one."""
    return _budget.get()


def reconnect_schedule() -> dict[str, float]:
    """Return the browser's reconnect backoff: SSE_RETRY_MS, then that much more
    each try up to SSE_RETRY_MAX_MS, each spread by ±SSE_RETRY_JITTER
    (5 s → 10 s → 15 s → … → 30 s, ±20 %); static/js/live/backoff.js uses it."""
    return {
        "reconnect_base_ms": settings.SSE_RETRY_MS,
        "reconnect_max_ms": settings.SSE_RETRY_MAX_MS,
        "reconnect_jitter": settings.SSE_RETRY_JITTER,
    }
