"""Create, against any AWS endpoint (the moto server, or moto in-process for tests), what the CDK stack
creates in the cloud, from the same declarations: the tables (workflow_engine.platform.tables), the Cognito pool and
client (infra.declarations), the roles, the state machines' log group, the Lambda functions with exactly the
environment their settings ask for (infra.catalog), the HTTP API with its routes and JWT authorizer, and the
event rules. tests/integration/test_drift.py reads all of it back and compares it with the synthesized template.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.catalog import (
    FUNCTIONS,
    ROUTES,
    SCHEDULED_START,
    STEP_FUNCTIONS,
    STREAM_MAPPING,
    WEBSOCKET_AUTHORIZER,
    WEBSOCKET_IDENTITY_SOURCE,
    WEBSOCKET_ROUTE_SELECTION,
    WEBSOCKET_ROUTES,
    WEBSOCKET_STAGE,
    FunctionSpec,
    library_environment,
)
from infra.declarations import (
    APP_CLIENT,
    CORS,
    DEAD_LETTER_RETENTION_DAYS,
    EVENT_RULES,
    LOG_RETENTION_DAYS,
    PASSWORD_POLICY,
    USER_POOL,
)
from workflow_engine.platform.settings import step_function_arn_variables
from workflow_engine.platform.tables import ALL_TABLES, TableDefinition

NAME_PREFIX = "workflow-engine-local"
DEFAULT_WEBSOCKET_CALLBACK_URL = "http://127.0.0.1:8001"  # the local WebSocket API's @connections endpoint
STATE_MACHINE_PREFIX = "wfe-local-"
# Where the users' secrets live in the local Secrets Manager, as `<stack name>/secrets` does in the cloud.
SECRETS_PREFIX = f"{NAME_PREFIX}/secrets"
# The http step may reach the loopback networks locally (the e2e tests' target servers run there).
LOCAL_HTTP_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128"


def own_endpoints(ports: list[int]) -> str:
    """HTTP_DENIED_ENDPOINTS for a local stack serving on these loopback ports (its AWS endpoint, API, WebSocket
    and management API): every loopback address, either family, so no other spelling of loopback reaches them."""
    return ",".join(
        f"{network}:{port}" for port in sorted(set(ports)) for network in LOCAL_HTTP_ALLOWED_NETWORKS.split(",")
    )


LOCAL_LOG_LEVEL = "WARNING"
# The local stack's one EventBridge Scheduler group (`<stack name>-schedules` in the cloud: infra.constructs.schedules).
SCHEDULE_GROUP_NAME = f"{NAME_PREFIX}-schedules"


@dataclass(frozen=True)
class LocalResources:
    region: str
    user_pool_id: str
    user_pool_client_id: str
    table_names: dict[str, str]
    function_arns: dict[str, str]
    states_role_arn: str
    state_machine_log_group_arn: str = ""
    http_api_id: str = ""
    # function id -> exactly the environment the function has (as set on the Lambda function)
    function_environments: dict[str, dict[str, str]] = field(default_factory=dict)
    webhook_dead_letter_queue_url: str = ""
    secrets_kms_key_id: str = ""  # the key of the users' secrets (ARN), as the CDK stack's Secrets construct has
    scheduler_role_arn: str = ""  # the role Scheduler assumes to invoke the scheduled-start function
    schedule_dead_letter_queue_arn: str = ""

    def setting_values(
        self,
        http_allowed_networks: str = LOCAL_HTTP_ALLOWED_NETWORKS,
        websocket_callback_url: str = DEFAULT_WEBSOCKET_CALLBACK_URL,
        aws_endpoint_url: str | None = None,
        http_denied_endpoints: str = "",
    ) -> dict[str, str]:
        """The local value of every setting a stack provides (a function receives only the ones it reads)."""
        issuer_url = aws_endpoint_url or f"https://cognito-idp.{self.region}.amazonaws.com"
        return {
            **{
                definition.environment_name: self.table_names[definition.logical_id]
                for definition in ALL_TABLES
                if definition.environment_name
            },
            "WEBHOOK_DEAD_LETTER_QUEUE_URL": self.webhook_dead_letter_queue_url,
            # Webhook back-off: the same full-jitter doubling as in the cloud, from a shorter base.
            "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
            "USER_POOL_ID": self.user_pool_id,
            "USER_POOL_CLIENT_ID": self.user_pool_client_id,
            # moto serves the pool's keys under its own endpoint (in-process: under the issuer, as Cognito does).
            "JWKS_URL": f"{issuer_url}/{self.user_pool_id}/.well-known/jwks.json",
            "WEBSOCKET_CALLBACK_URL": websocket_callback_url,
            "STATE_MACHINE_PREFIX": STATE_MACHINE_PREFIX,
            "STATES_ROLE_ARN": self.states_role_arn,
            "STATE_MACHINE_LOG_GROUP_ARN": self.state_machine_log_group_arn,
            **{
                step_function_arn_variables()[spec.step_type]: self.function_arns[spec.id]
                for spec in STEP_FUNCTIONS
                if spec.step_type
            },
            "HTTP_ALLOWED_NETWORKS": http_allowed_networks,
            # The stack's own ports (own_endpoints): the allowance above must not reach the stack itself.
            "HTTP_DENIED_ENDPOINTS": http_denied_endpoints,
            "SECRETS_PREFIX": SECRETS_PREFIX,
            "SECRETS_KMS_KEY_ID": self.secrets_kms_key_id,
            "SCHEDULE_GROUP_NAME": SCHEDULE_GROUP_NAME,
            "SCHEDULED_START_FUNCTION_ARN": self.function_arns.get(SCHEDULED_START.id, ""),
            "SCHEDULER_ROLE_ARN": self.scheduler_role_arn,
            "SCHEDULE_DEAD_LETTER_QUEUE_ARN": self.schedule_dead_letter_queue_arn,
        }

    def function_environment(
        self,
        spec: FunctionSpec,
        http_allowed_networks: str = LOCAL_HTTP_ALLOWED_NETWORKS,
        websocket_callback_url: str = DEFAULT_WEBSOCKET_CALLBACK_URL,
        aws_endpoint_url: str | None = None,
        http_denied_endpoints: str = "",
    ) -> dict[str, str]:
        """Exactly the variables the function's settings ask a stack for, with local values."""
        settings = self.setting_values(
            http_allowed_networks, websocket_callback_url, aws_endpoint_url, http_denied_endpoints
        )
        values = {**settings, **library_environment(spec, LOCAL_LOG_LEVEL)}
        missing = [name for name in spec.environment_names() if name not in values]
        if missing:
            raise ValueError(f"{spec.id}: the local stack has no value for the settings {missing}")
        return {name: values[name] for name in spec.environment_names()}


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


