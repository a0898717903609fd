"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py config.asgi:application`."""

import glob
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Drains live streams on SIGTERM and honours graceful_timeout (config/workers.py).
# Each worker holds streams on its event loop and serves every other request on
# DJANGO_REQUEST_THREADS threads of its own (config/asgi.py), so gunicorn's
# `threads` setting does not apply.
worker_class = "config.workers.DrainingUvicornWorker"
# Streams end by themselves within a second of SIGTERM; this is the backstop.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
# Streams are long-lived requests: the worker heartbeat, not a request timeout.
timeout = 30
keepalive = 75
# Each stream holds a file descriptor; leave room for thousands per worker.
worker_connections = 20000
# nginx logs every request; a line from each worker as well costs about a fifth
# of its event loop's time at thousands of connects a second. "-" for stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None

# Each worker keeps its own metrics; prometheus_client's multiprocess mode
# writes them to files in this directory, and any worker's /metrics adds up
# every live worker's (events/metrics.py), whichever worker a scrape reaches.
# A dead worker's gauges are dropped, its counters kept.
own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="meetstream-metrics-")
)


def on_starting(server):
    # A previous run's files would count as live workers' figures.
    for stale in glob.glob(os.path.join(metrics_dir, "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if own_metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)
