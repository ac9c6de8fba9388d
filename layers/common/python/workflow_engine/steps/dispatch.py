"""From a step function's payload to its type's runner: the config validated once, into its type's model.

The generic step handler (functions/steps/handler.py) passes `runner_for(step_type, settings)` to
steps.runtime.run_step, which hands it the payload's config as sent; `typed_config` is the one place that parses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from workflow_engine.models.step_errors import StepFailed

if TYPE_CHECKING:
    from workflow_engine.models.step_types import StepType
    from workflow_engine.platform.step_settings import StepSettings


def typed_config(step_type: StepType, config: Any) -> BaseModel:
    """The config as `step_type`'s model. Saved workflows were validated with the same model, so a failure here
    means a payload no saved workflow sends: a `StepFailed` naming each problem."""
    try:
        return step_type.config_model.model_validate(config)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'config'}: {problem['msg']}"
            for problem in error.errors(include_url=False)
        )
        raise StepFailed(f"invalid {step_type.name} step config: {problems}") from None


def runner_for(step_type: StepType, settings: StepSettings) -> Callable[..., Any]:
    """The step runtime's runner for this type: (raw config, context) -> output, through the typed config; a type
    that reads secrets (its function's `reads_secrets`) also takes the owner's secrets: (config, context, secrets)."""
    run = step_type.load_runner()
    if step_type.function is not None and step_type.function.reads_secrets:
        return lambda config, context, secrets=None: run(typed_config(step_type, config), context, settings, secrets)
    return lambda config, context: run(typed_config(step_type, config), context, settings)
