"""The workflow API over HTTP with real Cognito tokens: auth, CRUD, isolation."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.xdist_group("e2e")

STEPS = [{"name": "Load order", "type": "transform", "config": {"expression": "input"}}]
ROUTES = [
    ("GET", "/api/workflows"),
    ("POST", "/api/workflows"),
    ("GET", "/api/workflows/{id}"),
    ("PUT", "/api/workflows/{id}"),
    ("DELETE", "/api/workflows/{id}"),
    ("POST", "/api/workflows/{id}/execute"),
    ("GET", "/api/workflows/executions"),
    ("GET", "/api/workflows/executions/{id}"),
    ("GET", "/api/workflows/executions/{id}/logs"),
    ("POST", "/api/workflows/executions/{id}/cancel"),
    ("GET", "/api/openapi.json"),
]


def test_health_needs_no_token(anonymous):
    response = anonymous.get("/api/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not.a.jwt", "Basic abc"])
def test_every_other_route_needs_a_valid_token(anonymous, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = anonymous.request(method, path.format(id=uuid.uuid4()), headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_id_and_access_tokens_are_both_accepted(stack, tokens):
    from tests.e2e.conftest import Client

    for kind in ("id", "access"):
        assert Client(stack, tokens["alice"][kind]).get("/api/workflows").status_code == 200


def test_workflow_crud_and_cross_user_404(alice, bob):
    created = alice.post("/api/workflows", json={"name": "orders", "description": "d", "steps": STEPS})
    assert created.status_code == 201, created.text
    workflow = created.json()
    assert {"id", "name", "description", "steps", "version", "created_at", "updated_at"} <= set(workflow)
    assert alice.get(f"/api/workflows/{workflow['id']}").json() == workflow
    assert workflow["id"] in [w["id"] for w in alice.get("/api/workflows").json()]
    assert workflow["id"] not in [w["id"] for w in bob.get("/api/workflows").json()]

    for method in ("GET", "DELETE"):
        response = bob.request(method, f"/api/workflows/{workflow['id']}")
        assert response.status_code == 404 and response.json() == {"message": "Workflow not found"}
    assert bob.request("PUT", f"/api/workflows/{workflow['id']}", json={"name": "x", "steps": STEPS}).status_code == 404
    assert bob.post(f"/api/workflows/{workflow['id']}/execute", json={"input_data": {}}).status_code == 404

    replaced = alice.request("PUT", f"/api/workflows/{workflow['id']}", json={"name": "orders 2", "steps": STEPS * 1})
    assert replaced.status_code == 200 and replaced.json()["version"] == 2
    assert alice.request("DELETE", f"/api/workflows/{workflow['id']}").status_code == 204
    assert alice.get(f"/api/workflows/{workflow['id']}").status_code == 404


def test_bad_workflow_bodies_are_422_and_bad_json_is_not_5xx(alice):
    assert alice.post("/api/workflows", json={"name": "x", "steps": []}).status_code == 422
    assert alice.get("/api/workflows/not-a-uuid").status_code == 422
    response = alice.post("/api/workflows", data="{not json", headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)


def test_unknown_path_is_404_like_api_gateway(alice):
    response = alice.get("/api/nothing-here")
    assert response.status_code == 404 and response.json() == {"message": "Not Found"}
