"""Slow clients against the app with no proxy in front: does everyone else wait?

    .venv/bin/python -m bench.slow_clients
    .venv/bin/python -m bench.slow_clients --seconds 15 --connections 16

Starts DynamoDB Local and one server (`python -m config.server`, or gunicorn
with deploy/gunicorn.conf.py with --gunicorn) with DEBUG off, serving a static
root of its own: this checkout's collected files plus a --file-mb file.

First, idle: sequential GET /healthz and authenticated GET /v1/meetings/{id}
over one keep-alive connection each, and a stream's lag (PATCHes of its meeting
over HTTP, each timed from the moment it was sent until the stream's status
event for that version arrives).

Then the attack, held for --seconds: --connections raw sockets each send a
POST /v1/meetings's headers and then one body byte every --byte-every seconds
(of a Content-Length far beyond what the run sends), and another --connections,
with a 4 KiB receive buffer, each ask for the large file and never read a byte.
Meanwhile, each in a thread of its own, the same three measurements run again
for the whole hold. Every request has a --request-timeout: a request that
takes longer counts as failed, not as a latency.

Prints a table: p50 and p99 idle and under attack, with their ratio; requests
answered and failed; the stream's PATCHes sent and acknowledged, status events
received and their lag; the server's threads and memory; and what became of
the slow clients.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from bench import cli, harness
from tests.support.nginx import collect_static
from tests.support.sse import StreamReader

LARGE_FILE = "slow-clients/large.bin"
RECEIVE_BUFFER = 4096  # SO_RCVBUF of the non-readers
# Announced by every slow body: at one byte per --byte-every seconds it would
# take hours to send, under the default 256 KiB body limit.
BODY_LENGTH = 100_000


@dataclass
class Timings:
    """Sequential requests: latencies of the answered ones, and the failures."""

    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def p(self, fraction: float) -> float:
        return (
            harness.percentile(self.latencies, fraction) if self.latencies else math.nan
        )


def timed_gets(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    requests: int,
    until: float,
    timeout: float,
    pause: float,
    stop: threading.Event | None = None,
) -> Timings:
    """GET path sequentially over one keep-alive connection, up to `requests`
    times or until the monotonic time `until`; reconnect after a failure."""
    timings = Timings()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        for _ in range(requests):
            if time.monotonic() >= until or (stop and stop.is_set()):
                break
            started = time.perf_counter()
            outcome = harness.send(connection, "GET", path, headers)
            if not outcome.isdigit():
                timings.fail(outcome)
                continue
            timings.latencies.append(time.perf_counter() - started)
            if outcome != "200":
                timings.fail(outcome)
            if pause:
                time.sleep(pause)
    finally:
        connection.close()
    return timings


@dataclass
class StreamFigures:
    sent: int = 0
    acknowledged: int = 0
    patch_failures: dict[str, int] = field(default_factory=dict)
    received: int = 0
    lags: list[float] = field(default_factory=list)
    stream_ended: bool = False


class StreamProbe:
    """One open stream of a meeting, and PATCHes of that meeting over HTTP.

    Each PATCH's send time is kept by the version it should make; the stream's
    status event for that version gives its lag.
    """

    def __init__(self, port: int, meeting_id: str, token: str, timeout: float):
        self.port = port
        self.path = f"/v1/meetings/{meeting_id}"
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        self.timeout = timeout
        self.version = 1
        self.sent_at: dict[int, float] = {}
        self.figures = StreamFigures()
        self.lock = threading.Lock()
        self.reader = StreamReader(
            f"http://127.0.0.1:{port}{self.path}/events",
            {"Authorization": f"Bearer {token}"},
        )
        self._thread = threading.Thread(target=self._collect, daemon=True)

    def open(self) -> None:
        self.reader.start()
        first = self.reader.next_of("status", timeout=30)
        self.version = int(first.id)
        self._thread.start()

    def _collect(self) -> None:
        while True:
            event = self.reader.next(timeout=3600)
            if event is None:
                self.figures.stream_ended = True
                return
            if event.event != "status":
                continue
            arrived = time.perf_counter()
            with self.lock:
                sent = self.sent_at.pop(int(event.id), None)
                if sent is not None:
                    self.figures.received += 1
                    self.figures.lags.append(arrived - sent)

    def reset(self) -> StreamFigures:
        """Return the figures so far and start afresh."""
        with self.lock:
            figures, self.figures = self.figures, StreamFigures()
            self.sent_at.clear()
        return figures

    def patch_every(
        self, interval: float, until: float, stop: threading.Event | None = None
    ) -> None:
        """PATCH the meeting every `interval` seconds until `until`."""
        n = 0
        while time.monotonic() < until and not (stop and stop.is_set()):
            n += 1
            self.patch(f"tick {n}")
            time.sleep(max(0.0, min(interval, until - time.monotonic())))

    def patch(self, message: str) -> None:
        body = json.dumps({"status_message": message})
        headers = {**self.headers, "If-Match": f'"{self.version}"'}
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.timeout
        )
        with self.lock:
            self.figures.sent += 1
            self.sent_at[self.version + 1] = time.perf_counter()
        outcome = harness.send(connection, "PATCH", self.path, headers, body)
        connection.close()
        with self.lock:
            if outcome == "200":
                self.figures.acknowledged += 1
                self.version += 1
            else:
                failures = self.figures.patch_failures
                failures[outcome] = failures.get(outcome, 0) + 1
                if outcome == "412":
                    self.version = self._current_version()

    def _current_version(self) -> int:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.timeout
        )
        try:
            connection.request("GET", self.path, headers=self.headers)
            return int(json.loads(connection.getresponse().read())["version"])
        except (OSError, http.client.HTTPException, KeyError, ValueError):
            return self.version
        finally:
            connection.close()

    def close(self) -> None:
        self.reader.close()


class SlowClients:
    """Connections a slow client holds open, and what the server answered them."""

    def __init__(self, port: int):
        self.port = port
        self.sockets: list[socket.socket] = []

    def answers(self) -> dict[str, int]:
        """Peek at each open one's first unread bytes: count the statuses
        answered, "none" where nothing arrived, "closed" where the server closed
        it bare."""
        counts: dict[str, int] = {}
        for sock in self.sockets:
            sock.setblocking(False)  # with a timeout, recv() would wait for data
            try:
                head = sock.recv(12, socket.MSG_PEEK)
                key = head[9:12].decode("latin-1") if head else "closed"
            except BlockingIOError:
                key = "none"
            except OSError:
                key = "reset"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


class SlowBodies(SlowClients):
    """Connections that send a POST's headers, then a body byte at a time."""

    def __init__(self, port: int, token: str, byte_every: float):
        super().__init__(port)
        self.head = (
            "POST /v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {BODY_LENGTH}\r\n\r\n"
        ).encode()
        self.byte_every = byte_every
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def open(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.sendall(self.head + b"{")
        self.sockets.append(sock)

    def start(self) -> None:
        self._thread.start()

    def _trickle(self) -> None:
        # Bounded: stops by itself before the announced body is complete.
        for _ in range(BODY_LENGTH - 2):
            if self._stop.wait(self.byte_every):
                return
            for sock in list(self.sockets):
                try:
                    sock.sendall(b" ")
                except OSError:
                    self.closed_by_server += 1
                    self.sockets.remove(sock)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class NonReaders(SlowClients):
    """Connections with a small receive buffer that ask for a large file and
    never read it."""

    def __init__(self, port: int, path: str):
        super().__init__(port)
        self.request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect(), so that the window offered is small from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", self.port))
        sock.sendall(self.request)
        self.sockets.append(sock)


def static_root(env: dict[str, str], file_mb: float) -> str:
    """Collect this checkout's static files, plus the large one, for the server."""
    root = harness.WORK_DIR / "slow-clients-static"
    collect_static(root, env)
    large = root / LARGE_FILE
    large.parent.mkdir(parents=True, exist_ok=True)
    size = int(file_mb * 1024 * 1024)
    if not large.exists() or large.stat().st_size != size:
        large.write_bytes(os.urandom(size))
    return str(root)


def measure(args, server: harness.Process, probe: StreamProbe, token: str, ids, until):
    """Run the three measurements side by side until `until`; return them."""
    bearer = {"Authorization": f"Bearer {token}"}
    results: dict[str, object] = {}
    stop = threading.Event()

    def healthz() -> None:
        results["healthz"] = timed_gets(
            server.port, "/healthz", {}, requests=10**9, until=until,
            timeout=args.request_timeout, pause=args.pause, stop=stop,
        )  # fmt: skip

    def retrieve() -> None:
        # One meeting, as the idle figures: the same read each time.
        results["retrieve"] = timed_gets(
            server.port, f"/v1/meetings/{ids[0]}", bearer, requests=10**9,
            until=until, timeout=args.request_timeout, pause=args.pause, stop=stop,
        )  # fmt: skip

    threads = [
        threading.Thread(target=healthz, daemon=True),
        threading.Thread(target=retrieve, daemon=True),
        threading.Thread(
            target=probe.patch_every,
            args=(args.patch_every, until, stop),
            daemon=True,
        ),
    ]
    rss, server_threads = [], []
    for thread in threads:
        thread.start()
    while time.monotonic() < until:
        with contextlib.suppress(OSError, KeyError):
            rss.append(server.rss_kib())
            server_threads.append(server.threads())
        time.sleep(min(1.0, max(0.0, until - time.monotonic())))
    stop.set()
    for thread in threads:
        thread.join(timeout=args.request_timeout + 5)
    # The last PATCH's event may still be on its way.
    time.sleep(args.poll + 1)
    results["stream"] = probe.reset()
    results["rss_kib"] = max(rss, default=0)
    results["threads"] = max(server_threads, default=0)
    return results


def fmt_failures(timings: Timings) -> str:
    if not timings.failures:
        return "0"
    return f"{timings.failed} ({', '.join(f'{k} {v}' for k, v in timings.failures.items())})"


def print_table(args, idle: dict, attack: dict, slow: dict, readers: dict) -> None:
    kind = f"gunicorn, {args.workers} worker(s)" if args.gunicorn else "config.server"
    print()
    print(
        f"{args.connections} slow bodies (1 byte / {args.byte_every:g} s) + "
        f"{args.connections} non-readers of a {args.file_mb:g} MB file, held "
        f"{args.seconds:g} s; {kind}, DJANGO_REQUEST_THREADS={args.threads}, "
        f"request timeout {args.request_timeout:g} s"
    )
    print()
    rows = [("", "idle", "under attack", "attack / idle")]
    for name, label in (
        ("healthz", "GET /healthz"),
        ("retrieve", "GET /v1/meetings/{id}"),
    ):
        before, during = idle[name], attack[name]
        for fraction, p in ((0.5, "p50"), (0.99, "p99")):
            rows.append(
                (
                    f"{label} {p}",
                    cli.ms(before.p(fraction), " ms"),
                    cli.ms(during.p(fraction), " ms"),
                    cli.ratio(during.p(fraction), before.p(fraction)),
                )
            )
        rows.append(
            (
                f"{label} answered / failed",
                f"{len(before.latencies)} / {fmt_failures(before)}",
                f"{len(during.latencies)} / {fmt_failures(during)}",
                "",
            )
        )
    for name, label in (("stream", "stream"),):
        before, during = idle[name], attack[name]
        rows.append(
            (
                f"{label}: PATCHes sent / acknowledged",
                f"{before.sent} / {before.acknowledged}",
                f"{during.sent} / {during.acknowledged}",
                "",
            )
        )
        rows.append(
            (
                f"{label}: status events received",
                f"{before.received} / {before.sent}",
                f"{during.received} / {during.sent}",
                "",
            )
        )
        for fraction, p in ((0.5, "p50"), (1.0, "max")):
            lag_before = harness.percentile(before.lags, fraction)
            lag_during = harness.percentile(during.lags, fraction)
            rows.append(
                (
                    f"{label}: lag from PATCH sent, {p}",
                    cli.ms(lag_before, " ms"),
                    cli.ms(lag_during, " ms"),
                    cli.ratio(lag_during, lag_before),
                )
            )
        if during.patch_failures:
            rows.append(("stream: PATCH failures", "", str(during.patch_failures), ""))
        if during.stream_ended:
            rows.append(("stream: ended during the attack", "", "yes", ""))
    rows.append(
        (
            "server threads (max)",
            str(idle["threads"]),
            str(attack["threads"]),
            "",
        )
    )
    rows.append(
        (
            "server RSS (max)",
            f"{idle['rss_kib'] / 1024:.0f} MiB",
            f"{attack['rss_kib'] / 1024:.0f} MiB",
            "",
        )
    )
    cli.print_table(rows)
    print()
    print(f"slow bodies at the end (by answer; none = still waiting): {slow}")
    print(f"non-readers at the end (by answer; none = nothing sent): {readers}")


def main() -> None:
    parser = cli.parser(__doc__, seconds=60, threads=8, poll=1.0, request_timeout=2.0)
    parser.add_argument(
        "--connections",
        type=int,
        default=64,
        help="slow bodies, and as many non-readers",
    )
    parser.add_argument("--byte-every", type=float, default=5.0)
    parser.add_argument("--file-mb", type=float, default=4)
    parser.add_argument("--gunicorn", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="with --gunicorn")
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--patch-every", type=float, default=3.0)
    parser.add_argument(
        "--pause", type=float, default=0.005, help="between two sequential requests"
    )
    args = parser.parse_args()

    extra_env = {
        "DJANGO_DEBUG": "false",
        "JWT_ACCESS_TOKEN_SECONDS": "86400",
        # Every slow body is a create: keep them all under the quota.
        "MEETINGS_CREATE_RATE": "100000/min",
        "SSE_POLL_INTERVAL": str(args.poll),
        "SSE_MAX_LIFETIME": "86400",
    }
    with harness.scratch_site(extra_env, database_name="slow_clients.sqlite3") as (
        env,
        _,
    ):
        server = probe = slow = readers = None
        try:
            env["DJANGO_STATIC_ROOT"] = static_root(env, args.file_mb)
            env["DJANGO_REQUEST_THREADS"] = str(args.threads)
            user, token = harness.make_user_token(is_staff=False)
            ids = [str(meeting.id) for meeting in harness.create_meetings(user, 2)]
            if args.gunicorn:
                server = harness.start_gunicorn(env, args.workers)
            else:
                server = harness.start_server(env)
            bearer = {"Authorization": f"Bearer {token}"}
            warm = time.monotonic() + 30
            for path, headers in (("/healthz", {}), (f"/v1/meetings/{ids[0]}", bearer)):
                timed_gets(
                    server.port, path, headers, requests=100, until=warm,
                    timeout=10, pause=0,
                )  # fmt: skip
            probe = StreamProbe(server.port, ids[1], token, args.request_timeout)
            probe.open()

            print(f"idle for {args.idle_seconds:g} s ...", flush=True)
            idle = measure(
                args, server, probe, token, ids, time.monotonic() + args.idle_seconds
            )

            print(f"opening {2 * args.connections} slow clients ...", flush=True)
            slow = SlowBodies(server.port, token, args.byte_every)
            readers = NonReaders(server.port, f"/static/{LARGE_FILE}")
            # Taking turns, so that a server that gives each a thread gives
            # some to both kinds.
            for _ in range(args.connections):
                slow.open()
                readers.open()
            slow.start()
            print(f"holding them for {args.seconds:g} s ...", flush=True)
            attack = measure(
                args, server, probe, token, ids, time.monotonic() + args.seconds
            )
            slow.stop()
            slow_answers = slow.answers()
            slow_answers["closed while sending"] = slow.closed_by_server
            reader_answers = readers.answers()
        finally:
            if slow is not None:
                slow.stop()
            for clients in (slow, readers):
                if clients is not None:
                    clients.close()
            if probe is not None:
                probe.close()
            if server is not None:
                server.kill()
    print_table(args, idle, attack, slow_answers, reader_answers)
    cli.write_json(args.json, figures(args, idle, attack, slow_answers, reader_answers))


def figures(args, idle: dict, attack: dict, slow: dict, readers: dict) -> dict:
    """Return the run's figures as plain data, for --json."""

    def plain(value):
        if isinstance(value, Timings):
            return {
                "p50_ms": 1000 * value.p(0.5),
                "p99_ms": 1000 * value.p(0.99),
                "answered": len(value.latencies),
                "failures": value.failures,
            }
        if isinstance(value, StreamFigures):
            return value.__dict__
        return value

    out = {
        phase: {name: plain(value) for name, value in results.items()}
        for phase, results in (("idle", idle), ("attack", attack))
    }
    return {**out, "args": vars(args), "slow_bodies": slow, "non_readers": readers}


if __name__ == "__main__":
    main()
