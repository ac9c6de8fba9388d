"""The only places the local stack reaches into moto (pinned in requirements-dev.txt to a tested range) to change
what it does. (infra/local/persistence.py and restart.py also read and replace moto's state, for the snapshots
that let the local stack's data survive a restart; they change no behaviour.)

1. Lambda: moto runs function code in Docker; without Docker its "simple" backend echoes the payload.
   `LambdaSimpleBackend.invoke` is replaced to run the function's real handler (its `Handler` string,
   resolved under functions/) in-process, with the payload and error shapes Lambda uses.
2. EventBridge: moto's Step Functions emits no "Execution Status Change" events. When an execution ends,
   the event AWS would send is built here and handed to the listeners. The local stack's listener is
   `deliver_to_event_rules`: moto's EventBridge matches rule patterns but cannot invoke Lambda targets, so
   each enabled rule of the default bus whose pattern matches invokes its Lambda targets here, as in AWS.
3. StopExecution: moto's worker parses the definition on its own thread before it can be stopped, and a
   StopExecution in that window fails inside moto (AWS accepts it). The stop waits for the worker instead.
4. DynamoDB: moto checks a write's condition and then writes, without a lock, so two concurrent conditional
   writes can both pass (a cancel and the machine's `$record success` both "won"). DynamoDB makes each
   conditional write atomic; here the item writes are serialized, which gives the same guarantee. Reads too:
   moto's UpdateItem changes an item in place while a concurrent GetItem, BatchGetItem or Query turns it into
   JSON ("dictionary changed size during iteration", a 500), where DynamoDB returns the item as it was before
   or after the write; so each DynamoDB request, its answer included, runs under the same lock.
5. Event source mappings: moto hands each DynamoDB stream batch (and SQS batch) of a mapping to
   `LambdaFunction.invoke`, which would run the code in Docker, inside the writer's own request. Here the
   batch goes to the function's real handler in-process, on one worker thread per function: in order (as a
   shard is read), off the writer's thread (as Lambda polls streams asynchronously; a consumer's own writes
   would otherwise wait on the write lock of seam 4). A batch whose handler raises, or that reports
   `batchItemFailures`, is retried from its first failed record (`STREAM_RETRY_ATTEMPTS` times, as the
   mapping's MaximumRetryAttempts does), then handed to the delivery-failure listeners (the mapping's
   on-failure destination in AWS) and dropped. `drain_event_sources()` waits until every batch is handled.
6. DynamoDB transactions: moto backs up every table a TransactWriteItems names with a deep copy of the whole
   table (once per item of the transaction), under the write lock of seam 4, so a transaction costs what the
   table holds (seconds once a table has thousands of items: the metrics aggregator writes one per record).
   DynamoDB's cost is the items touched. Here the backup is of the touched items only, restored on cancel.
7. Bedrock: moto's bedrock-runtime routes POST /model/{modelId}/converse but has no Converse; the local stack's
   deterministic model answers it (infra/local/bedrock.py), so the ai step's BedrockProvider runs unchanged.
8. StopExecution ends an execution ABORTED, whatever state it was in. moto's interpreter skips what is left of the
   state the stop interrupted; a Task state then fails on the values its skipped parts did not compute (e.g.
   "'dict' object has no attribute 'region'"), and that error replaced the stop: the execution ended FAILED, and
   the reconciler recorded `failed` for a cancelled execution when the event came before the cancel's own write.
   Here a stopped execution stays stopped, so it ends ABORTED, as in AWS.
9. Executions of a published version: StartExecution with a version ARN (`...:stateMachine:NAME:2`) runs that
   version, but moto files the execution under the version, while DescribeExecution, StopExecution and
   GetExecutionHistory look executions up on the machine named in the execution ARN (which, as in AWS, has no
   version). The execution is filed under its machine too, and its status-change event names the machine in
   `stateMachineArn` and the version in `stateMachineVersionArn`, as AWS's does.
10. A Catch or Retry on `States.ALL` takes every error in moto; in AWS it takes neither States.Runtime (e.g. a
   Map whose ItemsPath is missing) nor States.DataLimitExceeded, which always fail the execution. Here
   `States.ALL` leaves those two to fail the execution, as in AWS (a block's `continue_on_error` does not hide them).
11. A definite JSONPath with a member after a list index (`$.input.lines[0].qty`, a Choice rule's Variable, an
   ItemsPath) reads one value in AWS; moto's extract_json wraps it in a list (`[2]` for `2`), so a condition on
   it was false locally and true in AWS. Here a path without wildcard, slice, filter or `..` reads its value.
12. SendTaskFailure's `cause` reaches the task (moto passed on the error only): infra/local/callback_seams.py.
13. A task token is good for one outcome while its task waits: a decision either lands before a
   `.waitForTaskToken` task times out or is refused (TaskTimedOut), as are the tokens of stopped executions; each
   attempt of a retried task has a token of its own; a heartbeat for a waiting task is accepted (moto accepted
   late decisions in silence, reused the token, refused the heartbeat): infra/local/callback_seams.py.
16. EventBridge Scheduler: moto stores schedules and never fires them; the local stack fires its group's due
   schedules on time, invoking the target's handler in-process with Scheduler's event (the Input, its context
   attributes substituted): infra/local/scheduler_seam.py (started by infra/local/server.py).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import json
import logging
import os
import queue
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import moto.dynamodb.models as moto_dynamodb_models
from moto.awslambda.models import LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.core.config import default_user_config
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.models import StateMachine, StateMachineVersion
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.utils import json_path as moto_json_path
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from infra.local import bedrock, callback_seams

StatusListener = Callable[[dict[str, Any]], None]
DeliveryFailureListener = Callable[[str, dict[str, Any], str], None]  # (function name, event, error)
_status_listeners: list[StatusListener] = []
_delivery_failure_listeners: list[DeliveryFailureListener] = []
logger = logging.getLogger(__name__)
_original_terminated = BaseExecutionWorkerCommunication.terminated
_original_stop = ExecutionWorker.stop
_original_set_error = Environment.set_error
_original_start_execution = StepFunctionsParserBackend.start_execution
_original_error_equals = ErrorEqualsDecl._eval_body
_original_extract_json = moto_json_path.extract_json
_original_sfn_parameters = StateTaskServiceSfn._normalise_parameters
# Errors no `States.ALL` retrier or catcher takes in AWS (they always fail the execution).
UNCATCHABLE_BY_STATES_ALL = ("States.Runtime", "States.DataLimitExceeded")
_INDEFINITE_PATH = re.compile(r"\*|:|\.\.|\?\(")
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
    """'steps.handler.transform' -> the attribute `transform` of module `steps.handler` (functions/ on sys.path).

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
            **_machine_arns(execution.state_machine),
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


