"""Lambda handler of the query API (GET /api/logs, GET /api/metrics): read-only, user-scoped."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from api.errors import register_error_handlers
from api.query_routes import router
from workflow_engine.data.logs import LogRepository
from workflow_engine.data.metrics import MetricsRepository
from workflow_engine.platform.api_settings import QuerySettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.queries.service import QueryService

settings = QuerySettings.from_env()
dynamodb = client("dynamodb")
service = QueryService(
    LogRepository(dynamodb, settings.logs_table), MetricsRepository(dynamodb, settings.metrics_table)
)

app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    app.append_context(queries=service)
    return app.resolve(event, context)
