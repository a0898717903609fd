"""Benchmark the stream poller on a fleet: K processes behind nginx, one DynamoDB.

    .venv/bin/python -m bench.fleet --streams 4000 --meetings 2000 --writes 5
    .venv/bin/python -m bench.fleet --streams 4000 --meetings 200 --writes 5

Starts DynamoDB Local (in memory) and, for each design in turn, K server
processes (`python -m config.server`) behind deploy/nginx.conf (Debian nginx,
rendered by tests/support/nginx.py, with the per-client stream cap lifted:
the bench is one client address). It opens S streams through nginx, mixed as
the web UI opens them: meeting pages (one meeting) and list pages (one stream
for a page of 20). A writer PATCHes W meetings a second through nginx and
deletes a few. In the same run, side by side:

- full_read_3s: every process reads every meeting its streams watch, every
  3 s tick (SSE_FULL_READ_INTERVAL=0);
- index_3s: each process queries the change index every 3 s and reads only
  the changed meetings it watches (the design before sub-second polling);
- subsecond: the same every 0.5 s from each shard's high-water mark, with a
  sweep of the last seconds every 3 s (events/window.py);
- seed: a GetItem per stream per meeting per 3 s tick, a model line priced
  with the read units per item measured on `full_read_3s`.

For each: meetings read per process per tick, read and write units per
viewer-hour from the servers' consumed-capacity counters, CPU of the servers
and of DynamoDB Local, PATCH sent → status event received p50/p99 (by the
client, through nginx), deletions seen and their p99.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

import httpx

from bench import cli, cost_model, harness
from tests.support.nginx import Nginx

# Other benchmarks may run at the same time: keep our scratch database apart.
harness.WORK_DIR = harness.WORK_DIR / "fleet"
# The bench is one client holding thousands of streams, each two connections
# in nginx: more than the test config's 4,096 per worker.
NGINX_CONNECTIONS = 20_000
PAGE_SIZE = 20  # meetings on a list page, each page one multi stream
# The seed's model is priced with the units per meeting read measured on
# full_read_3s; index_3s is the change index as it was before sub-second
# polling (every 3 s tick a sweep); subsecond is the default now (--poll,
# --sweep). Writes wake their own process's watchers in every design.
SEED_POLL = 3.0
DESIGNS = {
    "full_read_3s": {
        "SSE_POLL_INTERVAL": "3",
        "SSE_SWEEP_INTERVAL": "0",
        "SSE_FULL_READ_INTERVAL": "0",
    },
    "index_3s": {"SSE_POLL_INTERVAL": "3", "SSE_SWEEP_INTERVAL": "0"},
    "subsecond": {},
}


class FleetClient(harness.StreamClient):
    """A harness.StreamClient that also times deletions to their `deleted` events."""

    def __init__(self, port: int, token: str):
        super().__init__(port, token)
        # Meeting id -> when its DELETE was sent, and when each `deleted` came.
        self.deleted_at: dict[str, float] = {}
        self.deleted_arrivals: dict[str, list[float]] = {}
        self.write_errors = 0

    def _on_event(self, block: bytes, stream: int = 0) -> None:
        super()._on_event(block, stream)
        if block.startswith(b"event: deleted"):
            data = json.loads(block[block.rindex(b"data: ") + 6 :])
            arrivals = self.deleted_arrivals.setdefault(data["meetingId"], [])
            arrivals.append(time.perf_counter())

    def deletion_latencies(self) -> list[float]:
        return [
            arrived - sent
            for meeting_id, sent in self.deleted_at.items()
            for arrived in self.deleted_arrivals.get(meeting_id, ())
        ]


def stream_paths(ids: list[str], streams: int, list_share: float, seed: int):
    """Return (path, meetings watched) for each stream, pages and single ones."""
    rng = random.Random(seed)
    pages = max(1, len(ids) // PAGE_SIZE)
    paths = []
    for _ in range(streams):
        if rng.random() < list_share:
            start = rng.randrange(pages) * PAGE_SIZE
            page = ids[start : start + PAGE_SIZE]
            # As the list page opens it: its rows, and the scope (new meetings).
            query = "&".join(f"meeting={i}" for i in page) + "&scope=visible"
            paths.append((f"/v1/events?{query}", page))
        else:
            meeting = rng.choice(ids)
            paths.append((f"/v1/meetings/{meeting}/events", [meeting]))
    return paths


def total(samples: list[dict], prefix: str) -> dict[str, float]:
    """Sum the samples whose name starts with prefix, by label set, over servers."""
    sums: dict[str, float] = {}
    for server in samples:
        for name, value in server.items():
            if name.startswith(prefix):
                sums[name] = sums.get(name, 0.0) + value
    return sums


def units(samples: list[dict], kind: str, operations: tuple[str, ...]) -> float:
    found = total(samples, f"meetstream_dynamodb_{kind}_capacity_units_total")
    return sum(
        value
        for name, value in found.items()
        if any(f'operation="{op}"' in name for op in operations)
    )


def one(samples: list[dict], name: str) -> float:
    return sum(total(samples, name).values())


async def writer(http, ids, client: FleetClient, args, stop_at, deleted) -> None:
    """PATCH W random meetings a second; delete args.deletes spread over the run."""
    rng = random.Random(7)
    live = [i for i in ids if i not in deleted]
    interval = 1 / args.writes
    delete_every = args.seconds / (args.deletes + 1) if args.deletes else None
    next_delete = time.perf_counter() + (delete_every or 0)
    pending: set[asyncio.Task] = set()

    async def patch(meeting_id: str) -> None:
        sent = time.perf_counter()
        try:
            response = await http.patch(
                f"/v1/meetings/{meeting_id}", json={"status_message": f"{time.time()}"}
            )
        except httpx.HTTPError:
            client.write_errors += 1
            return
        if response.status_code == 200:
            body = response.json()
            client.sent_at[(body["id"], body["version"])] = sent

    async def delete(meeting_id: str) -> None:
        sent = time.perf_counter()
        try:
            response = await http.delete(f"/v1/meetings/{meeting_id}")
        except httpx.HTTPError:
            client.write_errors += 1
            return
        if response.status_code == 204:
            client.deleted_at[meeting_id] = sent

    tick = time.perf_counter()
    while time.perf_counter() < stop_at:
        if delete_every and time.perf_counter() >= next_delete:
            victim = live.pop(rng.randrange(len(live)))
            deleted.add(victim)
            pending.add(asyncio.create_task(delete(victim)))
            next_delete += delete_every
        pending.add(asyncio.create_task(patch(rng.choice(live))))
        pending = {task for task in pending if not task.done()}
        tick += interval
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
    await asyncio.gather(*pending)


async def measure(env, token, user, dynamodb, design, args) -> dict:
    poll = float(env["SSE_POLL_INTERVAL"])
    # The ORM (the search index's write-through) refuses an event loop's thread.
    created = await asyncio.to_thread(harness.create_meetings, user, args.meetings)
    ids = [str(m.id) for m in created]
    streams = stream_paths(ids, args.streams, args.list_share, seed=1)
    servers = [harness.start_server(env) for _ in range(args.processes)]
    nginx = Nginx(
        [server.port for server in servers],
        harness.WORK_DIR / f"nginx-{design}",
        streams_per_client=args.streams * 2,
    )
    config = nginx.workdir / "nginx.conf"
    config.write_text(
        config.read_text()
        .replace("worker_connections 4096", f"worker_connections {NGINX_CONNECTIONS}")
        .replace(
            "worker_processes 1;", "worker_processes 1;\nworker_rlimit_nofile 20000;"
        )
    )
    nginx.start()
    client = FleetClient(nginx.port, token)
    ddb_pids = harness.descendants(dynamodb.process.pid)

    def cpu() -> tuple[float, float]:
        ours = sum(server.tree_cpu_seconds() for server in servers)
        theirs = sum(harness.process_cpu_seconds(pid) for pid in ddb_pids)
        return ours, theirs

    deleted: set[str] = set()
    try:
        await client.open_many([path for path, _ in streams], concurrency=100)
        await asyncio.sleep(poll + 2)  # every process past its first tick
        before = [harness.scrape(server.port) for server in servers]
        cpu_before, started = cpu(), time.perf_counter()
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{nginx.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as http:
            await writer(http, ids, client, args, started + args.seconds, deleted)
        await asyncio.sleep(SEED_POLL + 3)  # the last changes reach the streams
        elapsed = time.perf_counter() - started
        cpu_after = cpu()
        after = [harness.scrape(server.port) for server in servers]
    finally:
        for task in client.tasks:
            task.cancel()
        await asyncio.gather(*client.tasks, return_exceptions=True)
        nginx.stop()
        for server in servers:
            server.kill()

    def delta(name: str) -> float:
        return one(after, name) - one(before, name)

    def unit_delta(kind: str, *operations: str) -> float:
        return units(after, kind, operations) - units(before, kind, operations)

    ticks = delta("meetstream_poll_ticks_total")
    read = delta("meetstream_poll_meetings_read_total")
    viewer_hours = client.stats.opened * elapsed / 3600
    statements = delta(
        'meetstream_dynamodb_requests_total{operation="ExecuteStatement"}'
    )
    entries = delta("meetstream_poll_changes_seen_total")
    statement_rru = cost_model.statement_units(statements, entries)
    poll_rru = unit_delta("read", "BatchGetItem", "Query") + statement_rru
    watchers = {i: 0 for i in deleted}
    for _, watched in streams:
        for meeting_id in watched:
            if meeting_id in watchers:
                watchers[meeting_id] += 1
    latencies = harness.delivery_latencies(client)
    return {
        "streams": client.stats.opened,
        "stream_errors": client.stats.errors + client.stats.refused,
        "write_errors": client.write_errors,
        "seconds": elapsed,
        "ticks_per_process": ticks / args.processes,
        "poll_seconds": poll,
        "changed_per_tick": args.writes * poll,
        "meetings_read_per_process_tick": read / ticks if ticks else float("nan"),
        "queries_per_process_tick": delta(
            'meetstream_dynamodb_requests_total{operation="Query"}'
        )
        / max(ticks, 1),
        "changes_seen_per_process_tick": delta("meetstream_poll_changes_seen_total")
        / max(ticks, 1),
        "rru_per_meeting_read": unit_delta("read", "BatchGetItem") / read
        if read
        else float("nan"),
        "poll_rru_per_viewer_hour": poll_rru / viewer_hours,
        "query_rru_per_viewer_hour": (unit_delta("read", "Query") + statement_rru)
        / viewer_hours,
        "change_statements_per_process_tick": statements / max(ticks, 1),
        "wru_per_viewer_hour": unit_delta("write", "UpdateItem", "TransactWriteItems")
        / viewer_hours,
        "poll_rru_per_second": poll_rru / elapsed,
        "wru_per_second": unit_delta("write", "UpdateItem", "TransactWriteItems")
        / elapsed,
        "server_cpu_percent": 100 * (cpu_after[0] - cpu_before[0]) / elapsed,
        "dynamodb_cpu_percent": 100 * (cpu_after[1] - cpu_before[1]) / elapsed,
        "p50_delivery_ms": 1000 * harness.percentile(latencies, 0.50),
        "p99_delivery_ms": 1000 * harness.percentile(latencies, 0.99),
        "deliveries": len(latencies),
        "deletions": len(client.deleted_at),
        "deleted_events_expected": sum(watchers.values()),
        "deleted_events_seen": client.stats.events.get("deleted", 0),
        "p99_deletion_ms": 1000 * harness.percentile(client.deletion_latencies(), 0.99),
        "watched_meetings_per_stream": sum(len(w) for _, w in streams) / len(streams),
    }


def seed_model(today: dict, args) -> dict:
    """Price the seed's per-stream reads (every SEED_POLL seconds) with the
    units per item measured on full_read_3s."""
    items_per_tick = today["watched_meetings_per_stream"] * today["streams"]
    per_second = items_per_tick / SEED_POLL * today["rru_per_meeting_read"]
    return {
        "meetings_read_per_process_tick": items_per_tick / args.processes,
        "poll_rru_per_viewer_hour": per_second * 3600 / today["streams"],
        "poll_rru_per_second": per_second,
        "wru_per_viewer_hour": today["wru_per_viewer_hour"],
    }


def main() -> None:
    parser = cli.parser(__doc__, streams=4000, meetings=2000, seconds=60, poll=0.5)
    parser.add_argument(
        "--sweep", type=float, default=3.0, help="subsecond's sweep interval"
    )
    parser.add_argument("--processes", type=int, default=4, help="server processes")
    parser.add_argument("--writes", type=float, default=5, help="PATCHes a second")
    parser.add_argument("--deletes", type=int, default=4)
    parser.add_argument(
        "--list-share", type=float, default=0.2, help="share of list-page streams"
    )
    parser.add_argument("--designs", default=",".join(DESIGNS))
    args = parser.parse_args()

    results: dict = {"args": vars(args)}
    settings = harness.long_stream_settings(
        args.streams // args.processes * 2,
        SSE_POLL_INTERVAL=str(args.poll),
        SSE_SWEEP_INTERVAL=str(args.sweep),
        MEETINGS_CREATE_RATE="100000/min",
    )
    with harness.scratch_site(settings) as (base_env, dynamodb):
        user, token = harness.make_user_token()
        for design in args.designs.split(","):
            env = {
                **base_env,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                **DESIGNS[design],
            }
            results[design] = asyncio.run(
                measure(env, token, user, dynamodb, design, args)
            )
        if "full_read_3s" in results:
            results["seed_model"] = seed_model(results["full_read_3s"], args)
    report(results, args)
    cli.write_json(args.json, results)


def report(results: dict, args) -> None:
    designs = [d for d in ("seed_model", *DESIGNS) if d in results]
    names = sorted({name for d in designs for name in results[d]}, key=_order)
    print(
        f"\n== {args.streams} streams over {args.meetings} meetings, "
        f"{args.processes} processes, {args.writes:g} writes/s ==\n"
    )
    rows = [["", *designs]]
    for name in names:
        values = [results[design].get(name) for design in designs]
        rows.append([name, *("—" if v is None else f"{v:,.2f}" for v in values)])
    ours = results.get("subsecond")
    before = results.get("index_3s")
    if ours and "seed_model" in results:
        rows.append(["ratios, same run"])
        rows.append(
            [
                "poll RRU seed_model ÷ subsecond (target ≥ 10)",
                cli.ratio(
                    results["seed_model"]["poll_rru_per_viewer_hour"],
                    ours["poll_rru_per_viewer_hour"],
                ),
            ]
        )
    if ours and before:
        rows += [
            [
                "server CPU subsecond ÷ index_3s (target ≤ 2)",
                cli.ratio(ours["server_cpu_percent"], before["server_cpu_percent"]),
            ],
            [
                "p50 delivery subsecond ÷ index_3s",
                cli.ratio(ours["p50_delivery_ms"], before["p50_delivery_ms"]),
            ],
            [
                "p99 delivery subsecond ÷ index_3s",
                cli.ratio(ours["p99_delivery_ms"], before["p99_delivery_ms"]),
            ],
        ]
    cli.print_table(rows)


_FIRST = [
    "streams",
    "meetings_read_per_process_tick",
    "changed_per_tick",
    "poll_rru_per_viewer_hour",
    "wru_per_viewer_hour",
]


def _order(name: str) -> tuple[int, str]:
    return (_FIRST.index(name) if name in _FIRST else len(_FIRST), name)


if __name__ == "__main__":
    main()
