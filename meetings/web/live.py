"""What a live page hands its scripts in data-* attributes (docs/events.md)."""

from __future__ import annotations

import time

from django.conf import settings


def live_settings() -> dict[str, int]:
    """Return the stream's reconnect delay, which the scripts start their
    backoff from as the stream's retry: hint does, and its poll interval, which
    paces the refreshes that follow it.
    """
    return {
        "reconnect_base_ms": settings.SSE_RETRY_MS,
        "poll_interval_ms": round(settings.SSE_POLL_INTERVAL * 1000),
    }


def now_ms() -> int:
    """Return now, in milliseconds since 1970, for a scope stream's `since`.

    Taken before the page reads its meetings, so a change made meanwhile is
    heard of (told again, which is harmless) rather than missed.
    """
    return int(time.time() * 1000)
