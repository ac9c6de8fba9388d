"""The batch pool: batch requests stop (or read-repair) executions on a few threads at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

BATCH_CONCURRENCY = 8
BATCH_THREAD_PREFIX = "execution-batch"

T = TypeVar("T")
R = TypeVar("R")


def in_pool(work: Callable[[T], R], items: Iterable[T], concurrency: int = BATCH_CONCURRENCY) -> list[R]:
    """`[work(item) for item in items]`, run on at most `concurrency` threads; results in order."""
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix=BATCH_THREAD_PREFIX) as pool:
        return list(pool.map(work, items))
