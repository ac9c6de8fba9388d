"""AWS calls per webhook start: a signed inbound call (POST /api/hooks/{trigger_id}) through the real handler on
the in-process stack, its botocore calls counted on the request's thread (the run it starts is not counted).

Budget: 7 calls for a start (GetItem trigger, kms.Decrypt, UpdateItem rate window, PutItem delivery claim, then
the ordinary start: GetItem workflow, PutItem execution, StartExecution) and 5 for a replay (the same first four,
the claim refused, then GetItem of the first run's execution). A refused signature costs 2 (GetItem, Decrypt) and
a stale one 0.

`python -m bench.webhooks` runs this section alone (and prints it); `make bench` runs it with the others.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bench.counting import AwsCalls
from bench.harness import Api
from infra.catalog import ROUTES
from infra.local.gateway import build_event, invoke_route
from infra.local.provision import LocalResources
from workflow_engine.triggers.signature import signature

BUDGET = {"start": 7, "replay": 5, "forged": 2, "stale": 0}
HOOK = next(route for route in ROUTES if route.function.id == "WebhooksInbound")


def _call(trigger_id: str, secret: str, body: bytes, timestamp: int, delivery_id: str) -> tuple[int, Any]:
    path = HOOK.path.replace("{trigger_id}", trigger_id)
    headers = {
        "content-type": "application/json",
        "x-timestamp": str(timestamp),
        "x-signature-256": signature(secret, str(timestamp), body),
        "x-delivery-id": delivery_id,
    }
    event = build_event(HOOK, "POST", path, headers=headers, body=body, path_parameters={"trigger_id": trigger_id})
    result = invoke_route(HOOK, event)
    assert result is not None, "the webhook function failed"
    return result["statusCode"], json.loads(result.get("body") or "null")


def _counted(*args: Any) -> tuple[int, dict[str, int], int]:
    with AwsCalls() as calls:
        status, _ = _call(*args)
    return status, calls.operations(), calls.count()


def run(resources: LocalResources, api: Api | None = None, rounds: int = 3) -> dict[str, Any]:
    del resources  # the stack is the one the harness made; the API reaches it
    api = api or Api()
    workflow_id = api.create_workflow([{"name": "Echo", "type": "transform", "config": {"expression": "input"}}])
    status, trigger, _ = api.call("POST", "/api/workflows/{workflow_id}/triggers", workflow_id=workflow_id)
    assert status == 201, trigger
    rows: dict[str, dict[str, Any]] = {}
    for n in range(rounds):
        body = json.dumps({"n": n}).encode()
        now = int(time.time())
        delivery = str(uuid.uuid4())
        cases = {
            "start": (trigger["id"], trigger["secret"], body, now, delivery),
            "replay": (trigger["id"], trigger["secret"], body, now, delivery),
            "forged": (trigger["id"], "not-the-secret", body, now, str(uuid.uuid4())),
            "stale": (trigger["id"], trigger["secret"], body, now - 3_600, str(uuid.uuid4())),
        }
        for case, arguments in cases.items():
            status, operations, count = _counted(*arguments)
            expected = {"start": 202, "replay": 202, "forged": 401, "stale": 401}[case]
            assert status == expected, (case, status)
            row = rows.setdefault(case, {"calls": 0, "operations": operations, "budget": BUDGET[case]})
            row["calls"] = max(row["calls"], count)
    for row in rows.values():
        row["held"] = row["calls"] <= row["budget"]
    return {"rows": rows, "held": all(row["held"] for row in rows.values())}


def section(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    lines = ["| call | AWS calls | budget | held | operations |", "|---|---|---|---|---|"]
    for case, row in results["rows"].items():
        operations = ", ".join(f"{name} {count}" for name, count in sorted(row["operations"].items())) or "none"
        lines.append(
            f"| {case} | {row['calls']} | {row['budget']} | {'yes' if row['held'] else '**NO**'} | {operations} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    from bench.harness import in_process_stack

    with in_process_stack() as stack_resources:
        print(json.dumps(run(stack_resources), indent=2))
