"""Realtime: the WebSocket API, its $connect authorizer, routes, stage, the notifier's stream mappings and DLQ,
the connections table and every realtime function's grants (least privilege)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from infra.catalog import (
    NOTIFIER,
    REALTIME_FUNCTIONS,
    STREAM_MAPPING,
    WEBSOCKET_ROUTES,
    WEBSOCKET_STAGE,
    WS_AUTHORIZER,
    WS_CONNECT,
    WS_DEFAULT,
    WS_DISCONNECT,
    WS_SUBSCRIPTIONS,
)
from workflow_engine.platform import tables

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")


def _of_websocket_api(synth: Synthesized, resource_type: str) -> dict[str, dict[str, Any]]:
    api = synth.ref(synth.stack.realtime.api)
    return {key: value for key, value in synth.of_type(resource_type).items() if value["Properties"]["ApiId"] == api}


def _routes(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        value["Properties"]["RouteKey"]: value["Properties"]
        for value in _of_websocket_api(synth, "AWS::ApiGatewayV2::Route").values()
    }


def _function(synth: Synthesized, function_id: str) -> Any:
    return synth.stack.functions.functions[function_id]


def _role(synth: Synthesized, function_id: str) -> Any:
    return synth.stack.functions.roles[function_id]


def test_websocket_api_selects_routes_by_action(synth: Synthesized) -> None:
    props = synth.resource(synth.stack.realtime.api)["Properties"]
    assert props["ProtocolType"] == "WEBSOCKET"
    assert props["RouteSelectionExpression"] == "$request.body.action"


def test_routes_are_exactly_the_catalog_and_only_connect_is_authorized(synth: Synthesized) -> None:
    routes = _routes(synth)
    assert set(routes) == {"$connect", "$disconnect", "subscribe", "unsubscribe", "$default"}
    assert set(routes) == {route.key for route in WEBSOCKET_ROUTES}
    (authorizer_id,) = _of_websocket_api(synth, "AWS::ApiGatewayV2::Authorizer")
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert routes["$connect"]["AuthorizerId"] == {"Ref": authorizer_id}
    for key in ("$disconnect", "subscribe", "unsubscribe", "$default"):
        assert routes[key]["AuthorizationType"] == "NONE"


@pytest.mark.parametrize("route", WEBSOCKET_ROUTES, ids=lambda route: route.key)
def test_route_targets_its_function(synth: Synthesized, route: Any) -> None:
    target = _routes(synth)[route.key]["Target"]
    (_, (prefix, integration_ref)) = target["Fn::Join"]
    assert prefix == "integrations/"
    integration = synth.resources[integration_ref["Ref"]]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    uri = json.dumps(integration["IntegrationUri"])
    assert json.dumps(synth.get_att(_function(synth, route.function.id))) in uri


def test_messages_get_the_handler_reply_back(synth: Synthesized) -> None:
    responses = _of_websocket_api(synth, "AWS::ApiGatewayV2::RouteResponse").values()
    routes_with_reply = {value["Properties"]["RouteId"]["Ref"] for value in responses}
    expected = {synth.logical_id(synth.stack.realtime.routes[key]) for key in ("subscribe", "unsubscribe", "$default")}
    assert routes_with_reply == expected


def test_connect_authorizer_is_a_lambda_request_authorizer_on_the_token_query_string(synth: Synthesized) -> None:
    ((_, authorizer),) = _of_websocket_api(synth, "AWS::ApiGatewayV2::Authorizer").items()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "REQUEST"
    assert props["IdentitySource"] == ["route.request.querystring.token"]
    assert json.dumps(synth.get_att(_function(synth, WS_AUTHORIZER.id))) in json.dumps(props["AuthorizerUri"])
    environment = synth.resource(_function(synth, WS_AUTHORIZER.id))["Properties"]["Environment"]["Variables"]
    assert environment["USER_POOL_ID"] == synth.ref(synth.stack.auth.user_pool)
    assert environment["USER_POOL_CLIENT_ID"] == synth.ref(synth.stack.auth.client)


def test_stage_logs_access_and_throttles(synth: Synthesized) -> None:
    (stage,) = _of_websocket_api(synth, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == WEBSOCKET_STAGE
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["AccessLogSettings"]["DestinationArn"] == synth.get_att(synth.stack.realtime.access_logs)
    assert json.loads(props["AccessLogSettings"]["Format"])["connectionId"] == "$context.connectionId"


def test_websocket_url_output(synth: Synthesized) -> None:
    value = json.dumps(synth.template_json["Outputs"]["WebSocketUrl"]["Value"])
    assert '"wss://"' in value and json.dumps(synth.ref(synth.stack.realtime.api)) in value
    assert f"/{WEBSOCKET_STAGE}" in value


def test_connections_table_has_ttl_and_a_by_user_index(synth: Synthesized) -> None:
    props = synth.resource(synth.stack.data.table(tables.CONNECTIONS))["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    (index,) = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_user"
    assert index["KeySchema"] == [{"AttributeName": "user_id", "KeyType": "HASH"}]


def test_notifier_reads_both_streams_with_retries_bisect_partial_failures_and_a_dlq(synth: Synthesized) -> None:
    notifier = synth.ref(_function(synth, NOTIFIER.id))
    mappings = [
        value["Properties"]
        for value in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if value["Properties"]["FunctionName"] == notifier
    ]
    sources = {json.dumps(mapping["EventSourceArn"]) for mapping in mappings}
    expected = {
        json.dumps(synth.get_att(synth.stack.data.table(definition), "StreamArn"))
        for definition in (tables.EXECUTIONS, tables.LOGS)
    }
    assert sources == expected
    dlq = synth.get_att(synth.stack.functions.stream_failures)
    for mapping in mappings:
        assert mapping["BatchSize"] == STREAM_MAPPING.batch_size
        assert mapping["MaximumRetryAttempts"] == STREAM_MAPPING.retry_attempts
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    for definition in (tables.EXECUTIONS, tables.LOGS):
        table = synth.resource(synth.stack.data.table(definition))["Properties"]
        assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def _dynamodb(synth: Synthesized, function_id: str) -> dict[str, list[str]]:
    """DynamoDB action -> resources (as JSON text), for one function's role."""
    permissions = synth.permissions(_role(synth, function_id))
    return {
        action: sorted(json.dumps(resource, sort_keys=True) for resource in resources)
        for action, resources in permissions.items()
        if action.startswith("dynamodb:")
        and action not in ("dynamodb:ListStreams",)
        and not action.startswith(("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"))
    }


