"""The step registry: every step type the engine knows, declared once.

Each entry says what a step of that type holds (its config model) and how it runs: kind "lambda" runs in a
Lambda function of its own, which calls the entry's runner with the typed config; kind "native" is a state the
state machine runs itself (no function, no runner). A Lambda-kind entry also declares its function: description,
timeout, memory and the exact permissions it needs beyond writing its log item, in a cloud-agnostic form.

Everything else derives from here: the step models and the `Step` union (models.workflow, hence validation and
the OpenAPI document), the step functions of both stacks and their grants (infra.catalog,
infra.constructs.functions), the API's per-type function ARN settings (settings.ApiSettings), the dashboard's
per-type widgets and the generic step handler (functions/steps/handler.py). See README "Adding a step type".

Import-light on purpose (every step function's cold start imports it, and each API function's settings read it): a
config model and a runner are named by their dotted paths and imported when first needed, so the transform
function never imports the http or ai code, and a function that only needs the names loads no config model.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

# A runner: (typed config, workflow context, the step function's settings) -> the step's output; a runner of a type
# whose function `reads_secrets` also takes the owner's secrets (a steps.placeholders.SecretSource) fourth. The
# settings are typed where the runner is written (steps/*): models sit below the platform layer that defines them.
Runner = Callable[..., Any]
_NAME = re.compile(r"^[a-z][a-z0-9]*$")  # it names a handler attribute, an environment variable, a construct id


@dataclass(frozen=True)
class Permission:
    """Actions allowed on resources. Resource patterns may hold `{partition}`, `{region}` and `{account}`, which
    each stack fills in with its own; a pattern with `*` needs a `reason` (why the wildcard, for the review)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.actions or not self.resources:
            raise ValueError("a permission needs actions and resources")
        if any("*" in resource for resource in self.resources) and not self.reason:
            raise ValueError(f"{self.actions}: a wildcard resource needs a reason")


@dataclass(frozen=True)
class StepFunction:
    """The Lambda function of a Lambda-kind step type. Every step function may also put its log items (granted
    to all of them); `permissions` is what this one needs beyond that."""

    description: str
    timeout_seconds: int = 30
    memory_mb: int = 512
    permissions: tuple[Permission, ...] = ()
    # `{{ secrets.NAME }}` resolves in its steps: its runner takes the owner's secrets, and its function may read
    # (only) the stack's secrets (infra.constructs.secrets).
    reads_secrets: bool = False


@dataclass(frozen=True)
class StepType:
    """One step type. `config` is its config model or "package.module:Model" (imported on first use: `config_model`);
    `runner` is "package.module:function" (Lambda kind only)."""

    name: str
    config: type[BaseModel] | str
    kind: Literal["lambda", "native"]
    runner: str | None = None
    function: StepFunction | None = None
    # A handler of its own ("module.attribute" under functions/), instead of the generic step handler and its step
    # runtime (one log item per invocation): the approval's function stores a task token and returns, and its log
    # item is written when the step is decided (executions.approvals). It still calls the entry's runner.
    own_handler: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"step type name {self.name!r} must match {_NAME.pattern}")
        lambda_kind = self.kind == "lambda"
        if lambda_kind != (self.runner is not None) or lambda_kind != (self.function is not None):
            raise ValueError(f"{self.name}: a lambda step type has a runner and a function, a native one neither")

    @functools.cached_property
    def config_model(self) -> type[BaseModel]:
        """Its config model (imported here the first time, when `config` names it)."""
        if not isinstance(self.config, str):
            return self.config
        model: type[BaseModel] = _import(self.config)
        return model

    @property
    def title(self) -> str:
        """Its model's name, e.g. "TransformStep" (also its schema's name in the OpenAPI document)."""
        return f"{self.name.capitalize()}Step"

    @property
    def construct_id(self) -> str:
        """Its function's id in both stacks, e.g. "TransformStep"."""
        return self.title

    @property
    def handler(self) -> str:
        """Its function's handler: its own, or the generic step handler's attribute named after the type."""
        return self.own_handler or f"steps.handler.{self.name}"

    def load_runner(self) -> Runner:
        """Import the runner (only the function that runs this type does)."""
        if self.runner is None:
            raise ValueError(f"{self.name} is a native step type: it has no runner")
        runner: Runner = _import(self.runner)
        return runner


