"""Create, against any AWS endpoint (the moto server, or moto in-process for tests), what the CDK stack
creates in the cloud: the tables (from the same definitions), the Cognito pool and client, the roles and
the Lambda functions (from infra.catalog), and return the environment the handlers read."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3

from infra.catalog import FUNCTIONS, STEP_FUNCTIONS, STREAM_MAPPING, FunctionSpec
from workflow_engine.tables import ALL_TABLES, TableDefinition

NAME_PREFIX = "workflow-engine-local"
DEFAULT_WEBSOCKET_CALLBACK_URL = "http://127.0.0.1:8001"  # the local WebSocket API's @connections endpoint
STATE_MACHINE_PREFIX = "wfe-local-"


@dataclass(frozen=True)
class LocalResources:
    region: str
    user_pool_id: str
    user_pool_client_id: str
    table_names: dict[str, str]
    function_arns: dict[str, str]
    states_role_arn: str
    webhook_dead_letter_queue_url: str = ""

    def handler_environment(
        self,
        http_allowed_networks: str = "127.0.0.0/8,::1/128",
        websocket_callback_url: str = DEFAULT_WEBSOCKET_CALLBACK_URL,
        aws_endpoint_url: str | None = None,
    ) -> dict[str, str]:
        """The environment variables the CDK stack sets on the functions, with local values."""
        step_arn = {spec.step_type: self.function_arns[spec.id] for spec in STEP_FUNCTIONS}
        # moto serves the pool's keys under its own endpoint (Cognito: under the issuer, the default).
        jwks = {"JWKS_URL": f"{aws_endpoint_url}/{self.user_pool_id}/.well-known/jwks.json"} if aws_endpoint_url else {}
        return {
            **jwks,
            "WORKFLOWS_TABLE": self.table_names["Workflows"],
            "EXECUTIONS_TABLE": self.table_names["Executions"],
            "LOGS_TABLE": self.table_names["ExecutionLogs"],
            "IDEMPOTENCY_TABLE": self.table_names["Idempotency"],
            "NOTIFICATIONS_TABLE": self.table_names["Notifications"],
            "WEBHOOK_DEAD_LETTER_QUEUE_URL": self.webhook_dead_letter_queue_url,
            # Webhook back-off: the same full-jitter doubling as in the cloud, from a shorter base.
            "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
            "METRICS_TABLE": self.table_names["Metrics"],
            "CONNECTIONS_TABLE": self.table_names["Connections"],
            "USER_POOL_ID": self.user_pool_id,
            "USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "WEBSOCKET_CALLBACK_URL": websocket_callback_url,
            "STATE_MACHINE_PREFIX": STATE_MACHINE_PREFIX,
            "STATES_ROLE_ARN": self.states_role_arn,
            "TRANSFORM_FUNCTION_ARN": step_arn["transform"],
            "HTTP_FUNCTION_ARN": step_arn["http"],
            "AI_FUNCTION_ARN": step_arn["ai"],
            "AI_PROVIDER": "local",
            "HTTP_ALLOWED_NETWORKS": http_allowed_networks,
            "POWERTOOLS_SERVICE_NAME": "workflow-engine-local",
            "POWERTOOLS_METRICS_NAMESPACE": "WorkflowEngine",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }


def create_table(dynamodb: Any, definition: TableDefinition, name: str) -> None:
    key_schema = [{"AttributeName": definition.partition_key, "KeyType": "HASH"}]
    if definition.sort_key:
        key_schema.append({"AttributeName": definition.sort_key, "KeyType": "RANGE"})
    params: dict[str, Any] = {
        "TableName": name,
        "KeySchema": key_schema,
        "AttributeDefinitions": [{"AttributeName": attr, "AttributeType": "S"} for attr in definition.key_attributes()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if definition.indexes:
        params["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
                + ([{"AttributeName": index.sort_key, "KeyType": "RANGE"}] if index.sort_key else []),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in definition.indexes
        ]
    if definition.stream_view_type:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": definition.stream_view_type}
    dynamodb.create_table(**params)
    if definition.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute}
        )


def _role(iam: Any, name: str, service: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Code runs in-process from functions/ (infra/local/moto_seams.py).")
    return buffer.getvalue()


def _create_function(lambdas: Any, spec: FunctionSpec, role_arn: str) -> str:
    return lambdas.create_function(
        FunctionName=f"{NAME_PREFIX}-{spec.id}",
        Runtime="python3.13",
        Architectures=["arm64"],
        Role=role_arn,
        Handler=spec.handler,
        Code={"ZipFile": _placeholder_zip()},
        Timeout=spec.timeout_seconds,
        MemorySize=spec.memory_mb,
    )["FunctionArn"]


def subscribe_to_streams(
    dynamodb: Any,
    lambdas: Any,
    specs: tuple[FunctionSpec, ...],
    function_arns: dict[str, str],
    table_names: dict[str, str],
) -> None:
    """What the CDK stack's DynamoEventSource does: map each table stream to the functions it feeds."""
    for spec in specs:
        for logical_id in spec.event_sources:
            stream_arn = dynamodb.describe_table(TableName=table_names[logical_id])["Table"]["LatestStreamArn"]
            lambdas.create_event_source_mapping(
                EventSourceArn=stream_arn,
                FunctionName=function_arns[spec.id],
                StartingPosition="LATEST",
                BatchSize=STREAM_MAPPING.batch_size,
                MaximumRetryAttempts=STREAM_MAPPING.retry_attempts,
                BisectBatchOnFunctionError=STREAM_MAPPING.bisect_batch_on_error,
                MaximumBatchingWindowInSeconds=STREAM_MAPPING.max_batching_window_seconds,
                FunctionResponseTypes=["ReportBatchItemFailures"],
            )


def provision(session: boto3.session.Session | None = None, region: str = "us-east-1") -> LocalResources:
    session = session or boto3.session.Session(region_name=region)
    dynamodb = session.client("dynamodb", region_name=region)
    table_names = {}
    for definition in ALL_TABLES:
        name = f"{NAME_PREFIX}-{definition.logical_id}"
        create_table(dynamodb, definition, name)
        table_names[definition.logical_id] = name

    cognito = session.client("cognito-idp", region_name=region)
    pool_id = cognito.create_user_pool(
        PoolName=f"{NAME_PREFIX}-users",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireUppercase": True,
                "RequireSymbols": False,
            }
        },
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{NAME_PREFIX}-client",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]

    iam = session.client("iam", region_name=region)
    lambda_role = _role(iam, f"{NAME_PREFIX}-functions", "lambda.amazonaws.com")
    states_role = _role(iam, f"{NAME_PREFIX}-states", "states.amazonaws.com")
    lambdas = session.client("lambda", region_name=region)
    function_arns = {spec.id: _create_function(lambdas, spec, lambda_role) for spec in FUNCTIONS}
    subscribe_to_streams(dynamodb, lambdas, FUNCTIONS, function_arns, table_names)
    webhook_dlq = session.client("sqs", region_name=region).create_queue(QueueName=f"{NAME_PREFIX}-webhook-failures")
    return LocalResources(
        region=region,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        table_names=table_names,
        function_arns=function_arns,
        states_role_arn=states_role,
        webhook_dead_letter_queue_url=webhook_dlq["QueueUrl"],
    )
