"""Benchmark search at scale: the search index against the filter it replaced.

    nice -n 10 .venv/bin/python -m bench.search --meetings 100000
    nice -n 10 .venv/bin/python -m bench.search --meetings 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/bench

Starts DynamoDB Local and loads --meetings meetings of one user, straight into
the table with BatchWriteItem from --load-threads threads; the oldest is
titled with a rare word, the rest with common ones. Then, in this process:

- rebuilds the search index from the table (`rebuild_search_index`'s code),
  timed;
- answers GET /v1/meetings?q=… through Django's test client as that user (the
  whole view, no HTTP server): a search for the rare word (it must be on the
  first page) and one that matches nothing, each --requests times, on the index
  and (--filter-requests times, it is slow) on the DynamoDB filter the index
  replaced (MEETINGS_SEARCH_INDEX=none), with p50, p99 and the read units
  DynamoDB reported consumed per search;
- measures write→findable lag of --lag-writes write-through writes: from the
  start of an update to the first search that finds its new title.

The ORM database is a scratch SQLite file, or --database-url's (its meetings
tables are migrated and the index emptied first). Figures: docs/performance.md,
"Search".
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bench import cli, harness

RARE = "zebracorn"
NOTHING = "no such title anywhere"
COMMON = ["Weekly sync", "Planning", "Retro", "Design review", "Standup", "1:1"]


def main() -> None:
    parser = cli.parser(__doc__, requests=50)
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--load-threads", type=int, default=8)
    parser.add_argument("--filter-requests", type=int, default=5)
    parser.add_argument("--lag-writes", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    extra = {"JWT_ACCESS_TOKEN_SECONDS": "86400"}
    if args.database_url:
        extra["DATABASE_URL"] = args.database_url
    with harness.scratch_site(extra, database_name="search.sqlite3") as _site:
        figures = run(args)
    report(figures, args)
    cli.write_json(args.json, {"args": vars(args), **figures})


def run(args) -> dict:
    from django.db import connection
    from rest_framework.test import APIClient

    from meetings import indexing

    user, token = harness.make_user_token(is_staff=False)
    client = APIClient(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    started = time.perf_counter()
    needle = load(str(user.pk), args.meetings, args.load_threads)
    figures: dict = {"engine": connection.vendor}
    figures["load_s"] = time.perf_counter() - started

    started, units = time.perf_counter(), read_units()
    progress = indexing.rebuild(restart=True, clear=True)
    figures["rebuild_s"] = time.perf_counter() - started
    figures["rebuild_rru"] = read_units() - units
    figures["rebuild_entries"] = progress["entries"]

    def search(text: str) -> dict:
        response = client.get("/v1/meetings", {"q": text})
        assert response.status_code == 200, response.content
        return response.json()

    found = search(RARE)
    assert [m["id"] for m in found["results"]] == [str(needle)], found
    figures["index"] = found["search"]["index"]
    for name, text in (("rare", RARE), ("nothing", NOTHING)):
        figures[f"index_{name}"] = timed(lambda t=text: search(t), args.requests)
    from django.conf import settings

    settings.MEETINGS_SEARCH_INDEX = "none"
    try:
        first = search(RARE)
        figures["filter_rare_first_page_has_it"] = bool(first["results"])
        for name, text in (("rare", RARE), ("nothing", NOTHING)):
            figures[f"filter_{name}"] = timed(
                lambda t=text: search(t), args.filter_requests
            )
    finally:
        settings.MEETINGS_SEARCH_INDEX = "auto"
    figures["lag"] = write_lag(str(user.pk), search, args.lag_writes)
    return figures


def load(owner: str, count: int, threads: int) -> uuid.UUID:
    """Put count meetings of owner in the table; return the rare one's id."""
    from boto3.dynamodb.types import TypeSerializer
    from django.conf import settings

    from meetings.domain import Meeting
    from meetings.store.dynamodb.client import build_client
    from meetings.store.dynamodb.items import to_item

    start = datetime.now(UTC) - timedelta(minutes=count + 10)
    serializer = TypeSerializer()
    needle = uuid.uuid4()

    def meeting(n: int) -> Meeting:
        title = f"Budget {RARE} review" if n == 0 else f"{COMMON[n % 6]} {n}"
        return Meeting(
            id=needle if n == 0 else uuid.uuid4(),
            owner_id=owner,
            title=title,
            created_at=start + timedelta(minutes=n),
        )

    clients = threading.local()

    def put(first: int) -> None:
        # One client per thread: building one costs more than a batch write.
        if not hasattr(clients, "client"):
            clients.client = build_client()
        client = clients.client
        requests = []
        for n in range(first, min(first + 25, count)):
            item = to_item(meeting(n), start)
            requests.append(
                {
                    "PutRequest": {
                        "Item": {
                            k: serializer.serialize(v)
                            for k, v in item.items()
                            if v is not None
                        }
                    }
                }
            )
        pending = {settings.DYNAMODB_TABLE: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending)["UnprocessedItems"]

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, range(0, count, 25)))
    return needle


