"""`{{ jmespath }}` placeholders in step configs, rendered against the workflow context.

Rules:
- `render` walks dicts (values only; keys are never rendered), lists and strings; any other value
  (number, bool, None) is returned unchanged. The input is never mutated.
- In a string, `{{ expr }}` is a JMESPath expression evaluated against the context
  `{"input": ..., "steps": {"<step name>": {"output": ...}}}`. The placeholder syntax is the one the
  workflow model validates (`models.config_base.PLACEHOLDER`), so what was accepted at save time is
  exactly what is rendered here.
- If the whole string, leading/trailing white space aside, is exactly one placeholder, the raw value
  replaces it and keeps its JSON type (object, array, number, bool, null).
- Otherwise each placeholder is replaced by its value as text: strings as they are, null (a missing
  value) as "", anything else as compact JSON.
- JMESPath only: nothing is executed as code. Each expression is checked, compiled (once: a bounded cache)
  and evaluated within the budgets of workflow_engine.models.expressions.
- An invalid expression, or one that fails when evaluated (e.g. a function given the wrong type),
  raises `StepFailed`; one that passes its budget raises `ExpressionTooExpensive` (a `StepFailed`).
- The `secrets` namespace: `{{ secrets.NAME }}` (models.secrets.secret_reference) is not JMESPath: it is the
  value of the execution owner's secret NAME, read through `secrets` (a `SecretSource`, which the step runtime
  gives the http and ai steps only, inside their Lambda). Secrets resolve last: the JMESPath placeholders of a
  string are evaluated first, and a value a placeholder produced is never scanned again, so no input, output or
  earlier step can name a secret. A missing secret raises `SecretNotFound`; without a `SecretSource` (any other
  step type) a reference raises `StepFailed`. The state only ever holds the template (the config travels as text).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from jmespath.exceptions import JMESPathError

from workflow_engine.models.config_base import PLACEHOLDER
from workflow_engine.models.expressions import Budget, ExpressionRejected, error_reason, search_bounded
from workflow_engine.models.secrets import secret_reference
from workflow_engine.models.step_errors import StepFailed


class SecretSource(Protocol):
    """The execution owner's secrets, for one step attempt (steps.secret_values.OwnerSecrets)."""

    def value(self, name: str) -> str:
        """The value of secret `name`; `SecretNotFound` when the owner has none of that name."""
        ...


def evaluate(expression: str, data: Any, budget: Budget | None = None) -> Any:
    """Evaluate one JMESPath expression against `data` within its budgets: the one way a step evaluates an
    expression. An invalid (or too deeply nested) expression, or a JMESPath failure, becomes `StepFailed`; a
    passed budget is `ExpressionTooExpensive` (a `StepFailed`)."""
    try:
        return search_bounded(expression, data, budget)
    except ExpressionRejected as error:  # before ValueError, which it is
        raise StepFailed(str(error)) from None
    except (JMESPathError, TypeError, ValueError) as error:
        raise StepFailed(f"JMESPath expression {expression!r} failed: {error_reason(error)}") from None


def to_text(value: Any) -> str:
    """The text a value takes inside a larger string: str as is, None as "", others compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def render(
    value: Any, context: dict[str, Any], budget: Budget | None = None, secrets: SecretSource | None = None
) -> Any:
    """Render every placeholder in `value` (recursively) against `context`, `{{ secrets.NAME }}` through `secrets`;
    returns a new structure. Every placeholder of one render draws on one budget: many cheap-looking placeholders
    cost what one expression may."""
    budget = Budget() if budget is None else budget
    if isinstance(value, str):
        return _render_string(value, context, budget, secrets)
    if isinstance(value, dict):
        return {key: render(item, context, budget, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context, budget, secrets) for item in value]
    return value


def _render_string(text: str, context: dict[str, Any], budget: Budget, secrets: SecretSource | None) -> Any:
    matches = list(PLACEHOLDER.finditer(text))
    if not matches:
        return text
    stripped = text.strip()
    if len(matches) == 1 and matches[0].group(0) == stripped:
        name = _secret_name(matches[0].group(1))
        if name is not None:
            return _secret(name, secrets)
        return evaluate(_expression(matches[0].group(1)), context, budget)
    # JMESPath placeholders first, each secret reference kept as a marker; then the secrets, in the template's
    # text only (a marker cannot come from a value: the values are spliced in around the markers, never scanned).
    pieces: list[tuple[bool, str]] = []  # (is a secret name, text)
    position = 0
    for match in matches:
        pieces.append((False, text[position : match.start()]))
        name = _secret_name(match.group(1))
        if name is None:
            pieces.append((False, to_text(evaluate(_expression(match.group(1)), context, budget))))
        else:
            pieces.append((True, name))
        position = match.end()
    pieces.append((False, text[position:]))
    return "".join(_secret(part, secrets) if is_secret else part for is_secret, part in pieces)


def _secret_name(inner: str) -> str | None:
    try:
        return secret_reference(inner)
    except ValueError as error:
        raise StepFailed(str(error)) from None


def _secret(name: str, secrets: SecretSource | None) -> str:
    if secrets is None:
        raise StepFailed(f"{{{{ secrets.{name} }}}}: secrets resolve in http and ai steps only")
    return secrets.value(name)


def _expression(inner: str) -> str:
    expression = inner.strip()
    if not expression:
        raise StepFailed("empty {{ }} placeholder")
    return expression
