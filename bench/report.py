"""BENCHMARKS.md from bench/results.json: every figure beside its budget, the machine and the date."""

from __future__ import annotations

from typing import Any

from bench import batch as batch_bench
from bench import (
    blocks,
    children,
    cli_startup,
    cold_start,
    cost,
    expressions,
    local_restart,
    log_query,
    queries,
    schedules,
    secrets,
    throughput,
    webhooks,
)
from bench import calls as calls_bench


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _yes(held: bool) -> str:
    return "yes" if held else "**NO**"


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def budgets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    routes = results["calls"]["routes"]
    misses = calls_bench.over_budget(results["calls"])
    budgeted = [f"{route.split(' ', 1)[1]} {row['calls']}" for route, row in routes.items() if row["budget"]]
    rows = results["transitions"]["rows"]
    worst_profile, worst_module, worst = max(
        (
            (profile, module, row["ratio"])
            for profile, rows_ in results["cold_start"]["profiles"].items()
            for module, row in rows_.items()
            if module != cold_start.BASELINE
        ),
        key=lambda item: item[2],
    )
    return {
        "AWS calls per request": {
            "budget": "status 1, logs 1 per page, list 1, execute 3 (no key), cancel 3, workflow reads 1",
            "measured": "all routes within budget" if not misses else "; ".join(misses),
            "held": not misses,
            "detail": ", ".join(budgeted),
        },
        "Batch and compare calls": {
            "budget": "batch-get 1 BatchGetItem; batch-cancel 1 + 2 per id; compare 1 + 1 Query per execution",
            "measured": ", ".join(f"{name}: {row['calls']}" for name, row in results["batch"]["rows"].items()),
            "held": not batch_bench.over_budget(results["batch"]),
        },
        "Transitions per block": {
            "budget": "per block at most 1 transition beyond the steps it runs",
            "measured": ", ".join(f"{kind} +{added}" for kind, added in results["blocks"]["transitions"].items()),
            "held": results["blocks"]["held"],
        },
        "DynamoDB Scans": {
            "budget": "0, anywhere",
            "measured": f"{results['calls']['anywhere']['scans']} (requests, state machines, step Lambdas, reconciler)",
            "held": results["calls"]["anywhere"]["scans"] == 0,
        },
        "State transitions": {
            "budget": "at most N + 3 for N Lambda steps",
            "measured": ", ".join(f"N={r['lambda_steps']}: {r['transitions']}" for r in rows),
            "held": results["transitions"]["held"],
        },
        "Resumed execution transitions": {
            "budget": "ordinary N + 2; resumed (steps it runs) + 3",
            "measured": f"N={results['resume']['steps']}, failure at step {results['resume']['failing_step']}: "
            f"ordinary {results['resume']['ordinary']['transitions']}, "
            f"resumed {results['resume']['resumed']['transitions']}",
            "held": results["resume"]["held"],
        },
        "Approval waits": {
            "budget": results["approvals"]["budget"],
            "measured": f"while waiting {results['approvals']['while_waiting']['idle_seconds']} s: "
            f"{results['approvals']['while_waiting']['transitions']} transitions, "
            f"{results['approvals']['while_waiting']['lambda_invocations']} Lambda invocations; decided run of "
            f"{results['approvals']['steps']} steps: {results['approvals']['decided']['transitions']} transitions, "
            f"{results['approvals']['decided']['lambda_invocations']} Lambda invocations",
            "held": results["approvals"]["held"],
        },
        "Cold start (import vs import boto3)": {
            "budget": f"at most {cold_start.BUDGET_RATIO}x",
            "measured": f"worst {worst:.2f}x ({worst_module}, {worst_profile} environment; fastest of "
            f"{results['cold_start']['rounds']} rounds, as timeit)",
            "held": results["cold_start"]["held"],
        },
        **_web_budgets(results),
        "Notifier calls per stream record": {
            "budget": "1 Query + 1 post per live subscribed connection, no Scan",
            "measured": "all cases within budget"
            if not results["realtime"]["calls"]["over_budget"]
            else "; ".join(results["realtime"]["calls"]["over_budget"]),
            "held": not results["realtime"]["calls"]["over_budget"],
        },
        **_expression_budgets(results),
        **_webhook_budgets(results),
        "Another user's live update while one user holds the connection cap": {
            "budget": f"p95 under {results['realtime']['latency']['budget_ms']:.0f} ms",
            "measured": ", ".join(
                f"{row['case']}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
                for row in results["realtime"]["latency"]["rows"]
            ),
            "held": results["realtime"]["latency"]["held"],
        },
        "Third-party code only in the dependencies layer": {
            "budget": "no SDK or library in our code assets",
            "measured": ", ".join(results["size"]["sdk_in_code_assets"]) or "none",
            "held": not results["size"]["sdk_in_code_assets"],
        },
    }


