"""The notifier's fan-out (hole 3): a batch's posts go out concurrently through one bounded pool, interleaved
across records, so one owner's many connections never delay another owner's message; Gone connections are
forgotten; each post is bounded by the management client's timeouts. And client frames of any depth get a
reason, never a RecursionError."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.local.moto_seams import LambdaContext
from tests.support.handler_modules import fresh_import
from workflow_engine.data.codec import to_item
from workflow_engine.data.connections import Connection
from workflow_engine.realtime.frames import MAX_DEPTH, TOO_DEEP, FrameRejected, nesting_depth, parse_frame
from workflow_engine.realtime.notifier import Fanout, Notifier, per_connection
from workflow_engine.realtime.subscriptions import UNKNOWN_ACTION, unrouted

WAIT_SECONDS = 5.0  # how long a post of the first owner waits for the other owner's post: never, when fair


class FakeConnections:
    """ConnectionRepository's notifier side: each user's connections, subscribed to all."""

    def __init__(self, by_user: dict[str, list[str]]) -> None:
        self.by_user = by_user
        self.deleted: list[str] = []

    def for_user(self, user_id: str) -> list[Connection]:
        return [Connection(c, user_id, frozenset({"all"})) for c in self.by_user.get(user_id, [])]

    def delete(self, connection_id: str) -> None:
        self.deleted.append(connection_id)


class BlockingManagement:
    """post_to_connection: Alice's posts wait until Bob's message has been posted (and record whether it was)."""

    def __init__(self, bob_connection: str) -> None:
        self.bob_connection = bob_connection
        self.bob_posted = threading.Event()
        self.alice_saw_bob_first: list[bool] = []
        self._lock = threading.Lock()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803 (boto3's names)
        if ConnectionId == self.bob_connection:
            self.bob_posted.set()
            return
        waited = self.bob_posted.wait(WAIT_SECONDS)
        with self._lock:
            self.alice_saw_bob_first.append(waited)


def _record(user_id: str, sequence: int) -> dict[str, Any]:
    item = {
        "execution_id": str(uuid.uuid4()),
        "user_id": user_id,
        "workflow_id": str(uuid.uuid4()),
        "workflow_version": 1,
        "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:wf",
        "status": "completed",
        "started_at": "2026-01-01T00:00:00.000000Z",
        "updated_at": "2026-01-01T00:00:01.000000Z",
    }
    return {
        "eventID": str(sequence),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": to_item({"execution_id": item["execution_id"]}),
            "NewImage": to_item(item),
            "SequenceNumber": str(sequence),
        },
    }


@pytest.fixture
def notifier_handler(monkeypatch):
    monkeypatch.setenv("CONNECTIONS_TABLE", "connections")
    monkeypatch.setenv("WEBSOCKET_CALLBACK_URL", "https://abc123.execute-api.us-east-1.amazonaws.com/live")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with fresh_import("realtime.notifier") as module:
        yield module


def test_one_owners_many_connections_do_not_delay_another_owners_message(notifier_handler, monkeypatch):
    """Alice (3 records, 8 connections each) comes first in the batch; Bob's one post still goes out while
    Alice's are in flight, through a pool of 2. A serial notifier posts Alice's first: each waits in vain."""
    alice = [f"alice-{i}" for i in range(8)]
    connections = FakeConnections({"alice": alice, "bob": ["bob-0"]})
    management = BlockingManagement("bob-0")
    monkeypatch.setattr(notifier_handler, "notifier", Notifier(connections, management, concurrency=2))  # type: ignore[arg-type]
    records = [_record("alice", 1), _record("alice", 2), _record("alice", 3), _record("bob", 4)]

    response = notifier_handler.handler({"Records": records}, LambdaContext(function_name="Notifier"))

    assert response == {"batchItemFailures": []}
    assert management.bob_posted.is_set()
    assert len(management.alice_saw_bob_first) == 24 and all(management.alice_saw_bob_first)


def test_posts_run_concurrently_but_never_more_than_the_pool():
    """9 posts, a pool of 3: each post waits at a barrier of 3 (so 3 run at once), and never more than 3 do."""
    barrier = threading.Barrier(3, timeout=WAIT_SECONDS)
    lock = threading.Lock()
    running = {"now": 0, "most": 0}

    class Management:
        def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803
            with lock:
                running["now"] += 1
                running["most"] = max(running["most"], running["now"])
            barrier.wait()
            with lock:
                running["now"] -= 1

    notifier = Notifier(FakeConnections({}), Management(), concurrency=3)  # type: ignore[arg-type]
    delivery = notifier.deliver([Fanout("u", b"{}", tuple(f"c{i}" for i in range(9)))])
    assert (delivery.sent, delivery.failed, running["most"]) == (9, 0, 3)


def test_a_batchs_posts_are_one_ordered_task_per_connection_interleaved_across_owners():
    fanouts = [
        Fanout("alice", b"a", ("a1", "a2")),
        Fanout("alice", b"A", ("a1", "a2")),
        Fanout("bob", b"b", ("b1",)),
        Fanout("carol", b"c", ("c1", "c2")),
    ]
    assert per_connection(fanouts) == [
        ("a1", [b"a", b"A"]),
        ("b1", [b"b"]),
        ("c1", [b"c"]),
        ("a2", [b"a", b"A"]),
        ("c2", [b"c"]),
    ]


def test_gone_connections_are_forgotten_and_failures_do_not_stop_the_others():
    class Management:
        def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803
            if ConnectionId != "live":
                code = "GoneException" if ConnectionId == "gone" else "LimitExceededException"
                raise ClientError({"Error": {"Code": code, "Message": code}}, "PostToConnection")

    connections = FakeConnections({})
    fanouts = [Fanout("u", b"1", ("gone", "live", "busy")), Fanout("u", b"2", ("gone", "live", "busy"))]
    delivery = Notifier(connections, Management()).deliver(fanouts)  # type: ignore[arg-type]
    assert (delivery.sent, delivery.gone, delivery.failed) == (2, 1, 2)  # never posted to again once Gone
    assert connections.deleted == ["gone"]


def test_the_management_client_gives_up_fast_and_pools_as_many_connections_as_posts(notifier_handler):
    config = notifier_handler.management_api.real.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.0, 2.0)
    assert config.retries["total_max_attempts"] == 1  # no retry
    assert config.max_pool_connections == notifier_handler.settings.post_concurrency == 16


# -- client frames ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 3_000, 100_000])
def test_a_frame_nested_too_deep_is_refused_with_the_reason(depth):
    deep = '{"action": "subscribe", "x": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(FrameRejected, match="at most 16 deep"):
        parse_frame(deep)
    assert unrouted("[" * depth) == {"type": "error", "message": TOO_DEEP}


def test_brackets_inside_strings_do_not_count_and_flat_frames_parse():
    text = '{"action": "subscribe", "note": "[[[[{{{{\\\\\\"]]]]", "nested": {"a": [1, {"b": []}]}}'
    assert nesting_depth(text) == 5  # {, "nested" {, [, {, []
    assert parse_frame(text)["action"] == "subscribe"
    assert unrouted('{"action": "dance"}') == {"type": "error", "message": UNKNOWN_ACTION}
    for not_an_object in ("not json", "[1]", "", '"{"'):
        with pytest.raises(FrameRejected, match="JSON object"):
            parse_frame(not_an_object)
