"""Inbound webhooks over HTTP, as another system calls them (DESIGN "Triggers"): a trigger made with a token,
then signed calls without one. The signature is computed here from the contract alone (hex HMAC-SHA256 of
"<X-Timestamp>.<body>" with the secret), not with the engine's own code."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.xdist_group("e2e")

STEPS = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]


def _signed(secret: str, body: bytes, timestamp: int | None = None, delivery_id: str | None = None) -> dict:
    moment = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), moment.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Timestamp": moment, "X-Signature-256": f"sha256={digest}"}
    if delivery_id:
        headers["X-Delivery-Id"] = delivery_id
    return headers


@pytest.fixture(scope="module")
def hooked(alice):
    response = alice.post("/api/workflows", json={"name": "e2e hooked", "steps": STEPS})
    assert response.status_code == 201, response.text
    workflow = response.json()
    response = alice.post(f"/api/workflows/{workflow['id']}/triggers")
    assert response.status_code == 201, response.text
    return {"workflow": workflow, "trigger": response.json()}


def _runs(alice, workflow_id: str) -> list[dict]:
    return alice.get(f"/api/workflows/executions?workflow_id={workflow_id}&limit=100").json()


def test_the_trigger_url_is_under_the_api_origin_and_the_secret_is_shown_once(stack, alice, hooked):
    trigger = hooked["trigger"]
    assert trigger["url"] == f"{stack['ApiUrl'].rstrip('/')}/api/hooks/{trigger['id']}"
    listed = alice.get(f"/api/workflows/{hooked['workflow']['id']}/triggers").json()
    assert [item["id"] for item in listed] == [trigger["id"]]
    assert trigger["secret"] not in json.dumps(listed)


def test_a_signed_call_starts_the_workflow_with_the_body_as_input(alice, hooked):
    trigger = hooked["trigger"]
    body = json.dumps({"order": {"id": 7}}).encode()
    response = requests.post(trigger["url"], data=body, headers=_signed(trigger["secret"], body), timeout=30)
    assert response.status_code == 202, response.text
    finished = alice.wait_terminal(response.json()["execution_id"])
    assert finished["status"] == "completed"
    assert finished["input_data"] == finished["output_data"] == {"order": {"id": 7}}
    assert finished["trigger"] == {"type": "webhook", "id": trigger["id"]}


def test_a_stale_call_is_401(alice, hooked):
    trigger = hooked["trigger"]
    body = b'{"stale": true}'
    headers = _signed(trigger["secret"], body, timestamp=int(time.time()) - 600)
    response = requests.post(trigger["url"], data=body, headers=headers, timeout=30)
    assert response.status_code == 401 and "message" in response.json()
    assert not [run for run in _runs(alice, hooked["workflow"]["id"]) if run["input_data"] == {"stale": True}]


def test_a_forged_call_is_401(alice, hooked):
    trigger = hooked["trigger"]
    body = b'{"forged": true}'
    for headers in (_signed("not-the-secret", body), {**_signed(trigger["secret"], b"{}"), "Content-Length": None}):
        headers = {k: v for k, v in headers.items() if v is not None}
        response = requests.post(trigger["url"], data=body, headers=headers, timeout=30)
        assert response.status_code == 401, response.text
    assert not [run for run in _runs(alice, hooked["workflow"]["id"]) if run["input_data"] == {"forged": True}]


def test_a_replayed_delivery_answers_the_first_run_and_starts_nothing(alice, hooked):
    trigger = hooked["trigger"]
    body = b'{"replayed": true}'
    headers = _signed(trigger["secret"], body, delivery_id=str(uuid.uuid4()))
    first = requests.post(trigger["url"], data=body, headers=headers, timeout=30)
    again = requests.post(trigger["url"], data=body, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 202
    assert again.json()["execution_id"] == first.json()["execution_id"]
    assert again.json()["replayed"] is True
    matching = [run for run in _runs(alice, hooked["workflow"]["id"]) if run["input_data"] == {"replayed": True}]
    assert [run["id"] for run in matching] == [first.json()["execution_id"]]


def test_a_deleted_trigger_is_404(alice):
    workflow = alice.post("/api/workflows", json={"name": "e2e short-lived hook", "steps": STEPS}).json()
    trigger = alice.post(f"/api/workflows/{workflow['id']}/triggers").json()
    assert alice.request("DELETE", f"/api/workflows/{workflow['id']}/triggers/{trigger['id']}").status_code == 204
    body = b"{}"
    response = requests.post(trigger["url"], data=body, headers=_signed(trigger["secret"], body), timeout=30)
    assert response.status_code == 404
