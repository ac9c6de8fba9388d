"""HTTP API: the catalog's routes, the Cognito JWT authorizer on every private route, stage, CORS, outputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from infra.catalog import OPERATIONS_OUTPUT_KEYS, OUTPUT_KEYS, ROUTES, Route

if TYPE_CHECKING:
    from conftest import Synthesized

# One worker synthesizes the app once for all infra tests (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("infra")


def _route_key(route: Route) -> str:
    return f"{route.method} {route.path}"


def _of_http_api(synth: Synthesized, resource_type: str) -> dict[str, dict[str, Any]]:
    """Resources of the HTTP API (the WebSocket API has its own: tests/infra/test_infra_realtime.py)."""
    http_api = synth.ref(synth.stack.api.http_api)
    return {
        key: value for key, value in synth.of_type(resource_type).items() if value["Properties"]["ApiId"] == http_api
    }


def _routes(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in _of_http_api(synth, "AWS::ApiGatewayV2::Route").values()
    }


def _authorizer_id(synth: Synthesized) -> str:
    (authorizer_id,) = _of_http_api(synth, "AWS::ApiGatewayV2::Authorizer")
    return authorizer_id


def test_routes_are_exactly_the_catalog(synth: Synthesized) -> None:
    assert set(_routes(synth)) == {_route_key(route) for route in ROUTES}
    assert len(_of_http_api(synth, "AWS::ApiGatewayV2::Route")) == len(ROUTES)


def test_health_and_the_inbound_webhook_are_the_only_public_routes() -> None:
    public = [route for route in ROUTES if not route.authorized]
    assert [_route_key(route) for route in public] == ["GET /api/health", "POST /api/hooks/{trigger_id}"]
    assert all(route.public_because for route in public)  # each says why (the cdk-nag acknowledgement)


def test_the_inbound_webhook_runs_in_its_own_function() -> None:
    """Least privilege for the public route that starts runs: no other route shares its function (role)."""
    (hook,) = [route for route in ROUTES if route.path.startswith("/api/hooks/")]
    assert [route for route in ROUTES if route.function.id == hook.function.id] == [hook]


@pytest.mark.parametrize("route", ROUTES, ids=_route_key)
def test_route_authorization(synth: Synthesized, route: Route) -> None:
    props = _routes(synth)[_route_key(route)]
    if route.authorized:
        assert props["AuthorizationType"] == "JWT"
        assert props["AuthorizerId"] == {"Ref": _authorizer_id(synth)}
    else:
        assert props.get("AuthorizationType", "NONE") == "NONE"
        assert "AuthorizerId" not in props


@pytest.mark.parametrize("route", ROUTES, ids=_route_key)
def test_route_targets_its_function(synth: Synthesized, route: Route) -> None:
    target = _routes(synth)[_route_key(route)]["Target"]
    (_, (prefix, integration_ref)) = target["Fn::Join"]
    assert prefix == "integrations/"
    integration = synth.resources[integration_ref["Ref"]]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == synth.get_att(synth.stack.functions.functions[route.function.id])


def test_one_integration_per_function(synth: Synthesized) -> None:
    assert len(_of_http_api(synth, "AWS::ApiGatewayV2::Integration")) == len({route.function.id for route in ROUTES})


def test_jwt_authorizer_trusts_the_user_pool_and_client(synth: Synthesized) -> None:
    props = synth.resources[_authorizer_id(synth)]["Properties"]
    auth = synth.stack.auth

    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    assert props["JwtConfiguration"]["Audience"] == [synth.ref(auth.client)]
    assert props["JwtConfiguration"]["Issuer"] == {
        "Fn::Join": [
            "",
            [
                "https://cognito-idp.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                "/",
                synth.ref(auth.user_pool),
            ],
        ]
    }


def test_default_stage_throttles_and_logs_json(synth: Synthesized) -> None:
    (stage,) = _of_http_api(synth, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]

    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["AccessLogSettings"]["DestinationArn"] == synth.get_att(synth.stack.api.access_logs)
    access_log = json.loads(props["AccessLogSettings"]["Format"])
    assert access_log["requestId"] == "$context.requestId"
    assert access_log["status"] == "$context.status"


def test_cors_preflight(synth: Synthesized) -> None:
    api = synth.resource(synth.stack.api.http_api)
    cors = api["Properties"]["CorsConfiguration"]

    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= set(cors["AllowHeaders"])
    assert cors["ExposeHeaders"] == ["X-Next-Token"]
    assert cors["AllowOrigins"]


def test_outputs(synth: Synthesized) -> None:
    outputs = synth.template_json["Outputs"]

    assert set(outputs) == set(OUTPUT_KEYS) | set(OPERATIONS_OUTPUT_KEYS)
    # ApiEndpoint is https://<id>.execute-api.<region>.amazonaws.com: no stage path and no trailing slash.
    assert outputs["ApiUrl"]["Value"] == synth.get_att(synth.stack.api.http_api, "ApiEndpoint")
    assert outputs["UserPoolId"]["Value"] == synth.ref(synth.stack.auth.user_pool)
    assert outputs["UserPoolClientId"]["Value"] == synth.ref(synth.stack.auth.client)
    assert outputs["Region"]["Value"] == {"Ref": "AWS::Region"}
