"""The execution API through its handler: the seed's five endpoints, their parameters and status codes."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import wait_terminal

STEPS = [
    {"name": "echo", "type": "transform", "config": {"expression": "input"}},
    {"name": "ai", "type": "ai", "config": {"prompt": "hi {{input.n}}"}},
]


def create(api, steps=STEPS):
    status, body, _ = api.call("POST", "/api/workflows", {"name": "wf", "steps": steps})
    assert status == 201, body
    return body


def execute(api, workflow_id, input_data=None, headers=None):
    return api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data}, headers=headers)


def test_execute_status_and_logs_shapes(api):
    workflow = create(api)
    status, started, _ = execute(api, workflow["id"], {"n": 1})
    assert status == 202
    assert set(started) == {"execution_id", "status", "output_data", "error_message"}
    assert started["status"] in ("pending", "running")
    final = wait_terminal(api, started["execution_id"])
    assert set(final) == {
        "id",
        "workflow_id",
        "workflow_version",
        "status",
        "input_data",
        "output_data",
        "error_message",
        "started_at",
        "completed_at",
        "retry_of",  # second wave (Recovery and notifications): null unless the execution retries another
        "waiting_for",  # third wave (approvals): the steps waiting for a person, empty otherwise
        "parent_execution_id",  # third wave (workflow steps): null unless a workflow step started it
        "trigger",  # third wave (triggers): what started it
    }
    assert final["trigger"] == {"type": "api", "id": None}
    assert final["retry_of"] is None
    assert final["parent_execution_id"] is None
    assert final["status"] == "completed" and final["input_data"] == {"n": 1}
    assert final["workflow_version"] == 1  # the version it ran
    assert final["completed_at"] >= final["started_at"]
    status, entries, _ = api.call("GET", f"/api/workflows/executions/{final['id']}/logs")
    assert {
        "id",
        "step_name",
        "step_type",
        "input_data",
        "output_data",
        "duration_ms",
        "error_message",
        "timestamp",
    } <= set(entries[0])
    assert (
        api.call("GET", f"/api/workflows/executions/{final['id']}/logs", query="step_type=ai")[1][0]["step_name"]
        == "ai"
    )
    assert [
        e["step_name"]
        for e in api.call("GET", f"/api/workflows/executions/{final['id']}/logs", query="step_name=echo")[1]
    ] == ["echo"]
    assert api.call("GET", f"/api/workflows/executions/{final['id']}/logs", query="has_error=true")[1] == []
    assert len(api.call("GET", f"/api/workflows/executions/{final['id']}/logs", query="limit=1")[1]) == 1


def test_execute_without_body_and_with_null_input(api):
    workflow = create(api, [{"name": "echo", "type": "transform", "config": {"expression": "input"}}])
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute")
    assert status == 202, started
    assert wait_terminal(api, started["execution_id"])["status"] == "completed"


def test_list_filters_and_pagination_newest_first(api):
    first, second = create(api), create(api)
    ids = []
    for workflow in (first, second, first):
        ids.append(execute(api, workflow["id"], {"n": 1})[1]["execution_id"])
        wait_terminal(api, ids[-1])
    status, listed, _ = api.call("GET", "/api/workflows/executions")
    assert [e["id"] for e in listed] == ids[::-1]
    status, by_workflow, _ = api.call("GET", "/api/workflows/executions", query=f"workflow_id={first['id']}")
    assert [e["id"] for e in by_workflow] == [ids[2], ids[0]]
    status, completed, _ = api.call("GET", "/api/workflows/executions", query="status_filter=completed")
    assert len(completed) == 3
    assert api.call("GET", "/api/workflows/executions", query="status_filter=running")[1] == []
    both = api.call(
        "GET", "/api/workflows/executions", query=f"workflow_id={first['id']}&status_filter=completed&limit=1"
    )
    assert [e["id"] for e in both[1]] == [ids[2]] and both[2].get("X-Next-Token")
    pages, token = [], None
    while True:
        status, page, headers = api.call(
            "GET", "/api/workflows/executions", query="limit=2" + (f"&next_token={token}" if token else "")
        )
        pages.append([e["id"] for e in page])
        token = headers.get("X-Next-Token")
        if not token:
            break
    assert pages == [ids[::-1][:2], ids[::-1][2:]]
    assert [e["id"] for e in api.call("GET", "/api/workflows/executions", query="offset=1&limit=1")[1]] == [ids[1]]


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "status_filter=bogus", "workflow_id=nope", "offset=-1", "offset=5000", "next_token=%%%"],
)
def test_list_rejects_bad_parameters_with_422(api, query):
    assert api.call("GET", "/api/workflows/executions", query=query)[0] == 422


def test_next_token_of_another_user_is_refused(api, other_api):
    workflow = create(api)
    for _ in range(2):
        wait_terminal(api, execute(api, workflow["id"], {"n": 1})[1]["execution_id"])
    token = api.call("GET", "/api/workflows/executions", query="limit=1")[2]["X-Next-Token"]
    assert other_api.call("GET", "/api/workflows/executions", query=f"limit=1&next_token={token}")[0] == 422


def test_unknown_and_foreign_executions_are_404_everywhere(api, other_api):
    workflow = create(api)
    execution_id = execute(api, workflow["id"], {"n": 1})[1]["execution_id"]
    wait_terminal(api, execution_id)
    for eid in (execution_id, str(uuid.uuid4())):
        for method, suffix in (("GET", ""), ("GET", "/logs"), ("POST", "/cancel")):
            status, body, _ = other_api.call(method, f"/api/workflows/executions/{eid}{suffix}")
            assert (status, body) == (404, {"message": "Execution not found"})
    assert execution_id not in [e["id"] for e in other_api.call("GET", "/api/workflows/executions")[1]]
    for suffix in ("", "/logs", "/cancel"):
        method = "POST" if suffix == "/cancel" else "GET"
        assert api.call(method, f"/api/workflows/executions/not-a-uuid{suffix}")[0] == 422


def test_logs_limit_bounds(api):
    execution = str(uuid.uuid4())
    assert api.call("GET", f"/api/workflows/executions/{execution}/logs", query="limit=0")[0] == 422
    assert api.call("GET", f"/api/workflows/executions/{execution}/logs", query="limit=1001")[0] == 422
    assert api.call("GET", f"/api/workflows/executions/{execution}/logs", query="has_error=maybe")[0] == 422


def test_cancel_finished_execution_is_409(api):
    workflow = create(api)
    execution_id = execute(api, workflow["id"], {"n": 1})[1]["execution_id"]
    wait_terminal(api, execution_id)
    status, body, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")
    assert status == 409 and "completed" in body["message"]


def test_idempotency_key_returns_the_same_execution(api):
    workflow = create(api)
    headers = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first = execute(api, workflow["id"], {"n": 1}, headers)
    second = execute(api, workflow["id"], {"n": 1}, headers)
    assert first[0] == second[0] == 202
    assert first[1]["execution_id"] == second[1]["execution_id"]
    different_body = execute(api, workflow["id"], {"n": 2}, headers)
    assert different_body[0] == 422
    other = execute(api, workflow["id"], {"n": 1}, {"Idempotency-Key": f"key-{uuid.uuid4()}"})
    assert other[1]["execution_id"] != first[1]["execution_id"]


def test_too_large_input_is_refused_up_front(api):
    workflow = create(api)
    status, body, _ = execute(api, workflow["id"], {"blob": "x" * 300_000})
    assert status == 413 and "limit" in body["message"]
    assert api.call("GET", "/api/workflows/executions", query=f"workflow_id={workflow['id']}")[1] == []


def test_start_execution_failure_is_503_and_recorded_failed(api, monkeypatch):
    import api.executions as module

    workflow = create(api)

    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "try later"}}, "StartExecution")

    monkeypatch.setattr(module.sfn, "start_execution", refuse)
    status, body, headers = execute(api, workflow["id"], {"n": 1})
    assert status == 503 and headers["Retry-After"] and "failed" in body["message"]
    listed = api.call("GET", "/api/workflows/executions", query=f"workflow_id={workflow['id']}")[1]
    assert [e["status"] for e in listed] == ["failed"]
    assert "did not start" in listed[0]["error_message"]


def test_idempotency_key_is_scoped_to_the_caller(api, other_api):
    headers = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    mine = execute(api, create(api)["id"], {"n": 1}, headers)
    theirs = execute(other_api, create(other_api)["id"], {"n": 1}, headers)
    assert mine[0] == theirs[0] == 202 and mine[1]["execution_id"] != theirs[1]["execution_id"]
