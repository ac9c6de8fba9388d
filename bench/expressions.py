"""Expression budgets: how long an over-budget JMESPath expression runs before it is stopped.

Each attack is evaluated in-process with `workflow_engine.models.expressions` (what a transform step and every
`{{ }}` placeholder use), median of ROUNDS rounds: the doubling expression of the issue (`'ab' | [@,@]` piped
k times, then printed: 2^k copies), the same doubling returned as the result without printing it (k = 40), a
chain of projections over a doubled list (stopped by the step budget, the slowest to reach), and 4,000 nested
`!` checked at save time (it used to escape as a RecursionError: a 503). The unbounded cost of the first is
measured too, with plain jmespath, for scale. Budget: each attack stopped within BUDGET_MS.

`python -m bench.expressions [ROUNDS]` runs this section alone (and prints it); `make bench` runs it with the others.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import jmespath

from workflow_engine.models import expressions
from workflow_engine.models.expressions import ExpressionRejected, check_expression, search_bounded
from workflow_engine.models.step_errors import ExpressionTooExpensive

ROUNDS = 5
BUDGET_MS = 2_000
DOUBLING_K = 20


def _doubling(k: int) -> str:
    return "'ab'" + " | [@,@]" * k


ATTACKS: dict[str, Callable[[], Any]] = {
    f"doubling printed (k = {DOUBLING_K})": lambda: search_bounded(
        _doubling(DOUBLING_K) + " | length(to_string(@))", {}
    ),
    "doubling as the result (k = 40)": lambda: search_bounded(_doubling(40), {}),
    "projections over a doubled list": lambda: search_bounded(_doubling(16) + " | " + "[*]" * 16, {}),
    "4,000 nested ! at save time": lambda: check_expression("!" * 4_000 + "input"),
}


def _stopped_ms(attack: Callable[[], Any]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        attack()
    except (ExpressionTooExpensive, ExpressionRejected) as error:
        return (time.perf_counter() - started) * 1000, str(error)
    raise AssertionError("the attack was not stopped")


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    rows = []
    for name, attack in ATTACKS.items():
        samples = [_stopped_ms(attack) for _ in range(rounds)]
        rows.append(
            {
                "attack": name,
                "median_ms": round(statistics.median(ms for ms, _ in samples), 1),
                "max_ms": round(max(ms for ms, _ in samples), 1),
                "error": samples[0][1].split(";")[0],
            }
        )
    started = time.perf_counter()
    jmespath.search(_doubling(DOUBLING_K) + " | length(to_string(@))", {})
    unbounded_ms = round((time.perf_counter() - started) * 1000, 1)
    return {
        "rounds": rounds,
        "rows": rows,
        "unbounded_doubling_ms": unbounded_ms,
        "limits": {
            "max_depth": expressions.MAX_DEPTH,
            "max_steps": expressions.MAX_STEPS,
            "max_volume": expressions.MAX_VOLUME,
        },
        "budget_ms": BUDGET_MS,
        "held": all(row["max_ms"] <= BUDGET_MS for row in rows),
    }


def section(data: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    limits = data["limits"]
    table = "\n".join(
        f"| {row['attack']} | {row['median_ms']:.1f} ms | {row['max_ms']:.1f} ms | {row['error']} |"
        for row in data["rows"]
    )
    return (
        f"In-process, median of {data['rounds']} rounds (`bench/expressions.py`). Limits: nesting "
        f"{limits['max_depth']} levels (save time), {limits['max_steps']:,} evaluation steps and "
        f"{limits['max_volume']:,} units of data read (run time); see `workflow_engine/models/expressions.py`.\n\n"
        "| attack | stopped after (median) | max | error |\n| --- | --- | --- | --- |\n"
        f"{table}\n\n"
        f"Unbounded (plain jmespath), the first attack takes {data['unbounded_doubling_ms']:,.0f} ms, and each "
        "further `| [@,@]` doubles it; the expression's 4,096-character limit allows k of about 400."
    )


if __name__ == "__main__":  # python -m bench.expressions [ROUNDS]
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
    print(json.dumps(result, indent=2))
    print(section(result))
