"""API: the HTTP API, its Cognito JWT authorizer and one route per infra.catalog.ROUTES entry."""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import declarations
from infra.catalog import ROUTES
from infra.constructs.nag import acknowledge
from infra.constructs.observability import log_group

THROTTLE = apigw.ThrottleSettings(rate_limit=50, burst_limit=100)
# From infra/declarations.py, which the local gateway answers preflights from too.
CORS = apigw.CorsPreflightOptions(
    allow_origins=list(declarations.CORS.allow_origins),
    allow_methods=[
        apigw.CorsHttpMethod["ANY" if method == "*" else method] for method in declarations.CORS.allow_methods
    ],
    allow_headers=list(declarations.CORS.allow_headers),
    expose_headers=list(declarations.CORS.expose_headers),
    max_age=Duration.seconds(declarations.CORS.max_age_seconds),
)
# HTTP API access log fields ($context variables), one JSON object per request.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "path": "$context.path",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "userId": "$context.authorizer.claims.sub",
    }
)


@jsii.implements(apigw.IAccessLogSettings)
class AccessLogSettings:
    """Access logs of a stage (HTTP or WebSocket): JSON lines of ``log_format`` into ``log_group``."""

    def __init__(self, log_group: logs.ILogGroup, log_format: str = ACCESS_LOG_FORMAT) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)
        self._format = log_format

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return apigw_v1.AccessLogFormat.custom(self._format)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        user_pool_client: cognito.IUserPoolClient,
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=f"{stack.stack_name}-api",
            description="Workflow engine API",
            cors_preflight=CORS,
            create_default_stage=False,
        )
        self.access_logs = log_group(self, "AccessLogs")
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=THROTTLE,
            access_log_settings=AccessLogSettings(self.access_logs),
        )
        # https://cognito-idp.<region>.amazonaws.com/<pool id>: the `iss` claim of the pool's tokens.
        issuer = f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{user_pool.user_pool_id}"
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt", jwt_issuer=issuer, jwt_audience=[user_pool_client.user_pool_client_id]
        )

        # One integration per function, shared by all of its routes.
        lambda_integrations = {
            function_id: integrations.HttpLambdaIntegration(f"{function_id}Integration", functions[function_id])
            for function_id in sorted({route.function.id for route in ROUTES})
        }
        for route in ROUTES:
            (http_route,) = self.http_api.add_routes(
                path=route.path,
                methods=[apigw.HttpMethod(route.method)],
                integration=lambda_integrations[route.function.id],
                authorizer=self.authorizer if route.authorized else None,
            )
            if not route.authorized:
                acknowledge(
                    http_route,
                    "AwsSolutions-APIG4",
                    f"{route.method} {route.path} is public by contract: {route.public_because}.",
                )

    @property
    def url(self) -> str:
        """The API's base URL, without a trailing slash (routes start with /api/...)."""
        return self.http_api.api_endpoint
