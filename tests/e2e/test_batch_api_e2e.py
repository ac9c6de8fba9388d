"""Batch get, batch cancel and compare over HTTP with real tokens: the README's curl examples, each outcome, bad
input, and another user's ids."""

from __future__ import annotations

import time
import uuid

import pytest

pytestmark = pytest.mark.xdist_group("e2e")

BATCH_GET = "/api/workflows/executions/batch-get"
BATCH_CANCEL = "/api/workflows/executions/batch-cancel"
COMPARE = "/api/workflows/executions/compare"
STEPS = [
    {"name": "Load order", "type": "transform", "config": {"expression": "input"}},
    {"name": "Total", "type": "transform", "config": {"expression": "sum(input.items[*].price)"}},
]
HOLD = [{"name": "Hold", "type": "wait", "config": {"seconds": 300}}]


def _workflow(client, steps, name="batch e2e") -> str:
    response = client.post("/api/workflows", json={"name": name, "steps": steps})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _execute(client, workflow_id, input_data=None) -> str:
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data})
    assert response.status_code == 202, response.text
    return response.json()["execution_id"]


def _running(client, execution_id) -> str:
    deadline = time.monotonic() + 30
    while client.get(f"/api/workflows/executions/{execution_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return execution_id


def test_batch_get_batch_cancel_and_compare_over_http(alice, bob):
    orders = _workflow(alice, STEPS)
    small = _execute(alice, orders, {"items": [{"price": 2}, {"price": 3}]})
    large = _execute(alice, orders, {"items": [{"price": 2}, {"price": 30}]})
    for execution_id in (small, large):
        assert alice.wait_terminal(execution_id)["status"] == "completed"
    held = _running(alice, _execute(alice, _workflow(alice, HOLD)))
    bobs = _execute(bob, _workflow(bob, HOLD))
    unknown = str(uuid.uuid4())

    got = alice.post(BATCH_GET, json={"execution_ids": [large, unknown, held, bobs, small]})
    assert got.status_code == 200, got.text
    assert [(e["id"], e["status"]) for e in got.json()["executions"]] == [
        (large, "completed"),
        (held, "running"),
        (small, "completed"),
    ]
    assert got.json()["not_found"] == [unknown, bobs]

    cancelled = alice.post(BATCH_CANCEL, json={"execution_ids": [held, small, bobs]})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {
        "results": [
            {"execution_id": held, "outcome": "cancelled", "status": "cancelled", "message": None},
            {"execution_id": small, "outcome": "conflict", "status": "completed", "message": None},
            {"execution_id": bobs, "outcome": "not_found", "status": None, "message": None},
        ]
    }
    assert alice.get(f"/api/workflows/executions/{held}").json()["status"] == "cancelled"
    assert bob.get(f"/api/workflows/executions/{bobs}").json()["status"] in ("pending", "running")

    compared = alice.get(f"{COMPARE}?ids={small},{large}")
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert [e["id"] for e in body["executions"]] == [small, large]
    assert body["input_diff"] == [{"path": "/items/1/price", "values": [3, 30]}]
    assert body["output_diff"] == [{"path": "", "values": [5, 32]}]
    assert [row["step_name"] for row in body["steps"]] == ["Load order", "Total"]
    total = body["steps"][1]
    assert total["output_equal"] is False
    assert [(run["execution_id"], run["status"], run["attempts"]) for run in total["per_execution"]] == [
        (small, "succeeded", 1),
        (large, "succeeded", 1),
    ]
    assert alice.get(f"{COMPARE}?ids={small},{bobs}").status_code == 404
    assert bob.get(f"{COMPARE}?ids={small},{large}").json() == {"message": "Execution not found"}


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", BATCH_GET, {"execution_ids": []}),
        ("POST", BATCH_GET, {"execution_ids": [str(uuid.uuid4()) for _ in range(101)]}),
        ("POST", BATCH_CANCEL, {"execution_ids": ["nope"]}),
        ("POST", BATCH_CANCEL, {"execution_ids": ["6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11"] * 2}),
        ("POST", BATCH_CANCEL, {"ids": [str(uuid.uuid4())]}),
        ("GET", f"{COMPARE}?ids={uuid.UUID(int=1)}", None),
        ("GET", f"{COMPARE}?ids=" + ",".join(str(uuid.UUID(int=n)) for n in range(11)), None),
        ("GET", f"{COMPARE}?ids=6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11,6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11", None),
    ],
)
def test_bad_batch_and_compare_requests_are_422(alice, method, path, payload):
    response = alice.request(method, path, **({"json": payload} if payload is not None else {}))
    assert response.status_code == 422, response.text
    assert response.json()["message"]


def test_batch_routes_need_a_token(anonymous):
    assert anonymous.post(BATCH_GET, json={"execution_ids": [str(uuid.uuid4())]}).status_code == 401
    assert anonymous.post(BATCH_CANCEL, json={"execution_ids": [str(uuid.uuid4())]}).status_code == 401
    assert anonymous.get(f"{COMPARE}?ids={uuid.uuid4()},{uuid.uuid4()}").status_code == 401
