"""Real-time channel, in-process: the WebSocket route handlers with API Gateway's WebSocket events, the real
state machines writing statuses and logs, moto's DynamoDB streams delivering them to the notifier (moto seam 5),
and the notifier posting through the local `@connections` management API (tests/support/connections_sink.py).
"""

from __future__ import annotations

import importlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.catalog import NOTIFIER, WEBSOCKET_ROUTES
from infra.local import moto_seams
from infra.local.websocket import new_connection_id, select_route
from tests.integration.conftest import wait_terminal
from workflow_engine.data.codec import to_item
from workflow_engine.data.connections import ConnectionRepository
from workflow_engine.realtime.subscriptions import too_many_connections

ROUTE_HANDLERS = {route.key: route.function for route in WEBSOCKET_ROUTES}
TRANSFORM = [
    {"name": "Double", "type": "transform", "config": {"expression": "{n: input.n}"}},
    {"name": "Echo", "type": "transform", "config": {"expression": "steps.Double.output"}},
]


class Socket:
    """One WebSocket connection of a user, driven through the route handlers as API Gateway drives them."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.connection_id = new_connection_id()
        assert self._invoke("$connect", "CONNECT")["statusCode"] == 200

    def _invoke(self, route_key: str, event_type: str, body: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "requestContext": {
                "routeKey": route_key,
                "eventType": event_type,
                "connectionId": self.connection_id,
                "authorizer": {"user_id": self.user_id, "principalId": self.user_id},
                "stage": "live",
                "domainName": "localhost",
                "apiId": "local",
                "requestId": uuid.uuid4().hex,
                "connectedAt": 0,
                "requestTimeEpoch": 0,
                "identity": {"sourceIp": "127.0.0.1"},
                "messageDirection": "IN",
                "extendedRequestId": uuid.uuid4().hex,
                "requestTime": "",
            },
            "isBase64Encoded": False,
        }
        if body is not None:
            event["body"] = body
        spec = ROUTE_HANDLERS[route_key]
        payload, failed = moto_seams.invoke_handler(spec.handler, event, function_name=spec.id)
        assert not failed, payload
        return json.loads(payload)

    def send(self, message: Any) -> dict[str, Any]:
        body = message if isinstance(message, str) else json.dumps(message)
        result = self._invoke(select_route(body), "MESSAGE", body)
        return json.loads(result["body"])

    def close(self) -> None:
        self._invoke("$disconnect", "DISCONNECT")


def _workflow(api) -> str:
    status, body, _ = api.call("POST", "/api/workflows", {"name": "live", "steps": TRANSFORM})
    assert status == 201, body
    return body["id"]


def _run(api, workflow_id: str, input_data: Any = None) -> str:
    status, body, _ = api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data or {"n": 1}})
    assert status == 202, body
    wait_terminal(api, body["execution_id"])
    assert moto_seams.drain_event_sources(30)
    return body["execution_id"]


def _connection_item(resources, connection_id: str) -> dict | None:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    table = resources.table_names["Connections"]
    return dynamodb.get_item(TableName=table, Key=to_item({"connection_id": connection_id})).get("Item")


def _slot_key(resources, socket: Socket, item: dict | None = None) -> str:
    """The key of the per-user slot the connection holds (recorded in its item)."""
    item = item or _connection_item(resources, socket.connection_id)
    assert item is not None
    return f"slot#{socket.user_id}#{item['slot']['N']}"


def test_status_and_log_records_reach_exactly_the_subscribed_connections_in_order(api, other_api, connections):
    workflow_id = _workflow(api)
    by_workflow, by_all, by_other_execution, other_user = (
        Socket(api.user_id),
        Socket(api.user_id),
        Socket(api.user_id),
        Socket(other_api.user_id),
    )
    assert by_workflow.send({"action": "subscribe", "workflow_id": workflow_id}) == {
        "type": "subscribed",
        "workflow_id": workflow_id,
    }
    assert by_all.send({"action": "subscribe"}) == {"type": "subscribed"}
    earlier = _run(api, workflow_id)
    assert by_other_execution.send({"action": "subscribe", "execution_id": earlier})["type"] == "subscribed"
    assert other_user.send({"action": "subscribe"}) == {"type": "subscribed"}
    for socket in (by_workflow, by_all):
        connections.posted.pop(socket.connection_id, None)

    execution_id = _run(api, workflow_id, {"n": 21})

    messages = connections.messages(by_workflow.connection_id)
    assert messages == connections.messages(by_all.connection_id)
    kinds = [
        (m["type"], m["execution"]["status"] if m["type"] == "execution" else m["log"]["step_name"]) for m in messages
    ]
    assert kinds == [
        ("execution", "pending"),
        ("execution", "running"),
        ("log", "Double"),
        ("log", "Echo"),
        ("execution", "completed"),
    ]
    # one schema: the execution message carries GET .../executions/{id}, the log message a logs entry
    _, status_body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}")
    assert messages[-1] == {"type": "execution", "execution": status_body}
    _, logs_body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs")
    assert [m["log"] for m in messages if m["type"] == "log"] == logs_body
    assert all(m["execution_id"] == execution_id for m in messages if m["type"] == "log")

    assert connections.messages(by_other_execution.connection_id) == []  # subscribed to another execution
    assert connections.messages(other_user.connection_id) == []  # another user: never


def test_unsubscribe_stops_the_messages(api, connections):
    workflow_id = _workflow(api)
    socket = Socket(api.user_id)
    socket.send({"action": "subscribe", "workflow_id": workflow_id})
    assert socket.send({"action": "unsubscribe", "workflow_id": workflow_id}) == {
        "type": "unsubscribed",
        "workflow_id": workflow_id,
    }
    _run(api, workflow_id)
    assert connections.messages(socket.connection_id) == []


def test_a_gone_connection_is_deleted_and_never_posted_to_again(api, resources, connections):
    workflow_id = _workflow(api)
    gone, live = Socket(api.user_id), Socket(api.user_id)
    for socket in (gone, live):
        socket.send({"action": "subscribe", "workflow_id": workflow_id})
    connections.gone.add(gone.connection_id)  # the client went away without a $disconnect
    gone_slot = _slot_key(resources, gone)

    _run(api, workflow_id)

    assert connections.attempts[gone.connection_id] == 1  # the first post answered Gone: no retry, no second post
    assert _connection_item(resources, gone.connection_id) is None
    assert _connection_item(resources, gone_slot) is None  # its place under the cap is free again
    assert len(connections.messages(live.connection_id)) == 5  # the other connection got everything
    assert _connection_item(resources, live.connection_id) is not None


def test_disconnect_forgets_the_connection_and_frees_its_slot(api, resources):
    socket = Socket(api.user_id)
    item = _connection_item(resources, socket.connection_id)
    assert item["user_id"] == {"S": api.user_id}
    assert int(item["expires_at"]["N"]) > 0  # the TTL attribute
    slot = _connection_item(resources, _slot_key(resources, socket))
    assert slot is not None and slot["holder"] == {"S": socket.connection_id}
    assert slot["expires_at"] == item["expires_at"] and "user_id" not in slot  # same TTL; never in the by-user index
    socket.close()
    assert _connection_item(resources, socket.connection_id) is None
    assert _connection_item(resources, _slot_key(resources, socket, item)) is None


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        '{"action": 7}',
        '{"action": "dance"}',
        "",
        '{"no": "action"}',
    ],
)
def test_anything_without_a_known_action_gets_an_error_message(api, message):
    reply = Socket(api.user_id).send(message)
    assert reply["type"] == "error" and "Unknown action" in reply["message"]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"action": "subscribe", "execution_id": "not-a-uuid"}, "execution_id"),
        ({"action": "subscribe", "workflow_id": str(uuid.uuid4()), "execution_id": str(uuid.uuid4())}, "not both"),
        ({"action": "subscribe", "extra": 1}, "extra"),
    ],
)
def test_malformed_subscriptions_get_the_reason(api, message, reason):
    reply = Socket(api.user_id).send(message)
    assert reply["type"] == "error" and reason in reply["message"]


def test_unknown_and_foreign_ids_get_the_same_error(api, other_api):
    workflow_id = _workflow(api)
    execution_id = _run(api, workflow_id)
    intruder = Socket(other_api.user_id)
    foreign_execution = intruder.send({"action": "subscribe", "execution_id": execution_id})
    unknown_execution = intruder.send({"action": "subscribe", "execution_id": str(uuid.uuid4())})
    assert foreign_execution == unknown_execution == {"type": "error", "message": "Execution not found"}
    foreign_workflow = intruder.send({"action": "subscribe", "workflow_id": workflow_id})
    unknown_workflow = intruder.send({"action": "subscribe", "workflow_id": str(uuid.uuid4())})
    assert foreign_workflow == unknown_workflow == {"type": "error", "message": "Workflow not found"}


def test_a_record_whose_owner_has_no_connection_is_fine(api, connections):
    failures: list[Any] = []

    def listener(name, event, error):
        failures.append((name, error))

    moto_seams.add_delivery_failure_listener(listener)
    try:
        _run(api, _workflow(api))
    finally:
        moto_seams.remove_delivery_failure_listener(listener)
    assert failures == []


def _stream_record(sequence: str, image: dict[str, Any], keys: dict[str, Any], event_name: str = "INSERT") -> dict:
    return {
        "eventID": sequence,
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
        "dynamodb": {
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_one_bad_record_never_holds_back_the_others(api, resources, connections):
    """A record the notifier cannot read is reported in batchItemFailures; the records around it still go out."""
    workflow_id = _workflow(api)
    socket = Socket(api.user_id)
    socket.send({"action": "subscribe", "workflow_id": workflow_id})
    execution_id = _run(api, workflow_id)
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    item = dynamodb.get_item(
        TableName=resources.table_names["Executions"], Key=to_item({"execution_id": execution_id})
    )["Item"]
    keys = {"execution_id": item["execution_id"]}
    broken = {**item, "status": {"S": "exploded"}}  # not a status the model knows
    connections.posted.pop(socket.connection_id, None)
    event = {
        "Records": [_stream_record("1", item, keys), _stream_record("2", broken, keys), _stream_record("3", item, keys)]
    }

    payload, failed = moto_seams.invoke_handler(NOTIFIER.handler, event, function_name=NOTIFIER.id)

    assert not failed
    assert json.loads(payload) == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert [m["execution"]["status"] for m in connections.messages(socket.connection_id)] == ["completed", "completed"]


def test_a_message_too_big_for_websocket_is_sent_without_its_bulky_fields(api, connections):
    workflow_id = _workflow(api)
    socket = Socket(api.user_id)
    socket.send({"action": "subscribe", "workflow_id": workflow_id})
    _run(api, workflow_id, {"n": 1, "padding": "x" * 200_000})
    first = connections.messages(socket.connection_id)[0]
    assert first["type"] == "execution" and first["execution"]["status"] == "pending"
    assert first["truncated"] is True and "input_data" not in first["execution"]


# -- caps and bounded frames (one user cannot grow the fan-out; no frame breaks a handler) ---------------------


@pytest.fixture
def small_caps(monkeypatch):
    """The route handlers' caps, lowered so a test reaches them quickly (the defaults: RealtimeSettings)."""
    from workflow_engine.realtime.subscriptions import Caps

    moto_seams.resolve_handler(ROUTE_HANDLERS["$connect"].handler)  # the route modules, as the handlers load them
    routes = importlib.import_module("realtime.routes")
    monkeypatch.setattr(routes.service, "caps", Caps(connections_per_user=3, subscriptions_per_connection=3))
    return routes.service.caps


