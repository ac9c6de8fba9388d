"""A JSON HTTP server on 127.0.0.1 for tests (a JWKS, a target for http steps, a slow upstream)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (path, headers) -> JSON-serializable answer; it may sleep to play a slow upstream.
Responder = Callable[[str, Any], Any]


@contextmanager
def json_server(respond: Responder) -> Iterator[str]:
    """Serve GET requests with `respond`; yields the base URL (http://127.0.0.1:<port>)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps(respond(self.path, self.headers)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class Receiver:
    """What a webhook receiver got: one (headers, raw body) per POST; `statuses` are answered in turn (the last
    one repeats)."""

    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()

    def answer(self, headers: Any, body: bytes) -> int:
        with self._lock:
            self.requests.append(({name.lower(): value for name, value in headers.items()}, body))
            return self.statuses[min(len(self.requests), len(self.statuses)) - 1]


@contextmanager
def webhook_server(receiver: Receiver) -> Iterator[str]:
    """Accept POSTs on 127.0.0.1, recording them in `receiver`; yields the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status = receiver.answer(self.headers, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class Echo:
    """What an echo server saw: one {"method", "path", "headers", "body"} per request (headers lower-cased)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, method: str, path: str, headers: Any, body: bytes) -> dict[str, Any]:
        seen = {
            "method": method,
            "path": path,
            "headers": {name.lower(): value for name, value in headers.items()},
            "body": body.decode("utf-8", errors="replace"),
        }
        with self._lock:
            self.requests.append(seen)
        return seen


@contextmanager
def echo_server(echo: Echo) -> Iterator[str]:
    """Answer every GET/POST on 127.0.0.1 with the request itself as JSON (path, headers, body), recording it in
    `echo`; yields the base URL. An upstream that echoes credentials back, as some do in errors."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            answer = json.dumps(echo.record(self.command, self.path, self.headers, body)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("set-cookie", "session=from-upstream")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
