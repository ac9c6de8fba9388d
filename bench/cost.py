"""Projected monthly cost of 1M executions of a 5-step (Lambda) workflow, from measured counts, beside the
generic-interpreter design (same Lambda work, same DynamoDB writes; only its state transitions differ).

Measured here, in-process on moto: the AWS calls of one whole execution in every thread (API request, state
machine tasks, step Lambdas, reconciler), and each handler's own time per invocation (outside its AWS calls).
Assumed, and stated in the report: AWS_CALL_MS per AWS call from Lambda, one status read per execution, items
under 1 KB (writes) and 4 KB (reads), warm invocations, no free tier, prices below. Write units follow
DynamoDB's rules from the table definitions (workflow_engine.platform.tables): a new item also writes every global
secondary index holding its keys (all projected), an update writes them again, twice where the update
changes an index key (the status index, on every status change).
"""

from __future__ import annotations

import json
import math
import statistics
import time
import uuid
from collections import Counter
from typing import Any

from bench.counting import AwsCalls, Call
from bench.harness import Api, execution_arn, transform_steps
from infra.local import moto_seams
from infra.local.moto_seams import LambdaContext
from infra.local.provision import STATE_MACHINE_PREFIX, LocalResources
from workflow_engine.data.codec import to_item
from workflow_engine.data.metrics import TRANSACTION_ITEMS
from workflow_engine.platform.tables import ALL_TABLES, EXECUTIONS, EXECUTIONS_BY_STATUS

PRICES = {
    "as_of": "2026-11-25, us-east-1 list prices, no free tier",
    "lambda_per_million_requests": 0.20,
    "lambda_per_gb_second_arm64": 0.0000133334,
    "step_functions_standard_per_1000_transitions": 0.025,
    "dynamodb_on_demand_per_million_wru": 0.625,
    "dynamodb_on_demand_per_million_rru": 0.125,
    "http_api_per_million_requests": 1.00,
}
EXECUTIONS_PER_MONTH = 1_000_000
STEPS = 5
MEMORY_GB = 0.5  # 512 MB, arm64 (infra.catalog)
AWS_CALL_MS = 10  # assumed latency of one in-region DynamoDB / Step Functions call from Lambda
STATUS_READS = 1  # API requests per execution: the execute request and this many status reads
REPEATS = 15
STREAM_RECORDS = 3 + STEPS  # per execution: pending, running, terminal; one log item per step


def write_units(call: Call, tables: dict[str, str]) -> int:
    if call.operation == "TransactWriteItems":  # the metrics aggregator's: a transactional write costs 2 units/item
        return 2 * TRANSACTION_ITEMS
    definition = next(d for d in ALL_TABLES if tables[d.logical_id] == call.table)
    indexes = len(definition.indexes)
    if call.operation == "PutItem":
        return 1 + indexes
    if call.operation == "UpdateItem":
        key_change = 1 if definition is EXECUTIONS and EXECUTIONS_BY_STATUS in definition.indexes else 0
        return 1 + indexes + key_change
    if call.operation == "DeleteItem":
        return 1 + indexes
    return 0


def read_units(call: Call) -> float:
    return 0.5 if call.operation in ("GetItem", "Query") else 0.0  # eventually consistent, up to 4 KB


def _settle(api: Api, sfn: Any, region: str, workflow_id: str, execution_id: str) -> None:
    """Until the execution is over everywhere: recorded, ended in Step Functions, reconciled."""
    api.wait_terminal(execution_id)
    arn = execution_arn(region, f"{STATE_MACHINE_PREFIX}{workflow_id}", execution_id)
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        time.sleep(0.02)
    time.sleep(0.3)  # the reconciler runs as the execution ends
    assert moto_seams.drain_event_sources(60)  # and the stream consumers (metrics aggregator) have run


def _execution_calls(api: Api, workflow_id: str, sfn: Any, region: str) -> list[Call]:
    """Every AWS call one execution causes, in any thread, except this thread's polling for its end."""
    with AwsCalls(this_thread_only=False) as everything:
        execution_id = api.execute(workflow_id, {"order": 1})
        with AwsCalls() as polling:
            _settle(api, sfn, region, workflow_id, execution_id)
    polled = {id(call) for call in polling.calls}  # the same Call objects are in both counters
    return [call for call in everything.calls if id(call) not in polled]


def _timed(invoke: Any, then: Any = None, repeats: int = REPEATS) -> dict[str, float]:
    """Median own time of a warm invocation (outside its AWS calls), and its AWS calls; `then` is not timed."""
    own, calls = [], []
    for _ in range(repeats):
        with AwsCalls() as counted:
            started = time.perf_counter()
            result = invoke()
            elapsed = time.perf_counter() - started
        if then:
            then(result)
        own.append((elapsed - counted.aws_seconds) * 1000)
        calls.append(counted.count())
    own_ms, aws_calls = statistics.median(own), statistics.median(calls)
    return {
        "own_ms": round(own_ms, 1),
        "aws_calls": aws_calls,
        "billed_ms": math.ceil(own_ms + aws_calls * AWS_CALL_MS),
    }


