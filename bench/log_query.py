"""Log query: time and DynamoDB items read to fetch 1,000 logs of one execution, with and without filters.

1,000 log items are written straight into the logs table through LogRepository (as the step Lambdas write
them: one per step attempt, ~0.5 KB each, 3 step types, 10 step names, 1 in 20 failed) for one real execution
(a wait-only workflow, which writes no log of its own). Then the logs route is called through its handler,
in-process on moto: the time is the route's, median of a few calls, split into the time inside the DynamoDB
call (moto in-process, mostly serializing its answer: not what DynamoDB would take) and the rest (the handler:
decoding, validating and serializing the logs, as it would run in Lambda); items read is DynamoDB's
ScannedCount (a filter is applied after the read, so a filtered query still reads the whole partition up to
`limit` matches).
"""

from __future__ import annotations

import importlib
import math
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.counting import AwsCalls
from bench.harness import Api
from workflow_engine.data.logs import LogRepository
from workflow_engine.models.execution import LogRecord
from workflow_engine.platform.aws import client
from workflow_engine.platform.tables import owner_execution_key

LOGS = 1_000
REPEATS = 5
STEP_TYPES = ("transform", "http", "ai")
QUERIES = {
    "no filter": "limit=1000",
    "step_type=ai": "step_type=ai&limit=1000",
    "step_name=Step 7": "step_name=Step%207&limit=1000",
    "has_error=true": "has_error=true&limit=1000",
    "step_type=http&has_error=false": "step_type=http&has_error=false&limit=1000",
    "no filter, limit=100": "limit=100",
}


def _records(api: Api, workflow_id: str, execution_id: str, logs: int) -> list[LogRecord]:
    start = datetime.now(UTC)
    records = []
    for i in range(logs):
        failed = i % 20 == 19
        records.append(
            LogRecord(
                id=str(uuid.uuid4()),
                execution_id=execution_id,
                user_id=api.user_id,
                workflow_id=workflow_id,
                step_name=f"Step {i % 10}",
                step_type=STEP_TYPES[i % 3],
                attempt=1,
                input_data={"input": {"order": i, "customer": "c-000123", "items": ["a", "b", "c"]}, "steps": {}},
                output_data=None if failed else {"status": 200, "body": {"ok": True, "order": i, "note": "x" * 120}},
                duration_ms=12 + i % 7,
                error_message=f"Step 'Step {i % 10}' failed: HTTP 503 from upstream" if failed else None,
                timestamp=(start + timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            )
        )
    return records


def run(api: Api | None = None, logs: int = LOGS, repeats: int = REPEATS) -> dict[str, Any]:
    api = api or Api()
    workflow_id = api.create_workflow([{"name": "Hold", "type": "wait", "config": {"seconds": 0}}], name="logs")
    execution_id = api.execute(workflow_id)
    api.wait_terminal(execution_id)
    # the step functions' own settings (their handler modules are loaded under their environment)
    table = importlib.import_module("steps.handler").settings.logs_table
    repository = LogRepository(client("dynamodb"), table)
    started = time.perf_counter()
    for record in _records(api, workflow_id, execution_id, logs):
        repository.put(record)
    write_seconds = time.perf_counter() - started

    rows = []
    for name, query in QUERIES.items():
        timings, handler_timings = [], []
        for _ in range(repeats):
            with AwsCalls() as calls:
                started = time.perf_counter()
                status, body, _ = api.call(
                    "GET", "/api/workflows/executions/{execution_id}/logs", query=query, execution_id=execution_id
                )
                elapsed = time.perf_counter() - started
            assert status == 200, body
            timings.append(elapsed * 1000)
            handler_timings.append((elapsed - calls.aws_seconds) * 1000)
        rows.append(
            {
                "query": name,
                "returned": len(body),
                "items_read": calls.scanned,
                "queries": calls.count("dynamodb.Query"),
                "other_calls": calls.count() - calls.count("dynamodb.Query"),
                "median_ms": round(statistics.median(timings), 1),
                "handler_median_ms": round(statistics.median(handler_timings), 1),
            }
        )
    size = _partition_bytes(table, api.user_id, execution_id)
    return {
        "logs": logs,
        "write_seconds": round(write_seconds, 2),
        "item_bytes": size,
        "read_units_full_read": math.ceil(size / 4096) * 0.5,  # eventually consistent: 0.5 per 4 KB read
        "rows": rows,
    }


def _attribute_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's item size rules, for the types log items use (strings, numbers, booleans)."""
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        return len(raw.lstrip("-").replace(".", "")) // 2 + 1
    return 1


def _partition_bytes(table: str, user_id: str, execution_id: str) -> int:
    """The size of every item of the execution's partition (names + values)."""
    items = client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="owner_execution = :pk",
        ExpressionAttributeValues={":pk": {"S": owner_execution_key(user_id, execution_id)}},
    )["Items"]
    return sum(len(name.encode()) + _attribute_bytes(value) for item in items for name, value in item.items())
