"""Wire the in-process runtime: each function configured with exactly its own environment (its handler loaded under
it, as a cold start reads it), the moto seams, and status-change events delivered through the provisioned
EventBridge rules (the declared rule routes them to the reconciler)."""

from __future__ import annotations

from typing import Any

import boto3

from infra.catalog import FUNCTIONS
from infra.local import moto_seams
from infra.local.provision import DEFAULT_WEBSOCKET_CALLBACK_URL, LOCAL_HTTP_ALLOWED_NETWORKS, LocalResources


def reconcile(event: dict[str, Any]) -> None:
    """What EventBridge does in the cloud: the rules matching the status-change event invoke their targets (the
    status change rule of infra/declarations.py: the reconciler)."""
    moto_seams.deliver_to_event_rules(event)


def install_runtime(
    resources: LocalResources,
    http_allowed_networks: str = LOCAL_HTTP_ALLOWED_NETWORKS,
    websocket_callback_url: str = DEFAULT_WEBSOCKET_CALLBACK_URL,
    aws_endpoint_url: str | None = None,
    http_denied_endpoints: str = "",
) -> dict[str, dict[str, str]]:
    """Set on each Lambda function exactly the environment its settings ask for and load its handler under it, so
    every later invocation, and any test that imports a handler module, finds it configured. The process keeps
    none of it; the variables the Lambda runtime sets itself (AWS_REGION) are given to each import too."""
    moto_seams.install(status_listener=reconcile)
    lambdas = boto3.client("lambda", region_name=resources.region)
    runtime = {"AWS_REGION": resources.region}
    for spec in FUNCTIONS:
        environment = resources.function_environment(
            spec, http_allowed_networks, websocket_callback_url, aws_endpoint_url, http_denied_endpoints
        )
        lambdas.update_function_configuration(
            FunctionName=resources.function_arns[spec.id], Environment={"Variables": environment}
        )
        resources.function_environments[spec.id] = environment
        moto_seams.set_function_environment(spec.handler, {**runtime, **environment})
        moto_seams.resolve_handler(spec.handler)
    return resources.function_environments
