"""Per-user rate limits: does one user's burst get 429 before it slows another?

    .venv/bin/python -m bench.rate_limits
    .venv/bin/python -m bench.rate_limits --seconds 30 --burst-threads 8 --json var/bench/rate-limits.json

Starts DynamoDB Local and one server at a time (`python -m config.server`,
DEBUG off) on a scratch database with two users, a noisy script and a person,
three meetings each (and a third user, whose reads and writes warm the server
and DynamoDB Local up first). It runs the same measurements against two
configurations in the same run, one server after the other:

- limits on: API_READ_RATE, API_WRITE_RATE and the user's share of the
  request threads (DJANGO_REQUEST_USER_*) unset, so the shipped defaults apply
  (read back from the server's settings and printed);
- limits off: both rates empty, which turns each throttle off (its get_rate()
  gives None, and DRF lets every request through without touching the cache),
  and DJANGO_REQUEST_USER_SHARE=0, which turns the share off.

In each, the person reads their meetings (GET /v1/meetings/{id}, one at a time
over a keep-alive connection, --person-pause between two) for the whole run.
The noisy user bursts twice, each after --idle-seconds with no burst: reads
(GET of its own meetings), then writes (PATCH of its own meetings' status
message, no If-Match), from --burst-threads threads for --seconds seconds,
each thread a bounded loop over a keep-alive connection of its own, ignoring
429 and Retry-After as a misbehaving script would. The burst runs in a process
of its own, so that its threads do not hold the GIL the person's timing needs.

Prints, for each configuration and burst: the person's p50 and p99 idle and
during the burst, and their ratio; the person's p50 in the burst's first
second, before the noisy user's first 429 and after it; the second in which
the person's p50 first passed twice the idle p50; and the noisy user's request
rate, its answers by status, and the time from the burst's start until its
first 429 arrived. With a burst no wider than the user's share and queue, the
first 429 is the rates', after a minute's worth of the rate at the earliest
(later under concurrency: DRF's throttle reads the user's history, then writes
it back, and parallel requests overwrite each other's entries), so --seconds
must be long enough for the noisy user to send that many; the table says how
many 200s it had first. A wider burst gets the share's 429s after its wait.
--share measures "limits on" with another share of the request threads than
the shipped one.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from bench import cli, harness

RATE_SETTINGS = ("API_READ_RATE", "API_WRITE_RATE")
# Each user's share of the request threads (config/user_share.py), by setting.
SHARE_SETTINGS = ("REQUEST_USER_SHARE", "REQUEST_USER_QUEUE", "REQUEST_USER_WAIT")
CONFIGURATIONS = ("limits on", "limits off")
BURSTS = ("reads", "writes")
# Each noisy thread stops after this many requests, whatever the clock says.
MAX_REQUESTS_PER_THREAD = 100_000
# A time-window of the person's p50 needs at least this many requests.
MIN_SAMPLES = 3

# One request: (sent, answered) in time.monotonic() seconds, which on Linux is
# the same clock in every process, and the status (or the exception's name).
Sample = tuple[float, float, str]


def noisy_burst(
    port: int,
    token: str,
    method: str,
    paths: list[str],
    threads: int,
    start_at: float,
    until: float,
    timeout: float,
) -> tuple[list[Sample], float]:
    """Send `method` to `paths` in turn from `threads` threads, each a bounded
    loop over a keep-alive connection, from `start_at` until `until`. Return
    every request, and the CPU seconds this process spent sending them.

    Runs in a process of its own (a spawned pool worker)."""
    headers = {"Authorization": f"Bearer {token}"}
    if method == "PATCH":
        headers["Content-Type"] = "application/json"
    samples: list[Sample] = []
    lock = threading.Lock()

    def loop(number: int) -> None:
        mine: list[Sample] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            for n in range(MAX_REQUESTS_PER_THREAD):
                sent = time.monotonic()
                if sent >= until:
                    break
                path = paths[(number + n) % len(paths)]
                body = (
                    json.dumps({"status_message": f"burst {number}.{n}"})
                    if method == "PATCH"
                    else None
                )
                outcome = harness.send(connection, method, path, headers, body)
                mine.append((sent, time.monotonic(), outcome))
        finally:
            connection.close()
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return samples, time.process_time() - cpu


class Person:
    """One user reading their own meetings, one request at a time, until
    stopped; every request is kept with its times."""

    def __init__(self, port: int, token: str, paths: list[str], pause: float):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"}
        self.paths = paths
        self.pause = pause
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _read(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = 0
        try:
            while not self._stop.is_set():
                n += 1
                sent = time.monotonic()
                path = self.paths[n % len(self.paths)]
                outcome = harness.send(connection, "GET", path, self.headers)
                self.samples.append((sent, time.monotonic(), outcome))
                self._stop.wait(self.pause)
        finally:
            connection.close()

    def window(self, start: float, end: float) -> list[Sample]:
        """Return the requests sent in [start, end)."""
        return [sample for sample in list(self.samples) if start <= sample[0] < end]


def latencies(samples: list[Sample]) -> list[float]:
    """Return the latencies of the requests answered 200."""
    return [answered - sent for sent, answered, outcome in samples if outcome == "200"]


def p(samples: list[Sample], fraction: float) -> float:
    values = latencies(samples)
    return (
        harness.percentile(values, fraction) if len(values) >= MIN_SAMPLES else math.nan
    )


def not_ok(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, outcome in samples:
        if outcome != "200":
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@dataclass
class Burst:
    """One burst and the person's requests around it, in one configuration."""

    seconds: float
    idle: list[Sample]
    during: list[Sample]
    noisy: list[Sample]
    start: float
    # The person's requests by whole second of the burst, from its start.
    by_second: list[list[Sample]] = field(default_factory=list)
    # The server's CPU seconds, read about once a second: (monotonic, seconds).
    server_cpu: list[tuple[float, float]] = field(default_factory=list)
    # The noisy client's CPU seconds over the burst.
    noisy_cpu: float = 0.0

    def server_cores(self, start: float, end: float) -> float:
        """The server's CPU use between two readings nearest start and end, in
        cores."""
        inside = [r for r in self.server_cpu if start - 0.5 <= r[0] <= end + 0.5]
        if len(inside) < 2 or inside[-1][0] - inside[0][0] < 0.5:
            return math.nan
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def noisy_cores(self) -> float:
        elapsed = max((s[1] for s in self.noisy), default=self.start) - self.start
        return self.noisy_cpu / elapsed if elapsed > 0 else math.nan

    @property
    def first_429(self) -> float | None:
        """Seconds from the burst's start until the first 429 arrived."""
        times = [answered for _, answered, outcome in self.noisy if outcome == "429"]
        return min(times) - self.start if times else None

    def person_before_429(self) -> list[Sample]:
        first = self.first_429
        end = self.start + (first if first is not None else self.seconds)
        return [sample for sample in self.during if sample[0] < end]

    def person_after_429(self) -> list[Sample]:
        first = self.first_429
        if first is None:
            return []
        return [sample for sample in self.during if sample[0] >= self.start + first]

    def doubled_at(self) -> int | None:
        """The first whole second of the burst in which the person's p50 was
        more than twice the idle p50."""
        idle = p(self.idle, 0.5)
        for second, samples in enumerate(self.by_second):
            if p(samples, 0.5) > 2 * idle:
                return second
        return None

    def verdict(self) -> str:
        first, doubled = self.first_429, self.doubled_at()
        if doubled is None:
            return "p50 never doubled" + ("" if first is not None else "; no 429")
        if first is None:
            return f"doubled in second {doubled}, no 429"
        if first < doubled:
            return "429 first"
        return "p50 doubled first"

    def noisy_rate(self) -> float:
        if not self.noisy:
            return 0.0
        return len(self.noisy) / (max(s[1] for s in self.noisy) - self.start)

    def noisy_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, outcome in self.noisy:
            counts[outcome] = counts.get(outcome, 0) + 1
        return dict(sorted(counts.items()))

    def noisy_ok_before_429(self) -> int:
        first = self.first_429
        if first is None:
            return sum(1 for s in self.noisy if s[2] == "200")
        return sum(1 for s in self.noisy if s[2] == "200" and s[1] < self.start + first)


