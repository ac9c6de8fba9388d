"""Batch operations and comparison: AWS calls per request, and a batch cancel of 100 running executions timed on
the local stack.

- Calls (in-process, moto; tests/integration/test_call_budgets.py gates them in CI): batch-get of 100 ids, batch-cancel
  of 100 running executions, compare of 2 and of 10 finished executions. The request's own thread and its worker
  pool (workflow_engine.executions.pool.BATCH_THREAD_PREFIX) are counted; the machines running meanwhile are not.
  moto never leaves keys unprocessed, so the batch-get's single BatchGetItem is exact here; retries of unprocessed
  keys (the only extra calls it may make) are covered by tests/unit/test_execution_batch_get.py.
- Wall time (local stack over HTTP, as `make local` runs it; reported, never gated): 100 executions held in a
  native Wait state, then one batch-cancel of all of them; beside it, 100 more cancelled by 100 single cancels.

`python -m bench.batch` runs this section alone and prints its figures.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

import requests

from bench.counting import AwsCalls
from bench.harness import Api, in_process_stack, transform_steps
from bench.registry import LocalStack
from bench.throughput import local_stack
from workflow_engine.executions.pool import BATCH_CONCURRENCY, BATCH_THREAD_PREFIX

BATCH = 100
HOLD = [{"name": "Hold", "type": "wait", "config": {"seconds": 600}}]
BATCH_GET = "/api/workflows/executions/batch-get"
BATCH_CANCEL = "/api/workflows/executions/batch-cancel"
COMPARE = "/api/workflows/executions/compare"


def budgets(size: int = BATCH) -> dict[str, dict[str, int]]:
    """The exact calls each request may make, for batches of `size` ids (moto leaves no key unprocessed: no
    retry is expected here)."""
    return {
        f"batch-get of {size} ids": {"dynamodb.BatchGetItem": 1},
        f"batch-cancel of {size} running executions": {
            "dynamodb.BatchGetItem": 1,
            "dynamodb.UpdateItem": size,
            "stepfunctions.StopExecution": size,
        },
        "compare of 2 executions": {"dynamodb.BatchGetItem": 1, "dynamodb.Query": 2},
        "compare of 10 executions": {"dynamodb.BatchGetItem": 1, "dynamodb.Query": 10},
    }


def notes(size: int = BATCH) -> dict[str, str]:
    return {
        f"batch-get of {size} ids": "1 BatchGetItem (+ only unprocessed keys, retried with backoff)",
        f"batch-cancel of {size} running executions": "1 BatchGetItem, then per id StopExecution + conditional "
        "UpdateItem",
        "compare of 2 executions": "1 BatchGetItem + 1 logs Query per execution",
        "compare of 10 executions": "1 BatchGetItem + 1 logs Query per execution",
    }


BUDGETS = budgets(BATCH)


def _measure(name: str, ids_count: int, call: Any, size: int = BATCH) -> tuple[dict[str, Any], Any]:
    with AwsCalls(thread_name_prefix=BATCH_THREAD_PREFIX) as calls:
        started = time.perf_counter()
        status, body, _ = call()
        seconds = time.perf_counter() - started
    assert status == 200, (name, status, body)
    row = {
        "ids": ids_count,
        "calls": calls.count(),
        "calls_per_id": round(calls.count() / ids_count, 2),
        "operations": calls.operations(),
        "scans": calls.count("dynamodb.Scan"),
        "budget": budgets(size)[name],
        "held": calls.operations() == budgets(size)[name],
        "in_process_ms": round(seconds * 1000, 1),
        "note": notes(size)[name],
    }
    return row, body


def _wait_all(api: Api, ids: list[str], statuses: set[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status, body, _ = api.call("POST", BATCH_GET, {"execution_ids": ids})
        assert status == 200, body
        if all(execution["status"] in statuses for execution in body["executions"]):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"executions not {statuses} after {timeout}s")
        time.sleep(0.05)


def run(api: Api | None = None, size: int = BATCH) -> dict[str, Any]:
    """The call counts, in-process, for batches of `size` ids: {"rows": {request: {...}}, "concurrency": ...}."""
    api = api or Api()
    rows: dict[str, Any] = {}
    held = api.create_workflow(HOLD, name="batch hold")
    ids = [api.execute(held) for _ in range(size)]
    _wait_all(api, ids, {"running"})

    name = f"batch-cancel of {size} running executions"
    rows[name], body = _measure(name, size, lambda: api.call("POST", BATCH_CANCEL, {"execution_ids": ids}), size)
    assert {result["outcome"] for result in body["results"]} == {"cancelled"}, body
    # Read once they are finished: a running execution not updated for stale_after_seconds (30 s) costs a
    # DescribeExecution on every read (read-repair), and starting 100 of them may take that long on a busy machine.
    name = f"batch-get of {size} ids"
    rows[name], body = _measure(name, size, lambda: api.call("POST", BATCH_GET, {"execution_ids": ids}), size)
    assert len(body["executions"]) == size, body

    echo = api.create_workflow(transform_steps(2), name="batch compare")
    finished = [api.execute(echo, {"n": n, "same": True}) for n in range(10)]
    _wait_all(api, finished, {"completed"})
    for count in (2, 10):
        name = f"compare of {count} executions"
        query = "ids=" + ",".join(finished[:count])
        rows[name], body = _measure(name, count, lambda query=query: api.call("GET", COMPARE, query=query), size)
        assert len(body["steps"]) == 2 and len(body["input_diff"]) == 1, body
    return {"rows": rows, "concurrency": BATCH_CONCURRENCY}


def over_budget(results: dict[str, Any]) -> list[str]:
    return [
        f"{name}: {row['operations']}, budget {row['budget']}"
        for name, row in results["rows"].items()
        if not row["held"] or row["scans"]
    ]


def run_local(size: int = BATCH, stack: LocalStack = local_stack) -> dict[str, Any]:
    """Wall time of one batch-cancel of `size` (100) running executions on a local stack, over HTTP."""
    from infra.local.signin import sign_in

    with stack() as outputs:
        base = outputs["ApiUrl"]
        token = sign_in(outputs, f"batch-{uuid.uuid4().hex[:8]}", "Correct-Horse-42!")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        created = session.post(f"{base}/api/workflows", json={"name": "batch", "steps": HOLD}, timeout=30)
        assert created.status_code == 201, created.text
        workflow_id = created.json()["id"]

        def running_executions() -> list[str]:
            ids = []
            for _ in range(size):
                started = session.post(f"{base}/api/workflows/{workflow_id}/execute", json={}, timeout=30)
                assert started.status_code == 202, started.text
                ids.append(started.json()["execution_id"])
            deadline = time.monotonic() + 120
            while True:
                listed = session.post(f"{base}{BATCH_GET}", json={"execution_ids": ids}, timeout=60).json()
                if all(execution["status"] == "running" for execution in listed["executions"]):
                    return ids
                assert time.monotonic() < deadline, "executions did not all start"
                time.sleep(0.1)

        timings: dict[str, float] = {}
        ids = running_executions()
        started_at = time.perf_counter()
        response = session.post(f"{base}{BATCH_GET}", json={"execution_ids": ids}, timeout=60)
        timings["batch_get_ms"] = (time.perf_counter() - started_at) * 1000
        assert response.status_code == 200
        started_at = time.perf_counter()
        response = session.post(f"{base}{BATCH_CANCEL}", json={"execution_ids": ids}, timeout=120)
        timings["batch_cancel_ms"] = (time.perf_counter() - started_at) * 1000
        assert response.status_code == 200, response.text
        outcomes = [result["outcome"] for result in response.json()["results"]]
        assert outcomes == ["cancelled"] * size, outcomes
        final = session.post(f"{base}{BATCH_GET}", json={"execution_ids": ids}, timeout=60).json()
        assert {execution["status"] for execution in final["executions"]} == {"cancelled"}

        # The same, one POST .../cancel per execution, one after the other: what a client without the batch does.
        ids = running_executions()
        started_at = time.perf_counter()
        for execution_id in ids:
            single = session.post(f"{base}/api/workflows/executions/{execution_id}/cancel", timeout=30)
            assert single.status_code == 200, single.text
        timings["single_cancels_ms"] = (time.perf_counter() - started_at) * 1000
    return {
        "executions": size,
        "concurrency": BATCH_CONCURRENCY,
        "batch_cancel_seconds": round(timings["batch_cancel_ms"] / 1000, 2),
        "batch_cancel_ms_per_id": round(timings["batch_cancel_ms"] / size, 1),
        "batch_get_ms": round(timings["batch_get_ms"], 1),
        "single_cancels_seconds": round(timings["single_cancels_ms"] / 1000, 2),
    }


def main() -> int:
    with in_process_stack():
        calls = run(Api())
    local = run_local()
    print(json.dumps({"calls": calls, "local_stack": local}, indent=2))
    missed = over_budget(calls)
    if missed:
        print("budgets missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
