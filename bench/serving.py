"""Compare ways of serving the request path (REST and pages), one process each.

    .venv/bin/python -m bench.serving --requests 1000 --concurrency 8

Starts DynamoDB Local once, then each configuration in turn, one server
process each:

- wsgi: the WSGI app on its own, gunicorn gthread with one worker
  (config/wsgi.py): the floor a thread-per-request server gives.
- dispatch: the app as shipped, `python -m config.server`: Django's WSGI
  handler on a long-lived thread pool, one hop each way (config/asgi.py,
  config/wsgi_pool.py).
- unmetered: dispatch without the request metrics middleware
  (bench/unmetered_settings.py): what counting and timing each request costs.

For each it times, in the same run: a raw boto3 GetItem (ConsistentRead, as
the API reads), GET /healthz, GET /v1/meetings/{id} and GET /v1/meetings (20 of
them) with a bearer, and the list page / with a session cookie. Latency comes
from sequential requests over one keep-alive connection; throughput from
--concurrency keep-alive connections at once. CPU per request is the server's
(gunicorn's master and worker together) over each run. Ratios are against the
raw GetItem measured next to each configuration, and of the page to the REST
list call.
"""

from __future__ import annotations

import http.client
import statistics
import sys

from bench import cli, harness
from tests.support.nginx import collect_static

CONFIGURATIONS = {
    "wsgi": "gunicorn gthread, WSGI",
    "dispatch": "config.server: WSGI handler on a pool",
    "unmetered": "dispatch without the request metrics middleware",
}
ENDPOINTS = ["healthz", "retrieve", "list", "page"]


def start(name: str, env: dict[str, str], threads: int) -> harness.Process:
    """Start configuration `name` as one server process."""
    pool = {"DJANGO_REQUEST_THREADS": str(threads)}
    if name == "dispatch":
        return harness.start_server({**env, **pool})
    if name == "unmetered":
        settings_module = {"DJANGO_SETTINGS_MODULE": "bench.unmetered_settings"}
        return harness.start_server({**env, **settings_module, **pool})
    from meetings.store.local import free_port

    port = free_port()
    return harness.Process(
        [sys.executable, "-m", "gunicorn", "--worker-class", "gthread",
         "--threads", str(threads), "--workers", "1", "--keep-alive", "75",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "config.wsgi:application"],
        env,
        port,
    )  # fmt: skip


FAILURES: list[str] = []


