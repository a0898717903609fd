"""Benchmark the live status stream: N streams on M meetings, one worker process.

    .venv/bin/python -m bench.streams --streams 2000 --meetings 100

Starts DynamoDB Local (in memory) and the server (`python -m config.server`,
one process), opens N authenticated streams spread over M meetings, patches
every meeting R times through the REST API, then SIGTERMs the server. In the
same run it holds N streams on a bare ASGI SSE app (bench/bare_sse.py) as the
baseline for memory. Figures go to stdout and, with --json, to a file.

The client runs on uvloop, as the server does: on these two shared cores a
slower client would add its own backlog to the delivery times it measures.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import uvloop

from bench import cli, harness

WARM_STREAMS = 50


async def hold_streams(server, token: str, paths: list[str]) -> dict:
    """Open the streams in two steps and read memory and threads around them."""
    client = harness.StreamClient(server.port, token)
    warm = min(WARM_STREAMS, len(paths) // 2)
    await client.open_many(paths[:warm])
    await asyncio.sleep(1)
    idle_rss, idle_threads = server.rss_kib(), server.threads()
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    await client.open_many(paths[warm:])
    open_seconds = time.perf_counter() - started
    connect_cpu = server.cpu_seconds() - cpu_before
    await asyncio.sleep(2)
    held_rss, held_threads = server.rss_kib(), server.threads()
    added = max(1, client.stats.opened - warm)
    return {
        "client": client,
        "open_seconds": open_seconds,
        "connects_per_second": (client.stats.opened - warm) / max(open_seconds, 1e-9),
        "cpu_ms_per_connect": 1000 * connect_cpu / added,
        "rss_idle_mib": idle_rss / 1024,
        "rss_held_mib": held_rss / 1024,
        "kib_per_stream": (held_rss - idle_rss) / added,
        "threads_idle": idle_threads,
        "threads_held": held_threads,
    }


async def patch_rounds(port, token, client, meetings, rounds, poll) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(8)
    before = harness.scrape(port)
    status_before = client.stats.events.get("status", 0)

    async def patch(http, meeting_id: str, text: str) -> None:
        async with gate:
            sent = time.perf_counter()
            response = await http.patch(
                f"/v1/meetings/{meeting_id}", json={"status_message": text}
            )
        body = response.json()
        client.sent_at[(body["id"], body["version"])] = sent

    # Idle connections are dropped well before uvicorn's 5 s keep-alive timeout,
    # which would otherwise close one as a PATCH goes out (httpx.ReadError).
    limits = httpx.Limits(keepalive_expiry=1.0)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30, limits=limits
    ) as http:
        for number in range(rounds):
            await asyncio.gather(
                *(patch(http, str(m.id), f"round {number}") for m in meetings)
            )
            await asyncio.sleep(poll + 1.5)
    after = harness.scrape(port)

    def delta(name: str) -> float:
        return after.get(name, 0) - before.get(name, 0)

    ticks = delta("meetstream_poll_ticks_total")
    batch_gets = delta('meetstream_dynamodb_requests_total{operation="BatchGetItem"}')
    return {
        "delivered": client.stats.events.get("status", 0) - status_before,
        "ticks": ticks,
        "batch_gets_per_tick": batch_gets / ticks if ticks else float("nan"),
    }


async def measure_meetstream(env, token, meetings, streams, rounds, poll) -> dict:
    server = harness.start_server(env)
    try:
        paths = [
            f"/v1/meetings/{meetings[n % len(meetings)].id}/events"
            for n in range(streams)
        ]
        held = await hold_streams(server, token, paths)
        client: harness.StreamClient = held.pop("client")
        cpu_before = server.cpu_seconds()
        delivery = await patch_rounds(
            server.port, token, client, meetings, rounds, poll
        )
        cpu = server.cpu_seconds() - cpu_before
        started = time.perf_counter()
        exit_seconds = await asyncio.to_thread(server.terminate)
        while client.stats.closed < len(client.tasks):
            await asyncio.sleep(0.01)
            if time.perf_counter() - started > 60:
                break
        drain_seconds = time.perf_counter() - started
        latencies = harness.delivery_latencies(client)
        return {
            **held,
            **delivery,
            "streams_held": client.stats.opened,
            "refused": client.stats.refused,
            "errors": client.stats.errors,
            "connection_lost_events": client.stats.lost,
            "cpu_ms_per_delivered_event": 1000 * cpu / max(1, delivery["delivered"]),
            "p50_delivery_ms": 1000 * harness.percentile(latencies, 0.50),
            "p99_delivery_ms": 1000 * harness.percentile(latencies, 0.99),
            "max_delivery_ms": 1000 * max(latencies, default=float("nan")),
            "drain_seconds": drain_seconds,
            "server_exit_seconds": exit_seconds,
        }
    finally:
        server.kill()


async def measure_bare(env, token, streams) -> dict:
    server = harness.start_server(env, app="bench.bare_sse:app")
    try:
        held = await hold_streams(server, token, ["/"] * streams)
        client = held.pop("client")
        return {
            **held,
            "streams_held": client.stats.opened,
            "errors": client.stats.errors,
        }
    finally:
        server.kill()


def main() -> None:
    parser = cli.parser(__doc__, streams=2000, meetings=100, poll=0.5)
    parser.add_argument("--rounds", type=int, default=3, help="PATCHes of each meeting")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare app")
    args = parser.parse_args()

    settings = harness.long_stream_settings(
        args.streams, SSE_POLL_INTERVAL=str(args.poll)
    )
    with harness.scratch_site(settings) as (env, _):
        user, token = harness.make_user_token()
        meetings = harness.create_meetings(user, args.meetings)
        results = {"streams": args.streams, "meetings": args.meetings}
        if not args.no_baseline:
            results["bare"] = asyncio.run(
                measure_bare(env, token, args.streams),
                loop_factory=uvloop.new_event_loop,
            )
        results["meetstream"] = asyncio.run(
            measure_meetstream(
                env, token, meetings, args.streams, args.rounds, args.poll
            ),
            loop_factory=uvloop.new_event_loop,
        )
    report(results, args.poll)
    cli.write_json(args.json, results)


def report(results: dict, poll: float) -> None:
    ours = results["meetstream"]
    figures = dict(ours)
    bare = results.get("bare")
    if bare:
        # The bare ASGI SSE app under the same uvicorn, in the same run.
        figures |= {
            "bare kib_per_stream": bare["kib_per_stream"],
            "bare threads_held": bare["threads_held"],
            "bare connects_per_second": bare["connects_per_second"],
            "bare cpu_ms_per_connect": bare["cpu_ms_per_connect"],
            "connects_per_second ÷ bare": ours["connects_per_second"]
            / max(bare["connects_per_second"], 0.001),
            "kib_per_stream ÷ bare": ours["kib_per_stream"]
            / max(bare["kib_per_stream"], 0.001),
        }
    figures["p99 delivery ÷ poll"] = ours["p99_delivery_ms"] / (poll * 1000)
    cli.print_figures(
        f"{results['streams']} streams on {results['meetings']} meetings", figures
    )


if __name__ == "__main__":
    main()
