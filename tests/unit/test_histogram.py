"""The duration histogram's error bound, against exact nearest-rank percentiles on generated data."""

from __future__ import annotations

import math
import random

import pytest

from workflow_engine.models.histogram import (
    RELATIVE_ACCURACY,
    ZERO_BUCKET,
    bucket_of,
    maximum,
    merge,
    percentile,
    value_of,
)

PERCENTILES = (0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)


def exact(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered) - 1e-9)) - 1]


def histogram_of(values: list[float]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[bucket_of(value)] = counts.get(bucket_of(value), 0) + 1
    return counts


def relative_error(estimate: float, truth: float) -> float:
    return 0.0 if truth == estimate else abs(estimate - truth) / truth


DISTRIBUTIONS = {
    "lognormal (latencies)": lambda rng: round(rng.lognormvariate(5, 1.5)),
    "uniform 1..60,000 ms": lambda rng: rng.randint(1, 60_000),
    "exponential": lambda rng: max(1, round(rng.expovariate(1 / 800))),
    "bimodal (fast / timeouts)": lambda rng: rng.choice((rng.randint(1, 30), rng.randint(250_000, 300_000))),
    "tiny (1..5 ms)": lambda rng: rng.randint(1, 5),
    "a week in ms": lambda rng: rng.randint(1, 7 * 86_400_000),
}


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_every_percentile_is_within_the_stated_relative_error(name):
    rng = random.Random(f"histogram-{name}")
    worst = 0.0
    for size in (1, 2, 7, 100, 5_000):
        values = [DISTRIBUTIONS[name](rng) for _ in range(size)]
        histogram = histogram_of(values)
        for p in PERCENTILES:
            worst = max(worst, relative_error(percentile(histogram, p), exact(values, p)))
        worst = max(worst, relative_error(maximum(histogram), max(values)))
    assert worst <= RELATIVE_ACCURACY + 1e-12, worst


def test_the_worst_case_is_the_bound_itself_and_every_integer_ms_holds_it():
    worst = max(relative_error(value_of(bucket_of(v)), v) for v in range(1, 200_000))
    assert RELATIVE_ACCURACY * 0.9 < worst <= RELATIVE_ACCURACY + 1e-12


def test_zero_and_merging():
    assert bucket_of(0) == ZERO_BUCKET and value_of(ZERO_BUCKET) == 0.0
    assert percentile({}, 0.5) is None and maximum({}) is None
    a, b = histogram_of([0, 0, 10]), histogram_of([10, 1000])
    merged = merge([a, b])
    assert sum(merged.values()) == 5 and percentile(merged, 0.4) == 0.0
    assert relative_error(percentile(merged, 0.6), 10) <= RELATIVE_ACCURACY
    assert relative_error(maximum(merged), 1000) <= RELATIVE_ACCURACY