def _webhook_budgets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    data = results.get("webhooks")
    if not data:
        return {}
    rows = data["rows"]
    return {
        "AWS calls per webhook start": {
            "budget": ", ".join(f"{case} {row['budget']}" for case, row in rows.items()),
            "measured": ", ".join(f"{case} {row['calls']}" for case, row in rows.items()),
            "held": data["held"],
        }
    }


def _expression_budgets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    data = results.get("expressions")
    if not data:
        return {}
    return {
        "Over-budget expression stopped": {
            "budget": f"each attack within {data['budget_ms']:,} ms",
            "measured": ", ".join(f"{row['attack']}: {row['max_ms']:.0f} ms" for row in data["rows"]),
            "held": data["held"],
        }
    }


def _web_budgets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    web = results.get("web")
    if not web:
        return {}
    live = web["live"]
    return {
        "Web app: JS + CSS on first load (gzip)": {
            "budget": f"at most {web['bundle']['budget_kb']} KB",
            "measured": f"{web['bundle']['gzip_kb']} KB ({web['bundle']['files']} files)",
            "held": web["bundle"]["held"],
        },
        "Web app: first screen usable": {
            "budget": "at most 1,500 ms (local stack)",
            "measured": ", ".join(f"{name} {ms} ms" for name, ms in web["first_screen_ms"].items()),
            "held": web["first_screen_held"],
        },
        "Web app: live status change reaches the page": {
            "budget": f"at most {web['live']['budget_ms']} ms",
            "measured": f"median {live['median_ms']} ms, max {live['max_ms']} ms ({live['channel']})",
            "held": web["live"]["held"],
        },
    }


def _web(results: dict[str, Any]) -> str:
    web = results["web"]
    table, bundle = web["table"], web["bundle"]
    return "\n".join(
        [
            f"- First load: {bundle['files']} files, {bundle['raw_kb']} KB raw, **{bundle['gzip_kb']} KB gzipped** "
            f"(the metrics screen adds the chart library: {bundle['metrics_screen_extra_gzip_kb']} KB gzipped).",
            "- First screen usable (navigation start to the screen's data rendered, median of "
            f"{web['first_screen_contexts']} cold contexts): "
            + ", ".join(f"{name} **{ms} ms**" for name, ms in web["first_screen_ms"].items())
            + ".",
            f"- {table['runs']:,} runs in the table: {table['rows_per_page']} per page; first page usable in "
            f"{table['first_page_ms']} ms, next page {table['next_page_ms']} ms, status filter "
            f"{table['filter_ms']} ms, of which the API (moto's query) {table['api_ms_per_page']} ms per page.",
            f"- Live status change to the page ({web['live']['channel']}, {web['live']['samples']} runs): median "
            f"**{web['live']['median_ms']} ms**, max {web['live']['max_ms']} ms after the execution's `completed_at` "
            f"(each sample: {', '.join(str(v) for v in web['live'].get('samples_ms', []))} ms; pages open before "
            f"the run completed: {web['live'].get('pages_open_before_completion', '-')} of {web['live']['samples']}).",
        ]
    )


def _realtime(results: dict[str, Any]) -> str:
    data = results["realtime"]
    calls_rows = [
        [
            row["case"],
            row["records"],
            ", ".join(f"{name} x{n}" for name, n in row["operations"].items()),
            row["per_record"],
            row["budget_per_record"],
            _yes(row["held"]),
        ]
        for row in data["calls"]["rows"]
    ]
    latency_rows = [
        [row["case"], row["samples"], row["p50_ms"], row["p95_ms"], f"< {row['budget_ms']:.0f}", _yes(row["held"])]
        for row in data["latency"]["rows"]
    ]
    return (
        _table(["owner's connections", "records", "AWS calls", "per record", "budget per record", "held"], calls_rows)
        + "\n\n"
        + _table(["Bob's update latency", "status changes", "p50 ms", "p95 ms", "budget p95 ms", "held"], latency_rows)
    )


def _summary(results: dict[str, Any]) -> str:
    rows = [[name, row["budget"], row["measured"], _yes(row["held"])] for name, row in results["budgets"].items()]
    return _table(["budget", "limit", "measured", "held"], rows)


