"""Lambda handler of the workflow API (GET /api/health, /api/workflows...).

A workflow's schedules and triggers have their own function (api.triggers); deleting a workflow deletes them
(api.workflow_dependents).
"""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.errors import register_error_handlers
from api.request_body import parse_json_body
from api.workflow_dependents import WorkflowDependents
from api.workflow_routes import router
from workflow_engine.data.workflows import WorkflowRepository
from workflow_engine.platform.api_settings import WorkflowsApiSettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.workflows.service import WorkflowService

settings = WorkflowsApiSettings.from_env()
dynamodb = client("dynamodb")
dependents = WorkflowDependents(dynamodb, client("scheduler"), settings)
service = WorkflowService(
    WorkflowRepository(dynamodb, settings.workflows_table),
    client("stepfunctions"),
    settings,
    on_delete=(dependents.delete_schedules, dependents.delete_triggers),
)

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    app.append_context(workflows=service)
    return app.resolve(event, context)
