"""The bodies of the editor's helper routes: reading a workflow's text (POST /api/workflows/parse) and trying a
JMESPath expression (POST /api/expressions/evaluate). Their logic: workflows.documents, workflows.expression_trial."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The longest workflow text read (characters): a definition is stored as one DynamoDB item (400 KB at most), and
# PyYAML reads about 100 KB a second, so the bound also bounds the time a parse takes.
MAX_DOCUMENT_CHARS = 262_144
MAX_TRIAL_EXPRESSION = 4_096  # a transform's expression (models.step_configs.TransformConfig)


class _Body(BaseModel):
    # Built on first use (defer_build): a handler's cold start defines its models, a request builds the few it uses.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class DefinitionText(_Body):
    text: str = Field(
        max_length=MAX_DOCUMENT_CHARS,
        description="A workflow definition as YAML or JSON text, read as `wfe` reads a workflow file",
    )


class PathLine(BaseModel):
    model_config = ConfigDict(defer_build=True)

    path: list[str | int] = Field(description='A path of the definition, e.g. ["steps", 0, "config"]')
    line: int = Field(description="The line (1-based) of the text where its value starts")


class ParsedDefinition(BaseModel):
    """The answer of POST /api/workflows/parse: the definition the text spells, as the API takes it (JSON)."""

    model_config = ConfigDict(defer_build=True)

    definition: dict[str, Any]
    format: Literal["json", "yaml"] = Field(description="How the text was read")
    lines: list[PathLine] = Field(description="Where each path of the definition starts in the text")


class ExpressionTrial(_Body):
    expression: str = Field(min_length=1, max_length=MAX_TRIAL_EXPRESSION, description="A JMESPath expression")
    input: Any = Field(
        default=None,
        description='The data to evaluate it on; a step sees {"input": ..., "steps": {"<name>": {"output": ...}}}',
    )


class ExpressionResult(BaseModel):
    """What the expression selects or builds (null when it selects nothing), as a transform step would output it."""

    model_config = ConfigDict(defer_build=True)

    result: Any
