"""Real-time channel, pure parts: the $connect authorizer Lambda's answers, which stream records become which
messages, the size cap, and the message schemas published in openapi.json."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.openapi import openapi_json
from infra.local.moto_seams import LambdaContext
from tests.support.handler_modules import fresh_import
from tests.support.loopback import json_server
from workflow_engine.data.codec import to_item
from workflow_engine.realtime.notifier import MAX_MESSAGE_BYTES, encode, outgoing_message

REGION, POOL, CLIENT = "us-east-1", "us-east-1_pool", "client-1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CONTEXT = LambdaContext(function_name="WebSocketAuthorizer")
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/live/$connect"


@pytest.fixture(scope="module")
def authorizer():
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    document = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    with json_server(lambda path, headers: document) as url, pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "USER_POOL_ID": POOL,
            "USER_POOL_CLIENT_ID": CLIENT,
            "AWS_REGION": REGION,
            "JWKS_URL": f"{url}/jwks.json",
        }.items():
            patch.setenv(name, value)
        with fresh_import("realtime.authorizer") as module:
            yield module


def _event(token: str | None) -> dict:
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "queryStringParameters": {"token": token} if token is not None else {},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c1"},
    }


def _token(**overrides) -> str:
    now = int(time.time())
    claims = {"sub": "user-1", "iss": ISSUER, "iat": now, "exp": now + 300, "token_use": "id", "aud": CLIENT}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, KEY, algorithm="RS256", headers={"kid": "k1"})


def test_authorizer_allows_this_connect_with_the_user_in_the_context(authorizer):
    answer = authorizer.handler(_event(_token()), CONTEXT)
    assert answer["principalId"] == "user-1"
    assert answer["context"] == {"user_id": "user-1"}
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    access = _token(token_use="access", aud=None, client_id=CLIENT)
    assert authorizer.handler(_event(access), CONTEXT)["context"] == {"user_id": "user-1"}


@pytest.mark.parametrize(
    "token",
    [None, "", "garbage", _token(exp=int(time.time()) - 5), _token(iss=ISSUER + "x"), _token(aud="other")],
    ids=["none", "empty", "garbage", "expired", "other-pool", "other-client"],
)
def test_authorizer_refuses_with_unauthorized(authorizer, token):
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorizer.handler(_event(token), CONTEXT)


EXECUTION = {
    "execution_id": str(uuid.uuid4()),
    "user_id": "u1",
    "workflow_id": str(uuid.uuid4()),
    "workflow_version": 1,
    "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:wf",
    "status": "running",
    "input_data": '{"n":1}',
    "started_at": "2026-01-01T00:00:00.000000Z",
    "updated_at": "2026-01-01T00:00:01.000000Z",
}
LOG = {
    "owner_execution": f"u1#{EXECUTION['execution_id']}",
    "log_key": "2026-01-01T00:00:02Z#l1",
    "id": str(uuid.uuid4()),
    "execution_id": EXECUTION["execution_id"],
    "user_id": "u1",
    "workflow_id": EXECUTION["workflow_id"],
    "step_name": "Double",
    "step_type": "transform",
    "attempt": 1,
    "output_data": '{"n":2}',
    "duration_ms": 3,
    "timestamp": "2026-01-01T00:00:02.000000Z",
}


def _record(event_name: str, new: dict | None, old: dict | None = None, log: bool = False) -> dict:
    keys = {k: (new or old)[k] for k in (("owner_execution", "log_key") if log else ("execution_id",))}
    change: dict = {"Keys": to_item(keys), "SequenceNumber": "1"}
    if new is not None:
        change["NewImage"] = to_item(new)
    if old is not None:
        change["OldImage"] = to_item(old)
    return {"eventName": event_name, "dynamodb": change}


def test_an_execution_insert_or_status_change_is_an_execution_message():
    outgoing = outgoing_message(_record("INSERT", {**EXECUTION, "status": "pending"}))
    assert outgoing.user_id == "u1" and outgoing.workflow_id == EXECUTION["workflow_id"]
    assert outgoing.message["type"] == "execution" and outgoing.message["execution"]["status"] == "pending"
    changed = outgoing_message(_record("MODIFY", EXECUTION, {**EXECUTION, "status": "pending"}))
    assert changed.message["execution"]["status"] == "running"
    assert changed.message["execution"]["input_data"] == {"n": 1}
    assert "truncated" not in changed.message


def test_updates_without_a_status_change_removals_and_log_rewrites_say_nothing():
    assert outgoing_message(_record("MODIFY", {**EXECUTION, "updated_at": "later"}, EXECUTION)) is None
    assert outgoing_message(_record("REMOVE", None, EXECUTION)) is None
    assert outgoing_message(_record("MODIFY", LOG, LOG, log=True)) is None
    assert outgoing_message({"eventName": "INSERT", "dynamodb": {}}) is None


def test_a_new_log_item_is_a_log_message():
    outgoing = outgoing_message(_record("INSERT", LOG, log=True))
    assert outgoing.message["type"] == "log"
    assert outgoing.message["execution_id"] == EXECUTION["execution_id"]
    assert outgoing.message["log"]["step_name"] == "Double" and outgoing.message["log"]["output_data"] == {"n": 2}
    assert "user_id" not in outgoing.message["log"]  # the API's log object, not the stored item


def test_a_log_message_says_where_the_step_ran_and_an_old_item_reads_null():
    nested = outgoing_message(_record("INSERT", {**LOG, "parent_step": "each", "iteration": 0}, log=True))
    assert (nested.message["log"]["parent_step"], nested.message["log"]["iteration"]) == ("each", 0)
    old = outgoing_message(_record("INSERT", LOG, log=True))  # an item written before steps knew it
    assert (old.message["log"]["parent_step"], old.message["log"]["iteration"]) == (None, None)


def test_a_message_over_the_limit_loses_input_and_output_only():
    big = {"type": "execution", "execution": {"id": "e", "status": "running", "input_data": "x" * MAX_MESSAGE_BYTES}}
    slim = json.loads(encode(big))
    assert slim == {"type": "execution", "execution": {"id": "e", "status": "running"}, "truncated": True}
    small = {"type": "log", "execution_id": "e", "log": {"input_data": 1}}
    assert json.loads(encode(small)) == small


def test_openapi_publishes_every_websocket_message():
    document = json.loads(openapi_json())
    schemas = document["components"]["schemas"]
    listed = document["x-websocket-messages"]["client"] + document["x-websocket-messages"]["server"]
    names = [reference["$ref"].rsplit("/", 1)[1] for reference in listed]
    assert names == [
        "SubscriptionRequest",
        "SubscriptionReply",
        "RealtimeErrorMessage",
        "ExecutionMessage",
        "LogMessage",
        "ApprovalMessage",
    ]
    assert all(name in schemas for name in names)
    # one schema: the pushed objects are the HTTP API's own
    assert schemas["ExecutionMessage"]["properties"]["execution"] == {
        "$ref": "#/components/schemas/ExecutionStatusResponse"
    }
    assert schemas["LogMessage"]["properties"]["log"] == {"$ref": "#/components/schemas/ExecutionLogResponse"}
