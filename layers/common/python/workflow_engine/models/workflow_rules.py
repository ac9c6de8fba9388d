"""The rules a workflow's steps obey across the whole tree of steps (blocks nest; see DESIGN "Control flow").

- step names are unique across the workflow (they are state names of one machine);
- at most MAX_STEPS steps in all, and blocks nest at most MAX_DEPTH deep;
- a run's history fits: maps at their worst case of 1,000 items cannot pass the 25,000 events an execution
  holds (models.history_budget);
- every field path of a block (a choice's conditions, a map's `items`) reads what its step can see: a step
  that ran before it (models.step_tree.StepTree.visible_before, never a step inside a map from outside it),
  and `item`/`index` only inside a map;
- an approval step stands at top level or in a choice or parallel, never in a map (its wait is stored by step name,
  one per step: a map's iterations would share it), and its wait is bounded by `config.timeout_seconds` only
  (models.approvals).

Each error names the step and the rule (the API answers 422 with it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from workflow_engine.models.conditions import comparisons
from workflow_engine.models.field_paths import FieldPath, parse_field_path
from workflow_engine.models.history_budget import check_history_budget
from workflow_engine.models.step_tree import StepNode, StepTree, child_lists

MAX_STEPS = 100
MAX_DEPTH = 4


def depth(node: StepNode) -> int:
    """How many blocks enclose the step (0 at top level)."""
    return node.key.count("_b")


def check_step_tree(steps: Sequence[Any]) -> StepTree:
    tree = StepTree(steps)
    nodes = list(tree.walk())
    if len(nodes) > MAX_STEPS:
        raise ValueError(f"a workflow holds at most {MAX_STEPS} steps in all, nested ones included ({len(nodes)})")
    seen: set[str] = set()
    for node in nodes:
        if node.name in seen:
            raise ValueError(f"step names must be unique across the workflow: {node.name!r} appears twice")
        seen.add(node.name)
        if depth(node) > MAX_DEPTH:
            raise ValueError(f"step {node.name!r}: blocks nest at most {MAX_DEPTH} deep")
    for node in nodes:
        _check_approval(tree, node)
        if any(all(inner.type == "wait" for inner in steps) for steps in child_lists(node.step)):
            raise ValueError(f"step {node.name!r}: each of its step lists needs a step that leaves an output")
        for path in _field_paths(node.step):
            _check_visible(tree, node, path)
    check_history_budget(tree)
    return tree


def _check_approval(tree: StepTree, node: StepNode) -> None:
    if node.step.type != "approval":
        return
    if in_map(tree, node):
        raise ValueError(
            f"step {node.name!r}: an approval step cannot run inside a map (each iteration would wait on the same "
            "step); put it before or after the map"
        )
    if node.step.timeout_seconds is not None:
        raise ValueError(f"step {node.name!r}: an approval step's wait is bounded by config.timeout_seconds")


def _field_paths(step: Any) -> Iterator[tuple[str, FieldPath]]:
    if step.type == "choice":
        for branch in step.config.branches:
            for comparison in comparisons(branch.when):
                yield comparison.path, comparison.field_path
    elif step.type == "map":
        yield step.config.items, parse_field_path(step.config.items)


def in_map(tree: StepTree, node: StepNode) -> bool:
    """Whether the step runs in a map's iteration."""
    parent = tree.parent(node)
    while parent is not None:
        if parent.step.type == "map":
            return True
        parent = tree.parent(parent)
    return False


def _check_visible(tree: StepTree, node: StepNode, entry: tuple[str, FieldPath]) -> None:
    text, path = entry
    if path.root in ("item", "index") and not in_map(tree, node):
        raise ValueError(f"step {node.name!r}: path {text!r} reads `{path.root}`, which only steps in a map see")
    if path.step_name is not None:
        visible = {seen.name for seen in visible_steps(tree, node)}
        if path.step_name not in visible:
            raise ValueError(
                f"step {node.name!r}: path {text!r} reads step {path.step_name!r}, which has not run before it"
            )


def visible_steps(tree: StepTree, node: StepNode) -> list[StepNode]:
    """The steps whose results `node` sees: those before it (StepTree.visible_before), less the steps inside
    a map or parallel that `node` is not in (their results stay in the iteration or branch: the block's own
    result is what later steps see)."""
    return [seen for seen in tree.visible_before(node) if not _inside_other_sub_machine(tree, seen, node)]


SUB_MACHINE_BLOCKS = ("map", "parallel")


def _inside_other_sub_machine(tree: StepTree, seen: StepNode, node: StepNode) -> bool:
    parent = tree.parent(seen)
    while parent is not None:
        if parent.step.type in SUB_MACHINE_BLOCKS and not node.key.startswith(f"{parent.key}_"):
            return True
        parent = tree.parent(parent)
    return False