def _connect(user_id: str) -> tuple[Socket | None, dict[str, Any]]:
    """A connect that may be refused: (the socket or None, the $connect answer)."""
    socket = Socket.__new__(Socket)
    socket.user_id, socket.connection_id = user_id, new_connection_id()
    answer = socket._invoke("$connect", "CONNECT")
    return (socket if answer["statusCode"] == 200 else None), answer


def test_a_user_holds_at_most_the_connection_cap_and_the_next_connect_is_refused_with_the_reason(
    api, other_api, resources, small_caps
):
    sockets = [Socket(api.user_id) for _ in range(small_caps.connections_per_user)]
    refused, answer = _connect(api.user_id)
    assert refused is None and answer["statusCode"] == 429
    assert json.loads(answer["body"]) == {
        "type": "error",
        "message": "Too many connections: a user may hold at most 3 open WebSocket connections; close one first",
    }
    assert Socket(other_api.user_id).connection_id  # another user is not affected
    sockets[0].close()
    again, answer = _connect(api.user_id)  # a closed connection frees its place
    assert again is not None, answer


def test_an_expired_connection_does_not_count_against_the_cap(api, resources, small_caps):
    """A connection that vanished without `$disconnect`: once its time is up (its item's and its slot's
    `expires_at`, the same), its slot is free again, before DynamoDB's TTL deletes anything."""
    sockets = [Socket(api.user_id) for _ in range(small_caps.connections_per_user)]
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    for key in (
        sockets[0].connection_id,
        _slot_key(resources, sockets[0]),
    ):  # the TTL passed; DynamoDB deletes such items within days
        dynamodb.update_item(
            TableName=resources.table_names["Connections"],
            Key=to_item({"connection_id": key}),
            UpdateExpression="SET expires_at = :past",
            ExpressionAttributeValues={":past": {"N": "1"}},
        )
    late = _connect(api.user_id)[0]
    assert late is not None
    sockets[0].close()  # the vanished connection's late `$disconnect` leaves the slot to its new holder
    assert _connect(api.user_id)[0] is None