def _machine_arns(machine: Any) -> dict[str, str]:
    """`stateMachineArn` (the machine), and `stateMachineVersionArn` for an execution of a published version."""
    if isinstance(machine, StateMachineVersion):
        return {"stateMachineArn": machine.source_arn, "stateMachineVersionArn": machine.arn}
    return {"stateMachineArn": machine.arn}


def _start_execution(self: StepFunctionsParserBackend, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
    machine = self.describe_state_machine(state_machine_arn)
    if not isinstance(machine, StateMachineVersion):
        return _original_start_execution(self, state_machine_arn, *args, **kwargs)
    source = self.describe_state_machine(machine.source_arn)
    machine.backend = source.backend  # what moto's start reads of a machine and a version lacks
    execution = _original_start_execution(self, state_machine_arn, *args, **kwargs)
    if execution not in source.executions:
        source.executions.append(execution)
    return execution


def _terminated(self: BaseExecutionWorkerCommunication) -> None:
    _original_terminated(self)
    event = _status_change_event(self)
    for listener in list(_status_listeners):
        listener(event)


def deliver_to_event_rules(event: dict[str, Any]) -> list[str]:
    """What EventBridge does with an event on the default bus: every enabled rule whose pattern matches it invokes
    its Lambda targets (their real handlers). Returns the names of the functions invoked."""
    import boto3
    from moto.events.models import events_backends

    bus = events_backends[event["account"]][event["region"]].event_buses["default"]
    invoked = []
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        for target in rule.targets:
            if ":lambda:" in target["Arn"] and ":function:" in target["Arn"]:
                lambdas = boto3.client("lambda", region_name=event["region"])
                function = lambdas.get_function_configuration(FunctionName=target["Arn"])
                invoke_handler(function["Handler"], event, function["FunctionName"], function["FunctionArn"])
                invoked.append(function["FunctionName"])
    return invoked


def _stop_when_ready(self: ExecutionWorker, *args: Any, **kwargs: Any) -> None:
    deadline = time.monotonic() + WORKER_READY_TIMEOUT_SECONDS
    while getattr(self, "env", None) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    _original_stop(self, *args, **kwargs)


def _set_error_unless_stopped(self: Environment, error: Any) -> None:
    with self._state_mutex:  # the lock set_stop takes (re-entrant): a stop cannot come between check and write
        if not isinstance(self._program_state, ProgramStopped):
            _original_set_error(self, error)


_item_write_lock = threading.RLock()
_ATOMIC_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


def dynamodb_request_lock() -> contextlib.AbstractContextManager[Any]:
    """The lock each DynamoDB request runs under (seam 4): while it is held, no table changes."""
    return _item_write_lock


def _atomic(write: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(write, "_serialized", False):
        return write

    @functools.wraps(write)
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with _item_write_lock:
            return write(*args, **kwargs)

    serialized._serialized = True  # type: ignore[attr-defined]
    return serialized


class _TableSparingCopy:
    """Stands in for `copy` in moto.dynamodb.models: a Table is not copied (seam 6 backs up items instead)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_original_transact_write_items = DynamoDBBackend.transact_write_items


def _transact_with_item_backup(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    saved: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
    for entry in transact_items:
        operation = next(iter(entry.values()), {}) if isinstance(entry, dict) else {}
        table = self.tables.get(operation.get("TableName", "")) if isinstance(operation, dict) else None
        key = (operation.get("Key") or operation.get("Item") or {}) if table is not None else {}
        if table is None or table.hash_key_attr not in key or (table.has_range_key and table.range_key_attr not in key):
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.has_range_key else None
        saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    try:
        _original_transact_write_items(self, transact_items)
    except Exception:
        for table, hash_value, range_value, item in reversed(saved):
            if range_value is not None:
                partition = table.items[hash_value]
                if item is None:
                    partition.pop(range_value, None)
                else:
                    partition[range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        raise


_transact_with_item_backup._item_backup = True  # type: ignore[attr-defined]

STREAM_RETRY_ATTEMPTS = 2
STREAM_RETRY_DELAY_SECONDS = 0.05


def _failed_from(event: dict[str, Any], result: Any) -> int | None:
    """Index of the first record to retry: all of them when the handler raised, else the first one the handler
    reported in `batchItemFailures` (by its sequence number or message id), None when the batch succeeded."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return None
    failed = {failure.get("itemIdentifier") for failure in result["batchItemFailures"]}
    for index, record in enumerate(event.get("Records", [])):
        identifier = record.get("dynamodb", {}).get("SequenceNumber") or record.get("messageId")
        if identifier in failed:
            return index
    return 0


class EventSourceDelivery:
    """One ordered worker per function, delivering event-source batches to its in-process handler."""

    def __init__(self) -> None:
        self._queues: dict[str, queue.Queue[tuple[str, str, dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, function: LambdaFunction, event: dict[str, Any]) -> None:
        with self._lock:
            self._pending += 1
            work = self._queues.get(function.function_arn)
            if work is None:
                work = self._queues[function.function_arn] = queue.Queue()
                threading.Thread(
                    target=self._run, args=(work,), name=f"esm-{function.function_name}", daemon=True
                ).start()
        work.put((function.handler, function.function_name, event))

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted batch has been handled (or given up); False on time-out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self, work: queue.Queue[tuple[str, str, dict[str, Any]]]) -> None:
        while True:
            handler, name, event = work.get()
            try:
                self._deliver(handler, name, event)
            except Exception:  # the worker outlives any batch
                logger.exception("event source delivery to %s failed", name)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, handler: str, name: str, event: dict[str, Any]) -> None:
        error = ""
        for attempt in range(STREAM_RETRY_ATTEMPTS + 1):
            if attempt:
                time.sleep(STREAM_RETRY_DELAY_SECONDS * 2 ** (attempt - 1))
            payload, failed = invoke_handler(handler, event, function_name=name)
            document = json.loads(payload) if payload else None
            start = 0 if failed else _failed_from(event, document)
            if start is None:
                return
            error = str(document.get("errorMessage", "batch item failures")) if isinstance(document, dict) else ""
            event = {**event, "Records": event.get("Records", [])[start:]}
        logger.warning("giving up on a batch of %d record(s) for %s: %s", len(event.get("Records", [])), name, error)
        for listener in list(_delivery_failure_listeners):
            listener(name, event, error)


event_sources = EventSourceDelivery()


def _invoke_from_event_source(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
    event = json.loads(body) if body else {}
    event_sources.submit(self, event)
    return b"{}"  # accepted: moto then clears the stream's delivered records (or deletes the SQS messages)


def drain_event_sources(timeout: float = 30.0) -> bool:
    return event_sources.drain(timeout)


def add_delivery_failure_listener(listener: DeliveryFailureListener) -> None:
    if listener not in _delivery_failure_listeners:
        _delivery_failure_listeners.append(listener)


def remove_delivery_failure_listener(listener: DeliveryFailureListener) -> None:
    if listener in _delivery_failure_listeners:
        _delivery_failure_listeners.remove(listener)


def _error_equals(self: ErrorEqualsDecl, env: Environment) -> None:
    """Seam 10: `States.ALL` does not take States.Runtime or States.DataLimitExceeded (an explicit name still does)."""
    error_name = env.stack[-1]
    _original_error_equals(self, env)
    if (
        env.stack[-1] is True
        and isinstance(error_name, StatesErrorName)
        and error_name.error_name in UNCATCHABLE_BY_STATES_ALL
        and error_name not in self.error_names
    ):
        env.stack[-1] = False


def _extract_json(path: str, data: Any) -> Any:
    """Seam 11: a definite path (no wildcard, slice, filter or `..`) reads its one value, as in AWS."""
    value = _original_extract_json(path, data)
    if isinstance(value, list) and not _INDEFINITE_PATH.search(path):
        matches = moto_json_path.parse(path).find(data)
        if len(matches) == 1:
            return matches[0].value
    return value


def _install_extract_json() -> None:
    """moto's modules import extract_json by name: each of them gets the seam's."""
    for name in _EXTRACT_JSON_USERS:
        module = importlib.import_module(f"moto.stepfunctions.parser.asl.{name}")
        if module.extract_json is _original_extract_json:  # type: ignore[attr-defined]
            module.extract_json = _extract_json  # type: ignore[attr-defined]


_EXTRACT_JSON_USERS = (
    "component.intrinsic.argument.argument",
    "component.state.choice.comparison.operator.implementations.timestamp_operators",
    "component.state.choice.comparison.operator.implementations.boolean_equals",
    "component.state.choice.comparison.operator.implementations.numeric",
    "component.state.choice.comparison.operator.implementations.string_operators",
    "eval.states",
    "component.common.string.string_expression",
)


@functools.cache
def _sfn_operations() -> dict[str, Any]:
    """botocore's Step Functions operations by moto's action name (`start_execution`, `describe_execution`)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model("stepfunctions")
    return {xform_name(name): model.operation_model(name) for name in model.operation_names}


def _sfn_parameters(
    self: StateTaskServiceSfn,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    """Seam 14: the ASL's parameter names (`StateMachineArn`) to boto's (`stateMachineArn`)."""
    _original_sfn_parameters(
        self, parameters, boto_service_name=boto_service_name, service_action_name=service_action_name
    )
    operation = _sfn_operations()[service_action_name or self._get_boto_service_action()]
    self._to_boto_request(parameters, operation.input_shape)


def _sfn_response(
    self: StateTaskServiceSfn,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    """Seam 14: boto's answer names (`executionArn`) to the ASL's (`ExecutionArn`)."""
    operation = _sfn_operations()[service_action_name or self._get_boto_service_action()]
    self._from_boto_response(response, operation.output_shape)


def _propagated_error_name(error_name: str) -> Any:
    """Seam 15: a branch's error, as the Parallel re-raises it (a `States.` name stays one)."""
    if error_name.startswith("States."):
        return StatesErrorName.from_name(error_name)
    return CustomErrorName(error_name=error_name)


def install(status_listener: StatusListener | None = None) -> None:
    """Route Lambda invocations (direct and from event sources) to the handlers, run state machines, and emit
    status-change events."""
    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke_from_event_source  # type: ignore[method-assign]
    BaseExecutionWorkerCommunication.terminated = _terminated  # type: ignore[method-assign]
    ExecutionWorker.stop = _stop_when_ready  # type: ignore[method-assign]
    Environment.set_error = _set_error_unless_stopped  # type: ignore[method-assign]
    StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]
    ErrorEqualsDecl._eval_body = _error_equals  # type: ignore[method-assign]
    _install_extract_json()
    StateTaskServiceSfn._normalise_parameters = _sfn_parameters  # type: ignore[method-assign]
    StateTaskServiceSfn._normalise_response = _sfn_response  # type: ignore[method-assign]
    branches_decl.CustomErrorName = _propagated_error_name  # type: ignore[attr-defined]
    StateMachineVersion._handle_name_input_idempotency = StateMachine._handle_name_input_idempotency  # type: ignore[attr-defined]
    if not getattr(DynamoDBBackend.transact_write_items, "_item_backup", False):
        moto_dynamodb_models.copy = _TableSparingCopy  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = _transact_with_item_backup  # type: ignore[method-assign]
    for name in _ATOMIC_WRITES:
        setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
    DynamoHandler.call_action = _atomic(DynamoHandler.call_action)  # type: ignore[method-assign]
    BedrockRuntimeResponse.converse = bedrock.converse  # type: ignore[attr-defined]
    callback_seams.install()
    if status_listener is not None:
        add_status_listener(status_listener)


def add_status_listener(listener: StatusListener) -> None:
    if listener not in _status_listeners:
        _status_listeners.append(listener)


def remove_status_listener(listener: StatusListener) -> None:
    if listener in _status_listeners:
        _status_listeners.remove(listener)


def remove_status_listeners() -> None:
    _status_listeners.clear()


def replace_status_listeners(make: Callable[[list[StatusListener]], StatusListener]) -> None:
    """Put one listener in place of the installed ones, built from them (e.g. a fault injector that drops some
    events and hands the rest on)."""
    current = list(_status_listeners)
    _status_listeners[:] = [make(current)]
