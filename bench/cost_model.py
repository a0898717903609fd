"""The live stream's DynamoDB cost model at three scales (docs/cost.md).

    .venv/bin/python -m bench.cost_model
    .venv/bin/python -m bench.cost_model --sweep 3 --full-read 300

Prints read and write units a second and dollars a month for the seed's
design (a GetItem per stream per meeting every 3 s), the change index polled
every 3 s (each tick a sweep of the last 3 s + overlap: the design before
sub-second polling) and the change index polled every --poll seconds from each
shard's high-water mark, with a sweep every --sweep seconds (events/window.py).
No measurement: the constants are docs/cost.md's, measured by bench/fleet.py.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from bench import cli
from config import stream_settings
from events.window import CHANGE_OVERLAP, FAST_GUARD

# Measured on the fleet bench (docs/cost.md, "Parameters").
RRU_PER_MEETING = 0.49
WRU_PER_CHANGE = 4.66
WRU_INDEX = 2.0  # the change index's share of WRU_PER_CHANGE
ENTRY_BYTES = 100  # one change-index entry
BLOCK_BYTES = 4096  # a Query is billed per 4 KB returned, 0.5 RRU each (eventual)
SHARDS = 8
CHANGE_RATE = 1 / 300  # each meeting changes once every 5 minutes
LIFETIME = 1800.0  # SSE_MAX_LIFETIME: a newly watched meeting costs a read
SEED_POLL = 3.0
PRICE_RRU = 0.125 / 1e6
PRICE_WRU = 0.625 / 1e6
HOURS_A_MONTH = 730
SCALES = [(1_000, 200, 1), (100_000, 20_000, 20), (1_000_000, 200_000, 200)]


@dataclass(frozen=True)
class Cadence:
    """A poller's timing, in seconds: tick, sweep, overlap, guard, safety re-read."""

    poll: float
    sweep: float
    overlap: float
    guard: float
    # The fast path absorbs index lag up to about the guard (more than its
    # shard's newest entries had); later entries wait for the sweep, which
    # covers lag up to the overlap; later still, the safety re-read.
    full_read: float


# The shipped defaults (config/stream_settings.py, events/window.py).
DEFAULT_CADENCE = Cadence(
    poll=stream_settings.SSE_POLL_INTERVAL,
    sweep=stream_settings.SSE_SWEEP_INTERVAL,
    overlap=CHANGE_OVERLAP.total_seconds(),
    guard=FAST_GUARD.total_seconds(),
    full_read=stream_settings.SSE_FULL_READ_INTERVAL,
)


def query_units(entries: float) -> float:
    """Return the RRU of one Query per shard returning entries in all."""
    per_shard = entries / SHARDS
    blocks = max(1, math.ceil(per_shard * ENTRY_BYTES / BLOCK_BYTES))
    return SHARDS * 0.5 * blocks


def statement_units(statements: float, entries: float) -> float:
    """Return the RRU AWS bills for statements change-index SELECTs returning
    entries in all (DynamoDB Local reports none for PartiQL): a Query's worth
    per shard, at least 0.5 RRU, and 0.5 per 4 KB of entries."""
    if not statements:
        return 0.0
    return statements * query_units(entries / statements)


def watched(viewers: int, meetings: int, processes: int) -> float:
    """Return the distinct meetings one process watches (uniform draws)."""
    per_process = viewers / processes
    return meetings * (1 - math.exp(-per_process / meetings))


def reads_per_second(viewers, meetings, processes, design, cadence) -> float:
    changes = meetings * CHANGE_RATE  # a second, fleet-wide
    if design == "seed":
        return viewers * RRU_PER_MEETING / SEED_POLL
    d = watched(viewers, meetings, processes)
    meeting_reads = (
        processes * d * RRU_PER_MEETING * (CHANGE_RATE + 1 / cadence.full_read)
        + viewers * RRU_PER_MEETING / LIFETIME
    )
    if design == "index_3s":
        # As it was: every 3 s tick a sweep, every meeting re-read in 5 min.
        meeting_reads += (
            processes * d * RRU_PER_MEETING * (1 / 300 - 1 / cadence.full_read)
        )
        window = changes * (SEED_POLL + cadence.overlap)
        return processes * query_units(window) / SEED_POLL + meeting_reads
    fast_per_second = 1 / cadence.poll - 1 / cadence.sweep
    fast = query_units(changes * (cadence.poll + cadence.guard))
    sweep = query_units(changes * (cadence.sweep + cadence.overlap))
    queries = processes * (fast_per_second * fast + sweep / cadence.sweep)
    return queries + meeting_reads


def writes_per_second(meetings: int, design: str) -> float:
    per_change = WRU_PER_CHANGE if design != "seed" else WRU_PER_CHANGE - WRU_INDEX
    return meetings * CHANGE_RATE * per_change


def table(cadence: Cadence) -> list[list[str]]:
    rows = [["scale", "design", "RRU/s", "WRU/s", "$ a month", "seed ÷ design (RRU)"]]
    for viewers, meetings, processes in SCALES:
        seed = reads_per_second(viewers, meetings, processes, "seed", cadence)
        for design in ("seed", "index_3s", "subsecond"):
            rru = reads_per_second(viewers, meetings, processes, design, cadence)
            wru = writes_per_second(meetings, design)
            dollars = (rru * PRICE_RRU + wru * PRICE_WRU) * 3600 * HOURS_A_MONTH
            scale = f"{viewers:,} viewers, {meetings:,} meetings, {processes} inst."
            rows.append(
                [
                    scale if design == "seed" else "",
                    design,
                    f"{rru:,.0f}",
                    f"{wru:,.0f}",
                    f"${dollars:,.0f}",
                    cli.ratio(seed, rru),
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = DEFAULT_CADENCE
    parser.add_argument("--poll", type=float, default=defaults.poll)
    parser.add_argument("--sweep", type=float, default=defaults.sweep)
    parser.add_argument("--overlap", type=float, default=defaults.overlap)
    parser.add_argument("--guard", type=float, default=defaults.guard)
    parser.add_argument("--full-read", type=float, default=defaults.full_read)
    args = parser.parse_args()
    cadence = Cadence(args.poll, args.sweep, args.overlap, args.guard, args.full_read)
    print(f"\n== {cadence} ==\n")
    cli.print_table(table(cadence))


if __name__ == "__main__":
    main()
