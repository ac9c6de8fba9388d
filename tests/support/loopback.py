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
