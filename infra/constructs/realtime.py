"""Realtime: the WebSocket API (live execution updates), its `$connect` Lambda authorizer, its routes and the
least-privilege grants of the realtime functions (infra.catalog.REALTIME_FUNCTIONS).

Built in two steps because the functions need the API's management endpoint in their settings and the routes
need the functions: the API and its stage first (``function_environment``), then ``serve(...)``.
The notifier's stream event sources come from its catalog declaration (FunctionSpec.event_sources).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import Aws, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.catalog import (
    NOTIFIER,
    WEBSOCKET_IDENTITY_SOURCE,
    WEBSOCKET_ROUTE_SELECTION,
    WEBSOCKET_ROUTES,
    WEBSOCKET_STAGE,
    WS_AUTHORIZER,
    WS_CONNECT,
    WS_DISCONNECT,
    WS_SUBSCRIPTIONS,
)
from infra.constructs.api import AccessLogSettings
from infra.constructs.data import Data
from infra.constructs.nag import acknowledge, acknowledge_wildcard_resources
from infra.constructs.observability import log_group
from workflow_engine.platform import tables

THROTTLE = apigw.ThrottleSettings(rate_limit=50, burst_limit=100)
IDENTITY_SOURCE = WEBSOCKET_IDENTITY_SOURCE  # where the $connect authorizer finds the token (infra/catalog.py)
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
        "connectionId": "$context.connectionId",
        "status": "$context.status",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "userId": "$context.authorizer.user_id",
    }
)
ROUTES_AFTER_CONNECT_REASON = (
    "WebSocket APIs authorize the connection once, on $connect (Lambda REQUEST authorizer verifying the Cognito "
    "token); API Gateway only routes later messages of an authorized connection, and each handler reads the "
    "user from the connection's authorizer context."
)
CONNECTIONS_INDEX_REASON = (
    "The notifier queries the connections table's by-user index (a user's connections); '/index/*' is how "
    "DynamoDB names indexes."
)
MANAGE_CONNECTIONS_REASON = (
    "PostToConnection/DeleteConnection name the connection in the ARN (@connections/{id}), unknown until run "
    "time; the grant is limited to this API's stage."
)


class Realtime(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        user_pool_client: cognito.IUserPoolClient,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.api = apigw.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"{stack.stack_name}-live",
            description="Workflow engine live updates (WebSocket)",
            route_selection_expression=WEBSOCKET_ROUTE_SELECTION,
        )
        self.access_logs = log_group(self, "AccessLogs")
        self.stage = apigw.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=WEBSOCKET_STAGE,
            auto_deploy=True,
            throttle=THROTTLE,
            access_log_settings=AccessLogSettings(self.access_logs, ACCESS_LOG_FORMAT),
        )
        self.function_environment: dict[str, str] = {
            "USER_POOL_ID": user_pool.user_pool_id,
            "USER_POOL_CLIENT_ID": user_pool_client.user_pool_client_id,
            "WEBSOCKET_CALLBACK_URL": self.stage.callback_url,
            # The pool's public signing keys, under its issuer (the local stack names moto's instead).
            "JWKS_URL": f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{user_pool.user_pool_id}"
            "/.well-known/jwks.json",
        }
        self.routes: dict[str, apigw.WebSocketRoute] = {}

    @property
    def url(self) -> str:
        """wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}"""
        return self.stage.url

    def serve(self, functions: Mapping[str, lambda_.Function], data: Data) -> None:
        """Route the API to the realtime functions and grant each exactly what its code calls."""
        self.authorizer = authorizers.WebSocketLambdaAuthorizer(
            "TokenAuthorizer", functions[WS_AUTHORIZER.id], identity_source=[IDENTITY_SOURCE]
        )
        route_integrations = {
            function_id: integrations.WebSocketLambdaIntegration(f"{function_id}Integration", functions[function_id])
            for function_id in sorted({route.function.id for route in WEBSOCKET_ROUTES})
        }
        for route in WEBSOCKET_ROUTES:
            self.routes[route.key] = self.api.add_route(
                route.key,
                integration=route_integrations[route.function.id],
                authorizer=self.authorizer if route.authorized else None,
                # $connect/$disconnect replies go nowhere; messages get the handler's reply back.
                return_response=True if route.replies else None,
            )
            if not route.authorized:
                acknowledge(self.routes[route.key], "AwsSolutions-APIG4", ROUTES_AFTER_CONNECT_REASON)

        # $connect claims a per-user slot (read the user's slots, conditional puts; a slot is released again
        # when the connection's own put fails) and writes the connection (data/connection_slots.py)
        connect = functions[WS_CONNECT.id]
        data.grant(tables.CONNECTIONS, connect, "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
        by_user = f"{data.table(tables.CONNECTIONS).table_arn}/index/{tables.CONNECTIONS_BY_USER.name}"
        data.grant(tables.CONNECTIONS, functions[WS_DISCONNECT.id], "dynamodb:DeleteItem")  # the item, its slot
        subscriptions = functions[WS_SUBSCRIPTIONS.id]
        data.grant(tables.CONNECTIONS, subscriptions, "dynamodb:UpdateItem")
        data.grant(tables.WORKFLOWS, subscriptions, "dynamodb:GetItem")
        data.grant(tables.EXECUTIONS, subscriptions, "dynamodb:GetItem")

        notifier = functions[NOTIFIER.id]
        data.grant(tables.CONNECTIONS, notifier, "dynamodb:DeleteItem")
        notifier.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:Query"], resources=[by_user]))
        self.stage.grant_management_api_access(notifier)
        assert notifier.role is not None
        managed = f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:{self.api.api_id}/"
        acknowledge_wildcard_resources(
            notifier.role, MANAGE_CONNECTIONS_REASON, managed + f"{WEBSOCKET_STAGE}/*/@connections/*"
        )
