"""Real-time channel: what the notifier costs per stream record, and how long a status change takes to reach
subscribed WebSocket clients.

- Calls (in-process, moto): the notifier handler is given stream records of one user's execution while that
  user has K live subscribed connections (and one that answers Gone), and its AWS calls are counted through
  botocore hooks (bench/counting.py). Budget per record: 1 Query (the owner's connections, by-user index) +
  1 PostToConnection per matching connection (+ 1 DeleteItem per Gone one, once); no Scan.
  tests/integration/test_call_budgets.py gates on the same scenario.
- Latency (the local stack as `make local` runs it, over real WebSockets): Bob's one client is subscribed to
  all of his executions; his execution item's status is changed with UpdateItem on the stack's DynamoDB
  endpoint, and the time from just before that write to his client receiving the message is recorded
  (write -> stream -> event source mapping -> notifier -> Query -> post -> local WebSocket server -> client).
  Once with Bob alone, once while Alice holds the connection cap (every connection subscribed to all) and
  changes ALICE_RUNS of her executions just before each of Bob's writes (her records come first in the
  notifier's queue: the worst case for Bob). Budget: Bob's p95 under LATENCY_BUDGET_MS either way.

`python -m bench.realtime --quick` runs it at a tiny size (a few samples, Alice with 2 connections).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import uuid
from contextlib import nullcontext
from typing import Any

import boto3
import jwt
from websockets.asyncio.client import connect

from bench.counting import AwsCalls
from bench.registry import LocalStack
from bench.throughput import _latency, local_stack
from infra.catalog import NOTIFIER, WS_CONNECT, WS_SUBSCRIPTIONS
from infra.local import moto_seams
from infra.local.provision import NAME_PREFIX
from infra.local.signin import sign_in
from infra.local.websocket import new_connection_id
from workflow_engine.data.codec import to_item
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.realtime_settings import RealtimeSettings
from workflow_engine.realtime.notifier import POST_THREAD_PREFIX

SAMPLES = 40
QUICK_SAMPLES = 3
CONNECTION_COUNTS = (0, 1, 3)
SAMPLE_TIMEOUT_SECONDS = 30.0
ALICE_CONNECTIONS = RealtimeSettings.model_fields["max_connections_per_user"].default  # the cap
ALICE_RUNS = 3  # Alice's executions whose status changes just before each of Bob's
LATENCY_BUDGET_MS = 1000.0


def _execution_item(user_id: str, status: str, sample: int) -> dict[str, Any]:
    now = utc_now()
    return {
        "execution_id": str(uuid.uuid4()),
        "user_id": user_id,
        "workflow_id": str(uuid.uuid4()),
        "workflow_version": 1,
        "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
        "status": status,
        "output_data": json.dumps({"sample": sample}),
        "started_at": now,
        "updated_at": now,
    }


def _record(sequence: int, new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": str(sequence),
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": to_item({"execution_id": new["execution_id"]}),
            "NewImage": to_item(new),
            "OldImage": to_item(old),
            "SequenceNumber": str(sequence),
        },
    }


# -- calls per record (in-process) -------------------------------------------------------------------------


def _route_event(route_key: str, connection_id: str, user_id: str, body: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": "CONNECT" if route_key == "$connect" else "MESSAGE",
            "connectionId": connection_id,
            "authorizer": {"user_id": user_id, "principalId": user_id},
            "stage": "live",
            "requestId": uuid.uuid4().hex,
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


def open_subscribed(user_id: str) -> str:
    """A connection of `user_id` subscribed to all of their executions, made through the route handlers."""
    connection_id = new_connection_id()
    for spec, route_key, body in (
        (WS_CONNECT, "$connect", None),
        (WS_SUBSCRIPTIONS, "subscribe", json.dumps({"action": "subscribe"})),
    ):
        payload, failed = moto_seams.invoke_handler(
            spec.handler, _route_event(route_key, connection_id, user_id, body), spec.id
        )
        assert not failed, payload
    return connection_id


def calls(gone: set[str]) -> dict[str, Any]:
    """`gone`: the connection ids the management API answers Gone for (the caller's @connections endpoint)."""
    rows = []
    for live in CONNECTION_COUNTS:
        user_id = str(uuid.uuid4())
        for _ in range(live):
            open_subscribed(user_id)
        old = _execution_item(user_id, "pending", 0)
        records = [
            _record(i + 1, {**old, "status": "running", "output_data": json.dumps({"i": i})}, old) for i in range(5)
        ]
        with AwsCalls(thread_name_prefix=POST_THREAD_PREFIX) as counted:
            payload, failed = moto_seams.invoke_handler(NOTIFIER.handler, {"Records": records}, NOTIFIER.id)
        assert not failed and json.loads(payload) == {"batchItemFailures": []}, payload
        rows.append(_row(f"{live} live connection(s)", counted, len(records), live))
    # a Gone connection: deleted on the first record, never posted to again
    user_id = str(uuid.uuid4())
    open_subscribed(user_id)
    gone.add(open_subscribed(user_id))
    old = _execution_item(user_id, "pending", 0)
    records = [_record(i + 1, {**old, "status": "running"}, old) for i in range(5)]
    with AwsCalls(thread_name_prefix=POST_THREAD_PREFIX) as counted:
        payload, failed = moto_seams.invoke_handler(NOTIFIER.handler, {"Records": records}, NOTIFIER.id)
    assert not failed, payload
    rows.append(_row("1 live + 1 gone connection", counted, len(records), 1))
    return {"rows": rows, "over_budget": [row["case"] for row in rows if not row["held"]]}


def _row(case: str, counted: AwsCalls, records: int, live: int) -> dict[str, Any]:
    operations = counted.operations()
    queries = operations.get("dynamodb.Query", 0)
    posts = operations.get("apigatewaymanagementapi.PostToConnection", 0)
    deletes = operations.get("dynamodb.DeleteItem", 0)
    held = (
        queries == records
        and posts <= records * live + 1  # + the one post that found a Gone connection
        and deletes <= 2  # a Gone connection: its item and its slot (data.connection_slots)
        and counted.count("dynamodb.Scan") == 0
        and set(operations) <= {"dynamodb.Query", "apigatewaymanagementapi.PostToConnection", "dynamodb.DeleteItem"}
    )
    return {
        "case": case,
        "records": records,
        "operations": operations,
        "per_record": round(counted.count() / records, 2),
        "budget_per_record": f"1 Query + {live} post(s)",
        "held": held,
    }


# -- latency (local stack, real WebSockets) ----------------------------------------------------------------


class _Clients:
    """C WebSocket clients on their own event loop thread, recording when each sample's message arrives."""

    def __init__(self, url: str, count: int) -> None:
        self._url = url
        self._count = count
        self.arrivals: dict[int, list[float]] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Clients:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("WebSocket clients did not connect")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        sockets = [await connect(self._url, open_timeout=30) for _ in range(self._count)]
        for socket in sockets:
            await socket.send(json.dumps({"action": "subscribe"}))
            assert json.loads(await socket.recv())["type"] == "subscribed"
        readers = [asyncio.create_task(self._read(socket)) for socket in sockets]
        self._ready.set()
        await self._stop.wait()
        for reader in readers:
            reader.cancel()
        for socket in sockets:
            await socket.close()

    async def _read(self, socket: Any) -> None:
        async for frame in socket:
            arrived = time.perf_counter()
            message = json.loads(frame)
            sample = (message.get("execution", {}).get("output_data") or {}).get("sample")
            if sample is not None:
                with self._lock:
                    self.arrivals.setdefault(sample, []).append(arrived)

    def wait_for(self, sample: int, timeout: float) -> list[float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                got = list(self.arrivals.get(sample, []))
            if len(got) >= self._count:
                return got
            time.sleep(0.001)
        raise AssertionError(f"sample {sample}: {len(got)} of {self._count} clients got the message")


def _status_changer(dynamodb: Any, table: str) -> Any:
    def change(item: dict[str, Any], status: str, sample: int) -> None:
        dynamodb.update_item(
            TableName=table,
            Key=to_item({"execution_id": item["execution_id"]}),
            UpdateExpression="SET #status = :status, #output = :output",
            ExpressionAttributeNames={"#status": "status", "#output": "output_data"},
            ExpressionAttributeValues=to_item({":status": status, ":output": json.dumps({"sample": sample})}),
        )

    return change


def _user(outputs: dict[str, str], name: str) -> tuple[str, str]:
    token = sign_in(outputs, f"bench-{name}-{uuid.uuid4().hex[:8]}", "Correct-Horse-42!")
    return token, jwt.decode(token, options={"verify_signature": False})["sub"]


def latency(
    samples: int = SAMPLES, alice_connections: int = ALICE_CONNECTIONS, stack: LocalStack = local_stack
) -> dict[str, Any]:
    """Bob's update latency, alone and while Alice holds `alice_connections` and changes ALICE_RUNS runs."""
    with stack() as outputs:
        local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        dynamodb = boto3.client(
            "dynamodb", region_name=outputs["Region"], endpoint_url=outputs["AwsEndpointUrl"], **local
        )
        table = f"{NAME_PREFIX}-Executions"
        change = _status_changer(dynamodb, table)
        (bob_token, bob), (alice_token, alice) = _user(outputs, "bob"), _user(outputs, "alice")
        rows = []
        sample = 0
        for alice_holds in (0, alice_connections):
            with _Clients(f"{outputs['WebSocketUrl']}?token={bob_token}", 1) as bob_client:
                alice_clients = _Clients(f"{outputs['WebSocketUrl']}?token={alice_token}", alice_holds)
                with alice_clients if alice_holds else nullcontext():
                    item = _execution_item(bob, "pending", 0)
                    runs = [_execution_item(alice, "pending", 0) for _ in range(ALICE_RUNS if alice_holds else 0)]
                    for written in (item, *runs):
                        dynamodb.put_item(TableName=table, Item=to_item(written))
                    bob_client.wait_for(0, SAMPLE_TIMEOUT_SECONDS)  # subscribed and warm
                    delays: list[float] = []
                    for index in range(samples + 1):  # the first one warms up this setting
                        sample += 1
                        status = "running" if index % 2 == 0 else "pending"
                        for run in runs:  # Alice's records go first: her fan-out is ahead of Bob's message
                            change(run, status, -sample)
                        started = time.perf_counter()
                        change(item, status, sample)
                        (arrived,) = bob_client.wait_for(sample, SAMPLE_TIMEOUT_SECONDS)
                        if index:
                            delays.append(arrived - started)
            case = (
                "Bob alone"
                if not alice_holds
                else (f"Bob while Alice holds {alice_holds} connections and changes {ALICE_RUNS} runs")
            )
            stats = _latency(delays)
            rows.append(
                {
                    "case": case,
                    "alice_connections": alice_holds,
                    "samples": samples,
                    **stats,
                    "budget_ms": LATENCY_BUDGET_MS,
                    "held": stats["p95_ms"] < LATENCY_BUDGET_MS,
                }
            )
    return {"rows": rows, "held": all(row["held"] for row in rows), "budget_ms": LATENCY_BUDGET_MS}


def main(quick: bool = False) -> None:
    """`python -m bench.realtime [--quick]`: this section alone, printed as JSON (make bench runs it with the
    rest); `--quick`: a tiny size (a smoke run, not a measurement)."""
    from bench.harness import in_process_stack
    from tests.support.connections_sink import RecordedConnections

    sink = RecordedConnections()
    try:
        with in_process_stack(websocket_callback_url=sink.url):
            measured = {"calls": calls(sink.gone)}
    finally:
        sink.stop()
    measured["latency"] = latency(QUICK_SAMPLES, alice_connections=2) if quick else latency()
    print(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
