"""What the request metrics middleware costs a request, in process.

    .venv/bin/python -m bench.request_metrics

Calls a view that returns a ready response --calls times bare and as many
times through config.request_metrics.RequestMetricsMiddleware, alternating
--rounds rounds, and prints the medians per call and their difference: the
counter and histogram updates and the route lookup, with nothing else in the
way. The serving bench (`bench.serving --configs dispatch,unmetered`) measures
the same through a whole server.
"""

from __future__ import annotations

import os
import statistics
import time

from bench import cli


def main() -> None:
    parser = cli.parser(__doc__)
    parser.add_argument("--calls", type=int, default=20_000, help="calls a round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of each")
    args = parser.parse_args()
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
        for _ in range(args.calls):
            handler(request)
        return (time.perf_counter() - started) / args.calls * 1e6

    bare, with_metrics = [], []
    for _ in range(args.rounds):
        bare.append(per_call(view))
        with_metrics.append(per_call(metered))
    figures = {
        "view alone, µs a call": statistics.median(bare),
        "through the middleware, µs a call": statistics.median(with_metrics),
    }
    figures["the middleware's own cost, µs"] = (
        figures["through the middleware, µs a call"] - figures["view alone, µs a call"]
    )
    cli.print_figures("request metrics middleware, medians", figures, decimals=2)
    cli.write_json(args.json, {"args": vars(args), **figures})


if __name__ == "__main__":
    main()
