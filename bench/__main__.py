"""`python -m bench` (what `make bench` runs): every measurement in one run, then BENCHMARKS.md and
bench/results.json. Exits 1 if a budget was missed (the files are written either way).

Order: the subprocess measurements first (deployment size, cold start: a quiet machine), then the in-process
stack (calls, transitions, log query, cost inputs), then the local stack over HTTP (throughput), which must
run outside moto's in-process mock.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    batch,
    calls,
    cli_startup,
    cold_start,
    cost,
    expressions,
    log_query,
    queries,
    realtime,
    report,
    resume,
    size,
    throughput,
    transitions,
    web,
)
from bench.harness import Api, in_process_stack
from infra.catalog import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results.json"
REPORT = REPO_ROOT / "BENCHMARKS.md"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        command = ["git", *args]  # fixed arguments, from this module only
        return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603, S607
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (+ local changes)" if _git("status", "--porcelain") else ""),
    }


def _step(name: str, measure: Any) -> Any:
    print(f"bench: {name}...", flush=True)
    started = time.perf_counter()
    result = measure()
    print(f"bench: {name} done in {time.perf_counter() - started:.1f}s", flush=True)
    return result


def main() -> int:
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine()}
    results["size"] = _step("deployment size", size.run)
    results["cold_start"] = _step("cold start", cold_start.run)
    results["cli_startup"] = _step("wfe start-up", cli_startup.run)
    results["expressions"] = _step("expression budgets", expressions.run)
    from tests.support.connections_sink import RecordedConnections

    connections = RecordedConnections()  # the @connections endpoint the notifier posts to, in-process
    with in_process_stack(websocket_callback_url=connections.url) as resources:
        results["calls"] = _step("AWS calls per request", lambda: calls.run(Api()))
        results["transitions"] = _step("state transitions", lambda: transitions.run(resources))
        results["resume"] = _step("resume vs ordinary", lambda: resume.run(resources))
        results["log_query"] = _step("log query", lambda: log_query.run(Api()))
        results["queries"] = _step("queries and metrics", lambda: queries.run(Api()))
        results["batch"] = _step("batch operations and compare (calls)", lambda: batch.run(Api()))
        measured = _step("cost inputs", lambda: cost.measure(resources))
        realtime_calls = _step("real-time: notifier calls per record", lambda: realtime.calls(connections.gone))
    connections.stop()
    results["throughput"] = _step("local stack throughput", throughput.run)
    results["realtime"] = {"calls": realtime_calls, "latency": _step("real-time latency", realtime.latency)}
    results["batch"]["local_stack"] = _step("batch cancel on the local stack", batch.run_local)
    results["web"] = _step("web app (browser)", web.run)
    results["cost"] = {**cost.project(measured, results["transitions"]), "measured": measured}
    results["budgets"] = report.budgets(results)
    results["machine"]["seconds"] = round(time.perf_counter() - started, 1)

    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    REPORT.write_text(report.render(results))
    missed = [name for name, row in results["budgets"].items() if not row["held"]]
    print(f"bench: wrote {REPORT.name} and bench/{RESULTS.name} in {results['machine']['seconds']}s", flush=True)
    if missed:
        print(f"bench: budgets missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
