"""What a live page hands its scripts in data-* attributes (docs/events.md)."""

from __future__ import annotations

import time

from django.conf import settings

from ..retries import reconnect_schedule


def live_settings() -> dict[str, float]:
    """Return the reconnect schedule from the retry table (the scripts start
    their backoff from its base, as the stream's retry: hint does), and the
    stream's poll interval, which paces the refreshes that follow it.
    """
    return {
        **reconnect_schedule(),
        "poll_interval_ms": round(settings.SSE_POLL_INTERVAL * 1000),
    }


def now_ms() -> int:
    """Return now, in milliseconds since 1970, for a scope stream's `since`.

    Taken before the page reads its meetings, so a change made meanwhile is
    heard of (told again, which is harmless) rather than missed.
    """
    return int(time.time() * 1000)
