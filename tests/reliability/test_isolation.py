"""Isolation matrix over HTTP: for every route with an id, another user's id answers exactly like an unknown id,
and no list ever shows another user's items.

Alice owns a finished execution and a running one (a cancel of a running execution must not answer 200 or
409 to Bob: either would tell him it exists). Bob tries every id route on Alice's ids and on fresh unknown
ids; the two answers must be indistinguishable (status, body, content type and header names).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from infra.catalog import ROUTES
from tests.reliability.conftest import Client, new_user

pytestmark = pytest.mark.xdist_group("reliability")

STEPS = [{"name": "Load", "type": "transform", "config": {"expression": "input"}}]
LONG = [*STEPS, {"name": "Wait", "type": "wait", "config": {"seconds": 300}}]
VOLATILE_HEADERS = {"date", "content-length", "x-local-duration-ms"}

# Every route with an id, and what Bob sends to it (a valid request apart from the id).
ID_ROUTES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/workflows/{workflow_id}"): {},
    ("PUT", "/api/workflows/{workflow_id}"): {"json": {"name": "hijacked", "steps": STEPS}},
    ("DELETE", "/api/workflows/{workflow_id}"): {},
    ("POST", "/api/workflows/{workflow_id}/execute"): {"json": {"input_data": {"x": 1}}},
    ("GET", "/api/workflows/executions/{execution_id}"): {},
    ("GET", "/api/workflows/executions/{execution_id}/logs"): {},
    ("POST", "/api/workflows/executions/{execution_id}/cancel"): {},
    ("POST", "/api/workflows/executions/{execution_id}/retry"): {"json": {"mode": "resume"}},
    ("GET", "/api/workflows/executions/{execution_id}/notifications"): {},
    # {step_name} reads "Load" (a step of Alice's workflows): only the execution id decides the answer
    ("POST", "/api/workflows/executions/{execution_id}/approvals/{step_name}"): {"json": {"decision": "approve"}},
    # a workflow's schedules: the workflow id decides the answer ({schedule_id}: SCHEDULE_ID, any well-formed id)
    ("POST", "/api/workflows/{workflow_id}/schedules"): {"json": {"expression": "rate(1 hour)"}},
    ("GET", "/api/workflows/{workflow_id}/schedules"): {},
    ("GET", "/api/workflows/{workflow_id}/schedules/{schedule_id}"): {},
    ("PUT", "/api/workflows/{workflow_id}/schedules/{schedule_id}"): {"json": {"expression": "rate(1 hour)"}},
    ("DELETE", "/api/workflows/{workflow_id}/schedules/{schedule_id}"): {},
    ("POST", "/api/workflows/{workflow_id}/triggers"): {},
    ("GET", "/api/workflows/{workflow_id}/triggers"): {},
}
SCHEDULE_ID = str(uuid.uuid4())
# A workflow's trigger by id: Bob on Alice's workflow and trigger ids (test_another_users_trigger_...).
TRIGGER_ROUTES = {
    ("GET", "/api/workflows/{workflow_id}/triggers/{trigger_id}"),
    ("DELETE", "/api/workflows/{workflow_id}/triggers/{trigger_id}"),
}
# The inbound webhook takes no token: a trigger id and a signature (tests/reliability/test_webhook_attacks.py).
HOOK_ROUTES = {("POST", "/api/hooks/{trigger_id}")}
# Routes that take execution ids in the body or the query: another user's ids must read as unknown ones.
BATCH_ROUTES = {
    ("POST", "/api/workflows/executions/batch-get"),
    ("POST", "/api/workflows/executions/batch-cancel"),
    ("GET", "/api/workflows/executions/compare"),
}
# The secrets routes take a name, not an id: names are per user (Bob's PUT of Alice's name sets Bob's own secret).
SECRET_ROUTES = {("PUT", "/api/secrets/{name}"), ("DELETE", "/api/secrets/{name}")}
LOG_QUERIES = ["", "?step_type=transform", "?step_name=Load", "?has_error=false", "?has_error=true", "?limit=1000"]


@pytest.fixture(scope="module")
def alice(rstack: dict[str, Any]) -> Client:
    """Fresh users for this module, so their lists hold exactly what it made."""
    return Client(rstack, new_user(rstack, "alice")["id"])


@pytest.fixture(scope="module")
def bob(rstack: dict[str, Any]) -> Client:
    return Client(rstack, new_user(rstack, "bob")["access"])  # an access token, for variety


@pytest.fixture(scope="module")
def alices(alice: Client) -> dict[str, Any]:
    workflow = alice.create_workflow(STEPS, name="alice's")
    long_workflow = alice.create_workflow(LONG, name="alice's long")
    finished = alice.execute(workflow["id"], {"secret": "alice"}).json()["execution_id"]
    alice.wait_terminal(finished)
    running = alice.execute(long_workflow["id"], {"secret": "alice"}).json()["execution_id"]
    alice.wait_status(running, "running")
    trigger = alice.request("POST", f"/api/workflows/{workflow['id']}/triggers")
    assert trigger.status_code == 201, trigger.text
    return {"workflows": [workflow, long_workflow], "executions": [finished, running], "trigger": trigger.json()}


def _answer(client: Client, method: str, path: str, **kwargs: Any) -> tuple[int, Any, str, frozenset[str]]:
    response = client.request(method, path, **kwargs)
    names = frozenset(name.lower() for name in response.headers) - VOLATILE_HEADERS
    return response.status_code, response.json(), response.headers.get("content-type", ""), names


def test_the_matrix_covers_every_route_with_an_id():
    covered = set(ID_ROUTES) | SECRET_ROUTES | TRIGGER_ROUTES | HOOK_ROUTES
    assert covered == {(r.method, r.path) for r in ROUTES if "{" in r.path}
    literal = {
        (r.method, r.path) for r in ROUTES if r.path.startswith("/api/workflows/executions/") and "{" not in r.path
    }
    assert literal == BATCH_ROUTES


def _unknown_ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def test_batch_routes_answer_another_users_ids_exactly_like_unknown_ids(alice, bob, alices):
    """Bob names Alice's finished and running executions (in a body, or in compare's query): each reads exactly
    as an unknown id does, and nothing of Alice's changes. (Bob owns nothing here: the list tests count his.)"""
    finished, running = alices["executions"]
    for path in ("/api/workflows/executions/batch-get", "/api/workflows/executions/batch-cancel"):
        unknown = _unknown_ids(2)
        foreign = _answer(bob, "POST", path, json={"execution_ids": [finished, running]})
        control = _answer(bob, "POST", path, json={"execution_ids": unknown})
        assert foreign[0] == control[0] == 200 and foreign[2:] == control[2:]
        if path.endswith("batch-get"):
            assert foreign[1] == {"executions": [], "not_found": [finished, running]}
            assert control[1] == {"executions": [], "not_found": unknown}
        else:
            expected = [{"outcome": "not_found", "status": None, "message": None}] * 2
            strip = [{k: v for k, v in r.items() if k != "execution_id"} for r in foreign[1]["results"]]
            assert strip == expected
            assert [r["execution_id"] for r in foreign[1]["results"]] == [finished, running]
            assert [{k: v for k, v in r.items() if k != "execution_id"} for r in control[1]["results"]] == expected
    for ids in ([finished, running], [finished, str(uuid.uuid4())], [str(uuid.uuid4()), running]):
        foreign = _answer(bob, "GET", "/api/workflows/executions/compare?ids=" + ",".join(ids))
        unknown = _answer(bob, "GET", "/api/workflows/executions/compare?ids=" + ",".join(_unknown_ids(2)))
        assert foreign == unknown
        assert foreign[:2] == (404, {"message": "Execution not found"})
    assert alice.status(running)["status"] == "running"  # Bob's batch-cancel did not touch it
    assert alice.status(finished)["status"] == "completed"


