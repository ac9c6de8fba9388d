"""Cold start: import time of each handler module, as a ratio to a bare `import boto3` in the same run.

Every sample is a fresh interpreter (`python -c`), with the environment the stacks give the function:
- "lambda": what the CDK stack sets (infra/constructs/functions.py) plus what the Lambda runtime sets
  (LAMBDA_TASK_ROOT & co.), so Powertools behaves as deployed: tracing is on.
- "local": what the local stack sets (infra/local/provision.py), tracing off.
- "layer": the "lambda" environment with the dependencies layer on the path, as /opt/python is in Lambda: the
  runtime lock installed for this machine exactly as infra.dependencies builds the arm64 layer (same versions,
  same hash-based bytecode), so its packages, boto3 included, are imported from it, not from .venv.
The "bytecode" figures import boto3 and each handler from that layer with and without its bytecode (without:
`-X pycache_prefix` pointing to an empty directory, which is what Lambda would do with a layer holding only
sources: its /opt is read-only, so every cold start compiles every module it imports).
Samples of all modules are interleaved round by round; the fastest of the rounds is the figure (as `timeit`
reports), the median is reported beside it. Each sample also times
what the handler defers to its first invocation (AWS clients, the X-Ray tracer, the DynamoDB codec), so the
table shows where that cost went rather than hiding it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra import dependencies
from infra.catalog import FUNCTIONS, REPO_ROOT, FunctionSpec
from infra.local.provision import LocalResources
from workflow_engine.platform.settings import step_function_arn_variables
from workflow_engine.platform.tables import ALL_TABLES

BUDGET_RATIO = 1.5
BASELINE = "boto3"
ROUNDS = 9

ENVIRONMENTS = {
    "lambda": "as deployed: the CDK stack's variables plus the Lambda runtime's, so Powertools tracing is on",
    "local": "as the local stack and the tests run the handlers: POWERTOOLS_TRACE_DISABLED=true",
    "layer": "as deployed, every third-party package (boto3 included) imported from the dependencies layer, "
    "built from the runtime lock for this machine with its bytecode",
}

# Measured with this module, on the same machine, on the checkout before the cold-start changes (9 rounds
# would do as well: `python -m bench.cold_start 7 <checkout>`), for the before/after table.
BEFORE = {
    "commit": "bc40841",
    "date": "2026-11-25",
    "profiles": {
        "lambda": {
            "boto3": {"import_ms": 114.5, "ratio": 1.0},
            "api.workflows": {"import_ms": 329.9, "ratio": 2.88},
            "api.executions": {"import_ms": 332.9, "ratio": 2.91},
            "steps.transform": {"import_ms": 309.5, "ratio": 2.7},
            "steps.http": {"import_ms": 314.6, "ratio": 2.75},
            "steps.ai": {"import_ms": 299.8, "ratio": 2.62},
            "reconciler.handler": {"import_ms": 308.1, "ratio": 2.69},
        },
        "local": {
            "boto3": {"import_ms": 114.2, "ratio": 1.0},
            "api.workflows": {"import_ms": 452.1, "ratio": 3.96},
            "api.executions": {"import_ms": 469.1, "ratio": 4.11},
            "steps.transform": {"import_ms": 363.7, "ratio": 3.19},
            "steps.http": {"import_ms": 360.7, "ratio": 3.16},
            "steps.ai": {"import_ms": 352.6, "ratio": 3.09},
            "reconciler.handler": {"import_ms": 365.7, "ratio": 3.2},
        },
    },
}

_PROBE = """
import sys, time
started = time.perf_counter()
import {module}
imported = time.perf_counter()
if {deferred}:  # what the first invocation creates (absent from versions that create it at import)
    try:
        from workflow_engine.platform import aws, observability
    except ImportError:  # a checkout from before the layer's packages (python -m bench.cold_start N <checkout>)
        from workflow_engine import aws, observability
    from workflow_engine.data import codec
    for lazy in list(getattr(aws, "_clients", {{}}).values()):
        lazy.real
    if getattr(observability, "tracing_enabled", bool)():
        observability.tracer.real
    getattr(codec, "_codecs", bool)()
    module = sys.modules["{module}"]
    if callable(getattr(module, "bedrock", None)):
        module.bedrock()  # the ai step's Bedrock client (before the step registry)
    if "{step_type}":  # the generic step handler imports a type's runner on its first step
        module.runner("{step_type}")
        shared = getattr(sys.modules.get("workflow_engine.steps.ai"), "shared_bedrock_client", None)
        if "{step_type}" == "ai" and callable(shared):
            shared()  # the ai step's Bedrock client
