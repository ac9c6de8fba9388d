"""What `make local` prints about runs: one line per failed run (its workflow, its id, its error), and nothing of
moto's own: its state machine interpreter logs every failure it meets at ERROR, with the interpreter's internals
(a `Fail` state a workflow reaches by design included), which a person running the stack cannot act on."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, TextIO

import boto3

from infra.local.provision import LocalResources
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.platform.tables import EXECUTIONS, WORKFLOWS

QUIET_LOGGERS = ("moto.stepfunctions.parser",)  # its failures are the runs' outcomes, reported below
FAILED = ("FAILED", "TIMED_OUT")
_log = logging.getLogger(__name__)


def quiet_moto() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def failed_run_line(workflow_name: str, workflow_id: str, execution_id: str, status: str, error: str | None) -> str:
    return f"✗ run {execution_id} of {workflow_name!r} ({workflow_id}) {status}: {error or 'no error message'}"


def failed_run_reporter(resources: LocalResources, out: TextIO = sys.stdout) -> Callable[[dict[str, Any]], None]:
    """A status-change listener (moto_seams) printing a line for each run that ended failed or timed out, as the
    executions table has it once the reconciler (the listener before this one) recorded it."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    executions = ExecutionRepository(dynamodb, resources.table_names[EXECUTIONS.logical_id])
    workflows = WorkflowRepository(dynamodb, resources.table_names[WORKFLOWS.logical_id])

    def report(event: dict[str, Any]) -> None:
        detail = event.get("detail") or {}
        if detail.get("status") not in FAILED:
            return
        record = executions.get(str(detail.get("name")))
        if record is None:
            return
        workflow = workflows.get(record.user_id, record.workflow_id)
        name = workflow.name if workflow is not None else "(deleted workflow)"
        status = record.status.value if record.status.is_terminal else detail["status"].lower()
        error = record.error_message or detail.get("cause")
        print(failed_run_line(name, record.workflow_id, record.execution_id, status, error), file=out, flush=True)

    def guarded(event: dict[str, Any]) -> None:
        try:
            report(event)
        except Exception as error:  # a report never stands in a run's way
            _log.warning("could not report a failed run: %s", error)

    return guarded