def _filled(template: str, identifier: str) -> str:
    return (
        template.replace("{workflow_id}", identifier)
        .replace("{execution_id}", identifier)
        .replace("{step_name}", "Load")
        .replace("{schedule_id}", SCHEDULE_ID)
    )


@pytest.mark.parametrize(("method", "template"), list(ID_ROUTES), ids=lambda value: str(value))
def test_another_users_id_answers_exactly_like_an_unknown_id(alice, bob, alices, method, template):
    kwargs = ID_ROUTES[(method, template)]
    kind = "workflows" if "{workflow_id}" in template else "executions"
    owned = [w["id"] for w in alices["workflows"]] if kind == "workflows" else alices["executions"]
    queries = LOG_QUERIES if template.endswith("/logs") else [""]
    for identifier in owned:
        for query in queries:
            path = _filled(template, identifier) + query
            unknown = _filled(template, str(uuid.uuid4()))
            foreign = _answer(bob, method, path, **kwargs)
            assert foreign == _answer(bob, method, unknown + query, **kwargs), path
            expected = "Workflow not found" if kind == "workflows" else "Execution not found"
            assert foreign[:2] == (404, {"message": expected}), path


def test_another_users_trigger_answers_exactly_like_an_unknown_one(alice, bob, alices):
    trigger = alices["trigger"]
    for method, template in sorted(TRIGGER_ROUTES):
        path = template.replace("{workflow_id}", trigger["workflow_id"]).replace("{trigger_id}", trigger["id"])
        unknown = template.replace("{workflow_id}", str(uuid.uuid4())).replace("{trigger_id}", str(uuid.uuid4()))
        foreign = _answer(bob, method, path)
        assert foreign == _answer(bob, method, unknown), path
        assert foreign[:2] == (404, {"message": "Trigger not found"}), path
    listed = alice.get(f"/api/workflows/{trigger['workflow_id']}/triggers").json()
    assert [item["id"] for item in listed] == [trigger["id"]]  # Bob's DELETE did nothing


