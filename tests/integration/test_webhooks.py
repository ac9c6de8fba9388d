"""Inbound webhook triggers through the handlers (API Gateway v2 events) on moto: managing triggers with a token,
calling them without one, signed. Each refusal is checked to start nothing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import boto3
import pytest

from infra.local.gateway import build_event, invoke_route, match_route
from infra.local.provision import LocalResources
from tests.integration.conftest import Api, wait_terminal
from tests.support.webhook_calls import json_body, signed_headers
from workflow_engine.executions.launch import MAX_INPUT_BYTES

TRANSFORM = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]


def hook(trigger_id: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    """POST /api/hooks/{id} as API Gateway hands it to the function: no authorizer, no claims."""
    path = f"/api/hooks/{trigger_id}"
    matched = match_route("POST", path)
    assert matched is not None
    route, params = matched
    assert not route.authorized
    event = build_event(route, "POST", path, headers=headers, body=body, path_parameters=params)
    result = invoke_route(route, event)
    assert result is not None, "the function failed (API Gateway would answer 500)"
    text = result.get("body") or ""
    return result["statusCode"], json.loads(text) if text else None, result.get("headers", {})


@pytest.fixture
def workflow(api: Api) -> dict[str, Any]:
    status, created, _ = api.call("POST", "/api/workflows", {"name": "hooked", "steps": TRANSFORM})
    assert status == 201, created
    return created


@pytest.fixture
def trigger(api: Api, workflow: dict[str, Any]) -> dict[str, Any]:
    status, created, _ = api.call("POST", f"/api/workflows/{workflow['id']}/triggers", headers={"host": "api.test"})
    assert status == 201, created
    return created


def runs(api: Api, workflow_id: str) -> list[dict[str, Any]]:
    status, listed, _ = api.call("GET", "/api/workflows/executions", query=f"workflow_id={workflow_id}")
    assert status == 200, listed
    return listed


# -- managing triggers ---------------------------------------------------------------------------------------


def test_a_created_trigger_shows_its_secret_once(api: Api, workflow: dict[str, Any], trigger: dict[str, Any]) -> None:
    assert set(trigger) == {"id", "workflow_id", "url", "created_at", "secret"}
    assert trigger["url"] == f"https://api.test/api/hooks/{trigger['id']}"
    assert len(trigger["secret"]) == 64
    status, listed, _ = api.call("GET", f"/api/workflows/{workflow['id']}/triggers", headers={"host": "api.test"})
    assert status == 200
    assert [item["id"] for item in listed] == [trigger["id"]]
    assert "secret" not in listed[0]
    status, got, _ = api.call("GET", f"/api/workflows/{workflow['id']}/triggers/{trigger['id']}")
    assert status == 200 and "secret" not in got
    assert trigger["secret"] not in json.dumps([listed, got])


def test_the_secret_is_stored_encrypted(resources: LocalResources, trigger: dict[str, Any]) -> None:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    item = dynamodb.get_item(
        TableName=resources.table_names["Triggers"], Key={"trigger_id": {"S": trigger["id"]}, "sk": {"S": "trigger"}}
    )["Item"]
    assert trigger["secret"] not in json.dumps(item, default=str)
    assert trigger["secret"].encode() not in item["secret_ciphertext"]["B"]


def test_another_users_triggers_are_404(other_api: Api, workflow: dict[str, Any], trigger: dict[str, Any]) -> None:
    base = f"/api/workflows/{workflow['id']}/triggers"
    assert other_api.call("GET", base)[0] == 404
    assert other_api.call("POST", base)[0] == 404
    assert other_api.call("GET", f"{base}/{trigger['id']}")[0] == 404
    assert other_api.call("DELETE", f"{base}/{trigger['id']}")[0] == 404
    assert other_api.call("GET", f"{base}/{uuid.uuid4()}")[0] == 404


def test_a_workflow_holds_at_most_ten_triggers(api: Api, workflow: dict[str, Any]) -> None:
    base = f"/api/workflows/{workflow['id']}/triggers"
    for _ in range(10):
        assert api.call("POST", base)[0] == 201
    status, body, _ = api.call("POST", base)
    assert status == 409, body
    assert len(api.call("GET", base)[1]) == 10


# -- inbound calls ---------------------------------------------------------------------------------------------


def test_a_signed_call_starts_a_run_with_the_webhook_trigger(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any]
) -> None:
    body = json_body({"order": 42})
    status, accepted, _ = hook(trigger["id"], body, signed_headers(trigger["secret"], body, delivery_id="d-1"))
    assert status == 202, accepted
    assert accepted["replayed"] is False
    finished = wait_terminal(api, accepted["execution_id"])
    assert finished["status"] == "completed"
    assert finished["input_data"] == {"order": 42}
    assert finished["trigger"] == {"type": "webhook", "id": trigger["id"]}
    status, listed, _ = api.call("GET", "/api/workflows/executions", query="trigger_type=webhook")
    assert status == 200 and [run["id"] for run in listed] == [accepted["execution_id"]]


def test_a_replayed_delivery_answers_the_first_run_and_starts_nothing(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any]
) -> None:
    body = json_body({"n": 1})
    headers = signed_headers(trigger["secret"], body, delivery_id="same")
    first = hook(trigger["id"], body, headers)
    again = hook(trigger["id"], body, signed_headers(trigger["secret"], body, delivery_id="same"))
    assert first[0] == again[0] == 202
    assert again[1]["execution_id"] == first[1]["execution_id"]
    assert again[1]["replayed"] is True
    assert len(runs(api, workflow["id"])) == 1


def test_the_same_signed_request_without_a_delivery_id_starts_one_run(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any]
) -> None:
    body = json_body({"n": 2})
    headers = signed_headers(trigger["secret"], body)
    first, again = hook(trigger["id"], body, headers), hook(trigger["id"], body, headers)
    assert again[1]["execution_id"] == first[1]["execution_id"]
    assert len(runs(api, workflow["id"])) == 1


def test_concurrent_duplicate_deliveries_start_one_run(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both deliveries pass verification, then meet at a barrier just before the claim: one claims, one replays."""
    import api.webhooks as webhooks
    from workflow_engine.data.webhook_deliveries import DeliveryLedger
    from workflow_engine.triggers.inbound import InboundCall

    barrier = threading.Barrier(2, timeout=30)
    ledger = webhooks.receive._deliveries
    real_claim = DeliveryLedger.claim

    def claim_together(self: DeliveryLedger, *args: Any) -> str | None:
        barrier.wait()
        return real_claim(self, *args)

    monkeypatch.setattr(ledger, "claim", claim_together.__get__(ledger))
    body = json_body({"n": 3})
    headers = {k.lower(): v for k, v in signed_headers(trigger["secret"], body, delivery_id="race").items()}
    answers: list[Any] = []

    def deliver() -> None:
        answers.append(webhooks.receive(InboundCall(trigger_id=trigger["id"], headers=headers, body=body)))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 2
    assert answers[0].execution_id == answers[1].execution_id
    assert sorted(answer.replayed for answer in answers) == [False, True]
    assert len(runs(api, workflow["id"])) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("stale", 401),
        ("future", 401),
        ("forged", 401),
        ("other secret", 401),
        ("no signature", 401),
        ("no timestamp", 401),
        ("body changed", 401),
        ("timestamp changed", 401),
    ],
)
def test_a_bad_or_stale_signature_is_401_and_starts_nothing(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any], change: str, expected: int
) -> None:
    body = json_body({"n": 4})
    now = int(time.time())
    headers = signed_headers(trigger["secret"], body, timestamp=now)
    sent = body
    if change == "stale":
        headers = signed_headers(trigger["secret"], body, timestamp=now - 301)
    elif change == "future":
        headers = signed_headers(trigger["secret"], body, timestamp=now + 301)
    elif change == "forged":
        headers["X-Signature-256"] = "sha256=" + "0" * 64
    elif change == "other secret":
        headers = signed_headers("not-the-secret", body, timestamp=now)
    elif change == "no signature":
        del headers["X-Signature-256"]
    elif change == "no timestamp":
        del headers["X-Timestamp"]
    elif change == "body changed":
        sent = json_body({"n": 5})
    elif change == "timestamp changed":
        headers["X-Timestamp"] = str(now - 1)
    status, answer, _ = hook(trigger["id"], sent, headers)
    assert status == expected, answer
    assert set(answer) == {"message"}
    assert runs(api, workflow["id"]) == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"[1, 2]", "application/json", 422),
        (b"not json", "application/json", 422),
        (b'"text"', "application/json", 422),
        (b"\xff\xfe", "application/json", 422),
        (b'{"a": NaN}', "application/json", 422),
        (b'{"a": 1}', "text/plain", 415),
        (b'{"a": 1}', "", 415),
        (b'{"a": 1}', "application/json; charset=utf-8", 202),
    ],
)
def test_the_body_must_be_a_json_object(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any], body: bytes, content_type: str, expected: int
) -> None:
    headers = {**signed_headers(trigger["secret"], body), "Content-Type": content_type}
    status, answer, _ = hook(trigger["id"], body, headers)
    assert status == expected, answer
    assert len(runs(api, workflow["id"])) == (1 if expected == 202 else 0)


