"""CPU of telling scope streams what changed, per poller tick, in one process.

Every list page follows the scope (every meeting its user may see), so each
tick hands the tick's changes to every scope stream in the process. This
measures that hand-out for --streams streams of as many distinct users (a few
staff who see everyone among them) and --changes changes over as many owners:

- baseline: each stream scans every change and asks Viewer.may_with_owner;
- grouped: events.planner.TickChanges groups the changes by owner once per
  tick, and each stream (an events.subscription.ListFeed) looks at its
  owner's changes only.

    .venv/bin/python -m bench.scope_fanout [--streams 4000] [--changes 2000]

Prints the milliseconds per tick of each, and grouped ÷ baseline.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import timedelta

import django

from bench import cli

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from events.planner import TickChanges  # noqa: E402
from events.subscription import ListFeed  # noqa: E402
from meetings.domain import Access, Change, Viewer, utcnow  # noqa: E402

STAFF_EVERY = 100  # one stream in this many sees everyone's meetings


def baseline(feed: ListFeed, changes: list[Change]) -> int:
    """Hand out the tick by scanning every change for the stream."""
    viewer = feed.viewer
    return sum(1 for c in changes if viewer.may_with_owner(Access.VIEW, c.owner_id))


def main() -> None:
    parser = cli.parser(__doc__, streams=4000)
    parser.add_argument("--changes", type=int, default=2000, help="changes a tick")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds; the figures are medians"
    )
    args = parser.parse_args()
    now = utcnow()
    changes = [
        Change(uuid.uuid4(), 2, str(n % args.streams), False, now)
        for n in range(args.changes)
    ]
    viewers = [
        Viewer(str(n), frozenset(Access) if n % STAFF_EVERY == 0 else frozenset())
        for n in range(args.streams)
    ]
    since = now - timedelta(seconds=1)
    timings: dict[str, list[float]] = {"baseline": [], "grouped": []}
    for _ in range(args.rounds):
        feeds = [ListFeed(viewer, {}, cursor=since) for viewer in viewers]
        started = time.perf_counter()
        for feed in feeds:
            baseline(feed, changes)
        timings["baseline"].append(time.perf_counter() - started)
        started = time.perf_counter()
        tick = TickChanges(changes)
        for feed in feeds:
            # The tick reaches back to every feed's cursor: no list is reset.
            feed.notify_tick(tick, since, now)
        timings["grouped"].append(time.perf_counter() - started)
    figures = {
        name: statistics.median(seconds) * 1000 for name, seconds in timings.items()
    }
    figures["grouped ÷ baseline"] = figures["grouped"] / figures["baseline"]
    cli.print_figures(
        f"{args.streams} scope streams, {args.changes} changes a tick, "
        "ms per tick: baseline (scan every change), grouped (TickChanges)",
        figures,
    )
    cli.write_json(args.json, {"args": vars(args), **figures})


if __name__ == "__main__":
    main()
