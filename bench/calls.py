"""AWS calls per request, for every route, counted through botocore event hooks (bench/counting.py).

Each route is called once through its real handler, in-process on moto, in the state the route is meant for
(an existing workflow, a finished execution with logs, a running one to cancel...). Only the calls the request
itself makes are counted; the state machine running in the background is not. tests/integration/
test_call_budgets.py runs the same scenario and fails on any count over its budget, so CI gates on counts.
"""

from __future__ import annotations

import threading
from typing import Any

from bench.counting import AwsCalls
from bench.harness import Api, transform_steps

# Budgets, by route: the most AWS calls one request may make. None: reported, no budget.
BUDGETS: dict[str, int | None] = {
    "GET /api/health": 0,
    "POST /api/workflows": None,
    "GET /api/workflows": 1,
    "GET /api/workflows/{workflow_id}": 1,
    "PUT /api/workflows/{workflow_id}": None,
    "DELETE /api/workflows/{workflow_id}": None,
    "POST /api/workflows/{workflow_id}/execute": 3,
    "POST /api/workflows/{workflow_id}/execute (Idempotency-Key, first)": None,
    "POST /api/workflows/{workflow_id}/execute (Idempotency-Key, repeat)": None,
    "GET /api/workflows/executions": 1,
    "GET /api/workflows/executions (status_filter)": 1,
    "GET /api/workflows/executions/{execution_id}": 1,
    "GET /api/workflows/executions/{execution_id}/logs": 1,
    "POST /api/workflows/executions/{execution_id}/cancel": 3,
}
NOTES = {
    "POST /api/workflows": "CreateStateMachine (publish) + PutItem",
    "PUT /api/workflows/{workflow_id}": "GetItem + UpdateStateMachine (publish) + conditional PutItem",
    "DELETE /api/workflows/{workflow_id}": "GetItem + DeleteStateMachine + DeleteItem",
    "POST /api/workflows/{workflow_id}/execute": "GetItem workflow + PutItem pending + StartExecution",
    "POST /api/workflows/{workflow_id}/execute (Idempotency-Key, first)": (
        "Powertools idempotency: PutItem in progress, the 3 calls, UpdateItem completed"
    ),
    "POST /api/workflows/{workflow_id}/execute (Idempotency-Key, repeat)": (
        "the conditional PutItem fails and returns the stored response"
    ),
    "GET /api/workflows/executions/{execution_id}/logs": "one Query per page of up to `limit` logs",
    "POST /api/workflows/executions/{execution_id}/cancel": "GetItem + StopExecution + conditional UpdateItem",
}
WAIT_STEP = {"name": "Hold", "type": "wait", "config": {"seconds": 300}}


def _measure(results: dict[str, Any], name: str, expected_status: int, call: Any) -> Any:
    with AwsCalls() as calls:
        status, body, headers = call()
    assert status == expected_status, (name, status, body)
    results[name] = {
        "calls": calls.count(),
        "operations": calls.operations(),
        "scans": calls.count("dynamodb.Scan"),
        "budget": BUDGETS[name],
        "note": NOTES.get(name, ""),
    }
    return body


def run(api: Api | None = None) -> dict[str, Any]:
    """Every route once: {"routes": {route: {"calls", "operations", "scans", "budget", "note"}}, "anywhere": {...}}
    where "anywhere" counts every call of every thread meanwhile (executions, step Lambdas, reconciler)."""
    with AwsCalls(this_thread_only=False) as everything:
        routes = _routes(api or Api())
    return {
        "routes": routes,
        "anywhere": {"operations": everything.operations(), "scans": everything.count("dynamodb.Scan")},
    }


def _routes(api: Api) -> dict[str, Any]:
    results: dict[str, Any] = {}
    wf = "/api/workflows/{workflow_id}"
    ex = "/api/workflows/executions/{execution_id}"

    _measure(results, "GET /api/health", 200, lambda: api.call("GET", "/api/health"))
    workflow = _measure(
        results,
        "POST /api/workflows",
        201,
        lambda: api.call("POST", "/api/workflows", {"name": "calls", "steps": transform_steps(2)}),
    )
    workflow_id = workflow["id"]
    _measure(results, "GET /api/workflows", 200, lambda: api.call("GET", "/api/workflows"))
    _measure(results, f"GET {wf}", 200, lambda: api.call("GET", wf, workflow_id=workflow_id))
    _measure(
        results,
        f"PUT {wf}",
        200,
        lambda: api.call("PUT", wf, {"name": "calls v2", "steps": transform_steps(3)}, workflow_id=workflow_id),
    )

    execute = f"POST {wf}/execute"
    started = _measure(
        results,
        execute,
        202,
        lambda: api.call("POST", f"{wf}/execute", {"input_data": {"n": 1}}, workflow_id=workflow_id),
    )
    execution_id = started["execution_id"]
    keyed = {"headers": {"idempotency-key": f"calls-{threading.get_ident()}-{api.user_id}"}}
    for attempt in ("first", "repeat"):
        _measure(
            results,
            f"{execute} (Idempotency-Key, {attempt})",
            202,
            lambda: api.call("POST", f"{wf}/execute", {"input_data": {"n": 2}}, workflow_id=workflow_id, **keyed),
        )
    api.wait_terminal(execution_id)

    _measure(results, "GET /api/workflows/executions", 200, lambda: api.call("GET", "/api/workflows/executions"))
    _measure(
        results,
        "GET /api/workflows/executions (status_filter)",
        200,
        lambda: api.call("GET", "/api/workflows/executions", query="status_filter=completed&limit=5"),
    )
    _measure(results, f"GET {ex}", 200, lambda: api.call("GET", ex, execution_id=execution_id))
    logs = _measure(results, f"GET {ex}/logs", 200, lambda: api.call("GET", f"{ex}/logs", execution_id=execution_id))
    assert len(logs) == 3, logs  # the logs route was measured on a non-empty page

    # Cancel: an execution held in a long native Wait state (moto cannot stop an execution whose worker has not
    # started yet, so wait until the machine has marked it running).
    held = api.create_workflow([WAIT_STEP], name="calls hold")
    running = api.execute(held)
    api.wait_status(running, {"running"})
    _measure(results, f"POST {ex}/cancel", 200, lambda: api.call("POST", f"{ex}/cancel", execution_id=running))

    _measure(results, f"DELETE {wf}", 204, lambda: api.call("DELETE", wf, workflow_id=held))
    return results


def over_budget(results: dict[str, Any]) -> list[str]:
    """The routes over their budget, and any Scan anywhere: empty when every budget held."""
    misses = [
        f"{route}: {row['calls']} calls, budget {row['budget']}"
        for route, row in results["routes"].items()
        if row["budget"] is not None and row["calls"] > row["budget"]
    ]
    if results["anywhere"]["scans"]:
        misses.append(f"{results['anywhere']['scans']} DynamoDB Scan calls")
    return misses