class ReadsBeforeWrites:
    """The route handlers' DynamoDB client, made to interleave concurrent handshakes at their worst: each
    thread's first read returns only once every thread has made its first read, so all of them have looked
    at the user's connections before any of them writes (moto serialises the calls themselves)."""

    READS = frozenset({"query", "get_item", "batch_get_item", "scan"})

    def __init__(self, client: Any, parties: int) -> None:
        self._client = client
        self._barrier = threading.Barrier(parties)
        self._seen = threading.local()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name not in self.READS:
            return method

        def read(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if not getattr(self._seen, "read", False):
                self._seen.read = True
                self._barrier.wait(timeout=60)
            return result

        return read


def test_a_burst_of_simultaneous_handshakes_never_passes_the_connection_cap(api, resources, small_caps, monkeypatch):
    """Twice the cap of `$connect` invocations at once, every one having read before any writes: exactly `cap`
    are accepted, the rest refused with the reason (a count-then-write let all of them in)."""
    burst = 2 * small_caps.connections_per_user
    repository = importlib.import_module("realtime.routes").service._connections
    monkeypatch.setattr(repository, "_client", ReadsBeforeWrites(repository._client, burst))
    with ThreadPoolExecutor(max_workers=burst) as pool:
        outcomes = list(pool.map(lambda _: _connect(api.user_id), range(burst)))
    answers = [answer for _, answer in outcomes]
    statuses = sorted(answer["statusCode"] for answer in answers)
    assert statuses == [200] * small_caps.connections_per_user + [429] * (burst - small_caps.connections_per_user)
    refusal = too_many_connections(small_caps.connections_per_user)
    assert all(json.loads(a["body"])["message"] == refusal for a in answers if a["statusCode"] == 429)
    accepted = sorted(socket.connection_id for socket, _ in outcomes if socket is not None)
    assert sorted(_connections_of(resources, api.user_id)) == accepted  # the slot items are never listed
    holders = [_connection_item(resources, f"slot#{api.user_id}#{k}") for k in range(small_caps.connections_per_user)]
    assert sorted(holder["holder"]["S"] for holder in holders if holder) == accepted


def test_a_handshake_whose_connection_write_fails_gives_its_slot_back(api, resources, small_caps, monkeypatch):
    repository = importlib.import_module("realtime.routes").service._connections
    client = repository._client

    def put_item(**kwargs: Any) -> Any:
        if "user_id" in kwargs["Item"]:  # the connection item, after its slot was claimed
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "PutItem")
        return client.put_item(**kwargs)

    monkeypatch.setattr(
        repository,
        "_client",
        SimpleNamespace(
            put_item=put_item, **{name: getattr(client, name) for name in ("batch_get_item", "delete_item")}
        ),
    )
    socket = Socket.__new__(Socket)
    socket.user_id, socket.connection_id = api.user_id, new_connection_id()
    with pytest.raises(AssertionError, match="injected"):  # the function fails: API Gateway opens no connection
        socket._invoke("$connect", "CONNECT")
    monkeypatch.setattr(repository, "_client", client)
    assert _connection_item(resources, f"slot#{api.user_id}#0") is None
    assert all(_connect(api.user_id)[0] for _ in range(small_caps.connections_per_user))


