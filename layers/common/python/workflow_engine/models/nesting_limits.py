"""How deep a definition's blocks and conditions nest, checked on the raw request data before pydantic builds
the models (see DESIGN "Control flow" and README "Control flow").

pydantic validates nested data by recursing, and stops with "Recursion error - maximum validation depth
exceeded" and an error location as long as the nesting: a 422, but one that names no step and no rule. These
walks are iterative and stop one level past each limit, so a block nested 1,000 deep or a condition nested
100,000 deep is refused at once, with a message naming the step and the rule:

- blocks nest at most MAX_DEPTH deep (models.workflow_rules checks it again on the built tree);
- a `choice` condition's `all`/`any`/`not` nest at most MAX_CONDITION_DEPTH deep.

Anything else malformed (a `steps` that is not a list, a step that is not an object) is left to pydantic,
which reports it where it is. The request body parser (api.request_body) already refuses any JSON document
nested more than 64 levels deep; these limits are the workflow's own, well inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 4  # blocks inside blocks
MAX_CONDITION_DEPTH = 10  # all/any/not inside all/any/not
# Levels of nesting of workflow steps at run time (a top-level execution is level 1): the compiled machine's check
# (asl.child), the save-time walk (workflows.child_checks) and a cancel's cascade (executions.children).
MAX_CHILD_DEPTH = 5
STEP_LIST_KEYS = ("steps", "otherwise")  # the keys of a block config or a branch that hold steps
CONDITION_LIST_KEYS = ("all", "any")


def check_nesting(steps: Any) -> None:
    """Refuse blocks nested more than MAX_DEPTH deep and conditions more than MAX_CONDITION_DEPTH deep,
    naming the step; iterative, and never further than one level past a limit."""
    for step, depth in _raw_steps(steps):
        name = _name(step)
        if depth > MAX_DEPTH:
            raise ValueError(f"step {name!r}: blocks nest at most {MAX_DEPTH} deep")
        if step.get("type") == "choice":
            for when in _conditions(step):
                if condition_depth(when, MAX_CONDITION_DEPTH + 1) > MAX_CONDITION_DEPTH:
                    raise ValueError(f"step {name!r}: conditions nest at most {MAX_CONDITION_DEPTH} deep")


def _raw_steps(steps: Any) -> Iterator[tuple[dict[str, Any], int]]:
    """Each step object in the raw data with the number of blocks around it, depth-first; no deeper than one
    level past MAX_DEPTH."""
    pending: list[tuple[Any, int]] = [(steps, 0)]
    while pending:
        step_list, depth = pending.pop()
        if not isinstance(step_list, list):
            continue
        for step in reversed(step_list):
            if not isinstance(step, dict):
                continue
            yield step, depth
            if depth <= MAX_DEPTH:
                pending.extend((inner, depth + 1) for inner in _inner_step_lists(step))


def _inner_step_lists(step: dict[str, Any]) -> list[Any]:
    """The raw step lists a block step holds: its config's `steps`/`otherwise` and each branch's `steps`."""
    config = step.get("config")
    if not isinstance(config, dict):
        return []
    holders = [config, *(branch for branch in _branches(config) if isinstance(branch, dict))]
    return [holder[key] for holder in holders for key in STEP_LIST_KEYS if key in holder]


def _branches(config: dict[str, Any]) -> list[Any]:
    branches = config.get("branches")
    return branches if isinstance(branches, list) else []


def _conditions(step: dict[str, Any]) -> list[Any]:
    config = step.get("config")
    if not isinstance(config, dict):
        return []
    return [branch["when"] for branch in _branches(config) if isinstance(branch, dict) and "when" in branch]


def condition_depth(condition: Any, stop_at: int) -> int:
    """How deep `condition` nests (a comparison is 0; `{"not": <comparison>}` is 1), counted iteratively and
    no further than `stop_at`."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(condition, 0)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest >= stop_at or not isinstance(node, dict):
            continue
        for key in CONDITION_LIST_KEYS:
            if isinstance(node.get(key), list):
                pending.extend((inner, depth + 1) for inner in node[key])
        if "not" in node:
            pending.append((node["not"], depth + 1))
    return deepest


def _name(step: dict[str, Any]) -> str:
    name = step.get("name")
    return name if isinstance(name, str) else "(unnamed)"