def test_bobs_attempts_changed_nothing_of_alices(alice, bob, alices):
    for route in ID_ROUTES:  # run the whole matrix once more, then look at Alice's side
        kwargs = ID_ROUTES[route]
        for identifier in [w["id"] for w in alices["workflows"]] + alices["executions"]:
            bob.request(route[0], _filled(route[1], identifier), **kwargs)
    for workflow in alices["workflows"]:
        mine = alice.get(f"/api/workflows/{workflow['id']}")
        assert mine.status_code == 200 and mine.json() == workflow
    finished, running = alices["executions"]
    assert alice.status(finished)["status"] == "completed"
    assert alice.status(running)["status"] == "running"
    listed = alice.get("/api/workflows/executions?limit=100").json()
    assert {e["workflow_id"] for e in listed} == {w["id"] for w in alices["workflows"]}  # bob started nothing here
    assert len(listed) == 2


def test_lists_never_contain_another_users_items(alice, bob, alices):
    bobs_workflow = bob.create_workflow(STEPS, name="bob's")
    bobs_execution = bob.execute(bobs_workflow["id"], {"mine": "bob"}).json()["execution_id"]
    bob.wait_terminal(bobs_execution)
    alice_ids = {w["id"] for w in alices["workflows"]} | set(alices["executions"])
    queries = [
        "/api/workflows?limit=100",
        "/api/workflows/executions?limit=100",
        *(f"/api/workflows/executions?workflow_id={w['id']}&limit=100" for w in alices["workflows"]),
        *(f"/api/workflows/executions?status_filter={s}&limit=100" for s in ("pending", "running", "completed")),
        *(
            f"/api/workflows/executions?workflow_id={w['id']}&status_filter={s}"
            for w in alices["workflows"]
            for s in ("running", "completed")
        ),
    ]
    queries += [
        "/api/logs?limit=1000",
        "/api/logs?has_error=false&limit=1000",
        *(f"/api/logs?workflow_id={w['id']}" for w in alices["workflows"]),
    ]
    for query in queries:
        response = bob.get(query)
        assert response.status_code == 200, query
        ids = {item["id"] for item in response.json()} | {item.get("workflow_id") for item in response.json()}
        ids |= {item.get("execution_id") for item in response.json()}
        assert not ids & alice_ids, query
    assert {log["execution_id"] for log in alice.get("/api/logs?limit=1000").json()} >= {alices["executions"][0]}
    assert bobs_execution in {log["execution_id"] for log in bob.get("/api/logs").json()}
    for workflow in alices["workflows"]:
        metrics = bob.get(f"/api/metrics?workflow_id={workflow['id']}&granularity=day")
        assert metrics.status_code == 200 and metrics.json()["executions"]["total"] == 0
        assert not any(step["attempts"] for step in metrics.json()["steps"])
    assert [w["id"] for w in bob.get("/api/workflows").json()] == [bobs_workflow["id"]]
    assert [e["id"] for e in bob.get("/api/workflows/executions").json()] == [bobs_execution]
    # and the other way round
    assert bobs_workflow["id"] not in {w["id"] for w in alice.get("/api/workflows?limit=100").json()}
    assert bobs_execution not in {e["id"] for e in alice.get("/api/workflows/executions?limit=100").json()}