def _connections_of(resources, user_id: str) -> list[str]:
    """The user's connections as the notifier lists them (the by-user index)."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    return [
        connection.connection_id
        for connection in ConnectionRepository(dynamodb, resources.table_names["Connections"]).for_user(user_id)
    ]


def test_a_connection_holds_at_most_the_subscription_cap_and_the_error_names_it(api, small_caps):
    workflows = [_workflow(api) for _ in range(small_caps.subscriptions_per_connection + 1)]
    socket = Socket(api.user_id)
    for workflow_id in workflows[:-1]:
        assert socket.send({"action": "subscribe", "workflow_id": workflow_id})["type"] == "subscribed"
    refused = socket.send({"action": "subscribe", "workflow_id": workflows[-1]})
    assert refused["type"] == "error" and "at most 3" in refused["message"], refused
    assert socket.send({"action": "subscribe", "workflow_id": workflows[0]})["type"] == "subscribed"  # held: fine
    assert socket.send({"action": "unsubscribe", "workflow_id": workflows[0]})["type"] == "unsubscribed"
    assert socket.send({"action": "subscribe", "workflow_id": workflows[-1]})["type"] == "subscribed"
    assert Socket(api.user_id).send({"action": "subscribe"}) == {"type": "subscribed"}  # per connection


@pytest.mark.parametrize("route_key", ["subscribe", "$default"])
def test_a_frame_nested_3000_deep_gets_an_error_message_not_a_failure(api, route_key):
    """Whichever route API Gateway picks for it: a reply naming the limit (a RecursionError failed the handler)."""
    deep = '{"action": "subscribe", "x": ' + "[" * 3000 + "]" * 3000 + "}"
    socket = Socket(api.user_id)
    answer = socket._invoke(route_key, "MESSAGE", deep)  # asserts the function did not fail
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {
        "type": "error",
        "message": "A message may nest objects and arrays at most 16 deep",
    }
    assert select_route(deep) == "$default"  # the local emulator routes it without parsing it
