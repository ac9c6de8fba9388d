"""The workflow API through its handler: CRUD, versions, isolation, validation, pagination."""

from __future__ import annotations

import uuid

import boto3
import pytest

STEPS = [{"name": "Load order", "type": "transform", "config": {"expression": "input"}}]


def create(api, name="wf", steps=STEPS):
    status, body, _ = api.call("POST", "/api/workflows", {"name": name, "steps": steps})
    assert status == 201, body
    return body


def test_create_get_replace_delete(api, resources):
    workflow = create(api, "orders")
    assert workflow["version"] == 1 and uuid.UUID(workflow["id"])
    status, got, _ = api.call("GET", f"/api/workflows/{workflow['id']}")
    assert status == 200 and got == workflow

    new_steps = STEPS + [{"name": "Pause", "type": "wait", "config": {"seconds": 1}}]
    status, replaced, _ = api.call("PUT", f"/api/workflows/{workflow['id']}", {"name": "orders v2", "steps": new_steps})
    assert status == 200, replaced
    assert replaced["version"] == 2 and replaced["name"] == "orders v2"
    assert replaced["created_at"] == workflow["created_at"] and replaced["updated_at"] > workflow["updated_at"]

    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:123456789012:stateMachine:wfe-local-{workflow['id']}"
    published = sfn.describe_state_machine(stateMachineArn=f"{arn}:2")["definition"]
    assert (
        '"Pause"' in published and '"Pause"' not in sfn.describe_state_machine(stateMachineArn=f"{arn}:1")["definition"]
    )

    status, _, _ = api.call("DELETE", f"/api/workflows/{workflow['id']}")
    assert status == 204
    assert api.call("GET", f"/api/workflows/{workflow['id']}")[0] == 404
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)


def test_another_users_workflow_is_not_found_on_every_route(api, other_api):
    workflow = create(api)
    unknown = str(uuid.uuid4())
    for wid in (workflow["id"], unknown):
        assert other_api.call("GET", f"/api/workflows/{wid}")[:2] == (404, {"message": "Workflow not found"})
        assert other_api.call("PUT", f"/api/workflows/{wid}", {"name": "x", "steps": STEPS})[0] == 404
        assert other_api.call("DELETE", f"/api/workflows/{wid}")[0] == 404
        assert other_api.call("POST", f"/api/workflows/{wid}/execute", {"input_data": {}})[0] == 404
    assert workflow["id"] not in [w["id"] for w in other_api.call("GET", "/api/workflows")[1]]
    assert api.call("GET", f"/api/workflows/{workflow['id']}")[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x", "steps": []},
        {"name": "x", "steps": [{"name": "a", "type": "nope", "config": {}}]},
        {"name": "x", "steps": [{"name": "a", "type": "transform", "config": {"expression": "input.["}}]},
        {"name": "x", "steps": STEPS * 2},
        {"name": "x", "steps": [{"name": "a" * 81, "type": "transform", "config": {"expression": "input"}}]},
        {"name": "x", "steps": [{"name": "$engine", "type": "transform", "config": {"expression": "input"}}]},
        {"name": "x", "steps": [{"name": "w", "type": "wait", "config": {"seconds": -1}}]},
        {"name": "x", "steps": [{"name": "h", "type": "http", "config": {"url": "ftp://x"}}]},
        {"name": "x", "steps": [{"name": "a", "type": "ai", "config": {"prompt": "{{ input.[ }}"}}]},
        "not json",
        [1, 2],
    ],
)
def test_invalid_definitions_are_422_with_detail(api, body):
    status, response, _ = api.call("POST", "/api/workflows", body)
    assert status == 422, response
    assert response["detail"]


def test_malformed_id_is_422(api):
    assert api.call("GET", "/api/workflows/not-a-uuid")[0] == 422


def test_list_pages_with_next_token_and_offset(api):
    ids = [create(api, f"wf {i}")["id"] for i in range(5)]
    seen, token = [], None
    while True:
        query = "limit=2" + (f"&next_token={token}" if token else "")
        status, page, headers = api.call("GET", "/api/workflows", query=query)
        assert status == 200 and len(page) <= 2
        seen += [w["id"] for w in page]
        token = headers.get("X-Next-Token")
        if not token:
            break
    assert sorted(seen) == sorted(ids)
    status, page, _ = api.call("GET", "/api/workflows", query="limit=2&offset=3")
    assert [w["id"] for w in page] == seen[3:5]
    assert api.call("GET", "/api/workflows", query="limit=0")[0] == 422
    assert api.call("GET", "/api/workflows", query="offset=100000")[0] == 422
    assert api.call("GET", "/api/workflows", query="next_token=garbage")[0] == 422
