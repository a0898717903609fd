"""Prometheus metrics of this process's streams and poller, served at /metrics."""

from __future__ import annotations

import os

from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# Under gunicorn each worker writes its figures to PROMETHEUS_MULTIPROC_DIR and
# any worker's /metrics adds them up (deploy/gunicorn.conf.py): a gauge says
# how, over the live workers.
OPEN_STREAMS = Gauge(
    "meetstream_open_streams",
    "SSE streams open in this process.",
    multiprocess_mode="livesum",
)
STREAMS_OPENED = Counter("meetstream_streams_opened_total", "SSE streams opened.")
STREAMS_CLOSED = Counter(
    "meetstream_streams_closed_total", "SSE streams closed, by reason.", ["reason"]
)
EVENTS_SENT = Counter(
    "meetstream_events_sent_total", "SSE events sent, by type.", ["event"]
)
POLL_TICKS = Counter("meetstream_poll_ticks_total", "Poller ticks that read DynamoDB.")
POLL_LATENCY = Histogram(
    "meetstream_poll_batch_seconds",
    "Time to read all watched meetings in one tick.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
POLL_MEETINGS_READ = Counter(
    "meetstream_poll_meetings_read_total",
    "Meetings the poller read (changed, newly watched, re-checked).",
)
POLL_CHANGES_SEEN = Counter(
    "meetstream_poll_changes_seen_total",
    "Entries the poller's change queries returned, overlap included.",
)
DYNAMODB_ERRORS = Counter(
    "meetstream_poll_dynamodb_errors_total",
    "Poller reads that failed, by code.",
    ["code"],
)
STREAM_RECONNECTS = Counter(
    "meetstream_stream_reconnects_total",
    "SSE streams opened with Last-Event-ID: a client coming back.",
)
STREAM_REFUSALS = Counter(
    "meetstream_stream_refusals_total",
    "SSE streams refused, by reason: cap (too many for the user), drain, auth.",
    ["reason"],
)
POLL_TICK_LAG = Histogram(
    "meetstream_poll_tick_lag_seconds",
    "How late each poll tick started against its schedule.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
POLL_TICK_FAILURES = Counter(
    "meetstream_poll_tick_failures_total",
    "Poll ticks that could not read DynamoDB (streams were sent `error`).",
)
DELIVERY_LAG = Histogram(
    "meetstream_delivery_lag_seconds",
    "From a change written to DynamoDB (its updated_at) to its status event sent.",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 20, 60),
)
LOCAL_WRITE_WAKES = Counter(
    "meetstream_local_write_wakes_total",
    "Writes made through this process that woke its watchers without a poll.",
)
DRAINING = Gauge(
    "meetstream_draining",
    "1 from the shutdown signal until the process exits: streams are being drained.",
    multiprocess_mode="livemax",
)
RECHECK_FAILURES = Counter(
    "meetstream_recheck_failures_total",
    "Credential re-checks of open streams that could not be made (streams kept).",
)


def metrics_view(request) -> HttpResponse:
    """Return the metrics in the Prometheus text format: this process's, or under
    gunicorn every live worker's added up (prometheus_client's multiprocess mode).
    """
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
