"""Slow clients, with no proxy in front, must not take the app down.

More clients than the server has request threads (DJANGO_REQUEST_THREADS,
4 here) each either send a request's headers and then its body one byte every
2 s, or ask for a 4 MB static file and never read it. Meanwhile /healthz must
answer quickly, an authenticated GET /v1/meetings/{id} must stay within a few
times its idle latency, a PATCH must go through, and an open stream must
deliver the status event it causes.

Before config/wsgi_pool.py read bodies and wrote responses from the event loop,
each slow client held a pool thread (blocked reading the rest of the body, or
blocked writing to a client that never reads) and everything else waited
behind them. Every wait here is bounded, so that regression fails in well under
a minute and a half instead of hanging.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import threading
import time

import httpx
import pytest

from meetings import services
from meetings.domain import Viewer
from tests.conftest import access_token_for
from tests.support.sse import StreamReader

pytestmark = pytest.mark.system

THREADS = 4  # DJANGO_REQUEST_THREADS of the server under test
SLOW_BODIES = 16  # each more than the threads on its own
NON_READERS = 16
BODY_LENGTH = 1000  # the Content-Length the slow bodies announce
BYTE_EVERY = 2.0  # seconds between two bytes of a slow body
FILE_BYTES = 4 * 1024 * 1024
RECEIVE_BUFFER = 4096  # SO_RCVBUF of the non-readers
POLL = 0.5  # server_env's SSE_POLL_INTERVAL

HEALTHZ_SECONDS = 10.0
# The target is 50 ms, which bench/slow_clients.py measures at full size on a
# quiet machine (docs/performance.md). On shared CI cores a p99 of 40 ms was
# seen under no fault at all, so the test allows 100 ms: a blocked pool shows
# as 2 s timeouts, far beyond it.
HEALTHZ_P99 = 0.100
# Under attack a read may take 4 times its idle p99, measured before the attack
# in the same test. Idle p99 here is a few milliseconds and scheduling on shared
# CI cores can add tens of them to any request, so never less than 100 ms: a
# blocked pool shows as 1-2 s timeouts, far beyond either.
READ_FACTOR = 4
READ_FLOOR = 0.100
READS = 200
REQUEST_TIMEOUT = 2.0  # per request: a blocked pool fails fast, not after minutes


@pytest.fixture(params=["uvicorn", pytest.param("gunicorn", marks=pytest.mark.long)])
def server(request, transactional_db, tmp_path, collected_static):
    """The app with THREADS request threads, DEBUG off, serving its own static
    root: the session's collected files plus a 4 MB one."""
    static_root = tmp_path / "static"
    # Links, not copies: the session's files are some 30 MB.
    shutil.copytree(collected_static, static_root, copy_function=os.symlink)
    (static_root / "slow-clients").mkdir()
    (static_root / "slow-clients" / "large.bin").write_bytes(os.urandom(FILE_BYTES))
    start = request.getfixturevalue(
        "start_server" if request.param == "uvicorn" else "servers"
    )
    return start(
        DJANGO_DEBUG="false",
        DJANGO_SERVE_STATIC="true",
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_REQUEST_THREADS=THREADS,
        # The slow bodies are creates: keep them under the create quota, and
        # the load under the API's rates.
        MEETINGS_CREATE_RATE="1000/min",
        API_READ_RATE="",
        API_WRITE_RATE="",
    )


class SlowBodies:
    """Connections that send a POST's headers, then its body a byte at a time.

    A thread sends each a byte every BYTE_EVERY seconds until stop(), or until
    the whole body would have gone (it never does within a test).
    """

    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.sockets: list[socket.socket] = []
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def open(self) -> None:
        """Open one more: its headers and the first byte of its body."""
        head = (
            "POST /v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {self.token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {BODY_LENGTH}\r\n\r\n"
        ).encode()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(head + b"{")
        self.sockets.append(sock)

    def start(self) -> None:
        """Send the next byte of every body every BYTE_EVERY seconds."""
        self._thread.start()

    def _trickle(self) -> None:
        for _ in range(BODY_LENGTH - 2):
            if self._stop.wait(BYTE_EVERY):
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
            self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


class NonReaders:
    """Connections with a small receive buffer that ask for a large file and
    never read a byte of it."""

    def __init__(self, port: int, path: str):
        self.port = port
        self.path = path
        self.sockets: list[socket.socket] = []

    def open(self) -> None:
        """Open one more and send its request."""
        request = f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect(), so that the window offered is small from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", self.port))
        sock.sendall(request)
        self.sockets.append(sock)

    def answered(self) -> int:
        """Return how many have the start of a 200 waiting unread."""
        count = 0
        for sock in self.sockets:
            sock.setblocking(False)  # with a timeout, recv() would wait for data
            with contextlib.suppress(BlockingIOError, OSError):
                head = sock.recv(12, socket.MSG_PEEK)
                count += head.startswith(b"HTTP/1.1 200")
        return count

    def stop(self) -> None:
        for sock in self.sockets:
            sock.close()