def _create_user_pool(cognito: Any) -> tuple[str, str]:
    pool_id = cognito.create_user_pool(
        PoolName=f"{NAME_PREFIX}-users",
        Policies={"PasswordPolicy": PASSWORD_POLICY.cognito()},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": not USER_POOL.self_sign_up},
        UsernameConfiguration={"CaseSensitive": USER_POOL.case_sensitive_usernames},
        AccountRecoverySetting=USER_POOL.account_recovery(),
    )["UserPool"]["Id"]
    if USER_POOL.mfa != "OFF":
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration=USER_POOL.mfa
        )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{NAME_PREFIX}-client",
        GenerateSecret=False,
        ExplicitAuthFlows=APP_CLIENT.explicit_auth_flows(),
        PreventUserExistenceErrors="ENABLED" if APP_CLIENT.prevent_user_existence_errors else "LEGACY",
        **APP_CLIENT.token_validity(),
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _create_log_group(logs: Any, name: str) -> str:
    """A log group with the standard retention; its ARN ends in ':*', as CloudFormation's Arn attribute does."""
    logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
    (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return str(group["arn"])


def issuer(region: str, user_pool_id: str) -> str:
    """The `iss` claim of the pool's tokens (what the HTTP API's JWT authorizer trusts)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def _create_http_api(apis: Any, region: str, pool_id: str, client_id: str, function_arns: dict[str, str]) -> str:
    """The HTTP API as the CDK stack declares it: CORS, the JWT authorizer, one integration per function, routes."""
    api_id = apis.create_api(Name=f"{NAME_PREFIX}-api", ProtocolType="HTTP", CorsConfiguration=CORS.configuration())[
        "ApiId"
    ]
    authorizer_id = apis.create_authorizer(
        ApiId=api_id,
        Name="CognitoJwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer(region, pool_id), "Audience": [client_id]},
    )["AuthorizerId"]
    integrations = {
        function_id: apis.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=function_arns[function_id],
            PayloadFormatVersion="2.0",
        )["IntegrationId"]
        for function_id in sorted({route.function.id for route in ROUTES})
    }
    for route in ROUTES:
        authorization = {"AuthorizationType": "JWT", "AuthorizerId": authorizer_id} if route.authorized else {}
        apis.create_route(
            ApiId=api_id,
            RouteKey=f"{route.method} {route.path}",
            Target=f"integrations/{integrations[route.function.id]}",
            **({"AuthorizationType": "NONE"} | authorization),
        )
    apis.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def _lambda_uri(region: str, function_arn: str) -> str:
    """How API Gateway names a Lambda function it invokes (integrations, authorizers)."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _create_websocket_api(apis: Any, region: str, function_arns: dict[str, str]) -> str:
    """The WebSocket API as the CDK stack declares it (infra/catalog.py): route selection, the $connect authorizer,
    one integration per function, routes (replying ones with a $default route response). moto holds its
    configuration; infra/local/websocket.py serves the connections."""
    api_id = apis.create_api(
        Name=f"{NAME_PREFIX}-live", ProtocolType="WEBSOCKET", RouteSelectionExpression=WEBSOCKET_ROUTE_SELECTION
    )["ApiId"]
    authorizer_id = apis.create_authorizer(
        ApiId=api_id,
        Name="TokenAuthorizer",
        AuthorizerType="REQUEST",
        AuthorizerUri=_lambda_uri(region, function_arns[WEBSOCKET_AUTHORIZER.id]),
        IdentitySource=[WEBSOCKET_IDENTITY_SOURCE],
    )["AuthorizerId"]
    integrations = {
        function_id: apis.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=_lambda_uri(region, function_arns[function_id])
        )["IntegrationId"]
        for function_id in sorted({route.function.id for route in WEBSOCKET_ROUTES})
    }
    for route in WEBSOCKET_ROUTES:
        authorization = {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer_id} if route.authorized else {}
        replies = {"RouteResponseSelectionExpression": "$default"} if route.replies else {}
        route_id = apis.create_route(
            ApiId=api_id,
            RouteKey=route.key,
            Target=f"integrations/{integrations[route.function.id]}",
            **({"AuthorizationType": "NONE"} | authorization | replies),
        )["RouteId"]
        if route.replies:
            apis.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    apis.create_stage(ApiId=api_id, StageName=WEBSOCKET_STAGE, AutoDeploy=True)
    return api_id


