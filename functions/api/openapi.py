"""The OpenAPI document of the whole HTTP API, generated from the routes of both API functions.

`python -m api.openapi > openapi.json` (make openapi); a test keeps the committed file in sync.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

from api.execution_routes import router as execution_router
from api.query_routes import router as query_router
from api.workflow_routes import router as workflow_router

TITLE = "Workflow Engine API"
VERSION = "1.0.0"


def openapi_json() -> str:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(workflow_router)
    app.include_router(execution_router)
    app.include_router(query_router)
    return app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        summary="Define workflows, run them on AWS Step Functions, follow their status and step logs.",
        servers=[Server(url="/")],
        security_schemes={"cognitoJwt": HTTPBearer(bearerFormat="JWT", description="Cognito ID or access token")},
        security=[{"cognitoJwt": []}],
    )


if __name__ == "__main__":
    print(openapi_json())