def _calls(results: dict[str, Any]) -> str:
    rows = []
    for route, row in results["calls"]["routes"].items():
        operations = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in row["operations"].items()) or "-"
        budget = "-" if row["budget"] is None else row["budget"]
        held = "-" if row["budget"] is None else _yes(row["calls"] <= row["budget"])
        rows.append([f"`{route}`", row["calls"], budget, held, operations, row["note"]])
    anywhere = results["calls"]["anywhere"]
    total = sum(anywhere["operations"].values())
    return (
        _table(["route", "AWS calls", "budget", "held", "operations", "why"], rows)
        + f"\n\nMeanwhile, in every thread (the executions these requests started, their step Lambdas, the reconciler, "
        f"and the polling for their end): {total} AWS calls, **{anywhere['scans']} Scan**."
    )


def _transitions(results: dict[str, Any]) -> str:
    rows = [
        [
            r["lambda_steps"],
            r["transitions"],
            r["budget"],
            _yes(r["within_budget"]),
            r["interpreter_transitions"],
            f"{r['interpreter_to_ours']}x",
        ]
        for r in results["transitions"]["rows"]
    ]
    return _table(
        ["Lambda steps (N)", "transitions (ours)", "budget N + 3", "held", "generic interpreter", "interpreter / ours"],
        rows,
    )


def _resume(results: dict[str, Any]) -> str:
    data = results["resume"]
    ordinary, original = data["ordinary"], data["failed_original"]
    rows = [
        ["ordinary", ordinary["transitions"], ordinary["budget"], ordinary["lambda_invocations"], "-"],
        ["failed original", original["transitions"], "-", original["lambda_invocations"], "-"],
        [
            f"resumed at step {data['failing_step']} ({data['steps_run_by_resume']} steps run)",
            data["resumed"]["transitions"],
            data["resumed"]["budget"],
            data["resumed"]["lambda_invocations"],
            data["resumed"]["reused_log_entries"],
        ],
    ]
    return _table(["execution", "transitions", "budget", "step Lambda invocations", "reused log entries"], rows)


def _median(row: dict[str, Any]) -> str:
    if "median_import_ms" not in row:  # results from before the median was kept beside the fastest
        return "-"
    return f"{row['median_import_ms']:.0f} ms ({row['median_ratio']:.2f}x)"


def _cold_start(results: dict[str, Any]) -> str:
    data = results["cold_start"]
    before = data["before"]
    sections = []
    for profile, rows in data["profiles"].items():
        old = before["profiles"].get(profile, {})
        table_rows = []
        for module, row in rows.items():
            was = old.get(module)
            table_rows.append(
                [
                    f"`{module}`" if module != cold_start.BASELINE else "`import boto3` (baseline)",
                    f"{was['import_ms']:.0f} ms ({was['ratio']:.2f}x)" if was else "-",
                    f"{row['import_ms']:.0f} ms",
                    f"**{row['ratio']:.2f}x**" if module != cold_start.BASELINE else "1.00x",
                    "-" if module == cold_start.BASELINE else _yes(row["within_budget"]),
                    _median(row),
                    f"{row['import_plus_first_use_ms']:.0f} ms",
                ]
            )
        sections.append(
            f"**{profile} environment** ({cold_start.ENVIRONMENTS[profile]})\n\n"
            + _table(
                [
                    "handler module",
                    f"before ({before['commit']})",
                    "import now",
                    "ratio",
                    f"<= {data['budget_ratio']}x",
                    "median (ratio of medians)",
                    "import + first use (upper bound)",
                ],
                table_rows,
            )
        )
    bytecode = [
        [
            f"`{module}`" if module != cold_start.BASELINE else "`import boto3`",
            f"{row['with_bytecode_ms']:.0f} ms",
            f"{row['without_bytecode_ms']:.0f} ms",
            f"{row['without_bytecode_ms'] / row['with_bytecode_ms']:.1f}x",
        ]
        for module, row in data["bytecode"].items()
    ]
    sections.append(
        "**The dependencies layer's bytecode**: imports from the layer with its `.pyc` (as built) and without any "
        "(what a layer of sources only costs on Lambda, whose /opt is read-only)\n\n"
        + _table(["module", "with bytecode", "without", "without / with"], bytecode)
    )
    return "\n\n".join(sections)


