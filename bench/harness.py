"""What the benchmarks share: DynamoDB Local, a configured Django, server
processes, /proc readings, a threaded request load, and a lean asyncio SSE
client for many streams."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "bench"


def setup_django(
    dynamodb_url: str,
    extra_env: dict[str, str] | None = None,
    database_name: str = "bench.sqlite3",
) -> dict:
    """Configure Django in this process on a scratch database; return the env
    a server process needs to share it.

    Benchmarks that may run beside another name their own database_name, so
    that neither deletes the other's database."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    database = WORK_DIR / database_name
    database.unlink(missing_ok=True)
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DYNAMODB_ENDPOINT_URL": dynamodb_url,
        "DYNAMODB_TABLE": "bench",
        "DJANGO_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        # Benchmarks measure capacity: no per-user API rate limits, and the
        # bench user's parallel requests are not held to one user's share of
        # the request threads (bench/rate_limits.py measures both).
        "API_READ_RATE": "",
        "API_WRITE_RATE": "",
        "DJANGO_REQUEST_USER_SHARE": "0",
        **(extra_env or {}),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from meetings.store.dynamodb.client import get_client
    from meetings.store.dynamodb.schema import ensure_table

    call_command("migrate", verbosity=0)  # the create quotas' cache table too
    ensure_table(get_client(), "bench")
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    return env


def make_user_token(username: str = "bench", is_staff: bool = True) -> tuple:
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": is_staff}
    )
    return user, str(RefreshToken.for_user(user).access_token)


def long_stream_settings(streams: int, **extra: str) -> dict[str, str]:
    """Settings that let the bench user hold `streams` streams, and keep them
    open and authenticated, for the whole run."""
    return {
        "SSE_MAX_STREAMS_PER_USER": str(streams + 100),
        "SSE_MAX_LIFETIME": "86400",
        "JWT_ACCESS_TOKEN_SECONDS": "86400",
        **extra,
    }


def create_meetings(user, count: int) -> list:
    """`count` meetings owned by `user`, through the service layer."""
    from meetings import services

    return [
        services.create_meeting(str(user.pk), {"title": f"m{n}"}) for n in range(count)
    ]


def start_dynamodb():
    from meetings.store.local import DynamoDBLocal, free_port

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    return DynamoDBLocal(free_port(), log_path=WORK_DIR / "dynamodb.log").start()


@contextlib.contextmanager
def scratch_site(
    extra_env: dict[str, str] | None = None, database_name: str = "bench.sqlite3"
) -> Iterator[tuple[dict[str, str], object]]:
    """Start DynamoDB Local and set up Django on a scratch database (see
    setup_django); yield the servers' env and DynamoDB Local, and stop it after."""
    dynamodb = start_dynamodb()
    try:
        yield setup_django(dynamodb.endpoint_url, extra_env, database_name), dynamodb
    finally:
        dynamodb.stop()


class Process:
    """A server process we can read /proc for, signal and stop."""

    def __init__(self, command: list[str], env: dict[str, str], port: int):
        self.port = port
        log = open(WORK_DIR / f"server-{port}.log", "wb")  # noqa: SIM115
        # In a session of its own, so kill() reaches gunicorn's workers too.
        self.popen = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**os.environ, **env},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        from meetings.store.local import is_listening

        deadline = time.monotonic() + 60
        while not is_listening(port):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on {port} did not start; see {log.name}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def status(self, field_name: str) -> int:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise KeyError(field_name)

    def rss_kib(self) -> int:
        return self.status("VmRSS")

    def threads(self) -> int:
        return self.status("Threads")

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def tree_cpu_seconds(self) -> float:
        """Return the CPU seconds of the server and every process it started."""
        return sum(process_cpu_seconds(pid) for pid in descendants(self.pid))

    def terminate(self, timeout: float = 60) -> float:
        started = time.perf_counter()
        self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(timeout)
        return time.perf_counter() - started

    def kill(self) -> None:
        """SIGKILL the server and any workers it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()


def _stat_fields(pid: int) -> list[str]:
    # The command name may hold spaces and parentheses: split after the last ")".
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def process_cpu_seconds(pid: int) -> float:
    """Return the user and system CPU seconds of one process, all its threads."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Return pid and the ids of every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                parent = int(_stat_fields(int(entry))[1])
                children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def start_server(env: dict[str, str], app: str = "config") -> Process:
    """Start `python -m config.server`, or uvicorn serving the ASGI app `app`."""
    from meetings.store.local import free_port

    port = free_port()
    if app == "config":
        command = [sys.executable, "-m", "config.server", "--port", str(port)]
    else:
        command = [
            sys.executable, "-m", "uvicorn", app, "--port", str(port),
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    return Process(command, env, port)


def start_gunicorn(env: dict[str, str], workers: int, *options: str) -> Process:
    """Start gunicorn as deployed (deploy/gunicorn.conf.py) with `workers`
    DrainingUvicornWorker processes and any further gunicorn options."""
    from meetings.store.local import free_port

    port = free_port()
    return Process(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *options,
         "config.asgi:application"],
        env,
        port,
    )  # fmt: skip