def _arn(synth: Synthesized, definition: tables.TableDefinition) -> str:
    return json.dumps(synth.get_att(synth.stack.data.table(definition)), sort_keys=True)


def test_route_functions_have_exactly_their_table_actions(synth: Synthesized) -> None:
    connections = _arn(synth, tables.CONNECTIONS)
    # $connect claims a per-user slot (reads the slots, conditional puts, a release) and writes the connection
    assert _dynamodb(synth, WS_CONNECT.id) == {
        "dynamodb:BatchGetItem": [connections],
        "dynamodb:PutItem": [connections],
        "dynamodb:DeleteItem": [connections],
    }
    assert _dynamodb(synth, WS_DISCONNECT.id) == {"dynamodb:DeleteItem": [connections]}
    assert _dynamodb(synth, WS_SUBSCRIPTIONS.id) == {
        "dynamodb:UpdateItem": [connections],
        "dynamodb:GetItem": sorted([_arn(synth, tables.WORKFLOWS), _arn(synth, tables.EXECUTIONS)]),
    }
    assert _dynamodb(synth, WS_DEFAULT.id) == {}
    assert _dynamodb(synth, WS_AUTHORIZER.id) == {}


def test_notifier_queries_the_by_user_index_deletes_gone_connections_and_never_scans(synth: Synthesized) -> None:
    permissions = synth.permissions(_role(synth, NOTIFIER.id))
    assert "dynamodb:Scan" not in permissions
    (query_resource,) = permissions["dynamodb:Query"]
    assert query_resource == {
        "Fn::Join": ["", [synth.get_att(synth.stack.data.table(tables.CONNECTIONS)), "/index/by_user"]]
    }
    assert permissions["dynamodb:DeleteItem"] == [synth.get_att(synth.stack.data.table(tables.CONNECTIONS))]
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"} & set(permissions)


def test_notifier_manages_connections_of_this_api_stage_only(synth: Synthesized) -> None:
    permissions = synth.permissions(_role(synth, NOTIFIER.id))
    (resource,) = permissions["execute-api:ManageConnections"]
    parts = resource["Fn::Join"][1]
    assert synth.ref(synth.stack.realtime.api) in parts
    assert parts[-1] == f"/{WEBSOCKET_STAGE}/*/@connections/*"
    others = [spec.id for spec in REALTIME_FUNCTIONS if spec.id != NOTIFIER.id]
    for function_id in others:
        assert "execute-api:ManageConnections" not in synth.permissions(_role(synth, function_id))
