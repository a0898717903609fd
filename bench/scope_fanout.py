"""CPU of telling scope streams what changed, per poller tick, in one process.

Every list page follows the scope (every meeting its user may see), so each
tick hands the tick's changes to every scope stream in the process. This
measures that hand-out for STREAMS streams of STREAMS distinct users (a few
staff who see everyone among them) and CHANGES changes over as many owners:

- baseline: each stream scans every change and asks Viewer.may_with_owner,
  as the broker did before TickChanges;
- grouped: events.broker.TickChanges groups the changes by owner once per
  tick, and each stream looks at its owner's changes only.

    .venv/bin/python -m bench.scope_fanout [--streams 4000] [--changes 2000]

Prints the milliseconds per tick of each, and grouped ÷ baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from events.broker import Subscription, TickChanges  # noqa: E402
from meetings.domain import Access, Change, Viewer, utcnow  # noqa: E402

STAFF_EVERY = 100  # one stream in this many sees everyone's meetings


def baseline(subscription: Subscription, changes: list[Change]) -> int:
    """The pre-TickChanges hand-out: scan every change for every stream."""
    viewer = subscription.viewer
    return sum(1 for c in changes if viewer.may_with_owner(Access.VIEW, c.owner_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=4000)
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
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
        subscriptions = [Subscription(v, {}, None, since) for v in viewers]
        started = time.perf_counter()
        for subscription in subscriptions:
            baseline(subscription, changes)
        timings["baseline"].append(time.perf_counter() - started)
        started = time.perf_counter()
        tick = TickChanges(changes)
        for subscription in subscriptions:
            subscription.notify_changes(tick, now)
        timings["grouped"].append(time.perf_counter() - started)
    base = statistics.median(timings["baseline"]) * 1000
    grouped = statistics.median(timings["grouped"]) * 1000
    print(f"{args.streams} scope streams, {args.changes} changes per tick")
    print(f"baseline (scan every change): {base:.1f} ms per tick")
    print(f"grouped (TickChanges):        {grouped:.1f} ms per tick")
    print(f"grouped ÷ baseline: {grouped / base:.3f}")


if __name__ == "__main__":
    main()