def _size(results: dict[str, Any]) -> str:
    data = results["size"]
    rows = [
        [
            f"`{asset['directory']}/`",
            who,
            asset["files"],
            _kb(asset["zipped_bytes"]),
            _kb(asset["unzipped_bytes"]),
            ", ".join(asset["bundled_sdks"]) or "none",
        ]
        for asset, who in (
            (
                data["functions_asset"],
                f"code asset of all {len(data['per_function_zipped_bytes'])} functions (each runs its handler from it; "
                "with its 3.13 bytecode)",
            ),
            (data["common_layer"], "CommonLayer (workflow_engine, with its 3.13 bytecode)"),
            (data["dependencies_layer"], "DependenciesLayer (the runtime lock, with its 3.13 bytecode)"),
        )
    ]
    deps = data["dependencies_layer"]
    per_function = ", ".join(f"{name} {_kb(size)}" for name, size in data["per_function_zipped_bytes"].items())
    return (
        _table(["asset", "used by", "files", "zipped", "unzipped", "SDKs bundled"], rows)
        + f"\n\nPer function (zipped code): {per_function}, each plus the CommonLayer "
        f"({_kb(data['common_layer']['zipped_bytes'])}) and the DependenciesLayer ({_kb(deps['zipped_bytes'])}). "
        f"boto3, botocore and s3transfer are {_kb(deps['sdk_zipped_bytes'])} of the latter zipped "
        f"({_kb(deps['sdk_unzipped_bytes'])} unzipped); "
        f"within Lambda quotas (50 MB zipped, 250 MB unzipped): {_yes(data['within_quotas'])}."
    )


def _throughput(results: dict[str, Any]) -> str:
    data = results["throughput"]
    rows = []
    for row in data["rows"]:
        for name, label in (("api", "API over HTTP"), ("raw_moto", "raw moto (boto3, no API)")):
            cell = row[name]
            rows.append(
                [
                    row["clients"],
                    label,
                    cell["executions_per_second"],
                    f"{cell['start']['p50_ms']} / {cell['start']['p95_ms']}",
                    f"{cell['status']['p50_ms']} / {cell['status']['p95_ms']}",
                    "{p50_ms} / {p95_ms} ({requests})".format(**cell["all_requests"]),
                    f"{row['api_to_raw']}x" if name == "api" else "1.00x",
                ]
            )
    return _table(
        [
            "clients",
            "path",
            "executions/s",
            "start p50 / p95 ms",
            "status read p50 / p95 ms",
            "all requests p50 / p95 ms (count)",
            "executions/s vs raw",
        ],
        rows,
    )


def _batch(results: dict[str, Any]) -> str:
    data = results["batch"]
    rows = []
    for name, row in data["rows"].items():
        operations = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in row["operations"].items())
        rows.append([name, row["calls"], row["calls_per_id"], _yes(row["held"]), operations, row["note"]])
    local = data.get("local_stack")
    timing = (
        f"\n\nOn the local stack over HTTP: one batch-cancel of {local['executions']} running executions took "
        f"**{local['batch_cancel_seconds']} s** ({local['batch_cancel_ms_per_id']} ms per id, "
        f"{local['concurrency']} StopExecution at a time); {local['executions']} single cancels one after the other "
        f"took {local['single_cancels_seconds']} s; a batch-get of {local['executions']} ids "
        f"{local['batch_get_ms']} ms."
        if local
        else ""
    )
    return _table(["request", "AWS calls", "per id", "exact budget held", "operations", "why"], rows) + timing


def _log_query(results: dict[str, Any]) -> str:
    data = results["log_query"]
    rows = [
        [
            f"`{row['query']}`",
            row["returned"],
            row["items_read"],
            row["queries"] + row["other_calls"],
            row["median_ms"],
            row["handler_median_ms"],
        ]
        for row in data["rows"]
    ]
    return _table(
        [
            "query (limit=1000 unless said)",
            "logs returned",
            "items read (ScannedCount)",
            "AWS calls",
            "route ms (moto in-process)",
            "of which outside the DynamoDB call",
        ],
        rows,
    )


def _queries(results: dict[str, Any]) -> str:
    data = results["queries"]
    pages = _table(
        ["query", "AWS calls", "items read (ScannedCount)", "returned", "X-Next-Token"],
        [
            [row["query"], row["calls"], row["items_read"], row["returned"], "yes" if row["next_token"] else "no"]
            for row in data["pages"]
        ],
    )
    metrics = data["metrics"]
    reads = _table(
        ["executions in the range", "GET /api/metrics", "AWS calls", "items read", "bound: buckets x (1 + steps)"],
        [
            [f"{row['executions']:,}", row["query"], row["calls"], row["items_read"], row["items_bound"]]
            for row in metrics["rows"]
        ],
    )
    writes = (
        f"Aggregation writes: {metrics['transactions_per_execution']:g} TransactWriteItems per execution of "
        f"{metrics['steps']} steps (one per finished execution, one per step attempt), each "
        f"{metrics['transaction_items']} items (a marker + 4 buckets) = {metrics['wru_per_transaction']} write units."
    )
    return "\n".join([pages, "", reads, "", writes])


