"""A log-bucketed duration histogram (the DDSketch mapping): exact counts, percentiles within a relative error.

A duration v > 0 ms falls in bucket i = ceil(log_gamma(v)), gamma = (1 + a) / (1 - a), which holds the values in
(gamma^(i-1), gamma^i]; the bucket answers with 2 * gamma^i / (gamma + 1), at most a * v away from any v it
holds. A percentile is the nearest-rank one (the value of rank ceil(p * n) in sorted order): the histogram
finds the bucket of that very value, so its answer is within RELATIVE_ACCURACY of the exact percentile.
Zero (a sub-millisecond step) has a bucket of its own, answered exactly. Histograms merge by adding counts,
which is what makes them incremental: a DynamoDB ADD per execution, never a re-read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

RELATIVE_ACCURACY = 0.05  # the stated worst relative error of every percentile (and of `max`)
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
ZERO_BUCKET = -(2**31)  # durations of 0 ms (or less: clock skew) land here, answered as 0


def bucket_of(duration_ms: float) -> int:
    if duration_ms <= 0:
        return ZERO_BUCKET
    return math.ceil(math.log(duration_ms) / _LOG_GAMMA - 1e-12)


def value_of(bucket: int) -> float:
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def merge(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for bucket, count in histogram.items():
            merged[bucket] = merged.get(bucket, 0) + count
    return merged


def percentile(histogram: Mapping[int, int], p: float) -> float | None:
    """The nearest-rank p-quantile (0 < p <= 1), within RELATIVE_ACCURACY; None for an empty histogram."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(p * total - 1e-9))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return value_of(bucket)
    return value_of(max(histogram))


def maximum(histogram: Mapping[int, int]) -> float | None:
    present = [bucket for bucket, count in histogram.items() if count > 0]
    return value_of(max(present)) if present else None
