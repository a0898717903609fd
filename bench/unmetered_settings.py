"""The shipped settings without the request metrics middleware, to measure what
it costs a request (bench/serving.py's `unmetered` configuration)."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE as METERED

MIDDLEWARE = [
    m for m in METERED if m != "config.request_metrics.RequestMetricsMiddleware"
]
