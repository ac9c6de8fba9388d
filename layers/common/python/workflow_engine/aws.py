"""AWS clients, configured once: the SDK's standard retry mode, bounded timeouts.

boto3 honours AWS_ENDPOINT_URL, so the same code talks to AWS or to the local stack.

Clients are created on first use, not at import: importing boto3 and loading a service model costs more than
the rest of a handler's imports together (see BENCHMARKS.md, cold start), and a handler that never calls a
service (a request rejected by validation) never pays for it. One client
per service per process, shared by every repository of the handler, as one module-level client would be.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[str, LazyClient] = {}


def client_config() -> Any:
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


class LazyClient:
    """A boto3 client that is created on first attribute access, then reused (creation is locked: the default
    boto3 session is not safe to use from several threads at once)."""

    def __init__(self, service: str, endpoint_url: str | None = None) -> None:
        self._service = service
        self._endpoint_url = endpoint_url
        self._client: Any = None

    @property
    def real(self) -> Any:
        if self._client is None:
            with _lock:
                if self._client is None:
                    import boto3

                    self._client = boto3.client(self._service, endpoint_url=self._endpoint_url, config=client_config())
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __repr__(self) -> str:
        state = "created" if self._client is not None else "not created yet"
        return f"<LazyClient {self._service} ({state})>"


def client(service: str, endpoint_url: str | None = None) -> Any:
    """The process's client for `service` (created on first use); `endpoint_url` for services that have one per
    resource (the WebSocket API's management endpoint)."""
    key = f"{service} {endpoint_url}" if endpoint_url else service
    with _lock:
        if key not in _clients:
            _clients[key] = LazyClient(service, endpoint_url)
        return _clients[key]


def created_clients() -> list[Any]:
    """The boto3 clients made so far in this process (for instrumentation: bench/counting.py)."""
    with _lock:
        return [lazy._client for lazy in _clients.values() if lazy._client is not None]
