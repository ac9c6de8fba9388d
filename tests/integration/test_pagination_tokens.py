"""Crafted `next_token`s on the three paginated routes: every one is a 422, never a 5xx nor an ERROR log.

A token is base64url JSON: nesting it deeper than Python's recursion limit used to raise a RecursionError
out of `json.loads` (503 and an "unhandled error" log, counted by the API's 5xx alarm).
"""

from __future__ import annotations

import base64
import json

import pytest

ROUTES = ["/api/workflows", "/api/workflows/executions", "/api/logs"]


def token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CRAFTED = {
    "deep list": token(b"[" * 1500),
    "deep list closed": token(b"[" * 700 + b"]" * 700),
    "deep object": token(b'{"a":' * 400),
    "deep in a key's value": token(b'{"user_id":' + b"[" * 1500),
    "not UTF-8": token(b'{"user_id":"\xff\xfe"}'),
    "lone surrogate escape": token(b'{"user_id":"\\ud800"}'),
    "a list": token(b'["user_id"]'),
    "numbers": token(b'{"user_id":1}'),
    "not JSON": token(b"not json"),
    "not base64": "%%%",
}


def error_logs(output: str) -> list[dict]:
    lines = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    return [line for line in lines if line.get("level") == "ERROR"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_crafted_next_token_is_refused_with_422_and_no_error_log(api, capsys, route):
    capsys.readouterr()
    for name, crafted in CRAFTED.items():
        status, body, _ = api.call("GET", route, query=f"next_token={crafted}")
        assert status == 422, (name, status, body)
        assert "next_token" in json.dumps(body), (name, body)
    assert error_logs(capsys.readouterr().out) == []


def test_a_well_shaped_token_with_a_lone_surrogate_is_refused_with_422(api, capsys):
    crafted = token(json.dumps({"user_id": api.user_id, "workflow_id": "\ud800"}).encode())
    capsys.readouterr()
    status, body, _ = api.call("GET", "/api/workflows", query=f"next_token={crafted}")
    assert status == 422 and "next_token" in body["message"], (status, body)
    assert error_logs(capsys.readouterr().out) == []
