"""The cost model (bench/cost_model.py, docs/cost.md) with the shipped defaults."""

import dataclasses

from bench.cost_model import DEFAULT_CADENCE, reads_per_second

MILLION = (1_000_000, 200_000, 200)


def ratio_to_seed(cadence, design="subsecond") -> float:
    seed = reads_per_second(*MILLION, "seed", cadence)
    return seed / reads_per_second(*MILLION, design, cadence)


def test_sub_second_polling_stays_twenty_times_below_the_seed_at_a_million():
    assert ratio_to_seed(DEFAULT_CADENCE) >= 20


def test_the_three_second_design_reproduces_its_published_figure():
    # docs/cost.md before sub-second polling: 6,965 RRU/s at 1,000,000 viewers.
    assert round(reads_per_second(*MILLION, "index_3s", DEFAULT_CADENCE)) == 6965


def test_a_wider_guard_costs_reads_at_scale():
    wide = dataclasses.replace(DEFAULT_CADENCE, guard=1.0)
    assert ratio_to_seed(wide) < ratio_to_seed(DEFAULT_CADENCE)
