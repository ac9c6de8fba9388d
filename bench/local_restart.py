"""`make local` restarted on stored data (issue 27): how long the stack takes to be ready on a fresh data
directory and again on one holding `executions` runs, and the snapshot's size (infra/local/persistence.py).

The local interpreter runs about one execution a second (see the throughput section), so `REAL_RUNS` executions
run for real (with their Step Functions executions, histories and step logs) and the rest of the executions
table is filled with copies of their items (execution and step log items under new ids), written through the
local stack's DynamoDB as its handlers write them.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests

from bench.harness import transform_steps
from bench.throughput import _free_port, local_stack
from infra.declarations import EXAMPLE_PASSWORD
from infra.local.persistence import SNAPSHOT_FILE
from infra.local.provision import NAME_PREFIX
from infra.local.signin import sign_in
from workflow_engine.platform.tables import EXECUTIONS as EXECUTIONS_TABLE
from workflow_engine.platform.tables import LOGS

EXECUTIONS = 1000
REAL_RUNS = 20
TERMINAL = ("completed", "failed", "cancelled", "timed_out")


def _dynamodb(outputs: dict[str, str]) -> Any:
    return boto3.client(
        "dynamodb",
        region_name=outputs["Region"],
        endpoint_url=outputs["AwsEndpointUrl"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (moto's fixed local credentials)
    )


def _real_runs(outputs: dict[str, str], runs: int) -> list[str]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sign_in(outputs, f'bench-{uuid.uuid4().hex[:6]}', EXAMPLE_PASSWORD)}"
    api = outputs["ApiUrl"]
    workflow = session.post(f"{api}/api/workflows", json={"name": "restart", "steps": transform_steps(2)}, timeout=30)
    workflow.raise_for_status()
    ids = []
    for number in range(runs):
        started = session.post(
            f"{api}/api/workflows/{workflow.json()['id']}/execute", json={"input_data": {"n": number}}, timeout=30
        )
        started.raise_for_status()
        ids.append(started.json()["execution_id"])
    for execution_id in ids:
        deadline = time.monotonic() + 300
        while (
            session.get(f"{api}/api/workflows/executions/{execution_id}", timeout=30).json()["status"] not in TERMINAL
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"execution {execution_id} did not end")
            time.sleep(0.2)
    return ids


def _copies(outputs: dict[str, str], execution_ids: list[str], total: int) -> None:
    """Fill the executions table to `total` items with copies of the real runs' items (and their log items)."""
    dynamodb = _dynamodb(outputs)
    executions_table, logs_table = (f"{NAME_PREFIX}-{table.logical_id}" for table in (EXECUTIONS_TABLE, LOGS))
    originals = [
        dynamodb.get_item(TableName=executions_table, Key={"execution_id": {"S": execution_id}})["Item"]
        for execution_id in execution_ids
    ]
    logs = {
        execution_id: dynamodb.query(
            TableName=logs_table,
            KeyConditionExpression="owner_execution = :key",
            ExpressionAttributeValues={":key": {"S": f"{item['user_id']['S']}#{execution_id}"}},
        )["Items"]
        for execution_id, item in zip(execution_ids, originals, strict=True)
    }
    writes: list[tuple[str, dict[str, Any]]] = []
    for number in range(total - len(execution_ids)):
        original = originals[number % len(originals)]
        copy_id = str(uuid.uuid4())
        writes.append((executions_table, {**original, "execution_id": {"S": copy_id}}))
        owner = f"{original['user_id']['S']}#{copy_id}"
        writes += [
            (logs_table, {**log, "owner_execution": {"S": owner}}) for log in logs[original["execution_id"]["S"]]
        ]
    for start in range(0, len(writes), 25):
        batch: dict[str, list[dict[str, Any]]] = {}
        for table, item in writes[start : start + 25]:
            batch.setdefault(table, []).append({"PutRequest": {"Item": item}})
        while batch:
            batch = dynamodb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


def _count(outputs: dict[str, str]) -> int:
    table = f"{NAME_PREFIX}-{EXECUTIONS_TABLE.logical_id}"
    return sum(
        page["Count"] for page in _dynamodb(outputs).get_paginator("scan").paginate(TableName=table, Select="COUNT")
    )


def run(executions: int = EXECUTIONS, real_runs: int = REAL_RUNS) -> dict[str, Any]:
    ports = {name: str(_free_port()) for name in ("API_PORT", "AWS_PORT", "WS_PORT")}
    with tempfile.TemporaryDirectory() as directory:
        state_dir = Path(directory) / "state"
        started = time.monotonic()
        with local_stack(state_dir, ports) as outputs:
            fresh_seconds = time.monotonic() - started
            _copies(outputs, _real_runs(outputs, real_runs), executions)
            stored = _count(outputs)
            stopping = time.monotonic()
        stop_seconds = time.monotonic() - stopping
        snapshot_bytes = (state_dir / SNAPSHOT_FILE).stat().st_size
        started = time.monotonic()
        with local_stack(state_dir, ports) as outputs:
            restart_seconds = time.monotonic() - started
            restored = _count(outputs)
    if restored != stored:
        raise RuntimeError(f"{stored} executions stored, {restored} after the restart")
    return {
        "executions": stored,
        "real_runs": real_runs,
        "fresh_start_seconds": round(fresh_seconds, 1),
        "restart_seconds": round(restart_seconds, 1),
        "stop_seconds": round(stop_seconds, 1),
        "snapshot_bytes": snapshot_bytes,
    }


def section(figures: dict[str, Any]) -> str:
    return (
        "| stored executions | of which run for real | fresh start s | restart s | stop (last snapshot) s"
        " | snapshot MB |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        f"| {figures['executions']} | {figures['real_runs']} | {figures['fresh_start_seconds']} |"
        f" {figures['restart_seconds']} | {figures['stop_seconds']} | {figures['snapshot_bytes'] / 1e6:.1f} |"
    )
