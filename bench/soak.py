"""Soak: N streams for M minutes while statuses change every few seconds.

    .venv/bin/python -m bench.soak --streams 2000 --minutes 10

Reports server RSS growth after warm-up (target < 5 %), thread growth
(target none), unexpected disconnects (target zero) and whether every stream
ended on the latest version of its meeting (target: all). The status events
received equal the expected count (one per stream on connect, then one per
change of its meeting) unless a meeting changed twice within one poll
interval, when its streams get only the latest. Bounded: it stops after
--minutes and shuts the server down.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from bench import cli, harness


async def soak(server, token, ids, streams: int, minutes: float, every: float) -> dict:
    client = harness.StreamClient(server.port, token)
    paths = [f"/v1/meetings/{ids[n % len(ids)]}/events" for n in range(streams)]
    await client.open_many(paths)
    headers = {"Authorization": f"Bearer {token}"}
    versions = {meeting_id: 1 for meeting_id in ids}
    samples = []
    warm_rss = warm_threads = None
    deadline = time.monotonic() + minutes * 60
    warm_at = time.monotonic() + min(60, minutes * 60 / 5)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}", headers=headers, timeout=30
    ) as http:
        while time.monotonic() < deadline:
            meeting_id = random.choice(ids)
            response = await http.patch(
                f"/v1/meetings/{meeting_id}", json={"status_message": str(time.time())}
            )
            versions[meeting_id] = response.json()["version"]
            if warm_rss is None and time.monotonic() >= warm_at:
                warm_rss, warm_threads = server.rss_kib(), server.threads()
            samples.append((time.monotonic(), server.rss_kib(), server.threads()))
            await asyncio.sleep(every)
    await asyncio.sleep(5)  # two poll intervals for the last change
    status_events = client.stats.events.get("status", 0)
    # Each stream gets its meeting's status on connect, then one per change.
    watchers = {
        meeting_id: paths.count(f"/v1/meetings/{meeting_id}/events")
        for meeting_id in ids
    }
    expected_events = sum(
        watchers[meeting_id] * version for meeting_id, version in versions.items()
    )
    end_rss, end_threads = server.rss_kib(), server.threads()
    unexpected = client.stats.closed
    behind = sum(
        1
        for meeting_id, version in client.last_status.values()
        if version != versions[meeting_id]
    )
    for task in client.tasks:
        task.cancel()
    return {
        "streams": client.stats.opened,
        "status_events": status_events,
        "status_events_expected": expected_events,
        "changes": sum(v - 1 for v in versions.values()),
        "rss_warm_mib": (warm_rss or end_rss) / 1024,
        "rss_end_mib": end_rss / 1024,
        "rss_growth_percent": 100
        * (end_rss - (warm_rss or end_rss))
        / (warm_rss or end_rss),
        "threads_warm": warm_threads,
        "threads_end": end_threads,
        "unexpected_disconnects": unexpected,
        "streams_not_on_latest_version": behind,
        "peak_rss_mib": max(s[1] for s in samples) / 1024,
    }


def main() -> None:
    parser = cli.parser(__doc__, streams=2000, meetings=100)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--every", type=float, default=2.0, help="seconds between changes"
    )
    args = parser.parse_args()
    with harness.scratch_site(harness.long_stream_settings(args.streams)) as (env, _):
        user, token = harness.make_user_token()
        ids = [
            str(meeting.id) for meeting in harness.create_meetings(user, args.meetings)
        ]
        server = harness.start_server(env)
        try:
            result = asyncio.run(
                soak(server, token, ids, args.streams, args.minutes, args.every)
            )
        finally:
            server.kill()
    cli.print_figures(f"soak: {args.streams} streams, {args.minutes:g} min", result)
    cli.write_json(args.json, {"args": vars(args), **result})


if __name__ == "__main__":
    main()
