"""The OpenAPI document of the whole HTTP API, generated from the routes of the API functions.

`python -m api.openapi > openapi.json` (make openapi); a test keeps the committed file in sync.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

from api.execution_routes import router as execution_router
from api.query_routes import router as query_router
from api.schedule_routes import router as schedule_router
from api.secret_routes import router as secret_router
from api.trigger_routes import router as trigger_router
from api.webhook_routes import router as webhook_router
from api.workflow_routes import router as workflow_router
from workflow_engine.models.lifecycle import RETRYABLE, ExecutionStatus
from workflow_engine.models.realtime import CLIENT_MESSAGES, SERVER_MESSAGES
from workflow_engine.models.step_types import STEP_TYPES

TITLE = "Workflow Engine API"
VERSION = "1.0.0"


REF_TEMPLATE = "#/components/schemas/{model}"


def add_realtime_messages(document: dict[str, Any]) -> dict[str, Any]:
    """The WebSocket channel's messages as components (the execution and log objects inside them are the HTTP
    API's own schemas), listed under `x-websocket-messages` (client -> server, server -> client)."""
    from pydantic import BaseModel
    from pydantic.json_schema import models_json_schema

    models: list[type[BaseModel]] = [*CLIENT_MESSAGES, *SERVER_MESSAGES]
    _, generated = models_json_schema([(model, "serialization") for model in models], ref_template=REF_TEMPLATE)
    schemas = document["components"]["schemas"]
    for name, schema in generated["$defs"].items():
        if name in schemas:  # a shared model (ExecutionStatusResponse...): the HTTP API's definition serves both
            continue
        schemas[name] = schema
    document["x-websocket-messages"] = {
        "description": "Real-time channel: connect to WebSocketUrl?token=<Cognito ID or access token>",
        "client": [{"$ref": REF_TEMPLATE.format(model=model.__name__)} for model in CLIENT_MESSAGES],
        "server": [{"$ref": REF_TEMPLATE.format(model=model.__name__)} for model in SERVER_MESSAGES],
    }
    return document


def add_client_lists(document: dict[str, Any]) -> dict[str, Any]:
    """What the clients (web app, CLI) read instead of keeping copies: `x-terminal-statuses` and
    `x-retryable-statuses` on the ExecutionStatus schema (workflow_engine.models.lifecycle.TERMINAL and RETRYABLE,
    in the enum's order), and `x-step-kind` on each step schema ("lambda": runs in a function and writes a log
    item per attempt; "native": a state of the state machine, which writes none). The step types themselves are
    the workflow step union's discriminator mapping."""
    schemas = document["components"]["schemas"]
    terminal = [status.value for status in ExecutionStatus if status.is_terminal]
    schemas["ExecutionStatus"]["x-terminal-statuses"] = terminal
    schemas["ExecutionStatus"]["x-retryable-statuses"] = [
        status.value for status in ExecutionStatus if status in RETRYABLE
    ]
    for step_type in STEP_TYPES:
        # a block's model is recursive (it holds steps), so pydantic may name its schemas "<title>-Input/-Output"
        titles = [name for name in (step_type.title, f"{step_type.title}-Input", f"{step_type.title}-Output")]
        for title in (name for name in titles if name in schemas):
            schemas[title]["x-step-kind"] = step_type.kind
    return document


def add_webhook_body(document: dict[str, Any]) -> dict[str, Any]:
    """The inbound webhook's request body: any JSON object (the route reads the raw bytes itself, which the
    signature covers, so it declares no body parameter for the resolver to parse first)."""
    operation = document["paths"]["/api/hooks/{trigger_id}"]["post"]
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "description": "The run's input_data"}}},
    }
    return document


def openapi_json() -> str:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(workflow_router)
    app.include_router(schedule_router)
    app.include_router(execution_router)
    app.include_router(query_router)
    app.include_router(secret_router)
    app.include_router(trigger_router)
    app.include_router(webhook_router)
    document = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        summary="Define workflows, run them on AWS Step Functions, follow their status and step logs.",
        servers=[Server(url="/")],
        security_schemes={"cognitoJwt": HTTPBearer(bearerFormat="JWT", description="Cognito ID or access token")},
        security=[{"cognitoJwt": []}],
    )
    return json.dumps(add_webhook_body(add_client_lists(add_realtime_messages(json.loads(document)))), indent=2)


if __name__ == "__main__":
    print(openapi_json())
