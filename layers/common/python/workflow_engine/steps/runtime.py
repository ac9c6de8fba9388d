"""Running one attempt of one step inside its Lambda: context in, output out, one log item always.

The step's config arrives as JSON text (`config_json`, see workflow_engine.asl.task: Step Functions never
interprets a string), so it is exactly what the user wrote. An output that cannot travel (too large, nested
too deep) fails the step with a message that says why; the log item is still written, its output capped
(`output_truncated`): nothing a step returns can keep its log from being written.

A `StepFailed` (or subclass, see workflow_engine.models.step_errors) is re-raised as the same class with a message
naming the step: the class name is the Lambda's error type, which the compiled Retry/Catch match on. Anything
else is an internal fault.

Secrets (`secrets`, given to the step types that read them): the runner gets the execution owner's secrets for
this attempt (steps.secret_values.OwnerSecrets). One redactor per attempt (steps.redaction) masks every value it
read, and credential headers, in the output (before it is returned: the state, the history, the status never
hold one), the error message and details (before Step Functions sees them) and the log item's input and output.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflow_engine.asl.state_document import step_context
from workflow_engine.data.logs import LogRepository
from workflow_engine.models.execution import LogRecord
from workflow_engine.models.step_errors import StepFailed, reported_class
from workflow_engine.platform import business_metrics
from workflow_engine.platform.clock import utc_now
from workflow_engine.platform.observability import logger
from workflow_engine.steps.payload import cap_json, json_size, nested_deeper_than, to_jsonable
from workflow_engine.steps.redaction import Redactor
from workflow_engine.steps.secret_values import OwnerSecrets, SecretValues

# A step's output travels in the Step Functions state (256 KiB in all, shared with earlier outputs).
MAX_OUTPUT_BYTES = 200_000
# As deep as a request body may nest (functions/api/request_body.py): later steps' contexts and logs hold it.
MAX_OUTPUT_DEPTH = 64


class StepSpec(BaseModel):
    """The step of a compiled Task: its path key, name, type and config (as JSON text). A machine compiled before
    the config travelled as text (ASL revision 2) sends it as an object, `config`: such a workflow is recompiled
    before its next start (WorkflowService.recompile), so only executions started before the upgrade still send
    it; each is logged (a warning) so an operator can tell when none is left."""

    key: str
    name: str
    type: str
    config_json: str | None = None
    config: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_config(self) -> StepSpec:
        if (self.config_json is None) == (self.config is None):
            raise ValueError("a step carries exactly one of config_json and config")
        return self

    def settings(self) -> dict[str, Any]:
        """The step's config exactly as the user wrote it."""
        if self.config is not None:
            logger.warning("A step payload from a machine of ASL revision 2 (config as an object)", step=self.name)
            return self.config
        parsed = json.loads(self.config_json or "null")
        if not isinstance(parsed, dict):
            raise ValueError("config_json is not a JSON object")
        return parsed


class StepInvocation(BaseModel):
    """The payload a compiled Task state sends (see workflow_engine.asl.task.step_payload).

    `parent_step` and `iteration` say where a nested step ran (absent at top level, and in the payloads of
    block machines compiled before they were sent: their logs then read null there)."""

    model_config = ConfigDict(extra="ignore")

    execution_id: str
    workflow_id: str
    user_id: str
    retry_count: int = Field(default=0, ge=0)
    step: StepSpec
    step_names: dict[str, str] = Field(default_factory=dict)
    document: dict[str, Any]
    parent_step: str | None = None
    iteration: int | None = Field(default=None, ge=0)

    def log_record(self, **fields: Any) -> LogRecord:
        """This attempt's log item: who and where from the invocation, the rest (input, output, error, duration,
        timestamp) from `fields`."""
        return LogRecord(
            id=str(uuid.uuid4()),
            execution_id=self.execution_id,
            user_id=self.user_id,
            workflow_id=self.workflow_id,
            step_name=self.step.name,
            step_type=self.step.type,
            parent_step=self.parent_step,
            iteration=self.iteration,
            attempt=self.retry_count + 1,
            **fields,
        )


# (config, context) -> output; a step type that reads secrets takes the owner's secrets too: (config, context, secrets).
Runner = Callable[..., Any]


class InternalStepError(Exception):
    """An internal fault whose message held a secret value: re-raised with the value masked."""


def run_step(
    event: dict[str, Any],
    runner: Runner,
    logs: LogRepository,
    max_payload_bytes: int,
    secrets: SecretValues | None = None,
) -> Any:
    invocation = StepInvocation.model_validate(event)
    context = step_context(invocation.document, invocation.step_names)
    timestamp = utc_now()
    started = time.perf_counter()
    redactor = Redactor()
    output: Any = None
    error_message: str | None = None
    try:
        if secrets is None:
            output = runner(invocation.step.settings(), context)
        else:
            output = runner(invocation.step.settings(), context, OwnerSecrets(secrets, invocation.user_id, redactor))
        output = _storable(output, redactor)
        return output
    except StepFailed as error:
        error_message = redactor.text(f"Step '{invocation.step.name}' failed: {error}")
        if error.details is not None:
            output = error.details  # e.g. the HTTP response of a failed request, for the log
        raise reported_class(error)(error_message) from None  # a name the compiled Retry/Catch match
    except Exception as error:
        error_message = f"Step '{invocation.step.name}' failed with an internal error ({type(error).__name__})"
        if redactor.holds_secret(str(error)):  # its message reaches Step Functions (the history) as it is
            raise InternalStepError(redactor.text(f"{type(error).__name__}: {error}")) from None
        raise
    finally:
        _write_log(logs, invocation, context, output, error_message, timestamp, started, max_payload_bytes, redactor)
        business_metrics.count(business_metrics.STEP_ATTEMPTS, step_type=invocation.step.type)
        if error_message is not None:
            business_metrics.count(business_metrics.STEP_FAILURES, step_type=invocation.step.type)


def _storable(output: Any, redactor: Redactor) -> Any:
    """`output` as plain JSON, redacted, or StepFailed saying why it cannot travel on (the depth is checked first,
    without recursion: converting or measuring a deep value would itself fail)."""
    if nested_deeper_than(output, MAX_OUTPUT_DEPTH):
        raise StepFailed(f"output is nested deeper than {MAX_OUTPUT_DEPTH} levels, the most a step may return")
    output = redactor.value(to_jsonable(output))
    size = json_size(output)
    if size > MAX_OUTPUT_BYTES:
        raise StepFailed(f"output is {size} bytes as JSON; a step may return at most {MAX_OUTPUT_BYTES} bytes")
    return output


def _write_log(
    logs: LogRepository,
    invocation: StepInvocation,
    context: dict[str, Any],
    output: Any,
    error_message: str | None,
    timestamp: str,
    started: float,
    max_payload_bytes: int,
    redactor: Redactor,
) -> None:
    # Capped first (a capped value is a bounded summary, safe to walk), then redacted.
    input_data, input_truncated = cap_json(context, max_payload_bytes)
    output_data, output_truncated = cap_json(output, max_payload_bytes)
    input_data, output_data = redactor.value(input_data), redactor.value(output_data)
    logs.put(
        invocation.log_record(
            input_data=input_data,
            output_data=output_data,
            input_truncated=input_truncated,
            output_truncated=output_truncated,
            duration_ms=round((time.perf_counter() - started) * 1000),
            error_message=error_message,
            timestamp=timestamp,
        )
    )