done = time.perf_counter()
print((imported - started) * 1000, (done - imported) * 1000)
"""


def _dummy_arn(service: str, name: str) -> str:
    return f"arn:aws:{service}:us-east-1:123456789012:{name}"


def lambda_environment(spec: FunctionSpec, task_root: str) -> dict[str, str]:
    """CDK stack settings for the function, plus the Lambda runtime's own variables."""
    function_id = spec.id
    values = {
        "WORKFLOWS_TABLE": "WorkflowEngine-Workflows",
        "EXECUTIONS_TABLE": "WorkflowEngine-Executions",
        "LOGS_TABLE": "WorkflowEngine-ExecutionLogs",
        "IDEMPOTENCY_TABLE": "WorkflowEngine-Idempotency",
        "NOTIFICATIONS_TABLE": "WorkflowEngine-Notifications",
        "WEBHOOK_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-failures",
        "WEBHOOK_BACKOFF_BASE_SECONDS": "1",
        "METRICS_TABLE": "WorkflowEngine-Metrics",
        "TRIGGERS_TABLE": "WorkflowEngine-Triggers",
        "SCHEDULES_TABLE": "WorkflowEngine-Schedules",
        "SCHEDULE_GROUP_NAME": "WorkflowEngine",
        "SCHEDULED_START_FUNCTION_ARN": _dummy_arn("lambda", "function:ScheduledStart"),
        "SCHEDULER_ROLE_ARN": _dummy_arn("iam", "role/scheduler"),
        "SCHEDULE_DEAD_LETTER_QUEUE_ARN": _dummy_arn("sqs", "schedule-failures"),
        "STATE_MACHINE_PREFIX": "WorkflowEngine-wf-",
        "STATES_ROLE_ARN": _dummy_arn("iam", "role/states"),
        "STATE_MACHINE_LOG_GROUP_ARN": _dummy_arn("logs", "log-group:/aws/vendedlogs/states/workflows:*"),
        **{
            variable: _dummy_arn("lambda", f"function:{name}")
            for name, variable in step_function_arn_variables().items()
        },
        "HTTP_ALLOWED_NETWORKS": "",
        "HTTP_DENIED_ENDPOINTS": "",
        "SECRETS_PREFIX": "WorkflowEngine/secrets",
        "SECRETS_KMS_KEY_ID": _dummy_arn("kms", "key/0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"),
        "CONNECTIONS_TABLE": "WorkflowEngine-Connections",
        "USER_POOL_ID": "us-east-1_bench",
        "USER_POOL_CLIENT_ID": "bench",
        "WEBSOCKET_CALLBACK_URL": "https://abc123.execute-api.us-east-1.amazonaws.com/live",
        "JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench/.well-known/jwks.json",
    }
    return {
        **{name: values[name] for name in spec.settings.stack_settings()},
        "POWERTOOLS_SERVICE_NAME": function_id,
        "POWERTOOLS_METRICS_NAMESPACE": "WorkflowEngine",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def local_environment(spec: FunctionSpec) -> dict[str, str]:
    resources = LocalResources(
        region="us-east-1",
        user_pool_id="us-east-1_bench",
        user_pool_client_id="bench",
        table_names={
            definition.logical_id: f"workflow-engine-local-{definition.logical_id}" for definition in ALL_TABLES
        },
        function_arns={each.id: _dummy_arn("lambda", f"function:{each.id}") for each in FUNCTIONS},
        states_role_arn=_dummy_arn("iam", "role/states"),
        state_machine_log_group_arn=_dummy_arn("logs", "log-group:/aws/vendedlogs/states/workflow-engine-local:*"),
        secrets_kms_key_id=_dummy_arn("kms", "key/0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"),
        scheduler_role_arn=_dummy_arn("iam", "role/scheduler"),
        schedule_dead_letter_queue_arn=_dummy_arn("sqs", "scheduled-start-failures"),
    )
    return {
        **resources.function_environment(spec),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def _probe(row: str, deferred: bool) -> str:
    """A row is a handler module, or `steps.<type>` for a step type's function: the generic step handler's
    import, then (first use) that type's runner."""
    step_type = row.removeprefix("steps.") if row.startswith("steps.") and row != STEP_HANDLER else ""
    module = STEP_HANDLER if step_type and _generic_step_handler() else row
    return _PROBE.format(module=module, deferred=deferred, step_type=step_type if module == STEP_HANDLER else "")


STEP_HANDLER = "steps.handler"


def _generic_step_handler() -> bool:
    return (REPO_ROOT / "functions" / "steps" / "handler.py").exists()


def _row(spec: FunctionSpec) -> str:
    """The table's row of a function: its handler module; a step type's function: `steps.<type>`, as before the
    generic step handler (so the before/after rows line up)."""
    module, _, attribute = spec.handler.rpartition(".")
    return f"steps.{attribute}" if module == STEP_HANDLER else module


def _sample(
    row: str,
    environment: dict[str, str],
    deferred: bool,
    root: Path,
    layer: Path | None = None,
    flags: tuple[str, ...] = (),
) -> tuple[float, float]:
    base = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))}
    paths = [root / p for p in (".", "layers/common/python", "functions")] + ([layer / "python"] if layer else [])
    base["PYTHONPATH"] = os.pathsep.join(map(str, paths))
    base["PYTHONDONTWRITEBYTECODE"] = "1"  # measure with the bytecode cache as it is, never write it mid-run
    result = subprocess.run(  # noqa: S603 (this interpreter, a probe of our own modules)
        [sys.executable, *flags, "-c", _probe(row, deferred)],
        env={**base, **environment},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    imported, deferred_ms = result.stdout.split()
    return float(imported), float(deferred_ms)


def _profile(
    environments: dict[str, dict[str, str]], rounds: int, root: Path, layer: Path | None = None
) -> dict[str, dict[str, float]]:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in [BASELINE, *environments]}
    for _ in range(rounds):
        samples[BASELINE].append(_sample(BASELINE, environments[next(iter(environments))], False, root, layer))
        for module, environment in environments.items():
            samples[module].append(_sample(module, environment, True, root, layer))
    # The fastest of the rounds, as `timeit` reports (its documentation: higher values are typically not caused by
    # variability in Python's speed, but by other processes interfering): on a shared VM the same import varies by
    # 40-70% from one interpreter to the next, in CPU time as much as in wall time, and only ever upwards. The
    # median is kept beside it.
    baseline = min(s[0] for s in samples[BASELINE])
    baseline_median = statistics.median(s[0] for s in samples[BASELINE])
    rows: dict[str, dict[str, float]] = {}
    for module, values in samples.items():
        imported = min(s[0] for s in values)
        median = statistics.median(s[0] for s in values)
        first_use = min(s[0] + s[1] for s in values)
        rows[module] = {
            "import_ms": round(imported, 1),
            "ratio": round(imported / baseline, 2),
            "median_import_ms": round(median, 1),
            "median_ratio": round(median / baseline_median, 2),
            "import_plus_first_use_ms": round(first_use, 1),
            "within_budget": imported / baseline <= BUDGET_RATIO,
        }
    return rows


