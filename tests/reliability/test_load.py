"""Load on the local stack over HTTP: 8 concurrent clients (threads, each its own user) start 200 executions
of a 4-step workflow and follow them to the end, while step crashes are injected into some attempts.

Held: every execution reaches a terminal status; each step attempt left exactly one log item (attempts
numbered 1..n per step, every attempt but the last carrying an error, the extra attempts adding up to the
crashes injected); every completed execution has the right output. Reported (printed, and recorded in
RELIABILITY.md from a real run): executions/s from first request to last terminal status, and API latency
p50/p95 for starting an execution and for reading one.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.conftest import TERMINAL, Client, new_user

pytestmark = [pytest.mark.xdist_group("reliability"), pytest.mark.slow]

CLIENTS = 8
EXECUTIONS_PER_CLIENT = 25
INJECTED_CRASHES = 20
STEPS = [
    {"name": "Load", "type": "transform", "config": {"expression": "{order: input.order, items: input.items}"}},
    {
        "name": "Ask",
        "type": "ai",
        "config": {"prompt": "Summarise order {{input.order}}"},
        "retry": {"max_attempts": 4, "interval_seconds": 1, "backoff_rate": 1.0},
    },
    {"name": "Pause", "type": "wait", "config": {"seconds": 0}},
    {"name": "Shape", "type": "transform", "config": {"expression": '{order: steps."Load".output.order}'}},
]
LAMBDA_STEPS = ["Load", "Ask", "Shape"]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_200_executions_from_8_concurrent_clients(rstack, faults):
    clients = [Client(rstack, new_user(rstack, f"load{n}")["id"]) for n in range(CLIENTS)]
    workflows = [client.create_workflow(STEPS, name="load") for client in clients]
    crashes = faults.inject(kind="crash", step_type="ai", count=INJECTED_CRASHES)
    latencies: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def timed(client: Client, method: str, path: str, kind: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        response = client.request(method, path, **kwargs)
        with lock:
            latencies[kind].append((time.perf_counter() - started) * 1000)
        return response

    def client_run(index: int) -> list[tuple[str, int]]:
        client, workflow = clients[index], workflows[index]
        started = []
        for n in range(EXECUTIONS_PER_CLIENT):
            order = index * 1000 + n
            response = timed(
                client,
                "POST",
                f"/api/workflows/{workflow['id']}/execute",
                "start",
                json={"input_data": {"order": order}},
            )
            assert response.status_code == 202, response.text
            started.append((response.json()["execution_id"], order))
        pending = dict(started)
        deadline = time.monotonic() + 240
        while pending:
            for execution_id in list(pending):
                response = timed(client, "GET", f"/api/workflows/executions/{execution_id}", "read")
                assert response.status_code == 200, response.text
                if response.json()["status"] in TERMINAL:
                    pending.pop(execution_id)
            assert time.monotonic() < deadline, f"{len(pending)} executions still not terminal"
            time.sleep(0.2)
        return started

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(client_run, range(CLIENTS)))
    elapsed = time.monotonic() - began

    total = sum(len(started) for started in results)
    assert total == CLIENTS * EXECUTIONS_PER_CLIENT == 200
    statuses: dict[str, int] = defaultdict(int)
    extra_attempts = 0
    for client, started in zip(clients, results, strict=True):
        for execution_id, order in started:
            final = client.status(execution_id)
            statuses[final["status"]] += 1
            logs = client.logs(execution_id, "?limit=1000")
            by_step: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for log in logs:
                by_step[log["step_name"]].append(log)
            for name, attempts in by_step.items():
                assert [log["attempt"] for log in attempts] == list(range(1, len(attempts) + 1)), (execution_id, name)
                assert all(log["error_message"] for log in attempts[:-1]), (execution_id, name)
                extra_attempts += len(attempts) - 1
            if final["status"] == "completed":
                assert list(by_step) == LAMBDA_STEPS, (execution_id, list(by_step))
                assert all(attempts[-1]["error_message"] is None for attempts in by_step.values())
                assert final["output_data"] == {"order": order}
            else:  # only an "Ask" step crashing on all 4 attempts could fail an execution
                assert final["status"] == "failed" and len(by_step["Ask"]) == 4, final
    # each crash is one failed attempt: an extra attempt, or the last of an execution that failed
    assert faults.fired(crashes) == INJECTED_CRASHES == extra_attempts + statuses.get("failed", 0)
    assert sum(statuses.values()) == 200

    start_p50, start_p95 = statistics.median(latencies["start"]), _percentile(latencies["start"], 0.95)
    read_p50, read_p95 = statistics.median(latencies["read"]), _percentile(latencies["read"], 0.95)
    print(
        f"\nload: {total} executions ({dict(statuses)}) by {CLIENTS} clients in {elapsed:.1f}s = "
        f"{total / elapsed:.1f} executions/s; {sum(len(v) for v in latencies.values())} API calls; "
        f"start p50 {start_p50:.0f} ms p95 {start_p95:.0f} ms; read p50 {read_p50:.0f} ms p95 {read_p95:.0f} ms; "
        f"{INJECTED_CRASHES} injected crashes -> {extra_attempts} extra attempts, each with its own log"
    )
