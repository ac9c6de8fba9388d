"""Count AWS API calls through botocore event hooks (`before-call.*.*`), in-process.

The hooks are registered once on the default boto3 session (every client made from it afterwards copies them:
the handlers' clients, made on first use, and the state machine interpreter's own, for its native DynamoDB
and Lambda tasks) and on the clients the handlers already made (workflow_engine.platform.aws). A counter records the
calls made while it is active, by default only those of the thread that opened it: the request being
measured, not an execution running in the background (plus, when asked, the threads whose name starts with a
given prefix: the pool a batch request runs its calls on). `after-call` adds the time spent in AWS (request
sent to answer parsed) and, for DynamoDB Query and Scan, their ScannedCount: the items read before any filter.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3

from workflow_engine.platform.aws import created_clients

_HOOK_ID = "bench-aws-calls"
_active: list[AwsCalls] = []
_lock = threading.Lock()
_started = threading.local()


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    thread: int
    table: str | None = None  # DynamoDB: the TableName parameter

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass
class AwsCalls:
    """`with AwsCalls() as calls: ...`, then `calls.count()`, `calls.operations()`, `calls.scanned`."""

    this_thread_only: bool = True
    # Also count the threads whose name starts with this (the request's own worker pool).
    thread_name_prefix: str | None = None
    calls: list[Call] = field(default_factory=list)
    scanned: int = 0
    aws_seconds: float = 0.0
    _thread: int = 0

    def __enter__(self) -> AwsCalls:
        install_hooks()
        self._thread = threading.get_ident()
        with _lock:
            _active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with _lock:
            _active.remove(self)

    def _counts(self, thread: int, name: str = "") -> bool:
        if not self.this_thread_only or thread == self._thread:
            return True
        return bool(self.thread_name_prefix) and name.startswith(self.thread_name_prefix or "")

    def count(self, name: str | None = None) -> int:
        """All calls, or those of one "service.Operation" (or of one "service")."""
        return sum(1 for call in self.calls if name is None or name in (call.name, call.service))

    def operations(self) -> dict[str, int]:
        """{"dynamodb.GetItem": 1, "stepfunctions.StartExecution": 1, ...}"""
        return dict(sorted(Counter(call.name for call in self.calls).items()))


def _counters(thread: int) -> list[AwsCalls]:
    name = threading.current_thread().name
    with _lock:
        return [counter for counter in _active if counter._counts(thread, name)]


def _table(request: Any) -> str | None:
    """DynamoDB speaks JSON: the serialized request's body names the table."""
    body = request.get("body") if isinstance(request, dict) else None
    try:
        return json.loads(body).get("TableName") if body else None
    except (TypeError, ValueError, AttributeError):
        return None


def _before_call(model: Any, params: Any = None, **_: Any) -> None:
    service = model.service_model.service_name
    call = Call(service, model.name, threading.get_ident(), _table(params) if service == "dynamodb" else None)
    for counter in _counters(call.thread):
        counter.calls.append(call)
    _started.at = time.perf_counter()


def _after_call(parsed: Any = None, **_: Any) -> None:
    elapsed = time.perf_counter() - getattr(_started, "at", time.perf_counter())
    scanned = parsed.get("ScannedCount", 0) if isinstance(parsed, dict) else 0
    for counter in _counters(threading.get_ident()):
        counter.scanned += scanned
        counter.aws_seconds += elapsed


def install_hooks() -> None:
    """Idempotent: a unique id keeps one registration per emitter (a client copies its session's)."""
    emitters = [boto3._get_default_session().events, *(client.meta.events for client in created_clients())]
    for events in emitters:
        events.register("before-call.*.*", _before_call, unique_id=f"{_HOOK_ID}-before")
        events.register("after-call.*.*", _after_call, unique_id=f"{_HOOK_ID}-after")
