"""The config of each step type: what a step of that type may hold, checked when its workflow is saved.

The step registry (workflow_engine.models.step_types) names which model is which type's config; the workflow
models (models.workflow) wrap each in its step model, and the generic step handler validates a step's config
with the same model before its runner sees it (runners get typed configs).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from workflow_engine.models.expressions import check_expression
from workflow_engine.models.secrets import secret_reference

MAX_CONFIG_STRING = 16_384
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class Strict(BaseModel):
    """Unknown fields refused, strings bounded: the base of everything a user sends in a definition. Schemas are
    built on first use (`defer_build`): a function that never validates a definition never pays for them."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_CONFIG_STRING, defer_build=True)


def compile_jmespath(expression: str) -> str:
    """Valid JMESPath within the save-time limits (workflow_engine.models.expressions); a ValueError says which not."""
    return check_expression(expression)


def check_placeholders(value: Any) -> Any:
    """Every `{{ expr }}` in a string of a config must be a valid JMESPath expression, or a secret reference
    `{{ secrets.NAME }}` (its syntax only: the secret may be set later)."""
    if isinstance(value, str):
        for match in PLACEHOLDER.finditer(value):
            inner = match.group(1).strip()
            if not inner:
                raise ValueError("empty {{ }} placeholder")
            if secret_reference(inner) is None:
                compile_jmespath(inner)
    elif isinstance(value, dict):
        for item in value.values():
            check_placeholders(item)
    elif isinstance(value, list):
        for item in value:
            check_placeholders(item)
    return value


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


# Levels of nesting of workflow steps at run time (a top-level execution is level 1): the compiled machine's check
# (asl.child), the save-time walk (workflows.child_checks) and a cancel's cascade (executions.children).
MAX_CHILD_DEPTH = 5


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
