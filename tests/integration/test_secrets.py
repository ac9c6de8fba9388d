"""Secrets end to end, in-process: the secrets API on moto's Secrets Manager and KMS, and real state machines whose
http and ai steps use `{{ secrets.CANARY }}`.

The canary test is the honest one: the value goes out where the workflow puts it (the upstream sees it in the
query, a header and the body, and echoes it all back; the ai step's local model echoes its prompt), and then every
item of every table, the execution's history events, the captured log output, the WebSocket messages and the
webhook body are searched for it, in each spelling it could take (raw, URL-encoded, JSON-escaped): zero hits.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import boto3
import pytest

from infra.local import moto_seams
from infra.local.provision import SECRETS_PREFIX, LocalResources
from tests.integration.conftest import Api, wait_for, wait_terminal
from tests.integration.test_realtime import Socket
from tests.support.loopback import Echo, Receiver, echo_server, webhook_server
from workflow_engine.data.sfn_gateway import execution_arn


def canary() -> str:
    return f"cnry-{uuid.uuid4().hex}+/= é"  # characters that URL-encoding and JSON escaping change


def spellings(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote(value), quote_plus(value), json.dumps(value)[1:-1]}


SEEN: set[str] = set()  # the spellings the upstream saw on the wire (searched too)


def _create(api: Api, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "uses secrets", "steps": steps, **extra})
    assert status == 201, workflow
    return workflow


def _run(api: Api, workflow_id: str, input_data: Any = None) -> dict[str, Any]:
    status, started, _ = api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data or {}})
    assert status == 202, started
    return wait_terminal(api, started["execution_id"], timeout=60)


def _set(api: Api, name: str, value: str) -> None:
    status, body, _ = api.call("PUT", f"/api/secrets/{name}", {"value": value})
    assert status == 204, body


def _http_step(url: str) -> dict[str, Any]:
    return {
        "name": "Call",
        "type": "http",
        "config": {
            "url": f"{url}/orders?token={{{{ secrets.CANARY }}}}&who={{{{ input.who }}}}",
            "method": "POST",
            "headers": {"X-Api-Key": "{{ secrets.CANARY }}", "X-Custom": "Token {{ secrets.CANARY }}"},
            "body": {"key": "{{ secrets.CANARY }}", "who": "{{ input.who }}"},
        },
    }


def _scan_everything(resources: LocalResources) -> str:
    """Every item of every table, as text (a Scan: in this test only)."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    items = []
    for name in resources.table_names.values():
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
    assert items
    return json.dumps(items, ensure_ascii=False, default=str)


def _history(resources: LocalResources, execution_id: str) -> str:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    item = dynamodb.get_item(TableName=resources.table_names["Executions"], Key={"execution_id": {"S": execution_id}})[
        "Item"
    ]
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = execution_arn(item["state_machine_arn"]["S"], execution_id)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert len(events) > 5
    return json.dumps(events, ensure_ascii=False, default=str)


def _hits(value: str, *texts: str) -> list[str]:
    return [spelling for spelling in spellings(value) | SEEN for text in texts if spelling in text]


def test_a_canary_secret_reaches_the_upstream_and_is_written_nowhere(api, resources, connections, capsys, caplog):
    caplog.set_level(logging.INFO)  # the functions' level in the cloud (application_log_level INFO)
    value = canary()
    _set(api, "CANARY", value)
    model = f"test.model-{uuid.uuid4().hex[:8]}"
    echo, receiver = Echo(), Receiver()
    socket = Socket(api.user_id)
    with echo_server(echo) as url, webhook_server(receiver) as hook:
        workflow = _create(
            api,
            [
                _http_step(url),
                {"name": "Ask", "type": "ai", "config": {"prompt": "Use {{ secrets.CANARY }} for", "model_id": model}},
            ],
            notify={"webhook_url": f"{hook}/hook", "on": ["completed"]},
        )
        assert socket.send({"action": "subscribe", "workflow_id": workflow["id"]})["type"] == "subscribed"
        final = _run(api, workflow["id"], {"who": "Zoë"})
        assert moto_seams.drain_event_sources(30)
        wait_for(lambda: receiver.requests, timeout=30)

    # The value went out, where the workflow put it.
    assert final["status"] == "completed", final
    [request] = echo.requests
    assert request["path"].startswith("/orders?token=") and "&who=Zo" in request["path"]
    token = request["path"].split("token=", 1)[1].split("&", 1)[0]
    assert unquote(token) == value
    SEEN.add(token)
    assert request["headers"]["x-api-key"] == value and request["headers"]["x-custom"] == f"Token {value}"
    assert json.loads(request["body"]) == {"key": value, "who": "Zoë"}

    # What the run shows: masked.
    assert final["output_data"]["text"] == f"[local-bedrock model={model}] Use *** for"
    status, logs, _ = api.call("GET", f"/api/workflows/executions/{final['id']}/logs")
    assert status == 200
    call = logs[0]["output_data"]
    assert call["body"]["headers"]["x-api-key"] == "***" and call["body"]["body"] == '{"key":"***","who":"Zoë"}'
    assert call["headers"]["set-cookie"] == "***"  # a credential header, secret or not

    messages = json.dumps(connections.messages(socket.connection_id), ensure_ascii=False)
    assert '"type": "log"' in messages
    webhooks = json.dumps([body.decode() for _, body in receiver.requests], ensure_ascii=False)
    captured = capsys.readouterr()
    log_output = captured.out + captured.err + caplog.text
    texts = (
        _scan_everything(resources),
        _history(resources, final["id"]),
        json.dumps(final, ensure_ascii=False),
        json.dumps(logs, ensure_ascii=False),
        messages,
        webhooks,
        log_output,
    )
    assert _hits(value, *texts) == []


