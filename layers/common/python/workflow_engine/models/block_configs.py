"""The configs of the block steps `choice`, `parallel` and `map`: they hold step lists (see DESIGN "Control flow").

    choice:   {"branches": [{"when": <condition>, "steps": [...]}, ...], "otherwise"?: [...]}
    parallel: {"branches": [{"name": "<unique>", "steps": [...]}, 2..10]}
    map:      {"items": "<field path to an array>", "steps": [...], "max_concurrency"?: 1..40 (default 10)}

Each config's `step_lists()` gives its lists in a fixed order (choice: each branch, then `otherwise`;
parallel: each branch; map: its steps): the order of the path keys `<key>_b<j>_s<i>` (models.step_tree).
The lists hold `Step` (models.workflow), a union that includes these configs: the forward reference is
resolved there, once the union exists (`resolve_step_references`). Rules across the whole tree (unique names,
100 steps, depth 4) are checked by models.workflow_rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from workflow_engine.models.conditions import Condition
from workflow_engine.models.config_base import Strict
from workflow_engine.models.field_paths import parse_field_path

if TYPE_CHECKING:
    from workflow_engine.models.workflow import Step

MAX_BRANCHES = 10
MAX_LIST = 100
MAX_MAP_ITEMS = 1_000  # a map over more items fails at run time (asl.blocks.map)
# Branch names become member names of the parallel's output, written by the compiled machine itself.
BRANCH_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _-]{0,63}$")


class ChoiceBranch(Strict):
    when: Condition
    steps: list[Step] = Field(min_length=1, max_length=MAX_LIST)


class ChoiceConfig(Strict):
    branches: list[ChoiceBranch] = Field(min_length=1, max_length=MAX_BRANCHES)
    otherwise: list[Step] | None = Field(default=None, min_length=1, max_length=MAX_LIST)

    def step_lists(self) -> Sequence[Sequence[Any]]:
        lists: list[Sequence[Any]] = [branch.steps for branch in self.branches]
        if self.otherwise is not None:
            lists.append(self.otherwise)
        return lists


class ParallelBranch(Strict):
    name: str = Field(min_length=1, max_length=64)
    steps: list[Step] = Field(min_length=1, max_length=MAX_LIST)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not BRANCH_NAME.match(value):
            raise ValueError("a branch name is 1 to 64 letters, digits, spaces, '_' or '-' (not starting with a space)")
        return value


class ParallelConfig(Strict):
    branches: list[ParallelBranch] = Field(min_length=2, max_length=MAX_BRANCHES)

    @model_validator(mode="after")
    def _unique(self) -> ParallelConfig:
        seen: set[str] = set()
        for branch in self.branches:
            if branch.name in seen:
                raise ValueError(f"branch names must be unique: {branch.name!r} appears twice")
            seen.add(branch.name)
        return self

    def step_lists(self) -> Sequence[Sequence[Any]]:
        return [branch.steps for branch in self.branches]


class MapConfig(Strict):
    items: str = Field(min_length=1, max_length=1_024)
    steps: list[Step] = Field(min_length=1, max_length=MAX_LIST)
    max_concurrency: int = Field(default=10, ge=1, le=40)

    @field_validator("items")
    @classmethod
    def _items(cls, value: str) -> str:
        if parse_field_path(value).root == "index":
            raise ValueError("`items` is a field path to an array, and `index` is a number")
        return value

    def step_lists(self) -> Sequence[Sequence[Any]]:
        return [self.steps]


BLOCK_CONFIGS = (ChoiceBranch, ChoiceConfig, ParallelBranch, ParallelConfig, MapConfig)


def resolve_step_references(step: Any) -> None:
    """Make `Step` resolvable in the block configs, once the union (models.workflow) exists. Their schemas are
    built on first use (`defer_build`, models.config_base.Strict), from this module's namespace."""
    globals()["Step"] = step