def _bytecode(
    environments: dict[str, dict[str, str]], rounds: int, root: Path, layer: Path
) -> dict[str, dict[str, float]]:
    """Import time from the layer with its bytecode and with none (as a layer of sources only would run)."""
    modules = {BASELINE: next(iter(environments.values())), **environments}
    samples: dict[str, dict[str, list[float]]] = {module: {"with": [], "without": []} for module in modules}
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(rounds):
            for module, environment in modules.items():
                samples[module]["with"].append(_sample(module, environment, False, root, layer)[0])
                without = _sample(module, environment, False, root, layer, ("-X", f"pycache_prefix={empty}"))
                samples[module]["without"].append(without[0])
    return {
        module: {
            "with_bytecode_ms": round(statistics.median(values["with"]), 1),
            "without_bytecode_ms": round(statistics.median(values["without"]), 1),
        }
        for module, values in samples.items()
    }


def run(rounds: int = ROUNDS, root: Path = REPO_ROOT, handlers: int | None = None) -> dict:
    """`handlers`: only the first that many handler modules (a quick run); every one by default."""
    modules = {_row(spec): spec for spec in FUNCTIONS}
    chosen = dict(list(modules.items())[:handlers])
    layer = dependencies.build_layer(dependencies.this_machine())
    # Our code ships with its bytecode (infra/code_assets.py): compile it for this interpreter once, as shipped,
    # so no sample pays for compiling.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "functions", "layers/common/python"], cwd=root, check=True
    )
    with tempfile.TemporaryDirectory() as task_root:
        lambda_envs = {m: lambda_environment(spec, task_root) for m, spec in chosen.items()}
        local_envs = {m: local_environment(spec) for m, spec in chosen.items()}
        profiles = {
            "lambda": _profile(lambda_envs, rounds, root),
            "local": _profile(local_envs, rounds, root),
            "layer": _profile(lambda_envs, rounds, root, layer),
        }
        bytecode = _bytecode(lambda_envs, rounds, root, layer)
    return {
        "budget_ratio": BUDGET_RATIO,
        "rounds": rounds,
        "baseline": f"import {BASELINE}",
        "profiles": profiles,
        "layer": {"lock": dependencies.RUNTIME_LOCK.name, "key": dependencies.layer_key(dependencies.this_machine())},
        "bytecode": bytecode,
        "before": BEFORE,
        "held": all(row["within_budget"] for rows in profiles.values() for row in rows.values()),
    }


if __name__ == "__main__":  # python -m bench.cold_start [ROUNDS [REPO_ROOT]]: e.g. on a checkout of an older commit
    arguments = sys.argv[1:]
    print(
        json.dumps(run(int(arguments[0]) if arguments else 5, Path(arguments[1]) if len(arguments) > 1 else REPO_ROOT))
    )
