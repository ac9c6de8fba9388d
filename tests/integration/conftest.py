"""Integration set-up: moto in-process executing the real compiled state machines, handlers in-process.

One mocked account per test session (resources are provisioned once); tests isolate by user id.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local import moto_seams
from infra.local.gateway import build_event, invoke_route, match_route
from infra.local.provision import LocalResources, provision
from infra.local.runtime import install_runtime
from tests.support.connections_sink import RecordedConnections
from workflow_engine.platform.settings import TableSettings


@pytest.fixture(scope="session")
def aws() -> Any:
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture(scope="session")
def connections() -> Any:
    """The WebSocket connections the notifier posts to (tests/support/connections_sink.py)."""
    sink = RecordedConnections()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def resources(aws: Any, connections: RecordedConnections) -> LocalResources:
    resources = provision()
    install_runtime(resources, websocket_callback_url=connections.url)
    return resources


def api_tables() -> TableSettings:
    """The tables the API functions use: the executions API's own settings (from its own environment; the test
    process has none). Its module is loaded by install_runtime."""
    return importlib.import_module("api.executions").settings


class Api:
    """Calls the API handlers with HTTP API v2 events, as an authorized user (routing as API Gateway does)."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id

    def call(
        self, method: str, path: str, body: Any = None, query: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        matched = match_route(method, path)
        assert matched is not None, f"no route for {method} {path}"
        route, params = matched
        event = build_event(
            route,
            method,
            path,
            query_string=query,
            headers={"content-type": "application/json", **(headers or {})},
            body=json.dumps(body) if body is not None and not isinstance(body, str) else body,
            path_parameters=params,
            claims={"sub": self.user_id, "token_use": "access"},
        )
        result = invoke_route(route, event)
        assert result is not None, "the API function failed (API Gateway would answer 500)"
        text = result.get("body") or ""
        return result["statusCode"], json.loads(text) if text else None, result.get("headers", {})


@pytest.fixture
def api(resources: LocalResources) -> Api:
    return Api(user_id=str(uuid.uuid4()))


@pytest.fixture
def other_api(resources: LocalResources) -> Api:
    return Api(user_id=str(uuid.uuid4()))


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


TERMINAL = {"completed", "failed", "cancelled", "timed_out"}


def wait_terminal(api: Api, execution_id: str, timeout: float = 30.0) -> dict:
    def done():
        status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}")
        assert status == 200, body
        return body if body["status"] in TERMINAL else None

    return wait_for(done, timeout)


@contextlib.contextmanager
def status_events() -> Iterator[set[str]]:
    """The ids of the executions whose status-change event reached the reconciler while inside.

    The event comes from moto's worker after the machine's own `$record ...` write: a test that rewrites an
    item after the execution ended waits for it first, or the late event repairs the item before the test does.
    """
    delivered: set[str] = set()

    def listener(event: dict) -> None:  # runs after the reconciler, which was registered first
        delivered.add(event["detail"]["name"])

    moto_seams.add_status_listener(listener)
    try:
        yield delivered
    finally:
        moto_seams.remove_status_listener(listener)


def forget_outcome(resources: LocalResources, execution_id: str, updated_at: str) -> None:
    """Put the item back to `running`, as if the machine's own status write had been lost."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    dynamodb.update_item(
        TableName=resources.table_names["Executions"],
        Key={"execution_id": {"S": execution_id}},
        UpdateExpression="SET #s = :running, updated_at = :t REMOVE final_result, completed_at",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":running": {"S": "running"}, ":t": {"S": updated_at}},
    )
