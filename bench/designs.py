"""Naive per-stream polling against meetstream's coalesced poller, same load.

    .venv/bin/python -m bench.designs --streams 1000 --meetings 100 --seconds 30

Holds N streams over M meetings on each design in turn, under the same uvicorn,
and measures for `--seconds`: DynamoDB requests per second and the server's CPU.
The naive design (bench/naive_sse.py) issues one GetItem per stream per poll
interval; meetstream issues one BatchGetItem per 100 watched meetings per tick.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from bench.harness import (
    StreamClient,
    create_meetings,
    long_stream_settings,
    make_user_token,
    scrape,
    setup_django,
    start_dynamodb,
    start_server,
)


async def measure(server, token, paths, seconds, count_requests) -> dict:
    client = StreamClient(server.port, token)
    await client.open_many(paths)
    await asyncio.sleep(2)  # let every stream settle into its polling rhythm
    requests_before, cpu_before = count_requests(), server.cpu_seconds()
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    requests = count_requests() - requests_before
    cpu = server.cpu_seconds() - cpu_before
    for task in client.tasks:
        task.cancel()
    return {
        "streams": client.stats.opened - client.stats.closed,
        "dynamodb_requests_per_second": requests / elapsed,
        "server_cpu_percent": 100 * cpu / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    dynamodb = start_dynamodb()
    try:
        env = setup_django(dynamodb.endpoint_url, long_stream_settings(args.streams))
        user, token = make_user_token()
        ids = [str(meeting.id) for meeting in create_meetings(user, args.meetings)]
        results = {}

        naive = start_server(env, app="bench.naive_sse:app")
        try:
            paths = [f"/?meeting={ids[n % len(ids)]}" for n in range(args.streams)]

            def naive_count():
                return httpx.get(f"http://127.0.0.1:{naive.port}/count").json()[
                    "get_item"
                ]

            results["naive"] = asyncio.run(
                measure(naive, token, paths, args.seconds, naive_count)
            )
        finally:
            naive.kill()

        ours = start_server(env)
        try:
            paths = [
                f"/v1/meetings/{ids[n % len(ids)]}/events" for n in range(args.streams)
            ]

            def our_count():
                samples = scrape(ours.port)
                return sum(v for k, v in samples.items()
                           if k.startswith("meetstream_dynamodb_requests_total"))  # fmt: skip

            results["meetstream"] = asyncio.run(
                measure(ours, token, paths, args.seconds, our_count)
            )
        finally:
            ours.kill()
    finally:
        dynamodb.stop()
    naive, ours = results["naive"], results["meetstream"]
    print(
        f"\n== {args.streams} streams on {args.meetings} meetings, {args.seconds:.0f} s =="
    )
    print(f"  {'':12} {'streams':>8} {'DynamoDB req/s':>15} {'server CPU %':>13}")
    for name, r in results.items():
        print(f"  {name:12} {r['streams']:8} {r['dynamodb_requests_per_second']:15.1f} "
              f"{r['server_cpu_percent']:13.1f}")  # fmt: skip
    print("  -- naive / meetstream, same run --")
    print(
        f"  DynamoDB requests {naive['dynamodb_requests_per_second'] / ours['dynamodb_requests_per_second']:.0f}x"
    )
    print(
        f"  server CPU        {naive['server_cpu_percent'] / max(ours['server_cpu_percent'], 0.01):.1f}x"
    )


if __name__ == "__main__":
    main()