def _create_event_rules(events: Any, region: str, account: str, function_arns: dict[str, str]) -> None:
    state_machine_arn_prefix = f"arn:aws:states:{region}:{account}:stateMachine:{STATE_MACHINE_PREFIX}"
    for rule in EVENT_RULES:
        name = f"{NAME_PREFIX}-{rule.id}"
        events.put_rule(
            Name=name,
            Description=rule.description,
            EventPattern=json.dumps(rule.pattern(state_machine_arn_prefix)),
            State="ENABLED",
        )
        events.put_targets(Rule=name, Targets=[{"Id": "Target0", "Arn": function_arns[rule.target_function_id]}])


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


def _create_dead_letter_queue(sqs: Any, name: str) -> str:
    """A dead-letter queue as the stack declares its DLQs (retention); its URL."""
    attributes = {"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_DAYS * 24 * 3600), "SqsManagedSseEnabled": "true"}
    return sqs.create_queue(QueueName=f"{NAME_PREFIX}-{name}", Attributes=attributes)["QueueUrl"]


def _create_secrets_key(kms: Any) -> str:
    """The customer-managed key of the users' secrets, rotation on (infra.constructs.secrets); its ARN."""
    key = kms.create_key(Description="Encrypts the users' step secrets (Secrets Manager)")["KeyMetadata"]
    key_arn = str(key["Arn"])
    kms.enable_key_rotation(KeyId=key_arn)
    return key_arn


def provision(session: boto3.session.Session | None = None, region: str = "us-east-1") -> LocalResources:
    session = session or boto3.session.Session(region_name=region)
    dynamodb = session.client("dynamodb", region_name=region)
    table_names = {}
    for definition in ALL_TABLES:
        name = f"{NAME_PREFIX}-{definition.logical_id}"
        create_table(dynamodb, definition, name)
        table_names[definition.logical_id] = name

    pool_id, client_id = _create_user_pool(session.client("cognito-idp", region_name=region))

    iam = session.client("iam", region_name=region)
    lambda_role = _role(iam, f"{NAME_PREFIX}-functions", "lambda.amazonaws.com")
    states_role = _role(iam, f"{NAME_PREFIX}-states", "states.amazonaws.com")
    log_group_arn = _create_log_group(
        session.client("logs", region_name=region), f"/aws/vendedlogs/states/{NAME_PREFIX}"
    )
    lambdas = session.client("lambda", region_name=region)
    function_arns = {spec.id: _create_function(lambdas, spec, lambda_role) for spec in FUNCTIONS}
    subscribe_to_streams(dynamodb, lambdas, FUNCTIONS, function_arns, table_names)
    api_id = _create_http_api(
        session.client("apigatewayv2", region_name=region), region, pool_id, client_id, function_arns
    )
    _create_websocket_api(session.client("apigatewayv2", region_name=region), region, function_arns)
    account = lambda_role.split(":")[4]
    _create_event_rules(session.client("events", region_name=region), region, account, function_arns)

    webhook_failures = _create_dead_letter_queue(session.client("sqs", region_name=region), "webhook-failures")
    secrets_key = _create_secrets_key(session.client("kms", region_name=region))
    sqs = session.client("sqs", region_name=region)
    schedule_failures = _create_dead_letter_queue(sqs, "scheduled-start-failures")
    schedule_failures_arn = sqs.get_queue_attributes(QueueUrl=schedule_failures, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    scheduler_role = _role(iam, f"{NAME_PREFIX}-scheduler", "scheduler.amazonaws.com")
    session.client("scheduler", region_name=region).create_schedule_group(Name=SCHEDULE_GROUP_NAME)

    resources = LocalResources(
        region=region,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        table_names=table_names,
        function_arns=function_arns,
        states_role_arn=states_role,
        state_machine_log_group_arn=log_group_arn,
        http_api_id=api_id,
        webhook_dead_letter_queue_url=webhook_failures,
        secrets_kms_key_id=secrets_key,
        scheduler_role_arn=scheduler_role,
        schedule_dead_letter_queue_arn=schedule_failures_arn,
    )
    return resources
