"""Lambda handler of the secrets API (PUT/DELETE /api/secrets/{name}, GET /api/secrets).

A function of its own: its role is the only one that may write or delete secrets (under the stack's prefix), and it
may read none (no secretsmanager:GetSecretValue).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from api.errors import register_error_handlers
from api.request_body import parse_json_body
from api.secret_routes import router
from workflow_engine.data.secrets import SecretStore
from workflow_engine.platform.api_settings import SecretsSettings
from workflow_engine.platform.aws import client
from workflow_engine.platform.observability import correlated, http_api_keys, logger, tracer
from workflow_engine.secrets.service import SecretService

settings = SecretsSettings.from_env()
service = SecretService(SecretStore(client("secretsmanager"), settings.secrets_prefix, settings.secrets_kms_key_id))

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
app.include_router(router)
register_error_handlers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@correlated(http_api_keys)
@tracer.capture_lambda_handler
def handler(event: dict, context: Any) -> dict:
    app.append_context(secrets=service)
    return app.resolve(event, context)