def http_caller(port: int, paths, headers: dict[str, str]):
    """Return a harness.run_load worker: one keep-alive connection per client thread."""

    def make():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def call(n: int) -> None:
            connection.request("GET", paths(n), headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                # run_load's threads would die quietly: measure() raises it.
                FAILURES.append(f"{paths(n)} answered {response.status}")

        return call

    return make


def timed(
    server: harness.Process | None, worker, requests: int, concurrency: int
) -> dict:
    """Run the load; add the server's CPU milliseconds per request."""
    before = server.tree_cpu_seconds() if server else 0.0
    figures = harness.run_load(worker, requests, concurrency)
    if server:
        cpu = server.tree_cpu_seconds() - before
        figures["cpu_ms"] = 1000 * cpu / requests
    return figures


def measure(name: str, env, callers: dict, raw_worker, args) -> dict:
    """Start configuration `name`, time every endpoint on it, and stop it."""
    server = start(name, env, args.threads)
    try:
        workers = {endpoint: make(server.port) for endpoint, make in callers.items()}
        for worker in workers.values():
            harness.run_load(worker, args.warmup, 2)
        figures = {"raw": timed(None, raw_worker, args.requests, 1)}
        for endpoint, worker in workers.items():
            sequential = timed(server, worker, args.requests, 1)
            concurrent = timed(server, worker, args.requests, args.concurrency)
            figures[endpoint] = {
                "p50_ms": sequential["p50_ms"],
                "p99_ms": sequential["p99_ms"],
                "cpu_ms": sequential["cpu_ms"],
                "per_second": concurrent["per_second"],
                "concurrent_p50_ms": concurrent["p50_ms"],
                "concurrent_cpu_ms": concurrent["cpu_ms"],
            }
        figures["threads"] = server.threads()
        if FAILURES:
            raise RuntimeError(f"{name}: {len(FAILURES)} failed, e.g. {FAILURES[0]}")
        return figures
    finally:
        server.kill()


def main() -> None:
    parser = cli.parser(__doc__, requests=1000, concurrency=8, threads=8)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--configs", default=",".join(CONFIGURATIONS))
    parser.add_argument(
        "--user-cache-seconds",
        default="5",
        help="API_USER_CACHE_SECONDS of every server; 0 loads the user each time",
    )
    args = parser.parse_args()
    names = args.configs.split(",")

    extra_env = {
        "JWT_ACCESS_TOKEN_SECONDS": "86400",
        "API_USER_CACHE_SECONDS": args.user_cache_seconds,
    }
    with harness.scratch_site(extra_env, database_name="serving.sqlite3") as (env, _):
        # The pages name their files through collectstatic's manifest, which
        # var/static may not have caught up with.
        static_root = harness.WORK_DIR / "serving-static"
        collect_static(static_root, env)
        env["DJANGO_STATIC_ROOT"] = str(static_root)
        from django.conf import settings
        from django.test import Client

        user, token = harness.make_user_token(is_staff=False)
        ids = [str(meeting.id) for meeting in harness.create_meetings(user, 50)]
        browser = Client()
        browser.force_login(user)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        bearer = {"Authorization": f"Bearer {token}"}
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
        callers = {
            "healthz": lambda port: http_caller(port, lambda n: "/healthz", {}),
            "retrieve": lambda port: http_caller(
                port, lambda n: f"/v1/meetings/{ids[n % len(ids)]}", bearer
            ),
            "list": lambda port: http_caller(port, lambda n: "/v1/meetings", bearer),
            "page": lambda port: http_caller(port, lambda n: "/", cookie),
        }
        raw_worker = harness.raw_reader(ids)
        # DynamoDB Local's JVM compiles its hot paths over the first thousands
        # of requests: without this the first configuration meets a slower one.
        harness.run_load(raw_worker, 20 * args.warmup, 2)
        rounds = []
        for number in range(args.rounds):
            # Each round starts with another configuration, against drift.
            order = names[number % len(names) :] + names[: number % len(names)]
            measured = {
                name: measure(name, env, callers, raw_worker, args) for name in order
            }
            rounds.append({name: measured[name] for name in names})
    results = median_of(rounds)
    report(results, args)
    cli.write_json(args.json, {"args": vars(args), "rounds": rounds, "median": results})


def median_of(rounds: list[dict]) -> dict:
    """Return each figure's median over the rounds."""
    first = rounds[0]
    merged: dict = {}
    for name, figures in first.items():
        merged[name] = {}
        for endpoint, values in figures.items():
            if not isinstance(values, dict):
                merged[name][endpoint] = statistics.median(
                    r[name][endpoint] for r in rounds
                )
                continue
            merged[name][endpoint] = {
                key: statistics.median(r[name][endpoint][key] for r in rounds)
                for key in values
            }
    return merged


def report(results: dict, args) -> None:
    print(
        f"\n== {args.requests} requests per measurement, sequential (latency, CPU) "
        f"and {args.concurrency} connections (req/s, CPU), {args.rounds} round(s), "
        f"{args.threads} threads per server, user cache "
        f"{args.user_cache_seconds} s =="
    )
    for name, figures in results.items():
        print(
            f"\n{name}: {CONFIGURATIONS[name]} (threads after: {figures['threads']:.0f})"
        )
        raw = figures["raw"]
        rows = [
            ["", "p50 ms", "p99 ms", "CPU ms", "req/s", "CPU ms, concurrent"],
            [
                "raw GetItem (client side)",
                f"{raw['p50_ms']:.2f}",
                f"{raw['p99_ms']:.2f}",
            ],
        ]
        for endpoint in ENDPOINTS:
            f = figures[endpoint]
            rows.append(
                [
                    endpoint,
                    *(f"{f[key]:.2f}" for key in ("p50_ms", "p99_ms", "cpu_ms")),
                    f"{f['per_second']:.0f}",
                    f"{f['concurrent_cpu_ms']:.2f}",
                ]
            )
        cli.print_table(rows)
    print("\nratios, same run:")
    rows = [["", "healthz p50", "REST ÷ raw", "page ÷ list", "REST req/s", "REST CPU"]]
    for name, figures in results.items():
        raw, rest = figures["raw"], figures["retrieve"]
        rows.append(
            [
                name,
                f"{figures['healthz']['p50_ms']:.2f} ms",
                cli.ratio(rest["p50_ms"], raw["p50_ms"]),
                cli.ratio(figures["page"]["p50_ms"], figures["list"]["p50_ms"]),
                f"{rest['per_second']:.0f}",
                f"{rest['concurrent_cpu_ms']:.2f} ms",
            ]
        )
    cli.print_table(rows)


if __name__ == "__main__":
    main()
