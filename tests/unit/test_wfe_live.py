"""wfe's WebSocket client against a loopback server that speaks the contract (openapi.json's
"x-websocket-messages", README "Live updates (WebSocket)"): the token in the query string, the subscribe
message and its reply, server messages until the run ends, and the fall-back to polling when the handshake is
refused or the socket closes early."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.sync.server import ServerConnection, serve

from wfe import live
from wfe.config import Stack

EXECUTION = "0f5a3b7e-8d8c-4f49-9f43-3d1c5f0e2a11"
RUNNING = {"id": EXECUTION, "workflow_id": "w", "status": "running"}
COMPLETED = {**RUNNING, "status": "completed", "output_data": {"ok": True}}
LOG = {"id": "log-1", "step_name": "Load", "step_type": "transform", "attempt": 1, "error_message": None}


class FakeApi:
    """The HTTP side: what `snapshot` and the idle safety net read; counts the reads."""

    def __init__(self, websocket_url: str | None, statuses: list[dict[str, Any]]) -> None:
        self.stack = Stack("http://api", "pool", "client", "us-east-1", websocket_url=websocket_url)
        self.statuses = statuses
        self.reads: list[str] = []

    def token(self) -> str:
        return "the-token"

    def get(self, path: str, **params: Any) -> Any:
        self.reads.append(path)
        if path.endswith("/logs"):
            return []
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def server(handler: Callable[[ServerConnection], None], refuse: bool = False) -> Iterator[tuple[str, list[str]]]:
    """A WebSocket server on a free loopback port; yields its URL and the request paths it saw."""
    paths: list[str] = []

    def process_request(connection: ServerConnection, request: Any) -> Response | None:
        paths.append(request.path)
        if refuse:
            return Response(401, "Unauthorized", Headers(), b"")
        return None

    with serve(handler, "127.0.0.1", 0, process_request=process_request) as running:
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"ws://127.0.0.1:{running.socket.getsockname()[1]}", paths
        finally:
            running.shutdown()


def test_subscribes_to_the_execution_and_follows_it_to_the_end() -> None:
    received: list[dict[str, Any]] = []

    def handler(connection: ServerConnection) -> None:
        message = json.loads(connection.recv())
        received.append(message)
        connection.send(json.dumps({"type": "execution", "execution": {**RUNNING, "id": "another-run"}}))
        connection.send(json.dumps({"type": "subscribed", "execution_id": EXECUTION}))
        connection.send(json.dumps({"type": "log", "execution_id": EXECUTION, "log": LOG}))
        connection.send(json.dumps({"type": "log", "execution_id": "another-run", "log": {**LOG, "id": "x"}}))
        connection.send(json.dumps({"type": "execution", "execution": COMPLETED}))
        connection.recv()  # until the client closes

    with server(handler) as (url, paths):
        api = FakeApi(url, [RUNNING])
        events = list(live.updates(api, EXECUTION))  # type: ignore[arg-type]
    assert paths == ["/?token=the-token"]
    assert received == [{"action": "subscribe", "execution_id": EXECUTION}]
    # After the subscription: one HTTP snapshot (what came before), then the socket's messages for this run
    # only, then one final snapshot (a log may trail the final status).
    kinds = [(event["type"], (event.get("execution") or event.get("log") or {}).get("id")) for event in events]
    assert kinds == [("execution", EXECUTION), ("log", "log-1"), ("execution", EXECUTION), ("execution", EXECUTION)]
    assert events[2]["execution"]["status"] == "completed"
    assert api.reads.count(f"/api/workflows/executions/{EXECUTION}") == 2  # no polling


def test_a_refused_handshake_falls_back_to_polling() -> None:
    notes: list[str] = []
    with server(lambda connection: None, refuse=True) as (url, _):
        api = FakeApi(url, [RUNNING, COMPLETED])
        events = list(live.updates(api, EXECUTION, on_fallback=notes.append))  # type: ignore[arg-type]
    assert events[-1]["execution"]["status"] == "completed"
    assert len(notes) == 1 and notes[0].startswith("WebSocket unavailable") and "polling instead" in notes[0]


def test_an_error_reply_to_subscribe_falls_back_to_polling() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(json.dumps({"type": "error", "message": "Not found"}))

    notes: list[str] = []
    with server(handler) as (url, _):
        api = FakeApi(url, [COMPLETED])
        events = list(live.updates(api, EXECUTION, on_fallback=notes.append))  # type: ignore[arg-type]
    assert events[-1]["execution"]["status"] == "completed"
    assert "subscribe refused: Not found" in notes[0]


def test_a_socket_closed_mid_run_falls_back_to_polling() -> None:
    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(json.dumps({"type": "subscribed", "execution_id": EXECUTION}))
        # and the connection closes while the run is still going

    notes: list[str] = []
    with server(handler) as (url, _):
        api = FakeApi(url, [RUNNING, RUNNING, COMPLETED])
        events = list(live.updates(api, EXECUTION, on_fallback=notes.append))  # type: ignore[arg-type]
    assert events[-1]["execution"]["status"] == "completed"
    assert "closed" in notes[0]


def test_no_websocket_url_means_polling_without_a_note() -> None:
    notes: list[str] = []
    api = FakeApi(None, [COMPLETED])
    events = list(live.updates(api, EXECUTION, on_fallback=notes.append))  # type: ignore[arg-type]
    assert events[-1]["execution"]["status"] == "completed" and notes == []


@pytest.mark.parametrize(
    ("base", "url"),
    [("ws://127.0.0.1:8001", "ws://127.0.0.1:8001?token=a%2Bb"), ("wss://x/prod?v=1", "wss://x/prod?v=1&token=a%2Bb")],
)
def test_the_token_goes_in_the_query_string(base: str, url: str) -> None:
    assert live.socket_url(base, "a+b") == url
