"""The seed's five execution endpoints over HTTP with real tokens: every curl example of the seed, each
parameter, each status code, pagination both ways, cancel, isolation."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from infra.catalog import REPO_ROOT

pytestmark = pytest.mark.xdist_group("e2e")

HELLO = [
    {"name": "Greet", "type": "transform", "config": {"expression": "{greeting: join(' ', ['Hello', input.message])}"}},
    {"name": "Ask", "type": "ai", "config": {"prompt": "Reply to {{steps.Greet.output.greeting}}"}},
]
LONG_WAIT = [
    {"name": "Start", "type": "transform", "config": {"expression": "input"}},
    {"name": "Long wait", "type": "wait", "config": {"seconds": 300}},
]


@pytest.fixture(scope="module")
def hello(alice):
    response = alice.post("/api/workflows", json={"name": "hello", "steps": HELLO})
    assert response.status_code == 201, response.text
    return response.json()


def execute(client, workflow_id, input_data, **kwargs):
    return client.post(
        f"/api/workflows/{workflow_id}/execute",
        data=json.dumps({"input_data": input_data}),
        headers={"Content-Type": "application/json", **kwargs.pop("headers", {})},
        **kwargs,
    )


def test_seed_curl_examples(alice, hello):
    # Execute a Workflow
    started = execute(alice, hello["id"], {"message": "Hello World"})
    assert started.status_code == 202
    body = started.json()
    assert set(body) == {"execution_id", "status", "output_data", "error_message"}
    execution_id = body["execution_id"]
    # Get Execution Status
    final = alice.wait_terminal(execution_id)
    assert final["status"] == "completed" and final["id"] == execution_id
    assert final["output_data"]["text"].startswith("[local-bedrock model=")
    # Get Execution Logs with Filtering
    logs = alice.get(f"/api/workflows/executions/{execution_id}/logs?step_type=ai&limit=50")
    assert logs.status_code == 200 and [log["step_name"] for log in logs.json()] == ["Ask"]
    # Cancel Execution (finished: 409)
    assert alice.post(f"/api/workflows/executions/{execution_id}/cancel").status_code == 409
    # List Executions
    listed = alice.get("/api/workflows/executions?status_filter=completed&limit=20")
    assert listed.status_code == 200 and execution_id in [e["id"] for e in listed.json()]


def test_logs_parameters(alice, hello):
    execution_id = execute(alice, hello["id"], {"message": "x"}).json()["execution_id"]
    alice.wait_terminal(execution_id)
    url = f"/api/workflows/executions/{execution_id}/logs"
    all_logs = alice.get(url).json()
    assert [log["step_name"] for log in all_logs] == ["Greet", "Ask"]
    assert [log["timestamp"] for log in all_logs] == sorted(log["timestamp"] for log in all_logs)
    assert [log["step_name"] for log in alice.get(url, params={"step_name": "Greet"}).json()] == ["Greet"]
    assert alice.get(url, params={"has_error": "true"}).json() == []
    assert len(alice.get(url, params={"has_error": "false"}).json()) == 2
    assert len(alice.get(url, params={"limit": 1}).json()) == 1
    for bad in ({"limit": 0}, {"limit": 1001}, {"has_error": "perhaps"}):
        assert alice.get(url, params=bad).status_code == 422


def test_list_parameters_and_pagination_both_ways(alice, bob):
    workflow = alice.post("/api/workflows", json={"name": "pages", "steps": HELLO[:1]}).json()
    ids = []
    for n in range(5):
        ids.append(execute(alice, workflow["id"], {"message": str(n)}).json()["execution_id"])
        alice.wait_terminal(ids[-1])
    newest_first = ids[::-1]
    base = f"/api/workflows/executions?workflow_id={workflow['id']}"

    forward, token = [], None
    while True:
        response = alice.get(base + "&limit=2" + (f"&next_token={token}" if token else ""))
        assert response.status_code == 200
        forward += [e["id"] for e in response.json()]
        token = response.headers.get("X-Next-Token")
        if not token:
            break
    assert forward == newest_first

    by_offset = []
    for offset in range(0, 5, 2):
        by_offset += [e["id"] for e in alice.get(base + f"&limit=2&offset={offset}").json()]
    assert by_offset == newest_first

    assert alice.get(base + "&status_filter=failed").json() == []
    assert alice.get(base + "&status_filter=completed&limit=100").status_code == 200
    for bad in ("&limit=0", "&limit=101", "&status_filter=done", "&offset=-1", "&offset=999999", "&next_token=xyz"):
        assert alice.get(base + bad).status_code == 422, bad
    token = alice.get(base + "&limit=1").headers["X-Next-Token"]
    assert bob.get(f"/api/workflows/executions?limit=1&next_token={token}").status_code == 422
    assert bob.get(base).json() == []


def test_executions_path_is_not_a_workflow_id(alice):
    response = alice.get("/api/workflows/executions")
    assert response.status_code == 200 and isinstance(response.json(), list)


def test_cancel_a_running_execution(alice):
    workflow = alice.post("/api/workflows", json={"name": "long", "steps": LONG_WAIT}).json()
    execution_id = execute(alice, workflow["id"], {}).json()["execution_id"]
    deadline = time.monotonic() + 30
    while alice.get(f"/api/workflows/executions/{execution_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    cancelled = alice.post(f"/api/workflows/executions/{execution_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["completed_at"]
    assert alice.get(f"/api/workflows/executions/{execution_id}").json()["status"] == "cancelled"
    assert alice.post(f"/api/workflows/executions/{execution_id}/cancel").status_code == 409
    assert [log["step_name"] for log in alice.get(f"/api/workflows/executions/{execution_id}/logs").json()] == ["Start"]


def test_cross_user_and_unknown_ids_are_404(alice, bob, hello):
    execution_id = execute(alice, hello["id"], {"message": "mine"}).json()["execution_id"]
    alice.wait_terminal(execution_id)
    for eid in (execution_id, str(uuid.uuid4())):
        for method, suffix in (("GET", ""), ("GET", "/logs"), ("POST", "/cancel")):
            response = bob.request(method, f"/api/workflows/executions/{eid}{suffix}")
            assert response.status_code == 404 and response.json() == {"message": "Execution not found"}
    assert execute(bob, hello["id"], {}).status_code == 404
    assert bob.get(f"/api/workflows/executions/{execution_id[:-1]}x").status_code in (404, 422)
    assert bob.get("/api/workflows/executions/not-a-uuid").status_code == 422


def test_idempotency_key_over_http(alice, hello):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = execute(alice, hello["id"], {"message": "once"}, headers=key)
    second = execute(alice, hello["id"], {"message": "once"}, headers=key)
    assert first.status_code == second.status_code == 202
    assert first.json()["execution_id"] == second.json()["execution_id"]
    assert execute(alice, hello["id"], {"message": "other"}, headers=key).status_code == 422


def test_bad_execute_bodies(alice, hello):
    url = f"/api/workflows/{hello['id']}/execute"
    assert alice.post(url, json={"input_data": [1, 2]}).status_code == 422
    assert alice.post(url, json={"unexpected": 1}).status_code == 422
    assert alice.post(url, data="{oops", headers={"Content-Type": "application/json"}).status_code in (400, 422)
    too_big = alice.post(url, json={"input_data": {"blob": "x" * 300_000}})
    assert too_big.status_code == 413 and "262144" in too_big.json()["message"]
    assert alice.post("/api/workflows/not-a-uuid/execute", json={}).status_code == 422


def test_openapi_document_is_served_and_matches_the_committed_one(alice, anonymous):
    assert anonymous.get("/api/openapi.json").status_code == 401
    served = alice.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads((REPO_ROOT / "openapi.json").read_text())
