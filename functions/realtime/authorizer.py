"""WebSocket `$connect` Lambda REQUEST authorizer: the Cognito token of the `token` query string parameter,
checked as the HTTP API's JWT authorizer checks it (workflow_engine.platform.auth.jwt_verifier).

Allow: an IAM policy allowing this connect (the method ARN), with the user id in the context (the routes read
it as requestContext.authorizer.user_id). Anything else raises "Unauthorized": API Gateway answers 401 and
no connection is opened.

The verifier (PyJWT, its crypto backend and the JWKS cache) is made at the first invocation, not at import
(see BENCHMARKS.md, cold start), then kept for the life of the execution environment.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerRequestEvent

from workflow_engine.platform.observability import logger, tracer
from workflow_engine.platform.realtime_settings import AuthorizerSettings

if TYPE_CHECKING:
    from workflow_engine.platform.auth.jwt_verifier import JwtVerifier

settings = AuthorizerSettings.from_env()


@cache
def verifier() -> JwtVerifier:
    from workflow_engine.platform.auth.jwt_verifier import JwtVerifier, cognito_issuer

    issuer = cognito_issuer(settings.aws_region, settings.user_pool_id)
    return JwtVerifier(issuer, [settings.user_pool_client_id], settings.jwks_url or None)


def allow(principal_id: str, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}],
        },
        "context": {"user_id": principal_id},
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def handler(event: APIGatewayAuthorizerRequestEvent, context: Any) -> dict[str, Any]:
    token = (event.query_string_parameters or {}).get("token")
    claims = verifier().claims(token)
    if claims is None:
        logger.info("connection refused", extra={"has_token": bool(token)})
        raise Exception("Unauthorized")  # noqa: TRY002 - the exact message API Gateway turns into a 401
    return allow(claims["sub"], event.method_arn)
