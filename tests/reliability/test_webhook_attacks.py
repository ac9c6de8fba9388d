"""Attacks on the inbound webhook over HTTP (POST /api/hooks/{trigger_id}, no token): forged, stale, replayed,
oversized, wrong content type. Every refusal is a 4xx with a `{"message"}` body and starts nothing; nothing is
ever a 5xx. Against the session's local stack (tests/reliability/conftest.py), as another system would call it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from tests.reliability.conftest import Client, new_user
from tests.support.webhook_calls import json_body, signed_headers
from workflow_engine.executions.launch import MAX_INPUT_BYTES

pytestmark = pytest.mark.xdist_group("reliability")

STEPS = [{"name": "Load", "type": "transform", "config": {"expression": "input"}}]


@pytest.fixture(scope="module")
def owner(rstack: dict[str, Any]) -> Client:
    return Client(rstack, new_user(rstack, "hooks")["id"])


@pytest.fixture(scope="module")
def hooked(owner: Client) -> dict[str, Any]:
    workflow = owner.create_workflow(STEPS, name="hooked")
    trigger = owner.post(f"/api/workflows/{workflow['id']}/triggers")
    assert trigger.status_code == 201, trigger.text
    return {"workflow": workflow, "trigger": trigger.json()}


def _post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=60)


def _runs(owner: Client, workflow_id: str) -> list[dict[str, Any]]:
    return owner.get(f"/api/workflows/executions?workflow_id={workflow_id}&limit=100").json()


def _attacks(secret: str, url: str) -> dict[str, tuple[str, bytes, dict[str, str], int]]:
    """name -> (url, body, headers, expected status)."""
    body = json_body({"amount": 100})
    now = int(time.time())
    good = signed_headers(secret, body, timestamp=now)
    tampered = json_body({"amount": 1_000_000})
    return {
        "no signature": (url, body, {k: v for k, v in good.items() if k != "X-Signature-256"}, 401),
        "no timestamp": (url, body, {k: v for k, v in good.items() if k != "X-Timestamp"}, 401),
        "forged (zeros)": (url, body, {**good, "X-Signature-256": "sha256=" + "0" * 64}, 401),
        "forged (other key)": (url, body, signed_headers("guessed-secret", body, timestamp=now), 401),
        "forged (bare hex)": (url, body, {**good, "X-Signature-256": good["X-Signature-256"][7:]}, 401),
        "forged (sha1 scheme)": (url, body, {**good, "X-Signature-256": "sha1=" + "a" * 40}, 401),
        "body tampered": (url, tampered, good, 401),
        "timestamp moved": (url, body, {**good, "X-Timestamp": str(now + 1)}, 401),
        "stale (301 s old)": (url, body, signed_headers(secret, body, timestamp=now - 301), 401),
        "stale (a day old)": (url, body, signed_headers(secret, body, timestamp=now - 86_400), 401),
        "from the future (an hour)": (url, body, signed_headers(secret, body, timestamp=now + 3_600), 401),
        "timestamp not a number": (url, body, {**good, "X-Timestamp": "yesterday"}, 401),
        "wrong content type (text)": (url, body, {**good, "Content-Type": "text/plain"}, 415),
        "wrong content type (form)": (
            url,
            b"amount=100",
            {**signed_headers(secret, b"amount=100"), "Content-Type": "application/x-www-form-urlencoded"},
            415,
        ),
        "no content type": (url, body, {k: v for k, v in good.items() if k != "Content-Type"}, 415),
        "oversized (300 KB, signed)": (
            url,
            big := json_body({"blob": "x" * (MAX_INPUT_BYTES + 1)}),
            signed_headers(secret, big),
            413,
        ),
        "oversized (11 MB)": (url, b"{" + b" " * (11 * 1024 * 1024) + b"}", good, 413),
        "a JSON array (signed)": (url, b"[1]", signed_headers(secret, b"[1]"), 422),
        "not JSON (signed)": (url, b"{nope", signed_headers(secret, b"{nope"), 422),
        # Deeper than Python's recursion limit, signed so the body is read (test_fuzz's deep documents cannot be)
        "1,500 open lists (signed)": (url, (deep := b"[" * 1_500), signed_headers(secret, deep), 422),
        "1,000 nested objects (signed)": (
            url,
            (nested := b'{"a":' * 1_000 + b"1" + b"}" * 1_000),
            signed_headers(secret, nested),
            422,
        ),
        "unknown trigger": (url.rsplit("/", 1)[0] + f"/{uuid.uuid4()}", body, good, 404),
        "not a trigger id": (url.rsplit("/", 1)[0] + "/..%2f..%2fworkflows", body, good, 404),
    }


def test_every_attack_is_refused_with_a_4xx_and_starts_nothing(owner: Client, hooked: dict[str, Any]) -> None:
    trigger = hooked["trigger"]
    failures = []
    attacks = _attacks(trigger["secret"], trigger["url"])
    for name, (url, body, headers, expected) in attacks.items():
        response = _post(url, body, headers)
        document = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
        if response.status_code != expected or not isinstance(document, dict) or "message" not in document:
            failures.append(f"{name}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert _runs(owner, hooked["workflow"]["id"]) == []
    print(f"\nwebhook attacks: {len(attacks)} kinds, all refused, no run started")


def test_a_replayed_delivery_starts_nothing_again(owner: Client, hooked: dict[str, Any]) -> None:
    trigger = hooked["trigger"]
    body = json_body({"replay": True})
    headers = signed_headers(trigger["secret"], body, delivery_id=f"attack-{uuid.uuid4()}")
    first = _post(trigger["url"], body, headers)
    assert first.status_code == 202, first.text
    for _ in range(5):  # the captured request, sent again as is, and re-signed with a fresh timestamp
        again = _post(trigger["url"], body, headers)
        assert again.status_code == 202 and again.json()["execution_id"] == first.json()["execution_id"]
        fresh = signed_headers(trigger["secret"], body, delivery_id=headers["X-Delivery-Id"])
        assert _post(trigger["url"], body, fresh).json()["execution_id"] == first.json()["execution_id"]
    started = [run for run in _runs(owner, hooked["workflow"]["id"]) if run["input_data"] == {"replay": True}]
    assert [run["id"] for run in started] == [first.json()["execution_id"]]
    assert started[0]["trigger"] == {"type": "webhook", "id": trigger["id"]}


def test_a_token_is_neither_needed_nor_enough(rstack: dict[str, Any], owner: Client, hooked: dict[str, Any]) -> None:
    """The owner's own valid token does not replace the signature."""
    trigger = hooked["trigger"]
    token = owner.session.headers["Authorization"]
    response = _post(trigger["url"], json_body({}), {"Content-Type": "application/json", "Authorization": str(token)})
    assert response.status_code == 401 and "X-Signature-256" in json.dumps(response.json())
