"""A Lambda handler for tests of moto's Map and Parallel states (tests/integration/test_block_seams.py).

It runs in-process (infra/local/moto_seams.py, seam 1) and records, per run (`input.run`), how many of its
invocations overlapped at most; each invocation waits until `input.overlap` invocations are running at once
(or every item of the run has started), so the overlap is real and not left to thread timing. An item
`{"fail": n}` fails its first n attempts (error `ProbeFailed`), then echoes.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

WAIT_SECONDS = 10.0  # a bound on the wait, for a run that never reaches its overlap (the test then fails)


class ProbeFailed(Exception):
    pass


@dataclass
class Run:
    active: int = 0
    started: int = 0
    most: int = 0
    attempts: Counter[int] = field(default_factory=Counter)


_runs: dict[str, Run] = {}
_changed = threading.Condition()


def run_of(name: str) -> Run:
    with _changed:
        return _runs.setdefault(name, Run())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = event.get("input", {})
    run = run_of(settings.get("run", "default"))
    overlap, total = settings.get("overlap", 1), settings.get("total", 1)
    item, index = event.get("item"), event.get("index")
    with _changed:
        run.active += 1
        run.started += 1
        run.most = max(run.most, run.active)
        _changed.notify_all()
        _changed.wait_for(lambda: run.active >= overlap or run.started >= total, timeout=WAIT_SECONDS)
        run.active -= 1
        _changed.notify_all()
        run.attempts[index if isinstance(index, int) else -1] += 1
        attempt = run.attempts[index if isinstance(index, int) else -1]
    if isinstance(item, dict) and attempt <= item.get("fail", 0):
        raise ProbeFailed(f"item {index} fails attempt {attempt}")
    return {"item": item, "index": index, "attempt": attempt}
