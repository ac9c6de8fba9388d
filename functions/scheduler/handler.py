"""Lambda handler of the scheduled start: EventBridge Scheduler invokes it with a schedule's Input (its keys, the
scheduled time and the Scheduler execution id); it starts at most one run per scheduled time
(workflow_engine.schedules.firing). A malformed event is logged and dropped: retrying it could never succeed."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.schedules import ScheduleRepository
from workflow_engine.data.sfn_gateway import StepFunctionsGateway
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions.idempotency import IdempotentCalls
from workflow_engine.executions.launch import ExecutionLauncher
from workflow_engine.executions.start import StartExecution
from workflow_engine.models.schedules import ScheduledFiring
from workflow_engine.models.workflow import WorkflowRecord
from workflow_engine.platform.api_settings import ScheduledStartSettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import logger, tracer
from workflow_engine.schedules.firing import ScheduledStart

settings = ScheduledStartSettings.from_env()
dynamodb = client("dynamodb")
sfn = client("stepfunctions")
idempotency = IdempotentCalls(dynamodb, settings.idempotency_table, settings.idempotency_ttl_seconds)
workflows = WorkflowRepository(dynamodb, settings.workflows_table)
executions = ExecutionRepository(dynamodb, settings.executions_table)


def recompile(workflow: WorkflowRecord) -> WorkflowRecord:
    """A workflow saved by an older compiler, compiled again before it starts (rare: imported only then)."""
    from workflow_engine.workflows.service import WorkflowService

    return WorkflowService(workflows, sfn, settings).recompile(workflow)


scheduled_start = ScheduledStart(
    ScheduleRepository(dynamodb, settings.schedules_table),
    executions,
    StartExecution(workflows, ExecutionLauncher(executions, StepFunctionsGateway(sfn)), recompile),
    idempotency,
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    try:
        firing = ScheduledFiring.model_validate(event)
    except ValidationError as error:
        logger.error("Dropped a malformed scheduled firing", errors=error.errors(include_input=False))
        return {"started": False, "reason": "malformed event"}
    return scheduled_start(firing).model_dump(mode="json")
