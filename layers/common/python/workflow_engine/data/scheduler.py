"""EventBridge Scheduler: one schedule per stored schedule, in the stack's schedule group, named by its id.

Every schedule targets the scheduled-start function with the schedule's keys and the firing's context attributes
as Input (models/schedules.firing_input), no flexible window (it fires on the minute), the schedule's zone, a
retry policy and the stack's dead-letter queue; a one-time at() is kept after it fired (ActionAfterCompletion
NONE), as its record is. A failed call raises SchedulerError with the service's code; deleting a schedule that is
not there is not a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from workflow_engine.models.schedules import ScheduleRecord, firing_input
from workflow_engine.platform.aws_errors import AWS_ERRORS, error_code

# Scheduler retries a failed invocation this many times within this age, then sends the event to the DLQ.
RETRY_ATTEMPTS = 5
MAX_EVENT_AGE_SECONDS = 3_600


class SchedulerError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SchedulerTarget:
    """Where schedules live and what they invoke (each stack states these)."""

    group_name: str
    function_arn: str  # the scheduled-start function
    role_arn: str  # the role Scheduler assumes to invoke it (may invoke only that function)
    dead_letter_queue_arn: str


class ScheduleGroup:
    """The stack's schedule group, to delete schedules from: all a workflow's deletion needs (the workflow API's
    function may delete schedules, never create one: creating passes the Scheduler role)."""

    def __init__(self, client: Any, group_name: str) -> None:  # boto3 "scheduler" (no stubs installed)
        self._client = client
        self._group_name = group_name

    def delete(self, schedule_id: str) -> None:
        try:
            self._client.delete_schedule(Name=schedule_id, GroupName=self._group_name)
        except AWS_ERRORS as error:
            code = error_code(error)
            if code != "ResourceNotFoundException":
                raise SchedulerError(code) from error


class SchedulerGateway(ScheduleGroup):
    """The schedule group, and schedules created or replaced in it, each targeting the scheduled-start function."""

    def __init__(self, client: Any, target: SchedulerTarget) -> None:  # boto3 "scheduler" (no stubs installed)
        super().__init__(client, target.group_name)
        self._target = target

    def put(self, record: ScheduleRecord, *, create: bool) -> None:
        """CreateSchedule (`create`) or UpdateSchedule (a full replacement) for `record`."""
        call = self._client.create_schedule if create else self._client.update_schedule
        try:
            call(**self.request(record))
        except AWS_ERRORS as error:
            raise SchedulerError(error_code(error)) from error

    def request(self, record: ScheduleRecord) -> dict[str, Any]:
        """The CreateSchedule/UpdateSchedule parameters of `record`."""
        request: dict[str, Any] = {
            "Name": record.schedule_id,
            "GroupName": self._target.group_name,
            "ScheduleExpression": record.expression,
            "ScheduleExpressionTimezone": record.timezone,
            "State": "ENABLED" if record.enabled else "DISABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Description": f"workflow {record.workflow_id}"[:512],
            "Target": {
                "Arn": self._target.function_arn,
                "RoleArn": self._target.role_arn,
                "Input": json.dumps(firing_input(record), separators=(",", ":")),
                "RetryPolicy": {
                    "MaximumRetryAttempts": RETRY_ATTEMPTS,
                    "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
                },
                "DeadLetterConfig": {"Arn": self._target.dead_letter_queue_arn},
            },
        }
        if record.expression.startswith("at("):
            request["ActionAfterCompletion"] = "NONE"
        return request
