"""The workflow definition users send, validated before anything is stored or compiled."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, create_model, field_validator, model_validator

from workflow_engine.models.block_configs import resolve_step_references
from workflow_engine.models.config_base import MAX_CONFIG_STRING, PLACEHOLDER, Strict  # noqa: F401 (re-exported)
from workflow_engine.models.nesting_limits import check_nesting
from workflow_engine.models.step_configs import (  # noqa: F401 (re-exported: the config models' former home)
    AiConfig,
    HttpConfig,
    TransformConfig,
    WaitConfig,
)
from workflow_engine.models.step_types import STEP_TYPES, StepType
from workflow_engine.models.workflow_rules import MAX_STEPS, check_step_tree

MAX_STEP_NAME = 80
MAX_INPUT_EXAMPLE_BYTES = 65_536  # as JSON (UTF-8): what the Run dialog and `wfe run` start from
RESERVED_PREFIX = "$"  # internal states of the compiled machine start with it


class RetryPolicy(Strict):
    """`max_attempts` counts every attempt, the first included (1 = no retry)."""

    max_attempts: int = Field(default=3, ge=1, le=10)
    interval_seconds: int = Field(default=1, ge=1, le=3_600)
    backoff_rate: float = Field(default=2.0, ge=1.0, le=10.0)


class _StepBase(Strict):
    name: str = Field(min_length=1, max_length=MAX_STEP_NAME)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400)
    retry: RetryPolicy | None = None
    continue_on_error: bool = False
    if TYPE_CHECKING:  # every step model has them (step_model): its type's name and its config model
        type: str
        config: Any

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("step name must not start or end with white space")
        if value.startswith(RESERVED_PREFIX):
            raise ValueError(f"step name must not start with {RESERVED_PREFIX!r} (reserved for engine states)")
        if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
            raise ValueError("step name must not contain control characters")
        return value


class _NativeStepBase(_StepBase):
    """A step the state machine runs itself (e.g. a Wait state): no Lambda, so no retry, timeout or catch."""

    @model_validator(mode="after")
    def _native(self) -> _NativeStepBase:
        if self.retry is not None or self.continue_on_error or self.timeout_seconds is not None:
            raise ValueError(f"a {self.type} step takes no retry, timeout_seconds or continue_on_error")
        return self


class _BlockStepBase(_StepBase):
    """A step holding step lists (choice, parallel, map): `retry` and `continue_on_error` apply to the whole
    block; a block has no `timeout_seconds` (Step Functions' Parallel and Map states take none)."""

    @model_validator(mode="after")
    def _block(self) -> _BlockStepBase:
        if self.timeout_seconds is not None:
            raise ValueError(f"a {self.type} step takes no timeout_seconds (set it on the steps inside)")
        return self

    def step_lists(self) -> Sequence[Sequence[Any]]:
        """Its step lists (models.step_tree.StepContainer)."""
        lists: Sequence[Sequence[Any]] = self.config.step_lists()
        return lists


def step_model(step_type: StepType) -> type[_StepBase]:
    """The model of a step of this type: the common fields, `type` (its name) and `config` (its config model)."""
    if step_type.kind == "lambda":
        base: type[_StepBase] = _StepBase
    elif hasattr(step_type.config_model, "step_lists"):
        base = _BlockStepBase
    else:
        base = _NativeStepBase
    tag: Any = Literal[step_type.name]  # the registered name, as the discriminator
    return create_model(
        step_type.title,
        __base__=base,
        __module__=__name__,
        type=(tag, ...),
        config=(step_type.config_model, ...),
    )


# The step models in registry order; `Step` is one of them, told apart by `type` (a discriminated union).
STEP_MODELS: dict[str, type[_StepBase]] = {step_type.name: step_model(step_type) for step_type in STEP_TYPES}
if TYPE_CHECKING:
    Step = _StepBase
else:
    Step = Annotated[Union[tuple(STEP_MODELS.values())], Field(discriminator="type")]
resolve_step_references(Step)
WaitStep = STEP_MODELS["wait"]
LAMBDA_STEP_TYPES = tuple(step_type.name for step_type in STEP_TYPES.lambda_types())


TerminalStatus = Literal["completed", "failed", "cancelled", "timed_out"]
TERMINAL_STATUSES: tuple[TerminalStatus, ...] = ("completed", "failed", "cancelled", "timed_out")
# A notify event: a terminal status, or "approval" (an approval step started waiting: people may decide from chat).
NotifyEvent = Literal["completed", "failed", "cancelled", "timed_out", "approval"]
APPROVAL_EVENT = "approval"


class NotifyConfig(Strict):
    """Where to POST the status object when an execution ends with one of the `on` statuses, or (with "approval"
    in `on`) when an approval step starts waiting (signed; see workflow_engine.notifications.webhooks). The url is
    also vetted by the SSRF guard when the workflow is saved."""

    webhook_url: str = Field(min_length=1, max_length=2_048)
    on: list[NotifyEvent] = Field(
        default_factory=lambda: list[NotifyEvent](TERMINAL_STATUSES), min_length=1, max_length=5
    )

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        HttpUrl(value)  # malformed -> 422; the scheme and address rules need the settings (WorkflowService)
        return value

    @field_validator("on")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class WorkflowDefinition(Strict):
    """What a user sends to create or replace a workflow."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2_000)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    notify: NotifyConfig | None = None
    input_example: dict[str, Any] | None = Field(
        default=None, description="An input to start a run from (a JSON object, at most 64 KiB as JSON)"
    )

    @field_validator("input_example")
    @classmethod
    def _example_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
            if size > MAX_INPUT_EXAMPLE_BYTES:
                raise ValueError(f"input_example is {size} bytes as JSON; the limit is {MAX_INPUT_EXAMPLE_BYTES}")
        return value

    @field_validator("steps", mode="before")
    @classmethod
    def _nesting(cls, steps: Any) -> Any:
        check_nesting(steps)  # block and condition depth, iteratively, before pydantic recurses (models.nesting_limits)
        return steps

    @field_validator("steps")
    @classmethod
    def _tree_rules(cls, steps: list[Any]) -> list[Any]:
        check_step_tree(steps)  # unique names, 100 steps, depth 4, block paths (models.workflow_rules)
        return steps


class WorkflowRecord(BaseModel):
    """A workflow as stored: the definition plus ownership, version and its state machine."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use: reads of executions never do

    workflow_id: str
    user_id: str
    name: str
    description: str = ""
    steps: list[Step]
    version: int = Field(ge=1)
    state_machine_arn: str
    state_machine_version_arn: str | None = None
    asl_revision: int = 1  # compiler.ASL_REVISION its machine was compiled with (absent on older items: 1)
    notify: NotifyConfig | None = None
    # The webhook signing secret: stored in the workflows table (encrypted at rest with the table's KMS key),
    # returned once by the request that set `notify`, never read back by the API and never logged.
    notify_secret: str | None = Field(default=None, repr=False)
    input_example: dict[str, Any] | None = None
    created_at: str
    updated_at: str


class WorkflowResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    description: str
    steps: list[Step]
    version: int
    notify: NotifyConfig | None = None
    input_example: dict[str, Any] | None = None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, record: WorkflowRecord) -> WorkflowResponse:
        return cls(
            id=record.workflow_id,
            name=record.name,
            description=record.description,
            steps=record.steps,
            version=record.version,
            notify=record.notify,
            input_example=record.input_example,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class WorkflowSavedResponse(WorkflowResponse):
    """The answer to a create or replace that set `notify`: the workflow plus `notify_secret`, the new webhook
    signing secret (each such request issues a new one: setting `notify` again rotates it). No other answer,
    and no later read, carries it."""

    notify_secret: str

    @classmethod
    def saved(cls, record: WorkflowRecord, definition: WorkflowDefinition) -> WorkflowResponse:
        response = WorkflowResponse.of(record)
        if definition.notify is None or record.notify_secret is None:
            return response
        return cls(**response.model_dump(), notify_secret=record.notify_secret)


class WorkflowValidation(BaseModel):
    """The answer of POST /api/workflows/validate: the definition would be saved as it is (nothing was)."""

    model_config = ConfigDict(defer_build=True)

    valid: Literal[True] = True
    name: str
    step_count: int = Field(description="Every step, those inside blocks included")
    top_level_steps: int
    step_types: list[str] = Field(description="The step types it uses, sorted")
    has_input_example: bool