def measure(resources: LocalResources, api: Api | None = None, repeats: int = REPEATS) -> dict[str, Any]:
    import importlib

    import boto3

    api = api or Api()
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    workflow_id = api.create_workflow(transform_steps(STEPS), name="cost")
    _settle(api, sfn, resources.region, workflow_id, api.execute(workflow_id, {"order": 0}))  # warm, and quiet
    calls = _execution_calls(api, workflow_id, sfn, resources.region)

    finished = api.execute(workflow_id, {"order": 2})
    api.wait_terminal(finished)
    step_event = {
        "execution_id": finished,
        "workflow_id": workflow_id,
        "user_id": api.user_id,
        "step": {"key": "step_0", "name": "Step 1", "type": "transform", "config": {"expression": "input"}},
        "step_names": {},
        "document": {"input": {"order": 2}, "results": {}},
    }
    status_change = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "detail": {"name": finished, "status": "SUCCEEDED", "output": json.dumps({"results": {}})},
    }
    transform = importlib.import_module("steps.handler").transform
    reconciler = importlib.import_module("reconciler.handler").handler
    aggregator = importlib.import_module("aggregator.handler").handler

    def step_record() -> dict[str, Any]:
        """One new log item's stream record (a step attempt to count): one transaction."""
        log_id = str(uuid.uuid4())
        image = to_item(
            {
                "id": log_id,
                "owner_execution": f"{api.user_id}#{finished}",
                "log_key": f"2026-11-26T00:00:00.000000Z#{log_id}",
                "execution_id": finished,
                "user_id": api.user_id,
                "workflow_id": workflow_id,
                "step_name": "Step 1",
                "step_type": "transform",
                "attempt": 1,
                "duration_ms": 12,
                "timestamp": "2026-11-26T00:00:00.000000Z",
            }
        )
        keys = {"owner_execution": image["owner_execution"], "log_key": image["log_key"]}
        record = {"eventName": "INSERT", "dynamodb": {"Keys": keys, "NewImage": image, "SequenceNumber": "1"}}
        return {"Records": [{"eventID": log_id, "eventSource": "aws:dynamodb", **record}]}

    def execute() -> str:
        status, body, _ = api.call(
            "POST", "/api/workflows/{workflow_id}/execute", {"input_data": {}}, workflow_id=workflow_id
        )
        assert status == 202, body
        return body["execution_id"]

    handlers = {
        "ExecutionsApi execute": _timed(execute, then=api.wait_terminal, repeats=repeats),
        "ExecutionsApi status": _timed(
            lambda: api.call("GET", "/api/workflows/executions/{execution_id}", execution_id=finished), repeats=repeats
        ),
        "TransformStep": _timed(lambda: transform(step_event, LambdaContext("TransformStep")), repeats=repeats),
        "Reconciler": _timed(lambda: reconciler(status_change, LambdaContext("Reconciler")), repeats=repeats),
        "MetricsAggregator": _timed(
            lambda: aggregator(step_record(), LambdaContext("MetricsAggregator")), repeats=repeats
        ),
    }
    wru = sum(write_units(call, resources.table_names) for call in calls if call.service == "dynamodb")
    rru = sum(read_units(call) for call in calls if call.service == "dynamodb") + STATUS_READS * 0.5
    return {
        "execution_calls": dict(sorted(Counter(call.name for call in calls).items())),
        "handlers": handlers,
        "wru_per_execution": wru,
        "rru_per_execution": rru,
    }


def project(measured: dict[str, Any], transitions: dict[str, Any]) -> dict[str, Any]:
    row = next(r for r in transitions["rows"] if r["lambda_steps"] == STEPS)
    handlers = measured["handlers"]
    invocations = {
        "ExecutionsApi execute": 1,
        "ExecutionsApi status": STATUS_READS,
        "TransformStep": STEPS,
        "Reconciler": 1,
        # Upper bound: one invocation per stream record (3 execution writes + 1 log per step); under load a batch
        # carries up to 100 records, so far fewer.
        "MetricsAggregator": STREAM_RECORDS,
    }
    lambda_requests = sum(invocations.values())
    gb_seconds = sum(n * handlers[name]["billed_ms"] / 1000 * MEMORY_GB for name, n in invocations.items())
    per_execution = {
        "api_requests": 1 + STATUS_READS,
        "lambda_requests": lambda_requests,
        "lambda_gb_seconds": round(gb_seconds, 4),
        "transitions": row["transitions"],
        "interpreter_transitions": row["interpreter_transitions"],
        "wru": measured["wru_per_execution"],
        "rru": measured["rru_per_execution"],
    }
    n = EXECUTIONS_PER_MONTH
    p = PRICES
    shared = {
        "API Gateway HTTP API": per_execution["api_requests"] * n / 1e6 * p["http_api_per_million_requests"],
        "Lambda requests": lambda_requests * n / 1e6 * p["lambda_per_million_requests"],
        "Lambda duration": gb_seconds * n * p["lambda_per_gb_second_arm64"],
        "DynamoDB writes": per_execution["wru"] * n / 1e6 * p["dynamodb_on_demand_per_million_wru"],
        "DynamoDB reads": per_execution["rru"] * n / 1e6 * p["dynamodb_on_demand_per_million_rru"],
    }
    per_transition = p["step_functions_standard_per_1000_transitions"] / 1000
    ours = {**shared, "Step Functions transitions": per_execution["transitions"] * n * per_transition}
    generic = {**shared, "Step Functions transitions": per_execution["interpreter_transitions"] * n * per_transition}
    return {
        "executions_per_month": n,
        "steps": STEPS,
        "assumptions": {
            "memory_gb": MEMORY_GB,
            "aws_call_ms": AWS_CALL_MS,
            "status_reads_per_execution": STATUS_READS,
            "invocations_per_execution": invocations,
        },
        "prices": PRICES,
        "per_execution": per_execution,
        "monthly_usd": {name: round(value, 2) for name, value in ours.items()},
        "monthly_usd_interpreter": {name: round(value, 2) for name, value in generic.items()},
        "total_usd": round(sum(ours.values()), 2),
        "total_usd_interpreter": round(sum(generic.values()), 2),
    }
