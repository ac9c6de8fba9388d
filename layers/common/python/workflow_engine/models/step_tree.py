"""A workflow's steps as a tree: each step's path key, its parent, and the steps visible to it.

Path keys name a step's place, never its name (so any name a user picks is safe in JSONPath):

- top-level steps are `s0`, `s1`, ...;
- step i of list j of the step at key K is `K_b{j}_s{i}` (e.g. `s3_b1_s0`: step 0 of list 1 of step 3).

Keys hold only letters, digits and `_`, so `$.results.<key>` is a plain JSONPath member name in Step
Functions and in moto (no dots, no brackets, no quoting).

Nesting is generic: a step that holds step lists (a block) exposes them through a `step_lists()` method
(the `StepContainer` protocol), in a fixed order; every other step is a leaf. Nothing here names a step type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

KEY_PATTERN = re.compile(r"s(\d+)(?:_b\d+_s\d+)*")


@runtime_checkable
class StepContainer(Protocol):
    """A step holding step lists (e.g. a block's branches); leaf steps do not implement it."""

    def step_lists(self) -> Sequence[Sequence[Any]]: ...


def top_key(index: int) -> str:
    return f"s{index}"


def child_key(parent_key: str, list_index: int, index: int) -> str:
    return f"{parent_key}_b{list_index}_s{index}"


def top_level_index(key: str) -> int | None:
    """The position of the top-level step a path key lies under (None for a string that is no path key)."""
    match = KEY_PATTERN.fullmatch(key)
    return int(match.group(1)) if match else None


def is_top_level(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None and "_" not in key


@dataclass(frozen=True)
class StepNode:
    """One step in the tree: its path key, its position in its list, the key of the step holding that list."""

    key: str
    step: Any
    index: int
    parent_key: str | None

    @property
    def name(self) -> str:
        return str(self.step.name)

    @property
    def top_level_index(self) -> int:
        return int(KEY_PATTERN.fullmatch(self.key).group(1))  # type: ignore[union-attr]  # keys are built here


def child_lists(step: Any) -> tuple[Sequence[Any], ...]:
    """The step lists a step holds (none for a leaf)."""
    return tuple(step.step_lists()) if isinstance(step, StepContainer) else ()


class StepTree:
    """The steps of a workflow with their path keys; built once per compile or lookup, read-only after."""

    def __init__(self, steps: Sequence[Any]) -> None:
        self._nodes: dict[str, StepNode] = {}  # depth-first, pre-order
        self._lists: dict[str | None, tuple[tuple[StepNode, ...], ...]] = {}
        self.top: tuple[StepNode, ...] = self._add(steps, None, top_key)
        self._lists[None] = (self.top,)
        self._by_name = {node.name: node for node in self._nodes.values()}

    def _add(self, steps: Sequence[Any], parent_key: str | None, key_of: Any) -> tuple[StepNode, ...]:
        nodes = []
        for index, step in enumerate(steps):
            node = StepNode(key_of(index), step, index, parent_key)
            self._nodes[node.key] = node
            nodes.append(node)
            self._lists[node.key] = tuple(
                self._add(inner, node.key, lambda i, k=node.key, j=j: child_key(k, j, i))
                for j, inner in enumerate(child_lists(step))
            )
        return tuple(nodes)

    def walk(self) -> Iterator[StepNode]:
        """Every step, depth-first: a step, then the steps of each of its lists, then the next step."""
        return iter(self._nodes.values())

    def find(self, key: str) -> StepNode:
        return self._nodes[key]

    def named(self, name: str) -> StepNode | None:
        return self._by_name.get(name)

    def parent(self, node: StepNode) -> StepNode | None:
        return self._nodes[node.parent_key] if node.parent_key is not None else None

    def lists_of(self, node: StepNode) -> tuple[tuple[StepNode, ...], ...]:
        """The step lists of a block step, as nodes (empty for a leaf)."""
        return self._lists[node.key]

    def siblings(self, node: StepNode) -> tuple[StepNode, ...]:
        """The step list `node` is in."""
        if node.parent_key is None:
            return self.top
        return next(nodes for nodes in self._lists[node.parent_key] if node in nodes)

    def descendants(self, node: StepNode) -> Iterator[StepNode]:
        for nodes in self._lists[node.key]:
            for inner in nodes:
                yield inner
                yield from self.descendants(inner)

    def under_top_level(self, index: int) -> Iterator[StepNode]:
        """The top-level step at `index` and every step nested in it."""
        node = self.top[index]
        yield node
        yield from self.descendants(node)

    def visible_before(self, node: StepNode) -> list[StepNode]:
        """The steps that ran before `node` and whose results it sees, outermost first: the earlier steps of
        its own list and of each enclosing list, each with the steps nested in it (today: the earlier
        top-level steps)."""
        levels: list[list[StepNode]] = []
        current: StepNode | None = node
        while current is not None:
            level: list[StepNode] = []
            for earlier in self.siblings(current)[: current.index]:
                level.append(earlier)
                level.extend(self.descendants(earlier))
            levels.append(level)
            current = self.parent(current)
        return [visible for level in reversed(levels) for visible in level]
