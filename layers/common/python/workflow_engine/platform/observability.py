"""One place for Powertools observability: every handler imports these three objects.

The service name, log level and metrics namespace come from the POWERTOOLS_* environment variables
that the stacks set per function.

The tracer is created on first use rather than at import: a Powertools Tracer imports the X-Ray SDK, which
imports botocore and builds its sampler, the largest single cost of a handler's import (see BENCHMARKS.md,
cold start). Where Powertools would disable tracing anyway (POWERTOOLS_TRACE_DISABLED, outside Lambda, SAM
local) the SDK is never imported; in Lambda the tracer is made, and the SDK patches botocore, at the first
invocation, before the handler makes any AWS call.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice


def tracing_enabled() -> bool:
    """What Powertools' Tracer decides: on in Lambda (not SAM local or Chalice) unless POWERTOOLS_TRACE_DISABLED."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV))
    emulated = bool(os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV))
    return in_lambda and not emulated


class LazyTracer:
    """A Powertools Tracer made on first use; any attribute other than the handler decorator is the Tracer's."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()

    @property
    def real(self) -> Tracer:
        with self._lock:
            if self._tracer is None:
                self._tracer = Tracer()
            return self._tracer

    def capture_lambda_handler(self, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        traced: Callable[[Any, Any], Any] | None = None

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.real.capture_lambda_handler(handler) if tracing_enabled() else handler
            return traced(event, context)

        return wrapper

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


logger = Logger()
tracer = LazyTracer()
metrics = Metrics()


# -- correlation: one Logs Insights query follows a run across the API, the steps and the reconciler -----------

LOG_KEYS = ("execution_id", "workflow_id", "user_id")
KeyExtractor = Callable[[Any], Mapping[str, Any]]


def bind_log_keys(**keys: Any) -> None:
    """Put the known correlation keys on every later log line of this invocation (thread-local, so handlers
    that share a process, as in the local stack, never see each other's keys)."""
    known = {name: str(value) for name, value in keys.items() if name in LOG_KEYS and value}
    if known:
        logger.thread_safe_append_keys(**known)


def correlated(extract: KeyExtractor) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Handler decorator: start each invocation with only the correlation keys ``extract`` finds in its event."""

    def decorate(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            logger.thread_safe_clear_keys()
            try:
                keys = extract(event)
            except (AttributeError, KeyError, TypeError):  # a malformed event still runs (and logs) as it is
                keys = {}
            bind_log_keys(**keys)
            return handler(event, context)

        return wrapper

    return decorate


def http_api_keys(event: Mapping[str, Any]) -> dict[str, Any]:
    """user_id from the verified token's `sub`; workflow_id / execution_id from the path."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims", {})
    path = event.get("pathParameters") or {}
    return {
        "user_id": claims.get("sub"),
        "workflow_id": path.get("workflow_id"),
        "execution_id": path.get("execution_id"),
    }


def step_keys(event: Mapping[str, Any]) -> dict[str, Any]:
    """A compiled Task state's payload names all three (compiler._lambda_task)."""
    return {name: event.get(name) for name in LOG_KEYS}
