"""`{{ jmespath }}` placeholders in step configs, rendered against the workflow context.

Rules:
- `render` walks dicts (values only; keys are never rendered), lists and strings; any other value
  (number, bool, None) is returned unchanged. The input is never mutated.
- In a string, `{{ expr }}` is a JMESPath expression evaluated against the context
  `{"input": ..., "steps": {"<step name>": {"output": ...}}}`. The placeholder syntax is the one the
  workflow model validates (`models.workflow.PLACEHOLDER`), so what was accepted at save time is
  exactly what is rendered here.
- If the whole string, leading/trailing white space aside, is exactly one placeholder, the raw value
  replaces it and keeps its JSON type (object, array, number, bool, null).
- Otherwise each placeholder is replaced by its value as text: strings as they are, null (a missing
  value) as "", anything else as compact JSON.
- JMESPath only: nothing is executed as code. Compiled expressions are kept in a small bounded cache.
- An invalid expression, or one that fails when evaluated (e.g. a function given the wrong type),
  raises `StepFailed`.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from ..models.step_configs import PLACEHOLDER
from .errors import StepFailed

_CACHE_SIZE = 256


@functools.lru_cache(maxsize=_CACHE_SIZE)
def compile_expression(expression: str) -> ParsedResult:
    """Compile a JMESPath expression once; raises `StepFailed` when it is not valid JMESPath."""
    try:
        return jmespath.compile(expression)
    except JMESPathError as error:
        raise StepFailed(f"invalid JMESPath expression {expression!r}: {_reason(error)}") from None


def evaluate(expression: str, data: Any) -> Any:
    """Evaluate one JMESPath expression against `data`; any JMESPath failure becomes `StepFailed`."""
    parsed = compile_expression(expression)
    try:
        return parsed.search(data)
    except (JMESPathError, TypeError, ValueError) as error:
        raise StepFailed(f"JMESPath expression {expression!r} failed: {_reason(error)}") from None


def to_text(value: Any) -> str:
    """The text a value takes inside a larger string: str as is, None as "", others compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def render(value: Any, context: dict[str, Any]) -> Any:
    """Render every placeholder in `value` (recursively) against `context`; returns a new structure."""
    if isinstance(value, str):
        return _render_string(value, context)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def _render_string(text: str, context: dict[str, Any]) -> Any:
    matches = list(PLACEHOLDER.finditer(text))
    if not matches:
        return text
    stripped = text.strip()
    if len(matches) == 1 and matches[0].group(0) == stripped:
        return evaluate(_expression(matches[0].group(1)), context)
    return PLACEHOLDER.sub(lambda match: to_text(evaluate(_expression(match.group(1)), context)), text)


def _expression(inner: str) -> str:
    expression = inner.strip()
    if not expression:
        raise StepFailed("empty {{ }} placeholder")
    return expression


def _reason(error: Exception) -> str:
    """The first line of a JMESPath error, without the caret diagram some of them append."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    return first.removesuffix(":").removesuffix(", for expression").removeprefix("Invalid jmespath expression: ")
