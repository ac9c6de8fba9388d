"""Where a step log sits in a workflow of blocks (`choice`, `parallel`, `map`): its path, and a run's logs as a tree.

A log of an inner step carries `parent_step` (the enclosing block step's name) and `iteration` (the map index);
both are absent or null at top level, and then nothing here changes how a run is shown. The definition (the
workflow's steps) tells where each block sits; without it (a deleted workflow) the logs alone place a step
under its parent. Pure (no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

BLOCK_TYPES = ("choice", "parallel", "map")
PATH_SEPARATOR = " > "
MAX_DEPTH = 8  # deeper than the engine allows (4): a guard against a cycle in bad data
BRANCH, LAST, PIPE, SPACE = "├─ ", "└─ ", "│  ", "   "


def inner_step_lists(step: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The step lists a block step holds (its branches', its `otherwise`, a map's steps); none for a leaf."""
    config = step.get("config")
    if not isinstance(config, dict):
        config = {}
    kind = step.get("type")
    lists: list[Any] = []
    if kind in ("choice", "parallel"):
        lists = [branch.get("steps") for branch in config.get("branches") or [] if isinstance(branch, dict)]
        if kind == "choice":
            lists.append(config.get("otherwise"))
    elif kind == "map":
        lists = [config.get("steps")]
    return [steps for steps in lists if isinstance(steps, list)]


def walk(steps: Iterable[Any], parent: str | None = None) -> Iterable[tuple[dict[str, Any], str | None]]:
    """Every step of a definition with its enclosing block's name, depth first in the definition's order."""
    for step in steps:
        if isinstance(step, dict):
            yield step, parent
            for inner in inner_step_lists(step):
                yield from walk(inner, step.get("name"))


def is_nested(logs: Iterable[dict[str, Any]]) -> bool:
    """Whether any log is of an inner step (the only case where the nesting is shown)."""
    return any(log.get("parent_step") for log in logs)


@dataclass
class Placements:
    """Each step's enclosing block and type, from the definition, else from what the logs say."""

    parent: dict[str, str | None] = field(default_factory=dict)
    type: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, steps: Iterable[Any] = (), logs: Iterable[dict[str, Any]] = ()) -> Placements:
        placements = cls()
        for step, parent in walk(steps):
            placements.parent[str(step.get("name"))] = parent
            placements.type[str(step.get("name"))] = str(step.get("type", ""))
        for log in logs:
            name = str(log.get("step_name", ""))
            placements.parent.setdefault(name, log.get("parent_step") or None)
            placements.type.setdefault(name, str(log.get("step_type", "")))
        return placements

    def is_map(self, name: str) -> bool:
        """A block whose type is unknown (a deleted workflow's, without a log of its own) counts as a map."""
        return self.type.get(name, "map") == "map"

    def chain(self, log: dict[str, Any]) -> list[str]:
        """The log's path from the top level: `["fan", "each[2]", "check"]` (its map shows the iteration)."""
        ancestors: list[str] = []  # innermost first
        parent = log.get("parent_step") or None
        while parent is not None and len(ancestors) <= MAX_DEPTH:
            ancestors.append(parent)
            parent = self.parent.get(parent)
        iteration = log.get("iteration")
        if iteration is not None:
            innermost_map = next((index for index, name in enumerate(ancestors) if self.is_map(name)), None)
            if innermost_map is not None:
                ancestors[innermost_map] = f"{ancestors[innermost_map]}[{iteration}]"
        return [*reversed(ancestors), str(log.get("step_name", ""))]

    def top(self, log: dict[str, Any]) -> str:
        """The top-level step the log's step is part of (itself at top level; the definition places a log
        without `parent_step`)."""
        name = str(log.get("step_name", ""))
        parent = log.get("parent_step") or self.parent.get(name)
        for _ in range(MAX_DEPTH + 1):
            if parent is None:
                break
            name, parent = parent, self.parent.get(parent)
        return name

    def path(self, log: dict[str, Any]) -> str:
        return PATH_SEPARATOR.join(self.chain(log))