def test_the_list_names_secrets_and_never_shows_a_value(api, other_api):
    value = canary()
    _set(api, "B_KEY", value)
    _set(api, "a-key", "first")
    _set(api, "a-key", "second")  # replaced: still one secret
    _set(other_api, "THEIRS", "x")
    status, listed, _ = api.call("GET", "/api/secrets")
    assert status == 200
    assert [entry["name"] for entry in listed] == ["B_KEY", "a-key"]
    assert all(set(entry) == {"name", "updated_at"} and entry["updated_at"].endswith("Z") for entry in listed)
    assert _hits(value, json.dumps(listed, ensure_ascii=False)) == []


def test_values_are_stored_under_the_owner_prefix_with_the_stacks_key(api, resources):
    _set(api, "STORED", "v")
    secrets = boto3.client("secretsmanager", region_name=resources.region)
    described = secrets.describe_secret(SecretId=f"{SECRETS_PREFIX}/{api.user_id}/STORED")
    assert described["KmsKeyId"] == resources.secrets_kms_key_id


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bad.name", {"value": "v"}),
        ("n" * 65, {"value": "v"}),
        ("EMPTY", {"value": ""}),
        ("HUGE", {"value": "x" * 65_537}),
        ("WIDE", {"value": "é" * 40_000}),  # 80,000 bytes as UTF-8
        ("NUMBER", {"value": 5}),
        ("EXTRA", {"value": "v", "other": 1}),
    ],
)
def test_bad_names_and_values_are_422_and_nothing_is_stored(api, name, body):
    status, answer, _ = api.call("PUT", f"/api/secrets/{name}", body)
    assert status == 422, answer
    text = json.dumps(answer, ensure_ascii=False)
    assert "x" * 100 not in text and "éééé" not in text  # a refused value is never echoed back
    status, listed, _ = api.call("GET", "/api/secrets")
    assert listed == []


def test_the_largest_value_is_stored(api):
    _set(api, "LARGEST", "x" * 65_536)


def test_delete_then_set_again_and_delete_of_a_missing_secret_is_404(api, other_api):
    _set(api, "GONE", "v")
    status, body, _ = other_api.call("DELETE", "/api/secrets/GONE")
    assert status == 404 and body == {"message": "Secret not found"}  # another user's: not found
    assert api.call("DELETE", "/api/secrets/GONE")[0] == 204
    assert api.call("DELETE", "/api/secrets/GONE")[0] == 404
    _set(api, "GONE", "again")  # no recovery window holds the name
    assert [entry["name"] for entry in api.call("GET", "/api/secrets")[1]] == ["GONE"]


def test_a_missing_secret_fails_the_step_before_any_request(api, resources):
    echo = Echo()
    with echo_server(echo) as url:
        workflow = _create(api, [_http_step(url)])
        final = _run(api, workflow["id"], {"who": "x"})
    _assert_secret_not_found(resources, final)
    assert echo.requests == []


def test_another_users_secret_is_not_found_never_their_value(api, other_api, resources):
    value = canary()
    _set(other_api, "CANARY", value)
    echo = Echo()
    with echo_server(echo) as url:
        workflow = _create(api, [_http_step(url)])
        final = _run(api, workflow["id"], {"who": "x"})
    _assert_secret_not_found(resources, final)
    assert echo.requests == []
    assert _hits(value, json.dumps(final, ensure_ascii=False), _scan_everything(resources)) == []


def _assert_secret_not_found(resources: LocalResources, final: dict[str, Any]) -> None:
    assert final["status"] == "failed", final
    assert final["error_message"].startswith("Step 'Call' failed: secret 'CANARY' not found"), final
    item = boto3.client("dynamodb", region_name=resources.region).get_item(
        TableName=resources.table_names["Executions"], Key={"execution_id": {"S": final["id"]}}
    )["Item"]
    assert item["error_code"]["S"] == "SecretNotFound"


def test_saving_a_workflow_that_references_a_secret_not_set_yet_is_allowed_a_bad_reference_is_not(api):
    _create(api, [{"name": "Ask", "type": "ai", "config": {"prompt": "{{ secrets.LATER }}"}}])
    status, body, _ = api.call(
        "POST",
        "/api/workflows",
        {"name": "bad", "steps": [{"name": "Ask", "type": "ai", "config": {"prompt": "{{ secrets.a.b }}"}}]},
    )
    assert status == 422 and "secrets.NAME" in json.dumps(body)
