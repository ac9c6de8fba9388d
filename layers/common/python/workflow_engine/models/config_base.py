"""What every step config shares: the strict base model and the placeholder checks.

Apart from the config models themselves (models.step_configs), so that a module needing only these (an approval's
models, the block configs, the conditions) does not load every step type's config.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

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
