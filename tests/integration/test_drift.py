"""Drift: the synthesized CDK template against what the local stack provisions in moto, fact by fact.

The local resources are read back through the AWS APIs (DescribeTable, DescribeTimeToLive, DescribeUserPool,
DescribeUserPoolClient, GetFunctionConfiguration, apigatewayv2 GetApis/GetRoutes/GetAuthorizers/GetIntegrations,
events ListRules/ListTargetsByRule, logs DescribeLogGroups, ListEventSourceMappings). Every comparison iterates over
what the template holds, so a table, function, route, API, rule or stream mapping added to the CDK stack is compared
without a change here; a test fails naming each difference.

Template references are resolved to the local resource they stand for: a table through the Data construct (or the
function environment variable that names it), a function through its handler, the user pool and its client as the
only ones. Values that differ between the stacks by design are listed in STACK_SPECIFIC, each with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from infra.local.provision import LocalResources
from tests.infra.conftest import Synthesized, synth  # noqa: F401 (the session fixture that synthesizes the app)

# Environment values that differ between the stacks on purpose (names are always compared).
STACK_SPECIFIC = {
    "STATE_MACHINE_PREFIX": "state machines are named per stack (WorkflowEngine-wf- / wfe-local-)",
    "HTTP_ALLOWED_NETWORKS": "locally the http step may reach loopback, where the e2e tests' target servers run",
    "HTTP_DENIED_ENDPOINTS": "locally the stack's own loopback ports are refused inside that allowance (none on AWS)",
    "POWERTOOLS_LOG_LEVEL": "the local stack logs warnings only",
    "WEBHOOK_BACKOFF_BASE_SECONDS": "locally the webhook retries back off from a shorter base (tests wait less)",
    "SECRETS_PREFIX": "secrets are named per stack (WorkflowEngine/secrets / workflow-engine-local/secrets)",
    "SCHEDULE_GROUP_NAME": "the schedule group is named per stack (WorkflowEngine-schedules / "
    "workflow-engine-local-schedules); test_schedules.py uses the local one",
    "WEBSOCKET_CALLBACK_URL": "locally infra/local/websocket.py serves the connections on loopback (moto has no "
    "WebSocket server); the API's configuration is compared under apis",
}
# Resources CDK adds that run only while `cdk deploy` copies the web app (BucketDeployment's provider function and
# its AWS CLI layer, infra/constructs/web.py): nothing the running system calls, so the local stack has none.
DEPLOYMENT_ONLY = ("CustomCDKBucketDeployment", "WebDeployAwsCliLayer")
PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
UNRESOLVED = "<unresolved>"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def differences(where: str, template: Any, local: Any) -> Iterator[str]:
    """Every difference between two normalized documents, each named by its path."""
    if isinstance(template, dict) and isinstance(local, dict):
        for key in sorted(set(template) | set(local), key=str):
            if key not in local:
                yield f"{where}.{key}: the template has {template[key]!r}, the local stack has nothing"
            elif key not in template:
                yield f"{where}.{key}: the local stack has {local[key]!r}, the template has nothing"
            else:
                yield from differences(f"{where}.{key}", template[key], local[key])
    elif template != local:
        yield f"{where}: template {template!r} != local {local!r}"


@dataclass
class Stacks:
    """The template and the local stack, with the template's references resolved to local physical values."""

    synth: Synthesized
    local: LocalResources
    session: boto3.session.Session
    account: str
    physical: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> {"Ref"|attribute: value}
    local_functions: dict[str, dict[str, Any]] = field(default_factory=dict)  # handler -> configuration

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.local.region)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.synth.of_type(resource_type).items()
            if not logical_id.startswith(DEPLOYMENT_ONLY)
        }

    def resolve(self, node: Any) -> Any:
        """A template value with its references replaced by the local stack's values (UNRESOLVED if unknown)."""
        if isinstance(node, dict) and len(node) == 1:
            (function, argument), *_ = node.items()
            if function == "Ref":
                if argument == "AWS::Region":
                    return self.local.region
                if argument == "AWS::AccountId":
                    return self.account
                if argument in PSEUDO:
                    return PSEUDO[argument]
                return self.physical.get(argument, {}).get("Ref", UNRESOLVED)
            if function == "Fn::GetAtt":
                resource, attribute = argument
                return self.physical.get(resource, {}).get(attribute, UNRESOLVED)
            if function == "Fn::Join":
                delimiter, items = argument
                return delimiter.join(str(self.resolve(item)) for item in items)
        if isinstance(node, dict):
            return {key: self.resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        return node

    def template_function(self, node: Any) -> str:
        """The handler of the template function a value refers to (Ref, GetAtt, or one inside a Join: the
        apigateway:lambda:path/.../functions/<arn>/invocations form)."""
        if isinstance(node, dict) and ("Ref" in node or "Fn::GetAtt" in node):
            logical_id = node["Ref"] if "Ref" in node else node["Fn::GetAtt"][0]
            resource = self.synth.resources.get(logical_id, {})
            if resource.get("Type") == "AWS::Lambda::Function":
                return resource["Properties"]["Handler"]
        if isinstance(node, dict) and "Fn::Join" in node:
            found = {self.template_function(item) for item in node["Fn::Join"][1]} - {UNRESOLVED}
            return found.pop() if len(found) == 1 else UNRESOLVED
        return UNRESOLVED

    def local_function(self, arn_or_name: str) -> str:
        """The handler of the local function an ARN, a name or an API Gateway invocation URI points at."""
        for handler, configuration in self.local_functions.items():
            arn = configuration["FunctionArn"]
            if arn_or_name in (arn, configuration["FunctionName"]) or f"/functions/{arn}/" in arn_or_name:
                return handler
        return UNRESOLVED


def _environment(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["Properties"].get("Environment", {}).get("Variables", {})


def _local_tables(stacks: Stacks, synthesized: Synthesized, resources: LocalResources) -> dict[str, str]:
    """The local name of each template table, by logical id: through the Data construct, then through the
    function environment variables that name them."""
    local_tables: dict[str, str] = {}
    for definition_id, table in synthesized.stack.data.tables.items():
        if definition_id in resources.table_names:
            local_tables[synthesized.logical_id(table)] = resources.table_names[definition_id]
    for resource in stacks.of_type("AWS::Lambda::Function").values():
        local_environment = stacks.local_functions.get(resource["Properties"]["Handler"], {}).get("Environment", {})
        for name, value in _environment(resource).items():
            if isinstance(value, dict) and "Ref" in value and value["Ref"] in stacks.of_type("AWS::DynamoDB::Table"):
                local_name = local_environment.get("Variables", {}).get(name)
                if local_name:
                    local_tables.setdefault(value["Ref"], local_name)
    return local_tables


@pytest.fixture(scope="module")
def stacks(synth: Synthesized, resources: LocalResources) -> Stacks:  # noqa: F811 (synth: the imported fixture)
    session = boto3.session.Session(region_name=resources.region)
    account = session.client("sts", region_name=resources.region).get_caller_identity()["Account"]
    stacks = Stacks(synth=synth, local=resources, session=session, account=account)
    lambdas = stacks.client("lambda")
    for page in lambdas.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            configuration = lambdas.get_function_configuration(FunctionName=function["FunctionName"])
            stacks.local_functions[configuration["Handler"]] = configuration

    # functions: by handler
    for logical_id, resource in stacks.of_type("AWS::Lambda::Function").items():
        local = stacks.local_functions.get(resource["Properties"]["Handler"])
        if local:
            stacks.physical[logical_id] = {"Ref": local["FunctionName"], "Arn": local["FunctionArn"]}
    # tables: their local names, then their ARNs and streams
    dynamodb = stacks.client("dynamodb")
    local_tables = _local_tables(stacks, synth, resources)
    for logical_id, name in local_tables.items():
        description = dynamodb.describe_table(TableName=name)["Table"]
        stacks.physical[logical_id] = {
            "Ref": name,
            "Arn": description["TableArn"],
            "StreamArn": description.get("LatestStreamArn", UNRESOLVED),
        }
    # the user pool and its client (one of each)
    for logical_id in stacks.of_type("AWS::Cognito::UserPool"):
        stacks.physical[logical_id] = {"Ref": resources.user_pool_id}
    for logical_id in stacks.of_type("AWS::Cognito::UserPoolClient"):
        stacks.physical[logical_id] = {"Ref": resources.user_pool_client_id}
    return stacks


# --- tables ------------------------------------------------------------------------------------------------


def _key_schema(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in schema]


def _indexes(indexes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        index["IndexName"]: {
            "keys": _key_schema(index["KeySchema"]),
            "projection": index["Projection"].get("ProjectionType"),
            "non_key_attributes": sorted(index["Projection"].get("NonKeyAttributes", [])),
        }
        for index in indexes
    }


def _template_table(properties: dict[str, Any]) -> dict[str, Any]:
    ttl = properties.get("TimeToLiveSpecification") or {}
    stream = properties.get("StreamSpecification") or {}
    return {
        "keys": _key_schema(properties["KeySchema"]),
        "attributes": {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]},
        "global_indexes": _indexes(properties.get("GlobalSecondaryIndexes", [])),
        "local_indexes": _indexes(properties.get("LocalSecondaryIndexes", [])),
        "billing": properties.get("BillingMode", "PROVISIONED"),
        "stream": stream.get("StreamViewType"),
        "ttl": ttl.get("AttributeName") if ttl.get("Enabled") else None,
    }


def _local_table(dynamodb: Any, name: str) -> dict[str, Any]:
    table = dynamodb.describe_table(TableName=name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    stream = table.get("StreamSpecification") or {}
    return {
        "keys": _key_schema(table["KeySchema"]),
        "attributes": {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]},
        "global_indexes": _indexes(table.get("GlobalSecondaryIndexes", [])),
        "local_indexes": _indexes(table.get("LocalSecondaryIndexes", [])),
        "billing": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
    }


def table_drift(stacks: Stacks) -> list[str]:
    dynamodb = stacks.client("dynamodb")
    found: list[str] = []
    matched: set[str] = set()
    for logical_id, resource in stacks.of_type("AWS::DynamoDB::Table").items():
        name = stacks.physical.get(logical_id, {}).get("Ref")
        if name is None:
            found.append(f"table {logical_id}: the local stack has no such table")
            continue
        matched.add(name)
        found += differences(
            f"table {logical_id} ({name})", _template_table(resource["Properties"]), _local_table(dynamodb, name)
        )
    for name in dynamodb.list_tables()["TableNames"]:
        if name not in matched:
            found.append(f"table {name}: the local stack has it, the template has no such table")
    return found


# --- Cognito -----------------------------------------------------------------------------------------------

TOKEN_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
TOKEN_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def _token_seconds(client: dict[str, Any]) -> dict[str, int | None]:
    units = {**TOKEN_DEFAULT_UNITS, **(client.get("TokenValidityUnits") or {})}
    result = {}
    for token in TOKEN_DEFAULT_UNITS:
        value = client.get(f"{token}Validity")
        result[token] = None if value is None else int(value) * TOKEN_UNITS[units[token]]
    return result


def _pool(pool: dict[str, Any], mfa: str | None, totp: bool) -> dict[str, Any]:
    return {
        "password_policy": (pool.get("Policies") or {}).get("PasswordPolicy"),
        "self_sign_up": not (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False),
        "case_sensitive_usernames": (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", True),
        "username_attributes": sorted(pool.get("UsernameAttributes") or []),
        "mfa": mfa or "OFF",
        "totp": totp,
        "account_recovery": (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms"),
    }


def _client(client: dict[str, Any]) -> dict[str, Any]:
    return {
        "explicit_auth_flows": sorted(client.get("ExplicitAuthFlows") or []),
        "secret": bool(client.get("GenerateSecret") or client.get("ClientSecret")),
        "prevent_user_existence_errors": client.get("PreventUserExistenceErrors", "LEGACY"),
        "token_validity_seconds": _token_seconds(client),
        "oauth_flows": sorted(client.get("AllowedOAuthFlows") or []),
        "oauth_scopes": sorted(client.get("AllowedOAuthScopes") or []),
        "callback_urls": sorted(client.get("CallbackURLs") or []),
    }


def cognito_drift(stacks: Stacks) -> list[str]:
    cognito = stacks.client("cognito-idp")
    found: list[str] = []
    ((pool_id, pool),) = stacks.of_type("AWS::Cognito::UserPool").items()
    properties = pool["Properties"]
    local_pool = cognito.describe_user_pool(UserPoolId=stacks.local.user_pool_id)["UserPool"]
    local_mfa = cognito.get_user_pool_mfa_config(UserPoolId=stacks.local.user_pool_id)
    found += differences(
        f"user pool {pool_id}",
        _pool(
            properties,
            properties.get("MfaConfiguration"),
            "SOFTWARE_TOKEN_MFA" in (properties.get("EnabledMfas") or []),
        ),
        _pool(
            local_pool,
            local_mfa.get("MfaConfiguration"),
            bool((local_mfa.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")),
        ),
    )
    ((client_id, client),) = stacks.of_type("AWS::Cognito::UserPoolClient").items()
    local_client = cognito.describe_user_pool_client(
        UserPoolId=stacks.local.user_pool_id, ClientId=stacks.local.user_pool_client_id
    )["UserPoolClient"]
    found += differences(f"user pool client {client_id}", _client(client["Properties"]), _client(local_client))
    return found


# --- functions ---------------------------------------------------------------------------------------------


def _function(configuration: dict[str, Any]) -> dict[str, Any]:
    return {
        "runtime": configuration.get("Runtime"),
        "architectures": configuration.get("Architectures") or ["x86_64"],
        "timeout": configuration.get("Timeout", 3),
        "memory": configuration.get("MemorySize", 128),
        "environment_names": sorted((configuration.get("Environment") or {}).get("Variables") or {}),
    }


def _environment_value_drift(stacks: Stacks, where: str, name: str, template: Any, local: str) -> list[str]:
    if name in STACK_SPECIFIC:
        return []
    if isinstance(template, dict) and "Fn::GetAtt" in template:
        logical_id = template["Fn::GetAtt"][0]
        resource_type = stacks.synth.resources[logical_id]["Type"]
        if resource_type == "AWS::Logs::LogGroup":
            return _log_group_drift(stacks, f"{where} {name}", stacks.synth.resources[logical_id], local)
        if resource_type == "AWS::IAM::Role":
            role = local.rsplit("/", 1)[-1]
            try:
                stacks.client("iam").get_role(RoleName=role)
            except stacks.client("iam").exceptions.NoSuchEntityException:
                return [f"{where} {name}: the role {local!r} does not exist locally"]
            return []
        if resource_type == "AWS::KMS::Key":
            return _key_drift(stacks, f"{where} {name}", stacks.synth.resources[logical_id], local)
        if resource_type == "AWS::SQS::Queue":  # a queue by its ARN (a Scheduler target's dead-letter queue)
            return _queue_arn_drift(stacks, f"{where} {name}", stacks.synth.resources[logical_id], local)
        if resource_type == "AWS::Lambda::Function":
            handler = stacks.template_function(template)
            if stacks.local_function(local) != handler:
                return [f"{where} {name}: template points at {handler}, local {local!r} at another function"]
            return []
    if isinstance(template, dict) and "Ref" in template:
        resource = stacks.synth.resources.get(template["Ref"], {})
        if resource.get("Type") == "AWS::SQS::Queue":
            return _queue_drift(stacks, f"{where} {name}", resource, local)
    resolved = stacks.resolve(template)
    return list(differences(f"{where} {name}", resolved, local))


def _queue_arn_drift(stacks: Stacks, where: str, template: dict[str, Any], arn: str) -> list[str]:
    sqs = stacks.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return [f"{where}: no local queue {arn!r}"]
    return _queue_drift(stacks, where, template, url)


def _queue_drift(stacks: Stacks, where: str, template: dict[str, Any], url: str) -> list[str]:
    """The local value is the URL of an existing queue with the template's retention and encryption."""
    sqs = stacks.client("sqs")
    try:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    except sqs.exceptions.QueueDoesNotExist:
        return [f"{where}: no local queue {url!r}"]
    properties = template["Properties"]
    return list(
        differences(
            where,
            {
                "retention": str(properties.get("MessageRetentionPeriod", 345_600)),
                "sse": str(properties.get("SqsManagedSseEnabled", False)).lower(),
            },
            {"retention": attributes.get("MessageRetentionPeriod"), "sse": attributes.get("SqsManagedSseEnabled")},
        )
    )


def _key_drift(stacks: Stacks, where: str, template: dict[str, Any], arn: str) -> list[str]:
    """The local value is the ARN of an existing, enabled, customer-managed key with the template's rotation."""
    kms = stacks.client("kms")
    try:
        metadata = kms.describe_key(KeyId=arn)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        return [f"{where}: no local key {arn!r}"]
    rotation = kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"]
    return list(
        differences(
            where,
            {
                "arn": arn,
                "manager": "CUSTOMER",
                "enabled": True,
                "rotation": template["Properties"]["EnableKeyRotation"],
            },
            {
                "arn": metadata["Arn"],
                "manager": metadata["KeyManager"],
                "enabled": metadata["Enabled"],
                "rotation": rotation,
            },
        )
    )


def _log_group_drift(stacks: Stacks, where: str, template: dict[str, Any], arn: str) -> list[str]:
    """The local value names an existing log group with the template's retention (its ARN form ends in ':*')."""
    name = arn.split(":log-group:", 1)[-1].removesuffix(":*")
    groups = stacks.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    group = next((group for group in groups if group["logGroupName"] == name), None)
    if group is None:
        return [f"{where}: no local log group {arn!r}"]
    found = list(
        differences(
            f"{where} retention",
            template["Properties"].get("RetentionInDays"),
            group.get("retentionInDays"),
        )
    )
    if not arn.endswith(":*"):
        found.append(f"{where}: {arn!r} is not the ':*' ARN form the template's Arn attribute has")
    return found


def function_drift(stacks: Stacks) -> list[str]:
    found: list[str] = []
    handlers: set[str] = set()
    for logical_id, resource in stacks.of_type("AWS::Lambda::Function").items():
        properties = resource["Properties"]
        handler = properties["Handler"]
        handlers.add(handler)
        where = f"function {logical_id} ({handler})"
        local = stacks.local_functions.get(handler)
        if local is None:
            found.append(f"{where}: the local stack has no function with this handler")
            continue
        template = {
            "Runtime": properties.get("Runtime"),
            "Architectures": properties.get("Architectures"),
            "Timeout": properties.get("Timeout"),
            "MemorySize": properties.get("MemorySize"),
            "Environment": {"Variables": _environment(resource)},
        }
        found += differences(where, _function(template), _function(local))
        local_variables = local.get("Environment", {}).get("Variables", {})
        for name, value in _environment(resource).items():
            if name in local_variables:
                found += _environment_value_drift(stacks, where, name, value, local_variables[name])
    for handler in stacks.local_functions:
        if handler not in handlers:
            found.append(f"function {handler}: the local stack has it, the template has no function with this handler")
    return found


# --- APIs (HTTP and WebSocket) -------------------------------------------------------------------------------


def _template_api(stacks: Stacks, api_id: str) -> dict[str, Any]:
    def in_api(resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource["Properties"]
            for logical_id, resource in stacks.of_type(resource_type).items()
            if resource["Properties"].get("ApiId") == {"Ref": api_id}
        }

    authorizers = in_api("AWS::ApiGatewayV2::Authorizer")
    integrations = in_api("AWS::ApiGatewayV2::Integration")
    routes = {}
    for properties in in_api("AWS::ApiGatewayV2::Route").values():
        target = properties.get("Target")
        integration_id = None
        if isinstance(target, dict) and "Fn::Join" in target:
            integration_id = next((item["Ref"] for item in target["Fn::Join"][1] if isinstance(item, dict)), None)
        authorizer = authorizers.get((properties.get("AuthorizerId") or {}).get("Ref", ""))
        integration = integrations.get(integration_id or "")
        routes[properties["RouteKey"]] = {
            "authorization": properties.get("AuthorizationType", "NONE"),
            "authorizer": _authorizer(
                stacks.resolve(authorizer), stacks.template_function(authorizer.get("AuthorizerUri"))
            )
            if authorizer
            else None,
            "response_selection": properties.get("RouteResponseSelectionExpression"),
            "integration": _integration(integration, stacks.template_function(integration.get("IntegrationUri")))
            if integration
            else None,
        }
    properties = stacks.synth.resources[api_id]["Properties"]
    return {
        "cors": properties.get("CorsConfiguration"),
        "route_selection": properties.get("RouteSelectionExpression"),
        "routes": routes,
    }


def _authorizer(authorizer: dict[str, Any], handler: str) -> dict[str, Any]:
    jwt = authorizer.get("JwtConfiguration") or {}
    return {
        "type": authorizer.get("AuthorizerType"),
        "function": handler if authorizer.get("AuthorizerUri") else None,
        "identity_source": _as_list(authorizer.get("IdentitySource") or []),
        "issuer": jwt.get("Issuer"),
        "audience": sorted(jwt.get("Audience") or []),
    }


def _integration(integration: dict[str, Any], handler: str) -> dict[str, Any]:
    return {
        "type": integration.get("IntegrationType"),
        "function": handler,
        "payload_format": integration.get("PayloadFormatVersion"),
    }


def _local_api(stacks: Stacks, api: dict[str, Any]) -> dict[str, Any]:
    apis = stacks.client("apigatewayv2")
    api_id = api["ApiId"]
    integrations = {i["IntegrationId"]: i for i in apis.get_integrations(ApiId=api_id)["Items"]}
    routes = {}
    for route in apis.get_routes(ApiId=api_id)["Items"]:
        integration = integrations.get((route.get("Target") or "").removeprefix("integrations/"))
        authorizer = (  # moto has GetAuthorizer, not GetAuthorizers
            apis.get_authorizer(ApiId=api_id, AuthorizerId=route["AuthorizerId"]) if route.get("AuthorizerId") else None
        )
        routes[route["RouteKey"]] = {
            "authorization": route.get("AuthorizationType", "NONE"),
            "authorizer": _authorizer(authorizer, stacks.local_function(authorizer.get("AuthorizerUri", "")))
            if authorizer
            else None,
            "response_selection": route.get("RouteResponseSelectionExpression"),
            "integration": _integration(integration, stacks.local_function(integration.get("IntegrationUri", "")))
            if integration
            else None,
        }
    return {
        "cors": api.get("CorsConfiguration"),
        "route_selection": api.get("RouteSelectionExpression") if api.get("ProtocolType") == "WEBSOCKET" else None,
        "routes": routes,
    }


def api_drift(stacks: Stacks) -> list[str]:
    found: list[str] = []
    local_apis = stacks.client("apigatewayv2").get_apis()["Items"]
    template_protocols = set()
    for api_id, resource in stacks.of_type("AWS::ApiGatewayV2::Api").items():
        protocol = resource["Properties"].get("ProtocolType")
        template_protocols.add(protocol)
        local = [api for api in local_apis if api.get("ProtocolType") == protocol]
        if len(local) != 1:
            found.append(f"{protocol} API {api_id}: the local stack has {len(local)} {protocol} APIs, not one")
            continue
        template, mine = _template_api(stacks, api_id), _local_api(stacks, local[0])
        where = f"{protocol} API {api_id}"
        found += differences(f"{where} CORS", template["cors"], mine["cors"])
        found += differences(f"{where} route selection", template["route_selection"], mine["route_selection"])
        for key in sorted(set(template["routes"]) - set(mine["routes"])):
            found.append(f"{where} route {key!r}: the local stack has no such route")
        for key in sorted(set(mine["routes"]) - set(template["routes"])):
            found.append(f"{where} route {key!r}: the local stack has it, the template has no such route")
        for key in sorted(set(template["routes"]) & set(mine["routes"])):
            found += differences(f"{where} route {key!r}", template["routes"][key], mine["routes"][key])
    for api in local_apis:
        if api.get("ProtocolType") not in template_protocols:
            found.append(f"{api.get('ProtocolType')} API {api['Name']}: the local stack has it, the template has none")
    return found


# --- event rules -------------------------------------------------------------------------------------------


def _state_machine_prefixes(stacks: Stacks) -> tuple[str, str]:
    for resource in stacks.of_type("AWS::Lambda::Function").values():
        template = _environment(resource).get("STATE_MACHINE_PREFIX")
        if isinstance(template, str):
            local = stacks.local_functions.get(resource["Properties"]["Handler"], {})
            return template, local.get("Environment", {}).get("Variables", {}).get("STATE_MACHINE_PREFIX", UNRESOLVED)
    return UNRESOLVED, UNRESOLVED


def event_rule_drift(stacks: Stacks) -> list[str]:
    events = stacks.client("events")
    template_prefix, local_prefix = _state_machine_prefixes(stacks)
    local_rules = {rule["Name"]: rule for rule in events.list_rules()["Rules"]}
    found: list[str] = []
    matched: set[str] = set()
    for logical_id, resource in stacks.of_type("AWS::Events::Rule").items():
        properties = resource["Properties"]
        # The template's pattern, resolved for the local account and region, naming the local state machines.
        pattern = json.loads(
            json.dumps(stacks.resolve(properties.get("EventPattern"))).replace(
                f":stateMachine:{template_prefix}", f":stateMachine:{local_prefix}"
            )
        )
        candidates = [
            rule for rule in local_rules.values() if json.loads(rule.get("EventPattern") or "null") == pattern
        ]
        if not candidates:
            found.append(f"event rule {logical_id}: no local rule has the pattern {json.dumps(pattern)}")
            continue
        rule = candidates[0]
        matched.add(rule["Name"])
        where = f"event rule {logical_id} ({rule['Name']})"
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        found += differences(
            where,
            {
                "state": properties.get("State", "ENABLED"),
                "description": properties.get("Description"),
                "bus": stacks.resolve(properties.get("EventBusName", "default")),
                "targets": sorted(stacks.template_function(target["Arn"]) for target in properties.get("Targets", [])),
            },
            {
                "state": rule.get("State"),
                "description": rule.get("Description"),
                "bus": rule.get("EventBusName", "default"),
                "targets": sorted(stacks.local_function(target["Arn"]) for target in targets),
            },
        )
    for name in local_rules:
        if name not in matched:
            found.append(f"event rule {name}: the local stack has it, the template has no rule with its pattern")
    return found


# --- stream (and other) event source mappings ----------------------------------------------------------------


def _mapping(source: str, handler: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": source,
        "function": handler,
        "starting_position": properties.get("StartingPosition"),
        "batch_size": properties.get("BatchSize"),
        "enabled": properties.get("Enabled", properties.get("State", "Enabled") != "Disabled"),
        "function_response_types": sorted(properties.get("FunctionResponseTypes") or []),
    }


def event_source_mapping_drift(stacks: Stacks) -> list[str]:
    template = sorted(
        (
            _mapping(
                str(stacks.resolve(resource["Properties"].get("EventSourceArn"))),
                stacks.template_function(resource["Properties"].get("FunctionName")),
                resource["Properties"],
            )
            for resource in stacks.of_type("AWS::Lambda::EventSourceMapping").values()
        ),
        key=json.dumps,
    )
    local = sorted(
        (
            _mapping(
                mapping.get("EventSourceArn", ""),
                stacks.local_function(mapping["FunctionArn"]),
                {**mapping, "Enabled": mapping.get("State", "Enabled") in ("Enabled", "Enabling")},
            )
            for mapping in stacks.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        ),
        key=json.dumps,
    )
    return list(differences("event source mappings", {"mappings": template}, {"mappings": local}))


# --- the tests ---------------------------------------------------------------------------------------------

CHECKS = {
    "tables": table_drift,
    "cognito": cognito_drift,
    "functions": function_drift,
    "apis": api_drift,
    "event_rules": event_rule_drift,
    "event_source_mappings": event_source_mapping_drift,
}


@pytest.mark.parametrize("fact", sorted(CHECKS))
def test_the_local_stack_provisions_what_the_template_declares(stacks: Stacks, fact: str) -> None:
    found = CHECKS[fact](stacks)
    assert not found, f"{len(found)} difference(s) between the template and the local stack:\n" + "\n".join(found)


def test_the_drift_check_names_a_difference() -> None:
    """The comparison the checks share reports each difference by its path, in either direction."""
    template = {"keys": [("id", "HASH")], "stream": "NEW_IMAGE", "ttl": "expires"}
    local = {"keys": [("id", "HASH")], "stream": None, "extra": 1}
    assert list(differences("table T", template, local)) == [
        "table T.extra: the local stack has 1, the template has nothing",
        "table T.stream: template 'NEW_IMAGE' != local None",
        "table T.ttl: the template has 'expires', the local stack has nothing",
    ]
