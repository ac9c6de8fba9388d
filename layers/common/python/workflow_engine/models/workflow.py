"""The workflow definition users send, validated before anything is stored or compiled."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from workflow_engine.expressions import check_expression

MAX_STEPS = 100
MAX_STEP_NAME = 80
MAX_CONFIG_STRING = 16_384
RESERVED_PREFIX = "$"  # internal states of the compiled machine start with it
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_CONFIG_STRING)


def _compile_jmespath(expression: str) -> str:
    """Valid JMESPath within the save-time limits (workflow_engine.expressions); a ValueError says which not."""
    return check_expression(expression)


def _check_placeholders(value: Any) -> Any:
    """Every `{{ expr }}` in a string of a config must be a valid JMESPath expression."""
    if isinstance(value, str):
        for match in PLACEHOLDER.finditer(value):
            inner = match.group(1).strip()
            if not inner:
                raise ValueError("empty {{ }} placeholder")
            _compile_jmespath(inner)
    elif isinstance(value, dict):
        for item in value.values():
            _check_placeholders(item)
    elif isinstance(value, list):
        for item in value:
            _check_placeholders(item)
    return value


class TransformConfig(_Strict):
    expression: str = Field(min_length=1, max_length=4_096)

    _valid = field_validator("expression")(classmethod(lambda cls, v: _compile_jmespath(v)))


class WaitConfig(_Strict):
    seconds: int = Field(ge=0, le=31_536_000)


class AiConfig(_Strict):
    prompt: str = Field(min_length=1)
    model_id: str | None = Field(default=None, min_length=1, max_length=256)
    max_tokens: int | None = Field(default=None, ge=1, le=64_000)

    _valid = field_validator("prompt")(classmethod(lambda cls, v: _check_placeholders(v)))


HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class HttpConfig(_Strict):
    url: str = Field(min_length=1, max_length=2_048)
    method: HttpMethod = "GET"
    headers: dict[Annotated[str, Field(min_length=1, max_length=256)], str] = Field(default_factory=dict)
    body: Any = None

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        _check_placeholders(value)
        if not PLACEHOLDER.search(value):
            HttpUrl(value)  # a literal URL must parse; one with placeholders is checked when rendered
        elif not re.match(r"^(https?://|\{\{)", value):
            raise ValueError("url must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _templates(self) -> HttpConfig:
        _check_placeholders(self.headers)
        _check_placeholders(self.body)
        return self


class RetryPolicy(_Strict):
    """`max_attempts` counts every attempt, the first included (1 = no retry)."""

    max_attempts: int = Field(default=3, ge=1, le=10)
    interval_seconds: int = Field(default=1, ge=1, le=3_600)
    backoff_rate: float = Field(default=2.0, ge=1.0, le=10.0)


class _StepBase(_Strict):
    name: str = Field(min_length=1, max_length=MAX_STEP_NAME)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400)
    retry: RetryPolicy | None = None
    continue_on_error: bool = False

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


class TransformStep(_StepBase):
    type: Literal["transform"]
    config: TransformConfig


class HttpStep(_StepBase):
    type: Literal["http"]
    config: HttpConfig


class AiStep(_StepBase):
    type: Literal["ai"]
    config: AiConfig


class WaitStep(_StepBase):
    type: Literal["wait"]
    config: WaitConfig

    @model_validator(mode="after")
    def _native(self) -> WaitStep:
        if self.retry is not None or self.continue_on_error or self.timeout_seconds is not None:
            raise ValueError("a wait step takes no retry, timeout_seconds or continue_on_error")
        return self


Step = Annotated[Union[TransformStep, HttpStep, AiStep, WaitStep], Field(discriminator="type")]
LAMBDA_STEP_TYPES = ("transform", "http", "ai")


TerminalStatus = Literal["completed", "failed", "cancelled", "timed_out"]
TERMINAL_STATUSES: tuple[TerminalStatus, ...] = ("completed", "failed", "cancelled", "timed_out")


class NotifyConfig(_Strict):
    """Where to POST the status object when an execution ends with one of the `on` statuses (signed; see
    workflow_engine.webhooks). The url is also vetted by the SSRF guard when the workflow is saved."""

    webhook_url: str = Field(min_length=1, max_length=2_048)
    on: list[TerminalStatus] = Field(default_factory=lambda: list(TERMINAL_STATUSES), min_length=1, max_length=4)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        HttpUrl(value)  # malformed -> 422; the scheme and address rules need the settings (WorkflowService)
        return value

    @field_validator("on")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class WorkflowDefinition(_Strict):
    """What a user sends to create or replace a workflow."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2_000)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    notify: NotifyConfig | None = None

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for step in steps:
            if step.name in seen:
                raise ValueError(f"step names must be unique: {step.name!r} appears twice")
            seen.add(step.name)
        return steps


class WorkflowRecord(BaseModel):
    """A workflow as stored: the definition plus ownership, version and its state machine."""

    model_config = ConfigDict(extra="ignore")

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
    created_at: str
    updated_at: str


class WorkflowResponse(BaseModel):
    id: str
    name: str
    description: str
    steps: list[Step]
    version: int
    notify: NotifyConfig | None = None
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
