"""Prometheus metrics of the requests Django serves: rate, errors and latency by route.

Routes are URL names (`meeting-detail`, `admin:index`), never raw paths, so
the labels stay bounded: `static` for files under STATIC_URL, `other` for
anything no route matched. Streams are not counted here: they last minutes,
and events/metrics.py counts them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "meetstream_http_requests_total",
    "HTTP requests served by Django, by route, method and status class.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "meetstream_http_request_duration_seconds",
    "Time to answer an HTTP request, in the server's thread, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Count and time every request; first in MIDDLEWARE, so it sees them all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        route = self.route(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response

    def route(self, request: HttpRequest) -> str:
        match = request.resolver_match
        if match is not None and match.view_name:
            return match.view_name
        if request.path.startswith(self.static_prefix):
            return "static"
        return "other"
