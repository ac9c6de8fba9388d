"""Decide an approval step (POST /api/workflows/executions/{id}/approvals/{step_name}).

The race rule: a decision first CLAIMS the step's wait, a conditional REMOVE of it from the execution item that
returns its task token (data.approvals.claim, conditional on the execution `running` and the wait not past its
timeout). Of two decisions, a decision and a cancel (its terminal write removes every wait) or a decision and the
engine's own terminal write, exactly one finds the wait; the other is a 409. The winner then sends the decision
to Step Functions: SendTaskSuccess with the decision document, or SendTaskFailure `ApprovalRejected`. When Step
Functions no longer waits on the token (the task timed out a moment before our clock said so, or the execution
was stopped between the claim and the send: TaskTimedOut, InvalidToken) it is a 409 too, and nothing is logged;
a Step Functions fault puts the wait back (`restore`) and answers 503, so the person can decide again.

Only a decision Step Functions took is logged: one log item for the attempt, its duration the waiting time
(since -> decided_at), its output the decision document (a rejection: the error and the document).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from workflow_engine.data.approvals import ApprovalRepository, ClaimRefused, HeldWait
from workflow_engine.data.codec import dump_json
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.data.sfn_gateway import ExecutionGateway, StepFunctionsError, TaskNotWaiting
from workflow_engine.executions.ownership import owned
from workflow_engine.models.approvals import (
    REJECTED,
    REJECTED_CAUSE,
    ApprovalDecisionRequest,
    Decision,
    approval_output,
)
from workflow_engine.models.errors import ApprovalNotWaiting, ServiceUnavailableError
from workflow_engine.models.execution import ExecutionRecord, LogRecord
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import logger

STEP_TYPE = "approval"


class DecideApproval:
    def __init__(
        self,
        executions: ExecutionRepository,
        approvals: ApprovalRepository,
        logs: LogRepository,
        gateway: ExecutionGateway,
    ) -> None:
        self._executions = executions
        self._approvals = approvals
        self._logs = logs
        self._gateway = gateway

    def __call__(
        self, user_id: str, execution_id: str, step_name: str, request: ApprovalDecisionRequest
    ) -> ExecutionRecord:
        """Decide the caller's waiting step; returns the execution as stored afterwards (still running: the
        machine goes on by itself). 404 for an unknown or foreign execution, 409 when the step is not waiting."""
        record = owned(self._executions, user_id, execution_id)
        decided_at = utc_now()
        claimed = self._approvals.claim(execution_id, step_name, decided_at)
        if isinstance(claimed, ClaimRefused):
            raise ApprovalNotWaiting(not_waiting_message(step_name, claimed))
        output = approval_output(request.decision, request.comment, user_id, decided_at)
        try:
            if request.decision is Decision.APPROVE:
                self._gateway.send_task_success(claimed.token, dump_json(output))
            else:
                self._gateway.send_task_failure(claimed.token, REJECTED, request.comment or REJECTED_CAUSE)
        except TaskNotWaiting as error:
            raise ApprovalNotWaiting(
                f"Step {step_name!r} is no longer waiting: its wait timed out or the execution ended"
            ) from error
        except StepFunctionsError as error:
            self._approvals.restore(execution_id, step_name, claimed)
            raise ServiceUnavailableError(f"The decision could not be sent ({error.code}); retry later") from error
        self._log(record, step_name, claimed, output, request)
        return self._executions.get(execution_id) or record

    def _log(
        self,
        record: ExecutionRecord,
        step_name: str,
        claimed: HeldWait,
        output: dict[str, object],
        request: ApprovalDecisionRequest,
    ) -> None:
        wait = claimed.wait
        rejected = request.decision is Decision.REJECT
        entry = LogRecord(
            id=str(uuid.uuid4()),
            execution_id=record.execution_id,
            user_id=record.user_id,
            workflow_id=record.workflow_id,
            step_name=step_name,
            step_type=STEP_TYPE,
            parent_step=wait.parent_step,
            attempt=wait.attempt,
            input_data={"message": wait.message},
            output_data=output,
            duration_ms=waited_ms(wait.since, str(output["decided_at"])),
            error_message=(
                f"Step '{step_name}' failed: {REJECTED}: {request.comment or REJECTED_CAUSE}" if rejected else None
            ),
            timestamp=wait.since,
        )
        try:
            self._logs.put_many([entry])
        except (*AWS_ERRORS, RuntimeError) as error:  # the decision was taken: its log is best effort
            reason = error_code(error) if isinstance(error, AWS_ERRORS) else str(error)
            logger.warning("The approval's log item could not be written", error=reason)


def waited_ms(since: str, until: str) -> int:
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    end = datetime.fromisoformat(until.replace("Z", "+00:00"))
    return max(0, round((end - start).total_seconds() * 1000))


def not_waiting_message(step_name: str, refused: ClaimRefused) -> str:
    if refused.status is not None and refused.status.is_terminal:
        return f"Step {step_name!r} is not waiting: the execution is {refused.status.value}"
    if refused.wait is not None:
        return f"Step {step_name!r} is not waiting: its wait timed out"
    return f"Step {step_name!r} is not waiting for a decision (not reached, already decided, or no such step)"
