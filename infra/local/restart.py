"""What a restart of the local stack does to the runs it interrupted: nothing runs across a restart (a snapshot
keeps no thread), so each run still pending or running ends `failed`, with INTERRUPTED as its error, through the
executions table's own conditional transition; and its Step Functions execution is stopped, never resumed half-way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from moto.core.base_backend import BackendDict
from moto.stepfunctions.parser.api import ExecutionStatus as StepFunctionsStatus
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from infra.local.provision import LocalResources
from workflow_engine.data.executions import ExecutionRepository, record_from_item
from workflow_engine.models.lifecycle import ACTIVE, ExecutionStatus
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.tables import EXECUTIONS

INTERRUPTED = "interrupted by a local stack restart"


def stop_state_machine_executions() -> int:
    """Mark every Step Functions execution a snapshot kept as running ABORTED (it has no worker any more); how many."""
    stopped = 0
    now = datetime.now(UTC)
    for execution in _executions(stepfunctions_parser_backends):
        if execution.exec_status == StepFunctionsStatus.RUNNING:
            execution.exec_status = StepFunctionsStatus.ABORTED
            execution.stop_date = now
            execution.cause = INTERRUPTED
            stopped += 1
    return stopped


def _executions(backends: BackendDict[Any]) -> list[Any]:
    found: dict[int, Any] = {}
    for regions in backends.values():
        for backend in regions.values():
            for machine in backend.state_machines:
                for execution in [*machine.executions, *_version_executions(machine)]:
                    found[id(execution)] = execution
    return list(found.values())


def _version_executions(machine: Any) -> list[Any]:
    return [execution for version in getattr(machine, "versions", {}).values() for execution in version.executions]


def fail_interrupted_runs(resources: LocalResources) -> list[str]:
    """End each pending or running execution `failed` with INTERRUPTED; the ids of those it ended."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    table = resources.table_names[EXECUTIONS.logical_id]
    repository = ExecutionRepository(dynamodb, table)
    ended = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="#status IN (:pending, :running)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={f":{status.value}": {"S": status.value} for status in ACTIVE},
    ):
        for item in page["Items"]:
            record = record_from_item(item)
            applied, _ = repository.transition(record, ExecutionStatus.FAILED, utc_now(), error_cause=INTERRUPTED)
            if applied:
                ended.append(record.execution_id)
    return ended