def test_an_oversized_body_is_413(api: Api, workflow: dict[str, Any], trigger: dict[str, Any]) -> None:
    body = json_body({"blob": "x" * MAX_INPUT_BYTES})
    status, answer, _ = hook(trigger["id"], body, signed_headers(trigger["secret"], body))
    assert status == 413, answer
    body = json_body({"blob": "x" * (MAX_INPUT_BYTES - 20)})  # within the body limit, over the input's
    status, answer, _ = hook(trigger["id"], body, signed_headers(trigger["secret"], body))
    assert status == 413, answer
    assert runs(api, workflow["id"]) == []


def test_a_deleted_or_unknown_trigger_is_404(api: Api, workflow: dict[str, Any], trigger: dict[str, Any]) -> None:
    body = json_body({})
    assert api.call("DELETE", f"/api/workflows/{workflow['id']}/triggers/{trigger['id']}")[0] == 204
    assert hook(trigger["id"], body, signed_headers(trigger["secret"], body))[0] == 404
    assert hook(str(uuid.uuid4()), body, signed_headers(trigger["secret"], body))[0] == 404
    assert hook("not-a-uuid", body, signed_headers(trigger["secret"], body))[0] == 404
    assert runs(api, workflow["id"]) == []


def test_deleting_the_workflow_deletes_its_triggers(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any]
) -> None:
    assert api.call("DELETE", f"/api/workflows/{workflow['id']}")[0] == 204
    body = json_body({})
    assert hook(trigger["id"], body, signed_headers(trigger["secret"], body))[0] == 404


def test_the_rate_limit_is_429_with_retry_after(
    api: Api, workflow: dict[str, Any], trigger: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.webhooks as webhooks
    from workflow_engine.triggers.inbound import WebhookLimits

    monkeypatch.setattr(webhooks.receive, "limits", WebhookLimits(rate_per_window=2, window_seconds=3600))
    answers = []
    for n in range(3):
        body = json_body({"n": n})
        answers.append(hook(trigger["id"], body, signed_headers(trigger["secret"], body)))
    assert [status for status, _, _ in answers] == [202, 202, 429]
    retry_after = {name.lower(): value for name, value in answers[2][2].items()}["retry-after"]
    assert 1 <= int(retry_after) <= 3600
    assert len(runs(api, workflow["id"])) == 2
