"""Seams 12 and 13 (infra/local/moto_seams.py): a `.waitForTaskToken` task and SendTask* behave as in AWS.

12. SendTaskFailure: moto's response handler passes on the `error` only, so the task failed with an empty cause
    (an approval's rejection lost its comment). Here the `cause` reaches the task, as in AWS.
13. A task token is good for one outcome while its task waits, and not after. In AWS a token whose task has closed
    (decided, timed out, or its execution stopped) is refused with TaskTimedOut, and each attempt of a retried
    task has a token of its own. moto keeps a closed token's endpoint and accepts a later SendTaskSuccess /
    SendTaskFailure in silence (the caller is told it worked, nothing happens), accepts SendTaskFailure for the
    tokens of stopped executions, and times a wait out with two timers (the state's and the callback's), so a
    decision in between was accepted and lost. Here the callback's wait alone decides the timeout (the state's
    timer, `BACKSTOP_SECONDS` later, never fires first), under one lock with every SendTask*: a decision either
    lands before the wait closes or is refused with TaskTimedOut; a token of a stopped execution is refused with
    TaskTimedOut, an unknown one with InvalidToken; a retried attempt gets a new token; and SendTaskHeartbeat
    for a waiting task without HeartbeatSeconds is accepted (moto answered InvalidToken).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from moto.stepfunctions.exceptions import AWSError
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackOutcome
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

# The callback's wait ends this much before the state's own timer would (which then never fires: the task has
# ended). Of a TimeoutSeconds of at least 60 s (an approval's), 0.2 s.
BACKSTOP_SECONDS = 0.2
_ATTEMPT_STARTED = "_local_attempt_started"  # on the context object's Task data (shared with the task's frame)
_lock = threading.Lock()


class InvalidToken(AWSError):
    """As AWS answers it (moto's own parser exceptions reach the client without an error code)."""

    TYPE = "InvalidToken"
    STATUS = 400


class TaskTimedOut(AWSError):
    TYPE = "TaskTimedOut"
    STATUS = 400


_closed: set[str] = set()  # the tokens whose task no longer waits (bounded by the executions of a session)
_original_evaluate_with_timeout = ExecutionState._evaluate_with_timeout
_original_wait = StateTaskServiceCallback._eval_wait_for_task_token
_original_success = StepFunctionsParserBackend.send_task_success
_original_failure = StepFunctionsParserBackend.send_task_failure
_original_heartbeat = StepFunctionsParserBackend.send_task_heartbeat


def _send_task_failure_with_cause(self: StepFunctionResponse) -> Any:
    """Seam 12: the cause too."""
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    from moto.core.responses import EmptyResult  # noqa: PLC0415 (moto's own result type, as its handler uses)

    return EmptyResult()


def _waits_for_token(state: Any) -> bool:
    resource = getattr(state, "resource", None)
    return (
        isinstance(state, StateTaskServiceCallback)
        and getattr(resource, "condition", None) == ResourceCondition.WaitForTaskToken
    )


def _evaluate_with_timeout(self: ExecutionState, env: Any) -> None:
    """Seam 13: each attempt of a waiting task has a token of its own, and its start is noted for the wait."""
    if _waits_for_token(self):
        task = env.states.context_object.context_object_data.get("Task") or {}
        if task.get("Token") in _closed:  # a retry: the earlier attempt's token is spent
            token = env.states.context_object.update_task_token()
            env.callback_pool_manager.add(token)
            task = env.states.context_object.context_object_data["Task"]
        task[_ATTEMPT_STARTED] = time.monotonic()
    _original_evaluate_with_timeout(self, env)


def _eval_wait_for_task_token(
    self: StateTaskServiceCallback,
    env: Any,
    timeout_seconds: float,
    callback_endpoint: CallbackEndpoint,
    heartbeat_endpoint: Any,
) -> CallbackOutcome | None:
    """Seam 13: the wait ends at the attempt's start + TimeoutSeconds (before the state's timer), and closes its
    token under the lock every SendTask* takes."""
    if heartbeat_endpoint is not None:
        return _original_wait(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint)
    task = env.states.context_object.context_object_data.get("Task") or {}
    started = task.get(_ATTEMPT_STARTED, time.monotonic())
    deadline = started + timeout_seconds - BACKSTOP_SECONDS
    callback_endpoint._notify_event.wait(timeout=max(0.0, deadline - time.monotonic()))
    with _lock:
        _closed.add(callback_endpoint.callback_id)
        outcome = callback_endpoint.get_outcome()
    if outcome is None:
        from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeTimedOut  # noqa: PLC0415

        return CallbackOutcomeTimedOut(callback_id=callback_endpoint.callback_id)
    return outcome


def _owner(backend: StepFunctionsParserBackend, token: str) -> Any:
    for execution in backend._get_executions():
        worker = getattr(execution, "exec_worker", None)
        if worker is not None and worker.env.callback_pool_manager.get(token) is not None:
            return execution
    return None


def _guarded(original: Any) -> Any:
    def send(self: StepFunctionsParserBackend, task_token: str, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            execution = _owner(self, task_token)
            if execution is None:
                raise InvalidToken("Invalid Token: no task waits on it")
            if task_token in _closed or execution.exec_status != ExecutionStatus.RUNNING:
                raise TaskTimedOut("Task Timed Out: the task of this token has closed")
            return original(self, task_token, *args, **kwargs)

    return send


def _send_task_heartbeat(self: StepFunctionsParserBackend, task_token: str) -> Any:
    """A heartbeat for a waiting task without HeartbeatSeconds is accepted (AWS); moto answered InvalidToken."""
    try:
        return _original_heartbeat(self, task_token)
    except Exception as error:
        if type(error).__name__ != "InvalidToken":
            raise
        return None  # the guard found the task waiting: without a heartbeat timer, a heartbeat is a no-op


def _stopping(original: Any) -> Any:
    def stop(self: Any, *args: Any, **kwargs: Any) -> Any:
        """A stop closes the execution's waiting tokens and ends their waits (moto's waited until the timeout, the
        execution RUNNING meanwhile, its stop not reflected): the stopped execution ends ABORTED (seam 8). Closed
        before the stop, so no decision lands in between; again after it (seam 3 waits for a worker not yet
        ready: it has no waiting task then), and their waits ended only once the program has stopped."""
        _close_waits(self, interrupt=False)
        result = original(self, *args, **kwargs)
        _close_waits(self, interrupt=True)  # the program has stopped: a wait it ends fails nothing (seam 8)
        return result

    return stop


def _close_waits(worker: Any, interrupt: bool) -> None:
    env = getattr(worker, "env", None)
    if env is None:
        return
    with _lock:
        endpoints = list(env.callback_pool_manager._pool.values())
        _closed.update(endpoint.callback_id for endpoint in endpoints)
    for endpoint in endpoints if interrupt else ():
        endpoint.interrupt_all()


def install() -> None:
    ExecutionWorker.stop = _stopping(ExecutionWorker.stop)  # type: ignore[method-assign] (after seam 3's)
    StepFunctionResponse.send_task_failure = _send_task_failure_with_cause  # type: ignore[method-assign]
    ExecutionState._evaluate_with_timeout = _evaluate_with_timeout  # type: ignore[method-assign]
    StateTaskServiceCallback._eval_wait_for_task_token = _eval_wait_for_task_token  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_success = _guarded(_original_success)  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_failure = _guarded(_original_failure)  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_heartbeat = _guarded(_send_task_heartbeat)  # type: ignore[method-assign]
