"""The config of each step type: what a step of that type may hold, checked when its workflow is saved.

The step registry (workflow_engine.models.step_types) names which model is which type's config; the workflow
models (models.workflow) wrap each in its step model, and the generic step handler validates a step's config
with the same model before its runner sees it (runners get typed configs).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from workflow_engine.models.config_base import PLACEHOLDER, Strict, check_placeholders, compile_jmespath


class TransformConfig(Strict):
    expression: str = Field(min_length=1, max_length=4_096)

    _valid = field_validator("expression")(classmethod(lambda cls, v: compile_jmespath(v)))


class WaitConfig(Strict):
    seconds: int = Field(ge=0, le=31_536_000)


class AiConfig(Strict):
    prompt: str = Field(min_length=1)
    model_id: str | None = Field(default=None, min_length=1, max_length=256)
    max_tokens: int | None = Field(default=None, ge=1, le=64_000)

    _valid = field_validator("prompt")(classmethod(lambda cls, v: check_placeholders(v)))


HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class HttpConfig(Strict):
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
        check_placeholders(value)
        if not PLACEHOLDER.search(value):
            HttpUrl(value)  # a literal URL must parse; one with placeholders is checked when rendered
        elif not re.match(r"^(https?://|\{\{)", value):
            raise ValueError("url must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _templates(self) -> HttpConfig:
        check_placeholders(self.headers)
        check_placeholders(self.body)
        return self


class WorkflowConfig(Strict):
    """A `workflow` step: runs one of the caller's workflows as a child execution (asl.child). `input` (placeholders
    allowed) is the child's input_data; absent or null, the child gets the parent's input."""

    workflow_id: str = Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
    input: Any = None

    @field_validator("workflow_id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _templates(self) -> WorkflowConfig:
        check_placeholders(self.input)
        return self