def test_another_users_pagination_token_is_refused(alice, bob, alices):
    token = alice.get("/api/workflows/executions?limit=1").headers["X-Next-Token"]
    for path in ("/api/workflows/executions", "/api/workflows"):
        response = bob.get(f"{path}?limit=1&next_token={token}")
        assert response.status_code == 422, (path, response.text)
    token = alice.get("/api/workflows?limit=1").headers["X-Next-Token"]
    assert bob.get(f"/api/workflows?limit=1&next_token={token}").status_code == 422
    token = alice.get("/api/logs?limit=1").headers["X-Next-Token"]
    assert alice.get(f"/api/logs?limit=1&next_token={token}").status_code == 200
    assert bob.get(f"/api/logs?limit=1&next_token={token}").status_code == 422


def test_secrets_are_per_user_and_another_users_name_resolves_to_secret_not_found(alice, bob, alices):
    """Bob cannot list, delete, read or overwrite Alice's secret; his workflow naming it fails with SecretNotFound
    (never her value), exactly as a name nobody set does."""
    value = f"alice-only-{uuid.uuid4().hex}"
    assert alice.request("PUT", "/api/secrets/ALICE_ONLY", json={"value": value}).status_code == 204
    before = alice.get("/api/secrets").json()
    assert [entry["name"] for entry in before] == ["ALICE_ONLY"]

    assert bob.get("/api/secrets").json() == []
    foreign = _answer(bob, "DELETE", "/api/secrets/ALICE_ONLY")
    assert foreign == _answer(bob, "DELETE", "/api/secrets/NOBODY_SET_THIS")
    assert foreign[:2] == (404, {"message": "Secret not found"})
    assert bob.request("PUT", "/api/secrets/ALICE_ONLY", json={"value": "bob's"}).status_code == 204  # his own
    assert alice.get("/api/secrets").json() == before  # hers untouched
    assert bob.request("DELETE", "/api/secrets/ALICE_ONLY").status_code == 204  # deletes his own only
    assert alice.get("/api/secrets").json() == before

    outcomes = {}
    for name in ("ALICE_ONLY", "NOBODY_SET_THIS"):
        workflow = bob.create_workflow(
            [{"name": "Ask", "type": "ai", "config": {"prompt": f"{{{{ secrets.{name} }}}}"}}]
        )
        final = bob.wait_terminal(bob.execute(workflow["id"], {}).json()["execution_id"])
        outcomes[name] = (final["status"], final["error_message"].replace(name, "NAME"))
        assert value not in str(final) and value not in str(bob.logs(final["id"]))
    assert outcomes["ALICE_ONLY"] == outcomes["NOBODY_SET_THIS"]
    assert outcomes["ALICE_ONLY"][0] == "failed" and "secret 'NAME' not found" in outcomes["ALICE_ONLY"][1]
