"""Step Functions, as the execution use cases see it: one interface, one boto implementation.

The gateway turns the SDK's errors into the errors below, once: the use cases never read an AWS error code.
Every call has the SDK's standard retries (workflow_engine.platform.aws) before an error reaches the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code

if TYPE_CHECKING:
    from botocore.exceptions import BotoCoreError, ClientError
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import HistoryEventTypeDef

# Step Functions execution status -> ours.
SFN_STATUS = {
    "RUNNING": ExecutionStatus.RUNNING,
    "PENDING_REDRIVE": ExecutionStatus.RUNNING,
    "SUCCEEDED": ExecutionStatus.COMPLETED,
    "FAILED": ExecutionStatus.FAILED,
    "TIMED_OUT": ExecutionStatus.TIMED_OUT,
    "ABORTED": ExecutionStatus.CANCELLED,
}
HISTORY_PAGE_SIZE = 1_000


class StepFunctionsError(Exception):
    """A Step Functions call failed (after the SDK's retries); `code` names why ("ThrottlingException",
    "EndpointConnectionError"...)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Step Functions call failed ({code})")
        self.code = code


class ExecutionDoesNotExist(StepFunctionsError):
    """Step Functions has no such execution (never started, or its history is past retention)."""


class ExecutionAlreadyExists(StepFunctionsError):
    """An execution of that name was already started on the state machine."""


class TaskNotWaiting(StepFunctionsError):
    """A task token Step Functions no longer waits on: the task timed out (TaskTimedOut), its execution ended or
    the token is unknown (InvalidToken, TaskDoesNotExist)."""


_ERRORS_BY_CODE: dict[str, type[StepFunctionsError]] = {
    "ExecutionDoesNotExist": ExecutionDoesNotExist,
    "ExecutionAlreadyExists": ExecutionAlreadyExists,
    "TaskTimedOut": TaskNotWaiting,
    "InvalidToken": TaskNotWaiting,
    "TaskDoesNotExist": TaskNotWaiting,
}


@dataclass(frozen=True)
class DescribedExecution:
    """What DescribeExecution says of an execution; `status` is Step Functions' own ("SUCCEEDED"...)."""

    status: str
    output: str | None = None
    error: str | None = None
    cause: str | None = None


def execution_arn(state_machine_arn: str, execution_id: str) -> str:
    """arn:aws:states:R:A:stateMachine:NAME -> arn:aws:states:R:A:execution:NAME:EXECUTION_ID"""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{execution_id}"


def status_of(sfn_status: str) -> ExecutionStatus | None:
    """Our status for a Step Functions execution status (None for one we do not know)."""
    return SFN_STATUS.get(sfn_status)


class ExecutionGateway(Protocol):
    def start(self, state_machine_arn: str, name: str, document: str) -> None:
        """StartExecution of `state_machine_arn` named `name` with `document` as its input."""
        ...

    def stop(self, execution_arn: str, cause: str) -> None:
        """StopExecution (raises ExecutionDoesNotExist if Step Functions never started it)."""
        ...

    def describe(self, execution_arn: str) -> DescribedExecution: ...

    def history(self, execution_arn: str) -> Sequence[HistoryEventTypeDef]:
        """Every event of the execution's history, with its data, oldest first (one call per 1,000 events)."""
        ...

    def send_task_success(self, token: str, output: str) -> None:
        """SendTaskSuccess (raises TaskNotWaiting when the task no longer waits on `token`)."""
        ...

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        """SendTaskFailure (raises TaskNotWaiting when the task no longer waits on `token`)."""
        ...


def _domain_error(error: ClientError | BotoCoreError) -> StepFunctionsError:
    code = error_code(error)
    return _ERRORS_BY_CODE.get(code, StepFunctionsError)(code)


class StepFunctionsGateway:
    """The ExecutionGateway over a boto3 Step Functions client."""

    def __init__(self, sfn: SFNClient) -> None:
        self._sfn = sfn

    def start(self, state_machine_arn: str, name: str, document: str) -> None:
        try:
            self._sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=document)
        except AWS_ERRORS as error:
            raise _domain_error(error) from error

    def stop(self, execution_arn: str, cause: str) -> None:
        try:
            self._sfn.stop_execution(executionArn=execution_arn, cause=cause)
        except AWS_ERRORS as error:
            raise _domain_error(error) from error

    def describe(self, execution_arn: str) -> DescribedExecution:
        try:
            described = self._sfn.describe_execution(executionArn=execution_arn)
        except AWS_ERRORS as error:
            raise _domain_error(error) from error
        return DescribedExecution(
            status=described["status"],
            output=described.get("output"),
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def history(self, execution_arn: str) -> list[HistoryEventTypeDef]:
        pages = self._sfn.get_paginator("get_execution_history").paginate(
            executionArn=execution_arn,
            includeExecutionData=True,
            PaginationConfig={"PageSize": HISTORY_PAGE_SIZE},
        )
        try:
            return [event for page in pages for event in page.get("events", [])]
        except AWS_ERRORS as error:
            raise _domain_error(error) from error

    def send_task_success(self, token: str, output: str) -> None:
        try:
            self._sfn.send_task_success(taskToken=token, output=output)
        except AWS_ERRORS as error:
            raise _domain_error(error) from error

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        try:
            self._sfn.send_task_failure(taskToken=token, error=error, cause=cause)
        except AWS_ERRORS as failure:
            raise _domain_error(failure) from failure