def p99(values: list[float]) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def timed_gets(
    client: httpx.Client, path: str, *, count: int, seconds: float, pause: float = 0
) -> tuple[list[float], list[str]]:
    """GET path up to count times within seconds; return latencies and failures."""
    latencies, failures = [], []
    deadline = time.monotonic() + seconds
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            response = client.get(path)
        except httpx.HTTPError as error:
            failures.append(type(error).__name__)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append(str(response.status_code))
        if pause:
            time.sleep(pause)
    return latencies, failures


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


@pytest.mark.timeout(90)
def test_slow_clients_do_not_hold_the_request_path(server, alice, local_table):
    meeting = services.create_meeting(str(alice.pk), {"title": "Under attack"})
    token = access_token_for(alice)
    bearer = {"Authorization": f"Bearer {token}"}
    read = f"/v1/meetings/{meeting.id}"
    timeout = httpx.Timeout(REQUEST_TIMEOUT)
    api = httpx.Client(base_url=server.url, headers=bearer, timeout=timeout)
    health = httpx.Client(base_url=server.url, timeout=timeout)
    large = httpx.get(f"{server.url}/static/slow-clients/large.bin", timeout=10)
    assert (large.status_code, len(large.content)) == (200, FILE_BYTES)

    timed_gets(api, read, count=30, seconds=10)  # warm up
    idle, idle_failures = timed_gets(api, read, count=READS, seconds=20)
    assert not idle_failures, idle_failures
    idle_p99 = p99(idle)

    stream = StreamReader(f"{server.url}{read}/events", bearer).start()
    slow = SlowBodies(server.port, token)
    non_readers = NonReaders(server.port, "/static/slow-clients/large.bin")
    try:
        assert stream.next_of("status").id == "1"
        # Taking turns, so that a server that gives each a thread gives some
        # to both kinds.
        for n in range(max(SLOW_BODIES, NON_READERS)):
            if n < SLOW_BODIES:
                slow.open()
            if n < NON_READERS:
                non_readers.open()
        slow.start()
        time.sleep(BYTE_EVERY + 0.5)  # every slow body has sent a byte since

        beats, beat_failures = timed_gets(
            health, "/healthz", count=100_000, seconds=HEALTHZ_SECONDS, pause=0.01
        )
        reads, read_failures = timed_gets(api, read, count=READS, seconds=10)
        try:
            patched = api.patch(
                read, json={"status": "in_progress"}, headers={"If-Match": '"1"'}
            )
            patch_outcome = str(patched.status_code)
        except httpx.HTTPError as error:
            patch_outcome = type(error).__name__
            # Tell apart a stream that cannot deliver from a PATCH that never
            # ran: make the change without HTTP.
            services.update_meeting(
                Viewer(str(alice.pk)), meeting.id, {"status": "in_progress"}
            )
        delivered = None
        deadline = time.monotonic() + POLL + 5
        with contextlib.suppress(Exception):  # the stream ended, or no event came
            while delivered != "2" and time.monotonic() < deadline:
                delivered = stream.next_of("status", timeout=POLL + 5).id
        answered = non_readers.answered()
    finally:
        stream.close()
        slow.stop()
        non_readers.stop()
        api.close()
        health.close()

    read_limit = max(READ_FACTOR * idle_p99, READ_FLOOR)
    report = "\n".join(
        [
            f"/healthz under attack: {len(beats)} answered, p50 "
            f"{ms(statistics.median(beats)) if beats else '-'}, p99 {ms(p99(beats))}"
            f" (limit {ms(HEALTHZ_P99)}); failed: {beat_failures[:5]}"
            f" ({len(beat_failures)})",
            f"GET {read}: idle p99 {ms(idle_p99)}; under attack {len(reads)} "
            f"answered, p99 {ms(p99(reads))} (limit {ms(read_limit)}); failed: "
            f"{read_failures[:5]} ({len(read_failures)})",
            f"PATCH during the attack: {patch_outcome}; stream delivered: "
            f"version {delivered}",
            f"non-readers answered 200: {answered}/{NON_READERS}; slow bodies "
            f"closed by the server: {slow.closed_by_server}/{SLOW_BODIES}",
        ]
    )
    print(report)
    assert not beat_failures and p99(beats) < HEALTHZ_P99, report
    assert not read_failures and p99(reads) < read_limit, report
    assert patch_outcome == "200", report
    assert delivered == "2", report
    assert answered == NON_READERS, report
