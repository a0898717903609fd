"""What a live page hands its scripts in data-* attributes (docs/events.md)."""

from __future__ import annotations

import time

from ..domain import Status
from ..retries import reconnect_schedule

# The outcomes a user may ask to be notified of (static/js/live/notifications.js).
NOTIFY_STATUSES = (Status.COMPLETED, Status.FAILED)
# The admin's status counts are read again after changes at most this often
# (static/js/admin/counts.js): each read costs a read of every count shard, so
# once a second per admin page, not at every 0.5 s tick of the stream.
COUNTS_REFRESH_MS = 1000


def live_settings() -> dict[str, float]:
    """Return the reconnect schedule from the retry table (the scripts start
    their backoff from its base, as the stream's retry: hint does), how often
    the status counts may be read again, and the statuses worth a
    notification, space-separated.
    """
    return {
        **reconnect_schedule(),
        "counts_refresh_ms": COUNTS_REFRESH_MS,
        "notify_statuses": " ".join(NOTIFY_STATUSES),
    }


def now_ms() -> int:
    """Return now, in milliseconds since 1970, for a scope stream's `since`.

    Taken before the page reads its meetings, so a change made meanwhile is
    heard of (told again, which is harmless) rather than missed.
    """
    return int(time.time() * 1000)