def _cost(results: dict[str, Any]) -> str:
    data = results["cost"]
    per, measured, prices, assumed = data["per_execution"], data["measured"], data["prices"], data["assumptions"]
    rows = [
        [name, f"${value:,.2f}", f"${data['monthly_usd_interpreter'][name]:,.2f}"]
        for name, value in data["monthly_usd"].items()
    ]
    rows.append(["**total**", f"**${data['total_usd']:,.2f}**", f"**${data['total_usd_interpreter']:,.2f}**"])
    invocations = ", ".join(f"{n} {name}" for name, n in assumed["invocations_per_execution"].items())
    handlers = ", ".join(
        f"{name} {row['billed_ms']} ms ({row['aws_calls']:g} x AWS call + {row['own_ms']} ms own)"
        for name, row in measured["handlers"].items()
    )
    calls_line = ", ".join(f"{name} x{n}" for name, n in measured["execution_calls"].items())
    memory = int(assumed["memory_gb"] * 1024)
    lines = [
        _table(["component", "this design", "generic interpreter"], rows),
        "",
        f"Per execution: {per['api_requests']} API requests (execute + {assumed['status_reads_per_execution']} "
        f"status read, assumed); {per['lambda_requests']} Lambda invocations ({invocations}), "
        f"{per['lambda_gb_seconds']} GB-s at {memory} MB arm64; {per['transitions']} state transitions "
        f"(generic interpreter: {per['interpreter_transitions']}, both measured above); {per['wru']} write units "
        f"and {per['rru']} read units.",
        f"- AWS calls of one whole execution, every thread (measured): {calls_line}.",
        f"- Billed duration of a warm invocation = its own time, measured in-process, + {assumed['aws_call_ms']} ms "
        f"per AWS call (assumed in-region latency): {handlers}. Cold starts, CloudWatch Logs, X-Ray and data "
        "transfer are not included.",
        "- Write units from the table definitions: the `pending` PutItem writes the item and its 3 indexes (4), each "
        "status update writes the item and its 3 indexes, the status index twice (its key changes: 5 each, 2 "
        f"updates), each of the {data['steps']} log items 2 (the item and its by_user search index); the metrics "
        f"aggregator, one TransactWriteItems per terminal execution and per step attempt ({1 + data['steps']}), "
        "each a marker and 4 bucket items at 2 units per transactional item (10). Reads: the workflow GetItem, the "
        "reconciler's GetItem and one status GetItem, 0.5 each (eventually consistent, under 4 KB). Items under "
        "1 KB (a small input).",
        f"- Prices ({prices['as_of']}): Lambda ${prices['lambda_per_million_requests']:.2f} per 1M requests and "
        f"${prices['lambda_per_gb_second_arm64']:.10f} per GB-s (arm64); Step Functions Standard "
        f"${prices['step_functions_standard_per_1000_transitions']} per 1,000 state transitions; DynamoDB on-demand "
        f"${prices['dynamodb_on_demand_per_million_wru']} per 1M write and "
        f"${prices['dynamodb_on_demand_per_million_rru']} per 1M read request units; API Gateway HTTP API "
        f"${prices['http_api_per_million_requests']:.2f} per 1M requests. They are constants in `bench/cost.py`: "
        "check them against the AWS pricing pages before quoting.",
    ]
    return "\n".join(lines)


ENVIRONMENT_NOTE = """The budget is a ratio, so the figures travel between machines; the absolute numbers are this
machine's. "Import + first use" adds what the first invocation now creates instead of the import (every AWS
client the module may use, the X-Ray tracer where tracing is on, the DynamoDB codec): an upper bound, since
a request only creates the clients it calls."""


def remeasured_lines(machine: dict[str, Any]) -> str:
    """A line per section re-taken alone (`python -m bench --only`), after the full run."""
    again = machine.get("remeasured") or {}
    return "".join(
        f"Re-measured alone (`python -m bench --only {key}`) on {stamp['date']}, commit {stamp['commit']}: {key}.\n"
        for key, stamp in again.items()
    )


