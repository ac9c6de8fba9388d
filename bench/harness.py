"""The in-process stack the call, transition and log benchmarks run on: moto in-process executing the real
compiled state machines, the real handlers called with HTTP API events (as tests/integration/conftest.py)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.catalog import ROUTES, Route
from infra.local.gateway import build_event, invoke_route
from infra.local.provision import LocalResources, provision
from infra.local.runtime import install_runtime

ACCOUNT = "123456789012"
TERMINAL = {"completed", "failed", "cancelled", "timed_out"}
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@contextmanager
def in_process_stack(websocket_callback_url: str | None = None) -> Iterator[LocalResources]:
    """moto in-process (nothing leaves the process; fake credentials), provisioned like the local stack.

    `websocket_callback_url`: the `@connections` endpoint the notifier posts to (bench/realtime.py)."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    from moto import mock_aws

    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        resources = provision()
        if websocket_callback_url:
            install_runtime(resources, websocket_callback_url=websocket_callback_url)
        else:
            install_runtime(resources)
        yield resources


class Api:
    """Calls the API handlers with HTTP API v2 events, as an authorized user (a fresh user by default)."""

    def __init__(self, user_id: str | None = None) -> None:
        self.user_id = user_id or str(uuid.uuid4())
        self._routes = {(route.method, route.path): route for route in ROUTES}

    def call(
        self,
        method: str,
        template: str,
        body: Any = None,
        query: str = "",
        headers: dict[str, str] | None = None,
        **path_parameters: str,
    ) -> tuple[int, Any, dict[str, str]]:
        """`template` is the route as declared (`/api/workflows/{workflow_id}`); its variables are keywords."""
        route: Route = self._routes[(method, template)]
        path = template.format(**path_parameters)
        event = build_event(
            route,
            method,
            path,
            query_string=query,
            headers={"content-type": "application/json", **(headers or {})},
            body=json.dumps(body) if body is not None else None,
            path_parameters=path_parameters or None,
            claims={"sub": self.user_id, "token_use": "access"},
        )
        result = invoke_route(route, event)
        assert result is not None, f"{route.function.id} failed"
        text = result.get("body") or ""
        return result["statusCode"], json.loads(text) if text else None, result.get("headers", {})

    def create_workflow(self, steps: list[dict[str, Any]], name: str = "bench") -> str:
        status, body, _ = self.call("POST", "/api/workflows", {"name": name, "steps": steps})
        assert status == 201, body
        return body["id"]

    def execute(self, workflow_id: str, input_data: Any = None) -> str:
        status, body, _ = self.call(
            "POST", "/api/workflows/{workflow_id}/execute", {"input_data": input_data}, workflow_id=workflow_id
        )
        assert status == 202, body
        return body["execution_id"]

    def wait_terminal(self, execution_id: str, timeout: float = 120.0) -> dict[str, Any]:
        return self.wait_status(execution_id, TERMINAL, timeout)

    def wait_status(self, execution_id: str, statuses: set[str], timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status, body, _ = self.call("GET", "/api/workflows/executions/{execution_id}", execution_id=execution_id)
            assert status == 200, body
            if body["status"] in statuses:
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_id} still {body['status']} after {timeout}s")
            time.sleep(0.02)


def transform_steps(count: int) -> list[dict[str, Any]]:
    return [{"name": f"Step {i + 1}", "type": "transform", "config": {"expression": "input"}} for i in range(count)]


def execution_arn(region: str, state_machine_name: str, execution_id: str) -> str:
    return f"arn:aws:states:{region}:{ACCOUNT}:execution:{state_machine_name}:{execution_id}"


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def state_transitions(events: list[dict[str, Any]]) -> int:
    """Billed state transitions: one per state entered."""
    return sum(1 for event in events if event["type"].endswith("StateEntered"))