def read_units() -> float:
    """Return the read units DynamoDB reported consumed so far, every operation."""
    from prometheus_client import REGISTRY

    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "meetstream_dynamodb_read_capacity_units"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def timed(call, times: int) -> dict:
    """Call times times; return p50, p99 (ms) and read units per call."""
    latencies, units = [], []
    for _ in range(times):
        before = read_units()
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
        units.append(read_units() - before)
    return {
        "p50_ms": 1000 * harness.percentile(latencies, 0.5),
        "p99_ms": 1000 * harness.percentile(latencies, 0.99),
        "rru": sum(units) / len(units),
    }


def write_lag(owner: str, search, writes: int) -> dict:
    """Time each write-through update until a search finds its new title."""
    from meetings import services
    from meetings.domain import Viewer

    meeting = services.create_meeting(owner, {"title": "lag probe"})
    viewer = Viewer(owner)
    lags = []
    for n in range(writes):
        title = f"probe{n:05d}x{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        services.update_meeting(viewer, meeting.id, {"title": title})
        while not search(title)["results"]:
            time.sleep(0.001)
        lags.append(time.perf_counter() - started)
    return {
        "p50_ms": 1000 * harness.percentile(lags, 0.5),
        "p99_ms": 1000 * harness.percentile(lags, 0.99),
        "max_ms": 1000 * max(lags),
    }


def report(f: dict, args) -> None:
    print(
        f"\n== {args.meetings:,} meetings of one user, DynamoDB Local, "
        f"index on {f['engine']} ({f['index']}) =="
    )
    cli.print_figures(
        "load and rebuild",
        {
            "load (BatchWriteItem), s": f["load_s"],
            "rebuild_search_index, s": f["rebuild_s"],
            "entries rebuilt": f"{f['rebuild_entries']:,}",
            "rebuild entries/s": f["rebuild_entries"] / f["rebuild_s"],
            "rebuild RRU (the Scan)": f["rebuild_rru"],
        },
        decimals=1,
    )
    rows = [["GET /v1/meetings?q=", "p50 ms", "p99 ms", "RRU/search"]]
    for path in ("index", "filter"):
        for name in ("rare", "nothing"):
            r = f[f"{path}_{name}"]
            rows.append(
                [
                    f"{path}: {name}",
                    f"{r['p50_ms']:.1f}",
                    f"{r['p99_ms']:.1f}",
                    f"{r['rru']:.1f}",
                ]
            )
    for name in ("rare", "nothing"):
        index, old = f[f"index_{name}"], f[f"filter_{name}"]
        rows.append(
            [
                f"filter ÷ index: {name}",
                cli.ratio(old["p50_ms"], index["p50_ms"]),
                cli.ratio(old["p99_ms"], index["p99_ms"]),
                cli.ratio(old["rru"], index["rru"]) if index["rru"] else "-",
            ]
        )
    print()
    cli.print_table(rows)
    print(
        "\n  filter's first page has the rare meeting: "
        f"{f['filter_rare_first_page_has_it']}"
    )
    lag = f["lag"]
    cli.print_figures(
        f"write→findable lag, {args.lag_writes} write-through updates (ms)",
        {"p50": lag["p50_ms"], "p99": lag["p99_ms"], "max": lag["max_ms"]},
        decimals=1,
    )


if __name__ == "__main__":
    main()