@dataclass
class Node:
    name: str
    iteration: Any  # the map index this node runs in (None: outside a map, or not known)
    type: str = ""
    label: str = ""
    logs: list[dict[str, Any]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    first_seen: int = 0  # the position of its first log (or its first descendant's) in time order


@dataclass(frozen=True)
class Row:
    """One line of a run's tree: the guides (`│  ├─ `), the label, and the log (None: a block without one)."""

    guides: str
    label: str
    type: str
    log: dict[str, Any] | None

    @property
    def step(self) -> str:
        return self.guides + self.label


def tree(logs: list[dict[str, Any]], steps: Iterable[Any] = ()) -> list[Row]:
    """The logs (in time order) as a tree: each block's inner attempts under it, a map's by iteration."""
    placements = Placements.of(steps, logs)
    nodes: dict[tuple[str, Any], Node] = {}
    roots: list[Node] = []

    def node_for(name: str, iteration: Any, position: int, depth: int = 0) -> Node:
        key = (name, iteration)
        if key in nodes:
            return nodes[key]
        node = nodes[key] = Node(name, iteration, placements.type.get(name, ""), name, first_seen=position)
        parent = placements.parent.get(name)
        if parent is None or depth > MAX_DEPTH:
            roots.append(node)
            return node
        in_this_map = iteration is not None and placements.is_map(parent)
        if in_this_map:
            node.label = f"{parent}[{iteration}]{PATH_SEPARATOR}{name}"
        node_for(parent, None if in_this_map else iteration, position, depth + 1).children.append(node)
        return node

    for position, log in enumerate(logs):
        node_for(str(log.get("step_name", "")), log.get("iteration"), position).logs.append(log)
    return list(_rows(roots, "", top=True))


def _rows(nodes: list[Node], guides: str, top: bool = False) -> Iterable[Row]:
    """The top level has no guides (a flat run reads as it always did); inner nodes get `├─ ` or `└─ `."""
    ordered = sorted(nodes, key=lambda node: (_order(node.iteration), node.first_seen))
    for index, node in enumerate(ordered):
        last = index == len(ordered) - 1
        connector = "" if top else LAST if last else BRANCH
        attempts: list[dict[str, Any] | None] = [*node.logs] or [None]
        for log in attempts:
            yield Row(guides + connector, node.label, node.type, log)
        yield from _rows(node.children, guides if top else guides + (SPACE if last else PIPE))


def _order(iteration: Any) -> tuple[int, Any]:
    return (0, iteration) if isinstance(iteration, int) else (1, 0)


@dataclass(frozen=True)
class DefinitionRow:
    """One line of a definition's tree: a step (`step` set) or the heading of a block's branch (`heading`)."""

    guides: str
    step: dict[str, Any] | None = None
    heading: str = ""
    top_level_index: int | None = None  # 1-based, for the top level's steps


def branch_headings(step: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A block's step lists with what heads each: `when <condition>`, `otherwise`, `branch "name"`, `each item`."""
    config = step.get("config")
    if not isinstance(config, dict):
        return []
    kind = step.get("type")
    headings: list[tuple[str, Any]] = []
    if kind in ("choice", "parallel"):
        for branch in config.get("branches") or []:
            if isinstance(branch, dict):
                head = (
                    f"when {_condition_text(branch.get('when'))}"
                    if kind == "choice"
                    else f'branch "{branch.get("name")}"'
                )
                headings.append((head, branch.get("steps")))
        if kind == "choice" and config.get("otherwise") is not None:
            headings.append(("otherwise", config.get("otherwise")))
    elif kind == "map":
        headings.append((f"each item of {config.get('items')}", config.get("steps")))
    return [(head, steps) for head, steps in headings if isinstance(steps, list)]


def _condition_text(condition: Any) -> str:
    if not isinstance(condition, dict):
        return str(condition)
    for kind in ("all", "any"):
        if isinstance(condition.get(kind), list):
            return f" {kind} ".join(f"({_condition_text(part)})" for part in condition[kind]) or kind
    if "not" in condition:
        return f"not ({_condition_text(condition['not'])})"
    value = condition.get("value")
    return " ".join(str(part) for part in (condition.get("path"), condition.get("op")) if part is not None) + (
        f" {value!r}" if "value" in condition else ""
    )


def definition_rows(steps: list[Any]) -> list[DefinitionRow]:
    """A workflow's steps as a tree: each block's branches as headings, their steps under them."""
    rows = [
        DefinitionRow("", step, top_level_index=index) for index, step in enumerate(steps, 1) if isinstance(step, dict)
    ]
    result: list[DefinitionRow] = []
    for row in rows:
        result.append(row)
        assert row.step is not None
        result.extend(_branch_rows(row.step, ""))
    return result


def _branch_rows(step: dict[str, Any], guides: str) -> Iterable[DefinitionRow]:
    headings = branch_headings(step)
    for index, (head, steps) in enumerate(headings):
        last = index == len(headings) - 1
        yield DefinitionRow(guides + (LAST if last else BRANCH), heading=head)
        inner = guides + (SPACE if last else PIPE)
        members = [member for member in steps if isinstance(member, dict)]
        for position, member in enumerate(members):
            member_last = position == len(members) - 1
            yield DefinitionRow(inner + (LAST if member_last else BRANCH), member)
            yield from _branch_rows(member, inner + (SPACE if member_last else PIPE))