def _import(path: str) -> Any:
    """The object named "package.module:attribute"."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass
class StepRegistry:
    """The step types in declaration order (the order of the `Step` union and its error messages)."""

    _types: dict[str, StepType] = field(default_factory=dict)

    def register(self, step_type: StepType) -> StepType:
        if step_type.name in self._types:
            raise ValueError(f"step type {step_type.name!r} is already registered")
        self._types[step_type.name] = step_type
        return step_type

    def __getitem__(self, name: str) -> StepType:
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[StepType]:
        return iter(tuple(self._types.values()))

    def names(self) -> tuple[str, ...]:
        return tuple(self._types)

    def lambda_types(self) -> tuple[StepType, ...]:
        return tuple(step_type for step_type in self if step_type.kind == "lambda")


BEDROCK_REASON = (
    "The ai step's model is chosen per workflow step at runtime (Converse API), so any foundation model or "
    "inference profile may be invoked; the action is limited to bedrock:InvokeModel."
)

# Where the config models are (models.step_configs; the blocks' in models.block_configs, the approval's with its
# other models in models.approvals).
CONFIGS = "workflow_engine.models.step_configs"
BLOCK_CONFIGS = "workflow_engine.models.block_configs"

STEP_TYPES = StepRegistry()
STEP_TYPES.register(
    StepType(
        "transform",
        f"{CONFIGS}:TransformConfig",
        "lambda",
        runner="workflow_engine.steps.transform:run_transform",
        function=StepFunction("Runs transform steps", timeout_seconds=30),
    )
)
STEP_TYPES.register(
    StepType(
        "http",
        f"{CONFIGS}:HttpConfig",
        "lambda",
        runner="workflow_engine.steps.http_request:run_http",
        # the network, and the owner's secrets (granted by the stack with its secrets key)
        function=StepFunction("Runs http steps", timeout_seconds=60, reads_secrets=True),
    )
)
STEP_TYPES.register(
    StepType(
        "ai",
        f"{CONFIGS}:AiConfig",
        "lambda",
        runner="workflow_engine.steps.ai:run_ai",
        function=StepFunction(
            "Runs ai steps (Bedrock Converse)",
            timeout_seconds=300,
            reads_secrets=True,
            permissions=(
                Permission(
                    actions=("bedrock:InvokeModel",),
                    resources=(
                        "arn:{partition}:bedrock:*::foundation-model/*",
                        "arn:{partition}:bedrock:*:{account}:inference-profile/*",
                    ),
                    reason=BEDROCK_REASON,
                ),
            ),
        ),
    )
)
STEP_TYPES.register(StepType("wait", f"{CONFIGS}:WaitConfig", "native"))  # a Wait state (asl.wait)
# The blocks: their configs hold step lists (models.block_configs); compiled by asl.blocks.
STEP_TYPES.register(StepType("choice", f"{BLOCK_CONFIGS}:ChoiceConfig", "native"))  # a Choice, branches inline
STEP_TYPES.register(StepType("parallel", f"{BLOCK_CONFIGS}:ParallelConfig", "native"))  # a Parallel state
STEP_TYPES.register(StepType("map", f"{BLOCK_CONFIGS}:MapConfig", "native"))  # an inline Map state
# A person decides: a Task waiting on a task token (asl.approval), whose Lambda stores the token on the execution
# item (steps.approval) and returns at once; no Lambda runs while it waits. Its grant on the executions table is
# the stack's (infra.constructs.functions: a table's ARN is not a registry pattern).
STEP_TYPES.register(
    StepType(
        "approval",
        "workflow_engine.models.approvals:ApprovalConfig",
        "lambda",
        runner="workflow_engine.steps.approval:hold_for_decision",
        function=StepFunction("Stores an approval step's task token and returns", timeout_seconds=10, memory_mb=256),
        own_handler="steps.approval.handler",
    )
)
# A child execution (asl.child: its kind replaces the Lambda task). Its function only prepares the child (its id and
# rendered input, logged as the step's attempt); the state machine records and starts the child natively.
STEP_TYPES.register(
    StepType(
        "workflow",
        f"{CONFIGS}:WorkflowConfig",
        "lambda",
        runner="workflow_engine.steps.child_input:run_workflow",
        function=StepFunction("Prepares workflow steps (child executions)", timeout_seconds=30, memory_mb=256),
    )
)
