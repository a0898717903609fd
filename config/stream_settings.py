"""Settings of the live status stream (docs/events.md), read from the environment.

config/settings.py takes every name here; they are apart only to keep each
module short.
"""

from config.environment import env_float, env_int

# Seconds between the poller's ticks, and between its sweeps of the change
# index's last few seconds for late entries (events/window.py).
SSE_POLL_INTERVAL = env_float("SSE_POLL_INTERVAL", 0.5)
SSE_SWEEP_INTERVAL = env_float("SSE_SWEEP_INTERVAL", 10.0)
SSE_KEEPALIVE_INTERVAL = env_float("SSE_KEEPALIVE_INTERVAL", 15.0)
SSE_MAX_STREAMS_PER_USER = env_int("SSE_MAX_STREAMS_PER_USER", 20)
SSE_MAX_LIFETIME = env_float("SSE_MAX_LIFETIME", 30 * 60.0)
# The browser's reconnect backoff (meetings/retries.py): SSE_RETRY_MS, then that
# much more each try up to SSE_RETRY_MAX_MS, each spread by ±SSE_RETRY_JITTER.
SSE_RETRY_MS = env_int("SSE_RETRY_MS", 5000)
SSE_RETRY_MAX_MS = env_int("SSE_RETRY_MAX_MS", 30000)
SSE_RETRY_JITTER = env_float("SSE_RETRY_JITTER", 0.2)
SSE_DRAIN_WINDOW = env_float("SSE_DRAIN_WINDOW", 5.0)
# Every watched meeting is read again at least this often, whatever the change
# index says (events/broker.py); 0 reads all of them every tick.
SSE_FULL_READ_INTERVAL = env_float("SSE_FULL_READ_INTERVAL", 600.0)
# Seconds between reads of the revocation feed (accounts/revocation.py): the
# streams of a user who logged out, or whose password, status, groups or
# permissions changed, are checked again within about this, on every process.
SSE_REVOCATION_INTERVAL = env_float("SSE_REVOCATION_INTERVAL", 1.0)
# Seconds between checks of every open stream's session or token, whatever the
# feed says: for what sends no signal (an expired session, QuerySet.update).
SSE_RECHECK_INTERVAL = env_float("SSE_RECHECK_INTERVAL", 120.0)
# Past this many seconds without an answer from the user database, streams
# end with `revoked`; their reconnects succeed once it answers again.
SSE_RECHECK_FAIL_CLOSED_AFTER = env_float("SSE_RECHECK_FAIL_CLOSED_AFTER", 300.0)
