"""Lambda handler of inbound webhooks (POST /api/hooks/{trigger_id}): no JWT authorizer, the signature instead.

A function of its own (infra.catalog.WEBHOOKS_INBOUND): the only public route that starts runs holds only what it
needs (read triggers and decrypt their secrets, write deliveries and rate windows, start executions).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from api.errors import register_error_handlers
from api.request_body import parse_json_body
from api.webhook_routes import router
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.sfn_gateway import StepFunctionsGateway
from workflow_engine.data.trigger_secrets import TriggerSecretBox
from workflow_engine.data.triggers import TriggerRepository
from workflow_engine.data.webhook_deliveries import DeliveryLedger, RateWindows
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.executions.launch import ExecutionLauncher
from workflow_engine.executions.start import StartExecution
from workflow_engine.platform.api_settings import WebhookSettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.triggers.inbound import ReceiveWebhook, WebhookLimits

settings = WebhookSettings.from_env()
dynamodb = client("dynamodb")
executions = ExecutionRepository(dynamodb, settings.executions_table)
receive = ReceiveWebhook(
    TriggerRepository(dynamodb, settings.triggers_table),
    TriggerSecretBox(client("kms"), settings.secrets_kms_key_id),
    DeliveryLedger(dynamodb, settings.triggers_table),
    RateWindows(dynamodb, settings.triggers_table),
    executions,
    # No recompile: a workflow saved by an older compiler runs as saved (this role may not update machines).
    StartExecution(
        WorkflowRepository(dynamodb, settings.workflows_table),
        ExecutionLauncher(executions, StepFunctionsGateway(client("stepfunctions"))),
    ),
    parse_json_body,
    WebhookLimits(
        rate_per_window=settings.webhook_rate_limit,
        window_seconds=settings.webhook_rate_window_seconds,
        delivery_ttl_seconds=settings.webhook_delivery_ttl_seconds,
    ),
)

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    app.append_context(receive=receive)
    return app.resolve(event, context)