def render(results: dict[str, Any]) -> str:
    m, logs, money = results["machine"], results["log_query"], results["cost"]
    return f"""# Benchmarks

What the engine costs per request, per step and per month, measured by `make bench` (`python -m bench`, one
run of {m["seconds"]:.0f} s; machine-readable: `bench/results.json`). Never a timed test in CI: the call counts
are also gated by `tests/integration/test_call_budgets.py`, the transition counts by
`tests/integration/test_state_transitions.py`.

Run on {m["date"]}: {m["nproc"]} CPUs ({m["cpu"]}), Python {m["python"]}, {m["platform"]}, commit {m["commit"]}.
{remeasured_lines(m)}
## Budgets

{_summary(results)}

## AWS calls per request

Each route called once through its real handler (in-process, moto), counted with botocore `before-call` hooks on
the default session and the handlers' clients; only the request's own thread counts.

{_calls(results)}

## Batch operations and comparison

Counted as above, plus the request's worker pool (`bench/batch.py`); moto never leaves keys unprocessed, so the
batch-get makes exactly one BatchGetItem here (the retries of unprocessed keys are unit-tested).

{_batch(results)}

## State transitions per workflow

From real execution histories in moto (one transition per `*StateEntered` event). Ours: the compiled machine,
one state per step plus `$mark running` and `$record success`. The anchor is a generic "interpreter loop" machine
built and run in the same moto (`bench/transitions.py`): Start -> *Has next step?* (Choice) -> *Dispatch*
(Choice: wait steps to a native Wait) -> *Run step* (Task: one generic runner Lambda calling the same step
handler) -> back; 3 per step + 3. Same Lambda work and log writes per step; only the transitions differ.

{_transitions(results)}

## Blocks: transitions per block, a 1,000-item map

`bench/blocks.py`: each block run once in moto with 3 items and one transform step per branch or iteration; a
block's transitions are its run's `*StateEntered` events less the engine's two and one per Lambda step it took.
Then a map of {results["blocks"]["map"]["items"]:,} small objects (the largest payload is the biggest `input` or
`output` any state event of the run carries; each iteration carries its item and the context, never the other
iterations' outputs) and a map of {results["blocks"]["lambda_map"]["items"]} Lambda steps (local run time).

{blocks.section(results["blocks"])}

## Resume vs ordinary execution

`bench/resume.py`: a workflow of {results["resume"]["steps"]} transform steps whose step
{results["resume"]["failing_step"]} fails on the original input; the failed execution is then resumed
(`POST .../retry {{"mode": "resume"}}`) with a corrected input. The resumed machine enters `$mark running` (refused:
the API wrote the item `running`), the `$resume` Choice, the steps it runs and `$record success`; the earlier
steps' outputs ride in its input, so they cost no transition and no Lambda invocation.

{_resume(results)}

## Secret reads per step

`bench/secrets.py`: an http step using one secret three times and an ai step using two; Secrets Manager
`GetSecretValue` calls counted on every thread, with each step function's cache empty (cold) and again within
`secrets_max_age_seconds` (warm: Powertools parameters cache).

{secrets.section(results["secrets"]) if results.get("secrets") else "Not measured in this run."}

## Schedules: AWS calls per scheduled start, local at() delay

`bench/schedules.py`: botocore calls of one scheduled start (the scheduled-start handler with Scheduler's event),
and of the same firing delivered again (the idempotency record answers; nothing starts); the local stack's delay
from an at() schedule's time to its run (seam 16).

{schedules.section(results["schedules"]) if results.get("schedules") else "Not measured in this run."}

## AWS calls per webhook start

`bench/webhooks.py`: signed inbound calls (POST /api/hooks/{{trigger_id}}) through the real handler; botocore calls
counted on the request's thread (the run it starts is not). A replay repeats a delivery id; forged and stale calls
are refused (401).

{webhooks.section(results["webhooks"]) if results.get("webhooks") else "Not measured in this run."}

## A parent with one child (`workflow` step)

{children.section(results["children"]) if results.get("children") else "Not measured in this run."}

## `make local` restarted on stored data

`bench/local_restart.py`: `python -m infra.local` started on an empty data directory, filled to the stored
executions below (some run for real, the rest copies of their execution and step log items), stopped with Ctrl-C
(the last snapshot is written then), and started again on the same directory (infra/local/persistence.py).

{local_restart.section(results["local_restart"]) if results.get("local_restart") else "Not measured in this run."}

## CLI start-up (`wfe --help`)

{cli_startup.section(results["cli_startup"])}

## Expression budgets

{expressions.section(results["expressions"]) if results.get("expressions") else "Not measured in this run."}

## Cold start

Import time of each handler module in a fresh interpreter, the fastest of {results["cold_start"]["rounds"]} rounds
(all modules interleaved), as a ratio to the fastest bare `import boto3` in the same run and environment. The
fastest, as `timeit` reports: on this shared VM the same import varies by 40-70% from one interpreter to the next
(in CPU time as much as in wall time: it is the CPU's speed, not the disk), and interference only ever slows a
sample. The median of the rounds, and its ratio to the baseline's median, are in the last-but-one column.
{ENVIRONMENT_NOTE}

{_cold_start(results)}

What changed to hold the budget (it was missed by 2.6-4.1x):
- **AWS clients are created on first use** (`workflow_engine.platform.aws.client` returns a lazily created
  client, one per
  service per process, creation locked). The handlers no longer import boto3 or load service models at import.
- **The X-Ray tracer is created on first use** (`workflow_engine.platform.observability.LazyTracer`). A
  Powertools Tracer
  imports the X-Ray SDK, which imports botocore and, outside Lambda, builds a sampler with two X-Ray clients:
  the largest single import cost. Where Powertools disables tracing anyway (`POWERTOOLS_TRACE_DISABLED`, outside
  Lambda, SAM local) it is never imported; in Lambda it is made, and botocore patched, at the first invocation,
  before any AWS call, so traces are unchanged.
- **The DynamoDB codec** (`boto3.dynamodb.types`, which imports boto3) is imported on first use.
- **The ai step's Bedrock client is made by the first ai step that needs it**, with `make_bedrock_client`'s own
  settings (120 s reads, 2 attempts: the state machine retries); it used to be made at import with the shared
  client settings (10 s reads, 5 attempts), which would have cut long generations short.
- **Idempotency is loaded on the first request with an `Idempotency-Key`**: the Powertools idempotency package
  imports boto3 and its DynamoDB layer. `workflow_engine.executions.idempotency` builds it on first use and turns its
  mismatch and in-progress errors into the 422 and 409 (it used to be mapped in `functions/api/errors.py`, whose
  import pulled the package in).
- **pydantic looks for no plugins** (`PYDANTIC_DISABLE_PLUGINS=__all__` on every function, `catalog.LIBRARY_ENV`):
  otherwise the first model built scans the entry points of every installed package, about 4 ms here (0.03x on
  `api.executions`), more on a path as long as Lambda's.
- **The API handlers import what one route needs when that route runs** (it had crept back to 1.6x on the two
  largest): the execution API loads the workflow model when a start or retry reads a workflow and the step
  registry (the ASL compiler's modules) on the first resume; the workflow API loads the ASL compiler on the first
  save, validate or recompile, and its trigger routes no longer load the execution models (`WebhookAccepted` lives
  in `models.execution`). The API's models are built on first use (pydantic `defer_build`): a request builds the
  few it uses, about 0.03x. tests/unit/test_handler_imports.py pins each.
- **The API functions import Powertools' HTTP resolver alone** (`functions/api/lean_event_handler.py`, installed by
  the `api` package): `aws_lambda_powertools.event_handler`'s initializer imports every resolver Powertools has,
  AppSync's with `asyncio` among them, about 40 ms (0.2x) that an HTTP API never uses. The package is registered
  without running it; the names it takes from `api_gateway` resolve to the same objects, and any other name runs
  the real initializer, so nothing else changes (tests/unit/test_lean_event_handler.py).
- What remains is mostly the framework (Powertools' Logger and `api_gateway`, pydantic with its plugin loader's
  `importlib.metadata`: about 1.2x boto3 by themselves); the rest is the engine's route models, settings and use
  cases.

Honest accounting: in Lambda with tracing on, the work moved out of the import (boto3, the clients, the X-Ray
SDK) is still done, at the first invocation: the "import + first use" column is about what the import alone
cost before. The gains that remain are real: nothing is created that a request does not use (a status read
never creates the Step Functions client; the ai step creates its Bedrock client at its first call, not at import;
requests without an Idempotency-Key never load the idempotency utility), and where tracing is off the X-Ray SDK
is never imported. Should these functions move to SnapStart or provisioned concurrency, where init work is
snapshotted or pre-paid, creating the clients at import would be the better trade again.

## Deployment size

Zipped as the CDK stack packages the assets (`functions/` and `layers/common` as `infra/code_assets.py` builds
them: no bytecode of this machine, the Lambda runtime's 3.13 bytecode beside each module; the dependencies layer,
bytecode included; deflate level 9).

{_size(results)}

## Local stack throughput

A {results["throughput"]["workflow_steps"]}-step transform workflow on the local stack started as `make local`
starts it (`python -m infra.local` on free loopback ports), {throughput.EXECUTIONS} executions per setting, clients
polling every {int(results["throughput"]["poll_seconds"] * 1000)} ms. *API*: POST /execute then GET the status until
terminal, over HTTP with a Cognito token (local JWT authorizer, handler, validation). *Raw moto*: the same
`pending` item and StartExecution with boto3 on the stack's AWS endpoint, then the item read until terminal: the
same compiled machine without the API. The ratio is the API's executions/s over raw moto's.

{_throughput(results)}

The local stack is one Python process (moto server, its ASL interpreter threads, the in-process handlers and the
HTTP API under one GIL), so executions/s barely moves from 1 to 8 clients: the interpreter is the bottleneck, and
the API costs almost nothing in throughput (ratio about 1, within run-to-run noise). What the API adds shows in
latency: the start request (JWT check, handler, validation, 3 AWS calls) against a bare PutItem + StartExecution,
and queueing behind the interpreter at 8 clients. Not a prediction of AWS throughput, where each Lambda and the
Step Functions service scale independently.

## Real-time channel (WebSocket)

The notifier's AWS calls per DynamoDB stream record (in-process, counted through botocore hooks; gated by
`tests/integration/test_call_budgets.py`), then the latency from an execution's status being written (UpdateItem
on the local stack's DynamoDB) to the message arriving at Bob's client over a real WebSocket (`websockets`
clients against `make local`'s server): Bob alone, then while Alice holds the connection cap (every connection
subscribed to all) and changes the status of several of her runs just before each of Bob's changes.

{_realtime(results)}

A Gone connection costs one failed post and one DeleteItem, once. The notifier posts a batch's messages through
one bounded pool, round-robin across owners, each post with short timeouts, and a user holds at most the
connection cap: Alice's fan-out cannot hold Bob's message for long (before: 150 connections of Alice delayed
Bob's message from 0.38 s to 17.1 s). Locally the notifier, the WebSocket server and the clients share one
process and one GIL; in AWS each post is an HTTPS call to the management API.

## Log query

{log_query.LOGS:,} log items of one execution written straight into the logs table (`LogRepository.put`; 3 step
types, 10 step names, 1 in 20 failed, {logs["item_bytes"] / log_query.LOGS:.0f} bytes each on average), then read
through the logs route (median of {log_query.REPEATS} calls).

{_log_query(results)}

One Query per page, as budgeted: the partition key is `<user>#<execution>`, so a read never touches another
execution's logs and needs no index. Filters (`step_type`, `step_name`, `has_error`) are DynamoDB filter
expressions: they cut what is returned, not what is read (and billed), so a filtered read of this execution
reads all {log_query.LOGS:,} items: {logs["item_bytes"] / 1024:.0f} KB, {logs["read_units_full_read"]:g} read \
units (eventually consistent), in one Query. That is the right trade
for per-execution logs (bounded by steps x attempts); an index per filter would cost a write per log item for
a read that is rare. Most of the route's time here is moto serializing its answer in-process; the handler's own
share is the last column.

## Queries and metrics

{results["queries"]["executions"]} executions (2 workflows, one every 10 minutes) and
{results["queries"]["logs"]} log items written through the repositories, then one page of each query through its
route handler (bench/queries.py; CI gates the same counts in tests/integration/test_query_budgets.py). The log
search reads at most `limit + 1` items unfiltered, at most max(`limit` + 1, {queries.SEARCH_PAGE_READ_ITEMS:,})
with a filter. Metrics: the same {queries.METRICS_DAYS}-day range read for a user with 10 executions and one with
10,000 ({queries.METRICS_STEPS} steps each), counted through the aggregator's write path.

{_queries(results)}

## Projected monthly cost: {cost.EXECUTIONS_PER_MONTH:,} executions of a {cost.STEPS}-step workflow

{_cost(results)}

Step Functions Standard transitions dominate the bill, which is why a workflow compiles to one state per step
instead of running through a generic interpreter loop: at {cost.STEPS} steps the interpreter needs \
{money["per_execution"]["interpreter_transitions"]} transitions per execution instead of \
{money["per_execution"]["transitions"]}, {money["total_usd_interpreter"] / money["total_usd"]:.1f}x the total.

## Web app

Headless Chromium (Debian's, through Playwright) against a fresh local stack (`bench/web.py`).

{_web(results) if results.get("web") else "Not measured in this run."}

## Reproduce

```bash
make bench                                    # everything above, about {m["seconds"] / 60:.0f} minutes on this machine
PYTHONPATH=.:layers/common/python:functions .venv/bin/python -m bench.cold_start 9 /path/to/other/checkout
```

The second line measures cold start of another checkout (how the "before" column was taken, on git
{results["cold_start"]["before"]["commit"]}).
"""
