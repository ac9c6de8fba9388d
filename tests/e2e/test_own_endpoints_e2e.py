"""The stack's own endpoints are out of reach of http steps and webhooks (hole 8): locally loopback is allowed
(the tests' target servers run there) but not the local stack's AWS endpoint, API or WebSocket ports, where a
step could otherwise send signed AWS requests (a DynamoDB Scan of every user's executions) to the stack itself.
On AWS every internal address is refused anyway, so the same requests are refused there too."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.xdist_group("e2e")

SCAN = {
    "name": "Scan",
    "type": "http",
    "config": {
        "method": "POST",
        "headers": {"X-Amz-Target": "DynamoDB_20120810.Scan", "Content-Type": "application/x-amz-json-1.0"},
        "body": {"TableName": "workflow-engine-local-Executions"},
    },
}


def _own_endpoints(stack: dict) -> list[str]:
    """The stack's own endpoints as base urls (host:port of each output url)."""
    names = ("AwsEndpointUrl", "ApiUrl", "WebSocketUrl", "WebSocketCallbackUrl")
    if "AwsEndpointUrl" not in stack:  # a deployed stack: loopback is refused to every step and webhook
        return ["http://127.0.0.1:4566"]
    return [f"http://{urlsplit(stack[name]).netloc}" for name in names if stack.get(name)]


def test_an_http_step_cannot_call_the_stacks_own_endpoints(stack, alice):
    for endpoint in _own_endpoints(stack):
        step = {**SCAN, "config": {**SCAN["config"], "url": f"{endpoint}/"}}
        response = alice.post("/api/workflows", json={"name": "scan", "steps": [step]})
        assert response.status_code == 201, response.text
        started = alice.post(f"/api/workflows/{response.json()['id']}/execute", json={"input_data": {}})
        assert started.status_code == 202, started.text
        finished = alice.wait_terminal(started.json()["execution_id"])
        assert finished["status"] == "failed", (endpoint, finished)
        message = finished["error_message"] or ""
        assert "own endpoints" in message or "loopback" in message, (endpoint, message)
        assert "Items" not in str(finished["output_data"])


def test_a_webhook_cannot_point_at_the_stacks_own_endpoints(stack, alice):
    steps = [{"name": "ok", "type": "transform", "config": {"expression": "input"}}]
    for endpoint in _own_endpoints(stack):
        body = {"name": "w", "steps": steps, "notify": {"webhook_url": f"{endpoint}/"}}
        response = alice.post("/api/workflows", json=body)
        assert response.status_code == 422, (endpoint, response.text)
        assert "own endpoints" in response.text or "https" in response.text, response.text
