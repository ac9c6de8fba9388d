"""The real-time channel end to end: a real WebSocket client (the `websockets` library) against the stack's
WebSocketUrl, the HTTP API driving executions, Cognito tokens from the standard sign-in.

Forged tokens are signed with the key moto's Cognito signs with (it ships inside moto), so against the local
stack each one is valid in every respect but the one under test; against a deployed stack they are refused too.
"""

from __future__ import annotations

import json
import socket as socket_module
import time
import uuid
from contextlib import ExitStack
from typing import Any

import boto3
import jwt
import pytest
from moto.utilities.utils import load_resource
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local.provision import NAME_PREFIX

pytestmark = pytest.mark.xdist_group("e2e")

STEPS = [
    {"name": "First", "type": "transform", "config": {"expression": "{n: input.n}"}},
    {"name": "Second", "type": "transform", "config": {"expression": "steps.First.output"}},
]
QUIET_SECONDS = 1.5


def _open(stack: dict, token: str | None) -> ClientConnection:
    url = stack["WebSocketUrl"] + (f"?token={token}" if token is not None else "")
    return connect(url, open_timeout=15)


def _next(socket: ClientConnection, timeout: float = 30.0) -> dict[str, Any]:
    return json.loads(socket.recv(timeout=timeout))


def _request(socket: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    socket.send(json.dumps(message))
    return _next(socket)


def _until(socket: ClientConnection, status: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Every message up to (and including) the execution message with `status`."""
    deadline = time.monotonic() + timeout
    messages = []
    while True:
        message = _next(socket, max(0.1, deadline - time.monotonic()))
        messages.append(message)
        if message["type"] == "execution" and message["execution"]["status"] == status:
            return messages


def _quiet(socket: ClientConnection, seconds: float = QUIET_SECONDS) -> list[str]:
    received = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            received.append(socket.recv(timeout=max(0.05, deadline - time.monotonic())))
        except TimeoutError:
            break
    return received


def _workflow(client, steps=STEPS) -> str:
    response = client.post("/api/workflows", json={"name": "live", "steps": steps})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _execute(client, workflow_id: str, input_data: Any = None) -> str:
    response = client.post(f"/api/workflows/{workflow_id}/execute", json={"input_data": input_data or {"n": 1}})
    assert response.status_code == 202, response.text
    return response.json()["execution_id"]


def _forged(stack: dict, **overrides: Any) -> str:
    """A token like the pool's ID tokens (signed with moto's Cognito key), with `overrides` applied."""
    private_jwk = load_resource("cognitoidp/resources/jwks-private.json")
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(private_jwk))
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": f"https://cognito-idp.{stack['Region']}.amazonaws.com/{stack['UserPoolId']}",
        "aud": stack["UserPoolClientId"],
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": private_jwk["kid"]})


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda stack: None, id="no-token"),
        pytest.param(lambda stack: "", id="empty"),
        pytest.param(lambda stack: "not.a.jwt", id="garbage"),
        pytest.param(lambda stack: _forged(stack, exp=int(time.time()) - 60), id="expired"),
        pytest.param(
            lambda stack: _forged(stack, iss=f"https://cognito-idp.{stack['Region']}.amazonaws.com/us-east-1_other"),
            id="other-pool",
        ),
        pytest.param(lambda stack: _forged(stack, aud="another-client"), id="other-client"),
        pytest.param(lambda stack: _forged(stack, token_use="refresh"), id="wrong-token-use"),
    ],
)
def test_handshake_is_refused_without_a_valid_token(stack, token):
    with pytest.raises(InvalidStatus) as refused:
        _open(stack, token(stack))
    assert refused.value.response.status_code == 401


def test_a_forged_token_is_accepted_only_when_every_claim_holds(stack):
    """The control for the forgeries above: on the local stack the same forging with nothing changed connects."""
    if "AwsEndpointUrl" not in stack:  # a deployed pool never accepts moto's key: the forgeries prove nothing more
        with pytest.raises(InvalidStatus):
            _open(stack, _forged(stack))
        return
    with _open(stack, _forged(stack)) as socket:
        assert _request(socket, {"action": "subscribe"}) == {"type": "subscribed"}


def test_id_and_access_tokens_connect(stack, tokens):
    for kind in ("id", "access"):
        with _open(stack, tokens["alice"][kind]) as socket:
            assert _request(socket, {"action": "subscribe"}) == {"type": "subscribed"}


def test_subscribe_to_a_workflow_and_receive_its_run_in_order(stack, tokens, alice):
    workflow_id = _workflow(alice)
    with _open(stack, tokens["alice"]["id"]) as socket:
        reply = _request(socket, {"action": "subscribe", "workflow_id": workflow_id})
        assert reply == {"type": "subscribed", "workflow_id": workflow_id}
        execution_id = _execute(alice, workflow_id, {"n": 7})
        messages = _until(socket, "completed")

    summary = [
        (m["type"], m["execution"]["status"] if m["type"] == "execution" else m["log"]["step_name"]) for m in messages
    ]
    assert summary == [
        ("execution", "pending"),
        ("execution", "running"),
        ("log", "First"),
        ("log", "Second"),
        ("execution", "completed"),
    ]
    assert messages[-1]["execution"] == alice.get(f"/api/workflows/executions/{execution_id}").json()
    logs = alice.get(f"/api/workflows/executions/{execution_id}/logs").json()
    assert [m["log"] for m in messages if m["type"] == "log"] == logs
    assert {m["execution_id"] for m in messages if m["type"] == "log"} == {execution_id}


def test_a_cancel_is_pushed(stack, tokens, alice):
    workflow_id = _workflow(alice, [{"name": "Nap", "type": "wait", "config": {"seconds": 60}}])
    with _open(stack, tokens["alice"]["id"]) as socket:
        _request(socket, {"action": "subscribe", "workflow_id": workflow_id})
        execution_id = _execute(alice, workflow_id)
        _until(socket, "running")
        response = alice.post(f"/api/workflows/executions/{execution_id}/cancel")
        assert response.status_code == 200, response.text
        (cancelled,) = [m for m in _until(socket, "cancelled") if m["type"] == "execution"]
    assert cancelled["execution"]["id"] == execution_id


def test_a_second_user_never_receives_the_first_users_events(stack, tokens, alice):
    workflow_id = _workflow(alice)
    with _open(stack, tokens["alice"]["id"]) as mine, _open(stack, tokens["bob"]["id"]) as theirs:
        assert _request(theirs, {"action": "subscribe"}) == {"type": "subscribed"}
        denied = _request(theirs, {"action": "subscribe", "workflow_id": workflow_id})
        assert denied == {"type": "error", "message": "Workflow not found"}
        _request(mine, {"action": "subscribe"})
        execution_id = _execute(alice, workflow_id)
        foreign = _request(theirs, {"action": "subscribe", "execution_id": execution_id})
        assert foreign == {"type": "error", "message": "Execution not found"}
        _until(mine, "completed")
        assert _quiet(theirs) == []


def test_bad_frames_never_break_the_server(stack, tokens, alice):
    with _open(stack, tokens["alice"]["id"]) as socket:
        for frame in ("not json", "[]", '{"action": "dance"}', b"\x00\xff binary"):
            socket.send(frame)
            reply = _next(socket)
            assert reply["type"] == "error" and "Unknown action" in reply["message"]
        for deep in ("{" * 1000, '{"action": "subscribe", "x": ' + "[" * 3000 + "]" * 3000 + "}"):
            socket.send(deep)  # the emulator closed with 1011 (a RecursionError), the handler failed
            assert _next(socket) == {
                "type": "error",
                "message": "A message may nest objects and arrays at most 16 deep",
            }
        assert _request(socket, {"action": "subscribe"}) == {"type": "subscribed"}  # still open
        socket.send(json.dumps({"action": "subscribe", "workflow_id": "nope"}))
        assert _next(socket)["type"] == "error"
    with _open(stack, tokens["alice"]["id"]) as oversized:
        oversized.send("x" * (256 * 1024))  # past the frame limit: API Gateway closes the connection
        with pytest.raises(ConnectionClosed):
            oversized.recv(timeout=10)
    # a client that vanishes right after subscribing (no close handshake), while its events are being sent
    workflow_id = _workflow(alice)
    with _open(stack, tokens["alice"]["id"]) as vanishing:
        _request(vanishing, {"action": "subscribe", "workflow_id": workflow_id})
        _execute(alice, workflow_id)
        vanishing.socket.shutdown(socket_module.SHUT_RDWR)  # the TCP connection drops, no close frame
    # the server still serves everyone else
    with _open(stack, tokens["alice"]["id"]) as socket:
        assert _request(socket, {"action": "subscribe", "workflow_id": workflow_id})["type"] == "subscribed"
        _execute(alice, workflow_id)
        assert _until(socket, "completed")[-1]["execution"]["status"] == "completed"


def test_a_user_holds_at_most_the_connection_cap(stack):
    """The default cap (RealtimeSettings.max_connections_per_user): the next handshake is refused with 429 and the
    reason; closing one frees its place."""
    from infra.declarations import EXAMPLE_PASSWORD
    from infra.local.signin import sign_in
    from workflow_engine.platform.realtime_settings import RealtimeSettings

    token = sign_in(stack, f"cap-{uuid.uuid4().hex[:8]}", EXAMPLE_PASSWORD, "IdToken")
    cap = RealtimeSettings.model_fields["max_connections_per_user"].default
    with ExitStack() as held:
        sockets = [held.enter_context(_open(stack, token)) for _ in range(cap)]
        with pytest.raises(InvalidStatus) as refused:
            _open(stack, token)
        assert refused.value.response.status_code == 429
        assert f"at most {cap} open WebSocket connections" in refused.value.response.body.decode()
        sockets[0].close()
        deadline = time.monotonic() + 10  # the $disconnect runs after the close handshake
        while True:
            try:
                held.enter_context(_open(stack, token))
                break
            except InvalidStatus:
                if time.monotonic() > deadline:
                    raise


def test_management_api_delivers_describes_closes_and_answers_gone(stack, tokens):
    """The `@connections` API the notifier calls (boto3 ApiGatewayManagementApi): against the local stack, its
    connection ids are read from the connections table (a client never learns its own id)."""
    if "AwsEndpointUrl" not in stack:  # deployed: the management endpoint needs IAM credentials of the notifier
        return
    local = {"region_name": stack["Region"], "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    management = boto3.client("apigatewaymanagementapi", endpoint_url=stack["WebSocketCallbackUrl"], **local)
    dynamodb = boto3.client("dynamodb", endpoint_url=stack["AwsEndpointUrl"], **local)
    user_id = jwt.decode(tokens["bob"]["id"], options={"verify_signature": False})["sub"]

    def connection_ids() -> set[str]:
        items = dynamodb.query(
            TableName=f"{NAME_PREFIX}-Connections",
            IndexName="by_user",
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
        )["Items"]
        return {item["connection_id"]["S"] for item in items}

    before = connection_ids()
    with _open(stack, tokens["bob"]["id"]) as socket:
        (connection_id,) = connection_ids() - before
        described = management.get_connection(ConnectionId=connection_id)
        assert described["Identity"]["SourceIp"] == "127.0.0.1" and described["ConnectedAt"]
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"hello"}')
        assert _next(socket) == {"type": "hello"}
        management.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)
    deadline = time.monotonic() + 10
    while connection_id in connection_ids() and time.monotonic() < deadline:  # $disconnect ran
        time.sleep(0.05)
    assert connection_id not in connection_ids()
    for call in (management.get_connection, management.delete_connection):
        with pytest.raises(management.exceptions.GoneException):
            call(ConnectionId=connection_id)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"{}")
