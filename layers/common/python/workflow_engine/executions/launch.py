"""Launching a new execution (start and retry): its record, its checked input, and the write-then-start."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from workflow_engine.data.codec import dump_json
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.sfn_gateway import ExecutionGateway, StepFunctionsError
from workflow_engine.models.errors import PayloadTooLargeError, ServiceUnavailableError
from workflow_engine.models.execution import START_FAILED, ExecutionRecord
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.run_trigger import RunTrigger, TriggerType
from workflow_engine.models.step_tree import StepTree
from workflow_engine.platform import business_metrics
from workflow_engine.platform.aws_errors import AWS_ERRORS
from workflow_engine.platform.clock import utc_now

if TYPE_CHECKING:
    from workflow_engine.models.workflow import WorkflowRecord

# Step Functions accepts at most 256 KiB of execution input; the envelope takes a few bytes of it.
MAX_SFN_PAYLOAD_BYTES = 262_144
MAX_INPUT_BYTES = MAX_SFN_PAYLOAD_BYTES - 1_024


def checked_document(document: dict[str, Any], what: str) -> str:
    """`document` as the execution's JSON input, or PayloadTooLargeError (413) naming `what` when it is too large."""
    text = dump_json(document)
    size = len(text.encode())
    if size > MAX_INPUT_BYTES:
        raise PayloadTooLargeError(
            f"{what} is {size} bytes as JSON; the limit is {MAX_INPUT_BYTES} bytes "
            f"(Step Functions carries at most {MAX_SFN_PAYLOAD_BYTES} bytes)"
        )
    return text


def new_record(
    workflow: WorkflowRecord,
    input_data: Any,
    status: ExecutionStatus,
    trigger: RunTrigger,
    execution_id: str | None = None,
) -> ExecutionRecord:
    """A new execution of the workflow's current version, with a fresh id (or `execution_id`, chosen by a caller
    that recorded it first: an inbound webhook's delivery), started by `trigger` (a retry's trigger names the
    execution it retries)."""
    now = utc_now()
    return ExecutionRecord(
        execution_id=execution_id or str(uuid.uuid4()),
        user_id=workflow.user_id,
        workflow_id=workflow.workflow_id,
        workflow_version=workflow.version,
        state_machine_arn=workflow.state_machine_arn,
        state_machine_version_arn=workflow.state_machine_version_arn,
        status=status,
        input_data=input_data,
        started_at=now,
        updated_at=now,
        retry_of=trigger.id if trigger.type is TriggerType.RETRY else None,
        trigger_type=trigger.type,
        trigger_id=trigger.id,
        runs_children=any(node.step.type == "workflow" for node in StepTree(workflow.steps).walk()),
    )


class ExecutionLauncher:
    def __init__(self, executions: ExecutionRepository, gateway: ExecutionGateway) -> None:
        self._executions = executions
        self._gateway = gateway

    def launch(self, record: ExecutionRecord, document: str, created: bool = False) -> ExecutionRecord:
        """Write the execution (unless `created`), then StartExecution named by its id; a failed start is recorded
        `failed` and answered 503."""
        if not created:
            self._executions.create(record)
        try:
            # The version the execution records, by its published version's ARN: never the machine's latest
            # definition, which a replace that lost its conditional write may have changed (workflows/service.py).
            self._gateway.start(
                record.state_machine_version_arn or record.state_machine_arn, record.execution_id, document
            )
        except StepFunctionsError as error:
            try:
                self._executions.transition(
                    record,
                    ExecutionStatus.FAILED,
                    utc_now(),
                    error_code=START_FAILED,
                    error_cause=f"Step Functions did not start the execution ({error.code}); start it again",
                )
                recorded = "the execution was recorded as failed"
            except AWS_ERRORS:  # still active: the first stale read records it failed
                recorded = "the execution will show as failed"
            raise ServiceUnavailableError(
                f"The workflow could not be started ({error.code}); {recorded}. Retry later."
            ) from error
        business_metrics.count(business_metrics.EXECUTIONS_STARTED)
        return record