def rates_in_effect(env: dict[str, str]) -> dict[str, str]:
    """Ask a fresh Django with the server's environment for its rates."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({n: getattr(settings, n) for n in "
        f"{RATE_SETTINGS + SHARE_SETTINGS!r}}}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=harness.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def warm_up(port: int, requests: list[tuple[str, str, str | None, str]]) -> None:
    """Send each (method, path, body, token) once, and fail on an error."""
    for method, path, body, token in requests:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"warm-up {method} {path}: {response.status}")


def run_configuration(
    args, pool, server: harness.Process, users: dict
) -> dict[str, Burst]:
    person_token, person_paths = users["person"]
    noisy_token, noisy_paths = users["noisy"]
    warm_up(
        server.port,
        [("GET", path, None, person_token) for path in person_paths] * 10
        + [("GET", noisy_paths[0], None, noisy_token)]
        + [("PATCH", noisy_paths[0], '{"status_message": "warm"}', noisy_token)],
    )
    # A third user warms the server and DynamoDB Local's JVM, which is slower
    # for its first few thousand requests, so that the first idle phase of the
    # run is not the coldest; it reads, then writes, each for --warm-seconds.
    warm_token, warm_paths = users["warm"]
    for method in ("GET", "PATCH"):
        start = time.monotonic() + 0.2
        pool.apply(
            noisy_burst,
            (
                server.port,
                warm_token,
                method,
                warm_paths,
                args.burst_threads,
                start,
                start + args.warm_seconds,
                args.request_timeout,
            ),
        )
    person = Person(server.port, person_token, person_paths, args.person_pause)
    person.start()
    bursts: dict[str, Burst] = {}
    try:
        for kind in BURSTS:
            idle_start = time.monotonic()
            print(f"  person idle {args.idle_seconds:g} s ...", flush=True)
            start = idle_start + args.idle_seconds
            until = start + args.seconds
            pending = pool.apply_async(
                noisy_burst,
                (
                    server.port,
                    noisy_token,
                    "GET" if kind == "reads" else "PATCH",
                    noisy_paths,
                    args.burst_threads,
                    start,
                    until,
                    args.request_timeout,
                ),
            )
            time.sleep(max(0.0, start - time.monotonic()))
            print(
                f"  noisy {kind}: {args.burst_threads} threads, {args.seconds:g} s ...",
                flush=True,
            )
            server_cpu = []
            give_up = until + args.request_timeout + 60
            while not pending.ready() and time.monotonic() < give_up:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    server_cpu.append((time.monotonic(), server.cpu_seconds()))
                pending.wait(1.0)
            with contextlib.suppress(OSError, IndexError, ValueError):
                server_cpu.append((time.monotonic(), server.cpu_seconds()))
            noisy, noisy_cpu = pending.get(timeout=1)
            end = max([until, *(s[1] for s in noisy)])
            burst = Burst(
                seconds=args.seconds,
                idle=person.window(idle_start, start),
                during=person.window(start, until),
                noisy=noisy,
                server_cpu=server_cpu,
                noisy_cpu=noisy_cpu,
                start=start,
            )
            burst.by_second = [
                person.window(start + second, min(start + second + 1, until))
                for second in range(math.ceil(args.seconds))
            ]
            bursts[kind] = burst
            # Let the last answers and anything queued behind them drain.
            time.sleep(max(0.0, end + 1 - time.monotonic()))
    finally:
        person.stop()
    return bursts


def fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counts.items()) or "0"


def rows_for(burst: Burst) -> dict[str, str]:
    idle50, idle99 = p(burst.idle, 0.5), p(burst.idle, 0.99)
    during50, during99 = p(burst.during, 0.5), p(burst.during, 0.99)
    first_second = burst.by_second[0] if burst.by_second else []
    before, after = burst.person_before_429(), burst.person_after_429()
    first = burst.first_429
    doubled = burst.doubled_at()
    person_refused = not_ok(burst.idle + burst.during)
    start, end = burst.start, burst.start + burst.seconds
    if first is None:
        server_cores = f"{burst.server_cores(start, end):.2f} / -"
    else:
        server_cores = (
            f"{burst.server_cores(start, start + first):.2f} / "
            f"{burst.server_cores(start + first, end):.2f}"
        )
    return {
        "person p50 idle / burst, ms": f"{cli.ms(idle50)} / {cli.ms(during50)}",
        "person p50 burst / idle": cli.ratio(during50, idle50),
        "person p99 idle / burst, ms": f"{cli.ms(idle99)} / {cli.ms(during99)}",
        "person p99 burst / idle": cli.ratio(during99, idle99),
        "person p50, burst's first second / idle": (
            f"{cli.ms(p(first_second, 0.5))} ms, "
            f"{cli.ratio(p(first_second, 0.5), idle50)}"
        ),
        "person p50 before the first 429 / idle": (
            f"{cli.ms(p(before, 0.5))} ms, {cli.ratio(p(before, 0.5), idle50)}"
        ),
        "person p50 after the first 429 / idle": (
            f"{cli.ms(p(after, 0.5))} ms, {cli.ratio(p(after, 0.5), idle50)}"
            if after
            else "-"
        ),
        "person requests idle / burst (not 200)": (
            f"{len(burst.idle)} / {len(burst.during)} ({fmt_counts(person_refused)})"
        ),
        "noisy requests/s": f"{burst.noisy_rate():.0f}",
        "noisy answers": fmt_counts(burst.noisy_by_status()),
        "noisy 200s before its first 429": str(burst.noisy_ok_before_429()),
        "noisy first 429 after": "-" if first is None else f"{first:.2f} s",
        "server CPU, cores: before / after the first 429": server_cores,
        "noisy client CPU, cores": f"{burst.noisy_cores():.2f}",
        "person p50 first > 2x idle in second": (
            "never" if doubled is None else f"{doubled} ({doubled}-{doubled + 1} s)"
        ),
        "429 before the person's p50 doubled?": burst.verdict(),
    }


def print_table(args, results: dict[str, dict[str, Burst]], rates: dict) -> None:
    columns = [(config, kind) for kind in BURSTS for config in CONFIGURATIONS]
    header = ["", *(f"{config}: {kind}" for config, kind in columns)]
    cells = {column: rows_for(results[column[0]][column[1]]) for column in columns}
    names = list(next(iter(cells.values())))
    rows = [header] + [[name, *(cells[c][name] for c in columns)] for name in names]
    print()
    print(
        f"noisy user: {args.burst_threads} threads for {args.seconds:g} s per burst; "
        f"person: 1 thread, {args.person_pause:g} s between reads; "
        f"idle {args.idle_seconds:g} s before each burst; config.server, "
        f"DJANGO_REQUEST_THREADS={args.threads}"
    )
    for config in CONFIGURATIONS:
        print(f"  {config}: {rates[config]}")
    print()
    cli.print_table(rows)
    print()
    print("person p50 by second of the burst, ms (* = more than twice idle):")
    for config, kind in columns:
        burst = results[config][kind]
        idle = p(burst.idle, 0.5)
        marks = []
        for samples in burst.by_second:
            value = p(samples, 0.5)
            marks.append(cli.ms(value) + ("*" if value > 2 * idle else ""))
        first = burst.first_429
        at = "" if first is None else f"  (first 429 at {first:.2f} s)"
        label = f"{config}: {kind}"
        print(f"  {label:18} {' '.join(marks)}{at}")
    for kind in BURSTS:
        if results["limits on"][kind].first_429 is None:
            print(
                f"warning: limits on, the noisy {kind} got no 429: the burst did "
                "not reach the limit; give it more --seconds or --burst-threads"
            )


def figures(args, results: dict[str, dict[str, Burst]], rates: dict) -> dict:
    out: dict = {"args": vars(args), "rates": rates}
    for config, bursts in results.items():
        for kind, burst in bursts.items():
            out[f"{config}: {kind}"] = {
                "rows": rows_for(burst),
                "person_idle_p50_ms": 1000 * p(burst.idle, 0.5),
                "person_idle_p99_ms": 1000 * p(burst.idle, 0.99),
                "person_burst_p50_ms": 1000 * p(burst.during, 0.5),
                "person_burst_p99_ms": 1000 * p(burst.during, 0.99),
                "person_p50_by_second_ms": [
                    1000 * p(samples, 0.5) for samples in burst.by_second
                ],
                "noisy_requests": len(burst.noisy),
                "noisy_per_second": burst.noisy_rate(),
                "noisy_by_status": burst.noisy_by_status(),
                "noisy_first_429_s": burst.first_429,
                "noisy_client_cpu_cores": burst.noisy_cores(),
                "server_cpu": burst.server_cpu,
                "person_doubled_in_second": burst.doubled_at(),
                "verdict": burst.verdict(),
            }
    return out


def main() -> None:
    parser = cli.parser(__doc__, seconds=40, threads=8, request_timeout=10.0)
    parser.add_argument("--burst-threads", type=int, default=8)
    parser.add_argument("--idle-seconds", type=float, default=5)
    parser.add_argument(
        "--warm-seconds",
        type=float,
        default=2,
        help="a third user's reads, then writes, before each configuration",
    )
    parser.add_argument(
        "--person-pause",
        type=float,
        default=0.05,
        help="between two of the person's reads: keep them under their own limit",
    )
    parser.add_argument(
        "--share",
        type=int,
        default=None,
        help="DJANGO_REQUEST_USER_SHARE with limits on (default: the shipped one)",
    )
    args = parser.parse_args()

    # Spawned before anything else: a worker of its own for the noisy bursts.
    pool = multiprocessing.get_context("spawn").Pool(1)
    extra_env = {"DJANGO_DEBUG": "false", "JWT_ACCESS_TOKEN_SECONDS": "86400"}
    try:
        with harness.scratch_site(extra_env, database_name="rate_limits.sqlite3") as (
            env,
            _,
        ):
            env["DJANGO_REQUEST_THREADS"] = str(args.threads)
            # setup_django turns the limits off, in os.environ too (Process
            # passes it on): take them out so that "limits on" gets the
            # shipped defaults.
            for name in (*RATE_SETTINGS, "DJANGO_REQUEST_USER_SHARE"):
                os.environ.pop(name, None)
                env.pop(name)
            if args.share is not None:
                env["DJANGO_REQUEST_USER_SHARE"] = str(args.share)
            envs = {
                "limits on": env,
                "limits off": {
                    **env,
                    **dict.fromkeys(RATE_SETTINGS, ""),
                    "DJANGO_REQUEST_USER_SHARE": "0",
                },
            }
            users = {}
            for name in ("person", "noisy", "warm"):
                user, token = harness.make_user_token(name, is_staff=False)
                meetings = harness.create_meetings(user, 3)
                users[name] = (token, [f"/v1/meetings/{m.id}" for m in meetings])
            results: dict[str, dict[str, Burst]] = {}
            rates: dict[str, dict[str, str]] = {}
            for config in CONFIGURATIONS:
                rates[config] = rates_in_effect(envs[config])
                print(f"{config} {rates[config]}: starting the server ...", flush=True)
                server = harness.start_server(envs[config])
                try:
                    results[config] = run_configuration(args, pool, server, users)
                finally:
                    server.kill()
    finally:
        pool.terminate()
        pool.join()
    print_table(args, results, rates)
    cli.write_json(args.json, figures(args, results, rates))


if __name__ == "__main__":
    main()
