"""Live updates of one run: over the WebSocket when the stack has one, else (or when it fails) by polling.

Both sources yield the same events, the WebSocket API's server messages:
`{"type": "execution", "execution": <status object>}` and `{"type": "log", "execution_id", "log": <log>}`;
the WebSocket also yields `{"type": "approval", "execution_id", "step_name", "message"}` (polling reads the
status object's `waiting_for` instead).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from wfe.errors import TERMINAL_STATUSES
from wfe.http import Api

Event = dict[str, Any]

POLL_FIRST_SECONDS = 0.5
POLL_MAX_SECONDS = 5.0
POLL_GROWTH = 1.6
SOCKET_IDLE_SECONDS = 10.0  # with no message for this long, the status is read once over HTTP (a safety net)
LOGS_LIMIT = 1000


class SocketUnavailable(Exception):
    """The WebSocket could not be opened or subscribed, or closed early: the caller polls instead."""


def snapshot(api: Api, execution_id: str) -> list[Event]:
    """The run's status and its logs so far, as events (what a subscriber may have missed)."""
    execution = api.get(f"/api/workflows/executions/{execution_id}")
    logs = api.get(f"/api/workflows/executions/{execution_id}/logs", limit=LOGS_LIMIT)
    events: list[Event] = [{"type": "log", "execution_id": execution_id, "log": log} for log in logs]
    return [*events, {"type": "execution", "execution": execution}]


def poll(api: Api, execution_id: str, sleep: Callable[[float], None] = time.sleep) -> Iterator[Event]:
    """Read status and logs until the run ends; back off while nothing changes, and speed up when it does."""
    seen_logs: set[str] = set()
    last_status = None
    delay = POLL_FIRST_SECONDS
    while True:
        changed = False
        for event in snapshot(api, execution_id):
            if event["type"] == "log":
                if event["log"].get("id") in seen_logs:
                    continue
                seen_logs.add(event["log"].get("id"))
                changed = True
            else:
                status = event["execution"].get("status")
                changed = changed or status != last_status
                last_status = status
            yield event
        if last_status in TERMINAL_STATUSES:
            return
        delay = POLL_FIRST_SECONDS if changed else min(delay * POLL_GROWTH, POLL_MAX_SECONDS)
        sleep(delay)


def socket_url(base: str, token: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}{urlencode({'token': token})}"


def subscribe(api: Api, execution_id: str, open_timeout: float = 5.0) -> Iterator[Event]:
    """Subscribe to the run over the WebSocket; yield its events until it ends.

    Raises SocketUnavailable when the socket cannot be used, before or after some events were yielded
    (the caller then polls, which re-reads everything: events are idempotent for a RunState).
    """
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, WebSocketException
    from websockets.sync.client import connect

    assert api.stack.websocket_url
    try:
        socket = connect(socket_url(api.stack.websocket_url, api.token()), open_timeout=open_timeout)
    except (OSError, InvalidHandshake, WebSocketException, TimeoutError) as error:
        raise SocketUnavailable(f"cannot open the WebSocket: {error}") from None
    with socket:
        try:
            _await_subscribed(socket, execution_id, open_timeout)
            # Subscribed: anything before this moment is read once over HTTP.
            for event in snapshot(api, execution_id):
                yield event
                if _ended(event):
                    return
            yield from _socket_events(api, socket, execution_id)
        except (ConnectionClosed, OSError) as error:
            raise SocketUnavailable(f"the WebSocket closed: {error}") from None


def _await_subscribed(socket: Any, execution_id: str, timeout: float) -> None:
    """Sends the subscribe message and reads until its reply (an update may come first)."""
    socket.send(json.dumps({"action": "subscribe", "execution_id": execution_id}))
    while True:
        message = _decode(socket.recv(timeout=timeout))
        if message.get("type") == "subscribed":
            return
        if message.get("type") == "error":
            raise SocketUnavailable(f"subscribe refused: {message.get('message')}")


def _socket_events(api: Api, socket: Any, execution_id: str) -> Iterator[Event]:
    """The run's messages until it ends; after SOCKET_IDLE_SECONDS of silence, its status read over HTTP."""
    while True:
        try:
            message = _decode(socket.recv(timeout=SOCKET_IDLE_SECONDS))
        except TimeoutError:
            event = {"type": "execution", "execution": api.get(f"/api/workflows/executions/{execution_id}")}
            yield event
            if _ended(event):
                return
            continue
        if _concerns(message, execution_id):
            yield message
            if _ended(message):
                return


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


def _concerns(message: dict[str, Any], execution_id: str) -> bool:
    if message.get("type") == "execution":
        return str((message.get("execution") or {}).get("id")) == execution_id
    if message.get("type") == "log":
        return str(message.get("execution_id")) == execution_id and isinstance(message.get("log"), dict)
    if message.get("type") == "approval":  # an approval step starts waiting for a person
        return str(message.get("execution_id")) == execution_id
    return False


def _ended(event: Event) -> bool:
    return event.get("type") == "execution" and (event.get("execution") or {}).get("status") in TERMINAL_STATUSES


def updates(api: Api, execution_id: str, on_fallback: Callable[[str], None] | None = None) -> Iterator[Event]:
    """The run's events until it ends, and then its full logs once more (a log may trail the final status)."""
    ended = False
    if api.stack.websocket_url:
        try:
            for event in subscribe(api, execution_id):
                ended = ended or _ended(event)
                yield event
        except SocketUnavailable as reason:
            if on_fallback:
                on_fallback(f"WebSocket unavailable ({reason}): polling instead")
    if not ended:
        yield from poll(api, execution_id)
    yield from snapshot(api, execution_id)
