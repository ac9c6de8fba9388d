"""The local management API (`@connections`, infra/local/websocket.py) in front of recorded connections instead
of WebSocket clients: what the notifier posts is kept per connection id; a connection marked gone answers 410
GoneException, as API Gateway does for a closed connection."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from typing import Any

from infra.local.websocket import ManagementApi, management_server


class RecordedConnections:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.posted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.attempts: dict[str, int] = defaultdict(int)
        self.gone: set[str] = set()
        self._server = management_server(ManagementApi(self))  # type: ignore[arg-type]
        self.url = f"http://127.0.0.1:{self._server.server_port}/live"
        threading.Thread(target=self._server.serve_forever, name="connections-sink", daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()

    def messages(self, connection_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.posted.get(connection_id, []))

    # -- what ManagementApi calls ---------------------------------------------------------------------------

    def post(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            self.attempts[connection_id] += 1
            if connection_id in self.gone:
                return False
            self.posted[connection_id].append(json.loads(data))
            return True

    def close(self, connection_id: str) -> bool:
        with self._lock:
            self.gone.add(connection_id)
            return True

    def live(self, connection_id: str) -> None:
        return None
