"""Prometheus metrics of the search index: its lag behind the meetings, its repairs."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INDEX_LAG = Histogram(
    "meetstream_search_index_lag_seconds",
    "From a meeting's write (its updated_at) to its search entry applied, by path "
    "(write_through, reconciler).",
    ["path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
RECONCILED_UP_TO = Gauge(
    "meetstream_search_reconciled_timestamp_seconds",
    "The time up to which the reconciler has checked the search index against the "
    "change index (lag: time() minus this).",
    multiprocess_mode="livemax",
)
REPAIRS = Counter(
    "meetstream_search_repairs_total",
    "Search entries the reconciler found behind DynamoDB and applied.",
)
WRITE_THROUGH_FAILURES = Counter(
    "meetstream_search_write_through_failures_total",
    "Writes whose search entry could not be applied at once (the reconciler will).",
)
STALE_HITS = Counter(
    "meetstream_search_stale_hits_total",
    "Search hits dropped because the meeting no longer matched or was gone.",
)
