"""The only places the local stack reaches into moto (pinned in requirements-dev.txt to a tested range).

1. Lambda: moto runs function code in Docker; without Docker its "simple" backend echoes the payload.
   `LambdaSimpleBackend.invoke` is replaced to run the function's real handler (its `Handler` string,
   resolved under functions/) in-process, with the payload and error shapes Lambda uses.
2. EventBridge: moto's Step Functions emits no "Execution Status Change" events. When an execution ends,
   the event AWS would send is built here and handed to a listener (the local stack's reconciler).
3. StopExecution: moto's worker parses the definition on its own thread before it can be stopped, and a
   StopExecution in that window fails inside moto (AWS accepts it). The stop waits for the worker instead.
4. DynamoDB: moto checks a write's condition and then writes, without a lock, so two concurrent conditional
   writes can both pass (a cancel and the machine's `$record success` both "won"). DynamoDB makes each
   conditional write atomic; here the item writes are serialized, which gives the same guarantee.
5. Bedrock: moto's bedrock-runtime routes POST /model/{modelId}/converse but has no Converse; the local stack's
   deterministic model answers it (infra/local/bedrock.py), so the ai step's BedrockProvider runs unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.core.config import default_user_config
from moto.dynamodb.models import DynamoDBBackend
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from infra.local import bedrock

StatusListener = Callable[[dict[str, Any]], None]
_status_listeners: list[StatusListener] = []
_original_terminated = BaseExecutionWorkerCommunication.terminated
_original_stop = ExecutionWorker.stop
WORKER_READY_TIMEOUT_SECONDS = 10.0


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


_function_environments: dict[str, dict[str, str]] = {}
_import_lock = threading.Lock()


def set_function_environment(handler: str, environment: dict[str, str]) -> None:
    """The environment the function running ``handler`` has: its module is imported (cold start) under it."""
    _function_environments[handler] = dict(environment)


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def resolve_handler(handler: str) -> Callable[[Any, Any], Any]:
    """'steps.transform.handler' -> the function `handler` of module `steps.transform` (functions/ on sys.path).

    The first resolution imports the module with the function's own environment (set_function_environment) in
    place, as a Lambda cold start reads it; the process keeps no function's settings afterwards.
    """
    module_name, _, attribute = handler.rpartition(".")
    module = sys.modules.get(module_name)
    if module is None:
        with _import_lock, _environment(_function_environments.get(handler, {})):
            module = importlib.import_module(module_name)
    return getattr(module, attribute)


def invoke_handler(handler: str, event: Any, function_name: str, function_arn: str = "") -> tuple[bytes, bool]:
    """Run a handler as Lambda would: returns (payload bytes, whether it is a function error)."""
    context = LambdaContext(function_name=function_name, invoked_function_arn=function_arn)
    try:
        result = resolve_handler(handler)(event, context)
    except Exception as error:  # Lambda reports any exception as an unhandled function error
        document = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
        return json.dumps(document).encode(), True
    return json.dumps(result).encode(), False


def _invoke(
    self: LambdaSimpleBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> bytes:
    function = self.get_function(function_name, qualifier)
    event = json.loads(body) if body else {}
    payload, failed = invoke_handler(function.handler, event, function.function_name, function.function_arn)
    if failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


def _status_change_event(communication: BaseExecutionWorkerCommunication) -> dict[str, Any]:
    execution = communication.execution
    status = execution.exec_status.value
    stop = execution.stop_date or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": execution.account_id,
        "time": stop.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": execution.region_name,
        "resources": [execution.exec_arn],
        "detail": {
            "executionArn": execution.exec_arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": status,
            "startDate": int(execution.start_date.timestamp() * 1000),
            "stopDate": int(stop.timestamp() * 1000),
            "input": json.dumps(execution.input_data) if execution.input_data is not None else None,
            "output": execution.output
            if isinstance(execution.output, str) or execution.output is None
            else json.dumps(execution.output),
            "error": execution.error,
            "cause": execution.cause,
        },
    }


def _terminated(self: BaseExecutionWorkerCommunication) -> None:
    _original_terminated(self)
    event = _status_change_event(self)
    for listener in list(_status_listeners):
        listener(event)


def _stop_when_ready(self: ExecutionWorker, *args: Any, **kwargs: Any) -> None:
    deadline = time.monotonic() + WORKER_READY_TIMEOUT_SECONDS
    while getattr(self, "env", None) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    _original_stop(self, *args, **kwargs)


_item_write_lock = threading.RLock()
_ATOMIC_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


def _atomic(write: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(write, "_serialized", False):
        return write

    @functools.wraps(write)
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with _item_write_lock:
            return write(*args, **kwargs)

    serialized._serialized = True  # type: ignore[attr-defined]
    return serialized


def install(status_listener: StatusListener | None = None) -> None:
    """Route Lambda invocations to the handlers, run state machines, and emit status-change events."""
    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
    BaseExecutionWorkerCommunication.terminated = _terminated  # type: ignore[method-assign]
    ExecutionWorker.stop = _stop_when_ready  # type: ignore[method-assign]
    for name in _ATOMIC_WRITES:
        setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
    BedrockRuntimeResponse.converse = bedrock.converse  # type: ignore[attr-defined]
    if status_listener is not None and status_listener not in _status_listeners:
        _status_listeners.append(status_listener)


def remove_status_listeners() -> None:
    _status_listeners.clear()