def send(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
) -> str:
    """Send one request on connection and read its answer whole; return the
    status, or the error's name (the connection is then closed, so the next
    request reconnects)."""
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return str(response.status)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return type(error).__name__


def run_load(
    worker: Callable[[], Callable[[int], object]], requests: int, concurrency: int
) -> dict[str, float]:
    """Call `requests` times, from `concurrency` threads, the function that
    worker() makes in each thread; return p50 and p99 in ms and calls a second."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def loop() -> None:
        mine = []
        call = worker()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            call(n)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "per_second": len(latencies) / elapsed,
    }


def raw_reader(ids: list[str]) -> Callable[[], Callable[[int], object]]:
    """Return a run_load worker: each thread reads ids in turn with a raw boto3
    GetItem (ConsistentRead, as the API reads), on a client of its own."""
    import boto3
    from django.conf import settings

    def make() -> Callable[[int], object]:
        client = boto3.client(
            "dynamodb",
            endpoint_url=settings.DYNAMODB_ENDPOINT_URL,
            region_name=settings.AWS_REGION,
            **settings.DYNAMODB_CREDENTIALS,
        )
        return lambda n: client.get_item(
            TableName="bench",
            Key={"pk": {"S": f"MEETING#{ids[n % len(ids)]}"}},
            ConsistentRead=True,
        )

    return make


@dataclass
class StreamStats:
    opened: int = 0
    refused: int = 0
    errors: int = 0
    closed: int = 0
    lost: int = 0
    events: dict[str, int] = field(default_factory=dict)


class StreamClient:
    """Hold many SSE streams on one event loop with plain asyncio sockets."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.stats = StreamStats()
        # (meeting id, version) -> perf_counter() when its PATCH was sent, and
        # when each of its status events arrived (maybe before the PATCH's
        # answer: a write wakes its own process's streams at once).
        self.sent_at: dict[tuple[str, int], float] = {}
        self.arrivals: dict[tuple[str, int], list[float]] = {}
        self.tasks: list[asyncio.Task] = []
        # Each stream's last status, by stream number: (meeting id, version).
        self.last_status: dict[int, tuple[str, int]] = {}
        self.connected = 0
        self._ready = asyncio.Event()

    async def open_many(self, paths: list[str], concurrency: int = 200) -> None:
        gate = asyncio.Semaphore(concurrency)
        waiters = []
        for path in paths:
            opened = asyncio.get_running_loop().create_future()
            self.tasks.append(asyncio.create_task(self._stream(path, gate, opened)))
            waiters.append(opened)
        await asyncio.gather(*waiters)

    async def _stream(self, path: str, gate: asyncio.Semaphore, opened) -> None:
        writer = None
        try:
            async with gate:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(
                    (
                        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: Bearer {self.token}\r\n"
                        "Accept: text/event-stream\r\n\r\n"
                    ).encode()
                )
                status_line = await reader.readline()
                status = int(status_line.split()[1])
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                if status != 200:
                    self.stats.refused += 1
                    opened.set_result(False)
                    return
                # The first chunk holds retry:, the second connected.
                self.stats.opened += 1
            opened.set_result(True)
            await self._read_events(reader, id(opened))
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.stats.errors += 1
            if not opened.done():
                opened.set_result(False)
        finally:
            self.stats.closed += 1
            if writer is not None:
                writer.close()

    async def _read_events(self, reader: asyncio.StreamReader, stream: int) -> None:
        buffer = b""
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                return
            buffer += (await reader.readexactly(size + 2))[:-2]
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                self._on_event(block, stream)

    def _on_event(self, block: bytes, stream: int = 0) -> None:
        if block.startswith(b":"):
            name = "ping"
        elif block.startswith(b"event: "):
            name = block[7 : block.index(b"\n")].decode()
        else:
            return
        events = self.stats.events
        events[name] = events.get(name, 0) + 1
        if name == "status":
            data = json.loads(block[block.rindex(b"data: ") + 6 :])
            key = (data.get("meetingId"), data.get("version"))
            self.last_status[stream] = key
            self.arrivals.setdefault(key, []).append(time.perf_counter())
        elif name == "connectionLost":
            self.stats.lost += 1


def delivery_latencies(client: StreamClient) -> list[float]:
    """Return, for every status event of a PATCHed version, PATCH sent → received."""
    return [
        arrived - sent
        for key, sent in client.sent_at.items()
        for arrived in client.arrivals.get(key, ())
    ]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scrape(port: int) -> dict[str, float]:
    """Return this server's Prometheus samples as {name{labels}: value}."""
    import httpx

    samples = {}
    for line in httpx.get(f"http://127.0.0.1:{port}/metrics").text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples
