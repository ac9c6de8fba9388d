"""Lambda handler of the execution API (/api/workflows/{id}/execute, /api/workflows/executions...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from api.errors import register_error_handlers
from api.execution_routes import ExecutionUseCases, router
from api.request_body import parse_json_body
from workflow_engine.data.approvals import ApprovalRepository
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.data.notifications import DeliveryRepository
from workflow_engine.data.sfn_gateway import StepFunctionsGateway
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions import retry, start
from workflow_engine.executions.approvals import DecideApproval
from workflow_engine.executions.cancel import CancelExecutions
from workflow_engine.executions.idempotency import IdempotentCalls, idempotent
from workflow_engine.executions.launch import ExecutionLauncher
from workflow_engine.executions.reads import ExecutionReads
from workflow_engine.executions.reconcile import StaleRepair
from workflow_engine.models.execution import ExecutionResultResponse, RetryResponse
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.platform.settings import ApiSettings

if TYPE_CHECKING:
    from workflow_engine.models.workflow import WorkflowRecord

settings = ApiSettings.from_env()
dynamodb = client("dynamodb")
sfn = client("stepfunctions")
idempotency = IdempotentCalls(dynamodb, settings.idempotency_table, settings.idempotency_ttl_seconds)
workflows = WorkflowRepository(dynamodb, settings.workflows_table)
executions = ExecutionRepository(dynamodb, settings.executions_table)
logs = LogRepository(dynamodb, settings.logs_table)
gateway = StepFunctionsGateway(sfn)
launcher = ExecutionLauncher(executions, gateway)


def recompile(workflow: WorkflowRecord) -> WorkflowRecord:
    """A workflow saved by an older compiler, compiled again before it starts (rare: imported only then)."""
    from workflow_engine.workflows.service import WorkflowService

    return WorkflowService(workflows, sfn, settings).recompile(workflow)


use_cases = ExecutionUseCases(
    start=idempotent(idempotency, start.OPERATION, ExecutionResultResponse)(
        start.StartExecution(workflows, launcher, recompile)
    ),
    retry=idempotent(idempotency, retry.OPERATION, RetryResponse)(
        retry.RetryExecution(workflows, executions, logs, gateway, launcher)
    ),
    cancel=CancelExecutions(executions, gateway),
    reads=ExecutionReads(
        executions,
        logs,
        DeliveryRepository(dynamodb, settings.notifications_table),
        StaleRepair(executions, gateway, settings.stale_after_seconds),
    ),
    decide=DecideApproval(executions, ApprovalRepository(dynamodb, settings.executions_table), logs, gateway),
)

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    idempotency.register_lambda_context(context)
    app.append_context(executions=use_cases)
    return app.resolve(event, context)
