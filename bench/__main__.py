"""`python -m bench` (what `make bench` runs): every section of SECTIONS in one run, then BENCHMARKS.md and
bench/results.json. Exits 1 if a budget was missed (the files are written either way).

`python -m bench --only cold_start [--only ...]`: re-measure the named sections (a key's first part, as in
bench/results.json) into the committed figures of an earlier full run, and rewrite BENCHMARKS.md from them: for
a figure that needs a quiet machine (cold start) re-taken alone. The report says which sections were re-measured,
at which commit and when.

`python -m bench --quick --results PATH --report PATH`: every section once at a tiny size, the files written
elsewhere (tests/integration/test_bench_smoke.py, in `make test`: a section that no longer runs fails the tests;
its figures mean nothing, and nothing asserts on them).

Order: by phase (bench/registry.py): the subprocess measurements first (deployment size, cold start: a quiet
machine), then the in-process stack (calls, transitions, log query, cost inputs), then the local stack over
HTTP (throughput, real-time latency, batch cancel, web app), which must run outside moto's in-process mock.
A new section is one more entry in SECTIONS, with the tiny size its quick run uses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    approvals,
    batch,
    blocks,
    calls,
    children,
    cli_startup,
    cold_start,
    cost,
    expressions,
    local_restart,
    log_query,
    queries,
    realtime,
    report,
    resume,
    schedules,
    secrets,
    size,
    throughput,
    transitions,
    web,
    webhooks,
)
from bench.harness import Api, in_process_stack
from bench.registry import Phase, Run, Section, in_order, lookup, store
from infra.catalog import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results.json"
REPORT = REPO_ROOT / "BENCHMARKS.md"

P, IN, LOCAL = Phase.PROCESSES, Phase.IN_PROCESS, Phase.LOCAL_STACK
# Every measurement, each with its full size and the tiny one of a quick run: run.size(full, quick).
SECTIONS: list[Section] = [
    Section("deployment size", ("size",), P, size, lambda run: size.run(level=run.size(9, 1))),
    Section(
        "cold start",
        ("cold_start",),
        P,
        cold_start,
        lambda run: cold_start.run(run.size(cold_start.ROUNDS, 1), handlers=run.size(None, 1)),
    ),
    Section(
        "wfe start-up", ("cli_startup",), P, cli_startup, lambda run: cli_startup.run(run.size(cli_startup.ROUNDS, 1))
    ),
    Section(
        "expression budgets",
        ("expressions",),
        P,
        expressions,
        lambda run: expressions.run(run.size(expressions.ROUNDS, 1)),
    ),
    Section("AWS calls per request", ("calls",), IN, calls, lambda run: calls.run(Api())),
    Section(
        "state transitions",
        ("transitions",),
        IN,
        transitions,
        # the quick run keeps the cost section's workflow size: cost.project reads its row
        lambda run: transitions.run(run.stack, step_counts=run.size(transitions.STEP_COUNTS, (cost.STEPS,))),
    ),
    Section(
        "blocks: transitions, a 1,000-item map",
        ("blocks",),
        IN,
        blocks,
        lambda run: blocks.run(
            run.stack, items=run.size(blocks.ITEMS, 5), lambda_items=run.size(blocks.LAMBDA_ITEMS, 3)
        ),
    ),
    Section("resume vs ordinary", ("resume",), IN, resume, lambda run: resume.run(run.stack)),
    Section(
        "secret reads per step", ("secrets",), IN, secrets, lambda run: secrets.run(run.stack, runs=run.size(3, 1))
    ),
    Section(
        "schedules: calls per scheduled start, local at() delay",
        ("schedules",),
        IN,
        schedules,
        lambda run: schedules.run(run.stack),
    ),
    Section(
        "approvals: a run waiting for a person",
        ("approvals",),
        IN,
        approvals,
        lambda run: approvals.run(run.stack, idle_seconds=run.size(approvals.IDLE_SECONDS, 0.2)),
    ),
    Section(
        "webhooks: AWS calls per webhook start",
        ("webhooks",),
        IN,
        webhooks,
        lambda run: webhooks.run(run.stack, rounds=run.size(3, 1)),
    ),
    Section(
        "a parent with one child",
        ("children",),
        IN,
        children,
        lambda run: children.run(run.stack, child_steps=run.size(children.CHILD_STEPS, 1)),
    ),
    Section(
        "log query",
        ("log_query",),
        IN,
        log_query,
        lambda run: log_query.run(Api(), logs=run.size(log_query.LOGS, 20), repeats=run.size(log_query.REPEATS, 1)),
    ),
    Section(
        "queries and metrics",
        ("queries",),
        IN,
        queries,
        lambda run: queries.run(
            Api(),
            counts=run.size(queries.METRICS_COUNTS, (1, 2)),
            executions=run.size(queries.EXECUTIONS, 4),
            recorded_up_to=run.size(queries.RECORDED_UP_TO, 1),  # both write paths: recorded, folded
        ),
    ),
    Section(
        "batch operations and compare (calls)",
        ("batch",),
        IN,
        batch,
        lambda run: batch.run(Api(), size=run.size(batch.BATCH, 3)),
    ),
    Section(
        "cost inputs",
        ("cost", "measured"),
        IN,
        cost,
        lambda run: cost.measure(run.stack, repeats=run.size(cost.REPEATS, 1)),
    ),
    Section(
        "real-time: notifier calls per record",
        ("realtime", "calls"),
        IN,
        realtime,
        lambda run: realtime.calls(run.gone),
    ),
    Section(
        "local stack restart",
        ("local_restart",),
        P,
        local_restart,
        lambda run: local_restart.run(
            executions=run.size(local_restart.EXECUTIONS, 3), real_runs=run.size(local_restart.REAL_RUNS, 1)
        ),
    ),
    Section(
        "local stack throughput",
        ("throughput",),
        LOCAL,
        throughput,
        lambda run: throughput.run(
            executions=run.size(throughput.EXECUTIONS, 2),
            rounds=run.size(throughput.ROUNDS, 1),
            clients=run.size(throughput.CLIENTS, (1, 2)),
            stack=run.local_stack,
        ),
    ),
    Section(
        "real-time latency",
        ("realtime", "latency"),
        LOCAL,
        realtime,
        lambda run: realtime.latency(
            samples=run.size(realtime.SAMPLES, 1),
            alice_connections=run.size(realtime.ALICE_CONNECTIONS, 2),
            stack=run.local_stack,
        ),
    ),
    Section(
        "batch cancel on the local stack",
        ("batch", "local_stack"),
        LOCAL,
        batch,
        lambda run: batch.run_local(size=run.size(batch.BATCH, 3), stack=run.local_stack),
    ),
    Section(
        "web app (browser)",
        ("web",),
        LOCAL,
        web,
        lambda run: web.run(
            runs=run.size(web.RUNS, web.PAGE + 1),  # one more than a page: there is a next page
            cold_contexts=run.size(web.COLD_CONTEXTS, 1),
            live_samples=run.size(web.LIVE_SAMPLES, 1),
            stack=run.local_stack,
        ),
    ),
]


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


def _step(name: str, measure: Callable[[], Any]) -> Any:
    print(f"bench: {name}...", flush=True)
    started = time.perf_counter()
    result = measure()
    print(f"bench: {name} done in {time.perf_counter() - started:.1f}s", flush=True)
    return result


@contextmanager
def _phase(phase: Phase, quick: bool) -> Iterator[Run]:
    """What the phase's sections run on. A quick run shares one local stack between its sections (starting
    one takes seconds); a full run gives each section a fresh one, as `make local` starts it."""
    if phase is Phase.IN_PROCESS:
        from tests.support.connections_sink import RecordedConnections

        connections = RecordedConnections()  # the @connections endpoint the notifier posts to, in-process
        try:
            with in_process_stack(websocket_callback_url=connections.url) as resources:
                yield Run(quick, throughput.local_stack, resources, connections)
        finally:
            connections.stop()
    elif phase is Phase.LOCAL_STACK and quick:
        with throughput.local_stack() as outputs:
            yield Run(quick, lambda: nullcontext(outputs))
    else:
        yield Run(quick, throughput.local_stack)


def measure(sections: list[Section], quick: bool = False, earlier: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every section's figures, the cost projection and the budgets: what bench/results.json holds. With
    `earlier` (a full run's results), only `sections` are measured again and replace theirs."""
    started = time.perf_counter()
    if earlier is None:
        results: dict[str, Any] = {"machine": {**machine(), "quick": quick}}
    else:
        results = earlier
        stamp = {key: value for key, value in machine().items() if key in ("date", "commit")}
        for section in sections:
            results["machine"].setdefault("remeasured", {})[".".join(section.key)] = stamp
    for phase, members in in_order(sections):
        if not members:
            continue
        with _phase(phase, quick) as run:
            for section in members:
                store(results, section.key, _step(section.title, lambda section=section: section.measure(run)))
    measured = lookup(results, ("cost", "measured"))
    results["cost"] = {**cost.project(measured, results["transitions"]), "measured": measured}
    results["budgets"] = report.budgets(results)
    if earlier is None:
        results["machine"]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def chosen(only: list[str]) -> list[Section]:
    """The sections whose key starts with one of `only` (`cold_start`, `realtime`, `realtime.latency`)."""
    picked = [section for section in SECTIONS if any(".".join(section.key).startswith(name) for name in only)]
    unknown = [name for name in only if not any(".".join(s.key).startswith(name) for s in SECTIONS)]
    if unknown:
        known = ", ".join(".".join(section.key) for section in SECTIONS)
        raise SystemExit(f"bench: no section {', '.join(unknown)}; the sections are: {known}")
    return picked


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="every section once, at a tiny size (figures mean nothing)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON figures (default: bench/results.json)")
    parser.add_argument("--report", type=Path, default=REPORT, help="the Markdown report (default: BENCHMARKS.md)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        help="re-measure this section (e.g. cold_start) into the figures of --results, an earlier full run",
    )
    arguments = parser.parse_args(argv)
    if arguments.only and arguments.quick:
        parser.error("--only re-measures a full run's figures; --quick measures everything at a tiny size")
    committed = {RESULTS.resolve(), REPORT.resolve()}
    if arguments.quick and {arguments.results.resolve(), arguments.report.resolve()} & committed:
        parser.error("a quick run's figures mean nothing: give --results and --report outside the committed files")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    if arguments.only:
        earlier = json.loads(arguments.results.read_text())
        if earlier["machine"].get("quick"):
            raise SystemExit(f"bench: {arguments.results} is a quick run's; --only needs a full run's figures")
        results = measure(chosen(arguments.only), earlier=earlier)
    else:
        results = measure(SECTIONS, quick=arguments.quick)
    arguments.results.write_text(json.dumps(results, indent=2) + "\n")
    arguments.report.write_text(report.render(results))
    missed = [name for name, row in results["budgets"].items() if not row["held"]]
    print(f"bench: wrote {arguments.report} and {arguments.results} in {results['machine']['seconds']}s", flush=True)
    if missed:
        print(f"bench: budgets missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
