"""What the request metrics middleware costs a request, in process.

    .venv/bin/python -m bench.request_metrics

Calls a view that returns a ready response 20,000 times bare and 20,000 times
through config.request_metrics.RequestMetricsMiddleware, alternating seven
rounds, and prints the medians per call and their difference: the counter and
histogram updates and the route lookup, with nothing else in the way. The
serving bench (`bench.serving --configs dispatch,unmetered`) measures the same
through a whole server, where the difference drowns in its noise.
"""

from __future__ import annotations

import os
import statistics
import time

CALLS = 20_000
ROUNDS = 7


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from config.request_metrics import RequestMetricsMiddleware

    request = RequestFactory().get("/v1/meetings/00000000-0000-4000-8000-000000000000")
    response = HttpResponse(b"{}")
    match = resolve(request.path)

    def view(request):
        request.resolver_match = match
        return response

    metered = RequestMetricsMiddleware(view)

    def per_call(handler) -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            handler(request)
        return (time.perf_counter() - started) / CALLS * 1e6

    bare, with_metrics = [], []
    for _ in range(ROUNDS):
        bare.append(per_call(view))
        with_metrics.append(per_call(metered))
    bare_us, metered_us = statistics.median(bare), statistics.median(with_metrics)
    print(f"view alone                 {bare_us:8.2f} µs a call")
    print(f"through the middleware     {metered_us:8.2f} µs a call")
    print(f"the middleware's own cost  {metered_us - bare_us:8.2f} µs a request")


if __name__ == "__main__":
    main()
