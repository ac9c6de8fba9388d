"""A 422 item's `message`: its field path in the user's terms, then what is wrong.

pydantic locates a problem as `["body", "steps", 0, "transform", "config", "expression"]`; people read
`steps[0] "Load order".config.expression: Field required`. Read against the request document, a step index also
names the step, a union's tag (a step's `type`, a condition's kind) is dropped, and the way into a block's nested
steps reads as a step path: `steps[2] "route" > branches[0] > steps[1] "check".config.expression`. The CLI and the
web app print this `message` as it is (one place decides how a problem reads).
"""

from __future__ import annotations

from typing import Any

LOCATION_NAMES = {"query": "query parameter", "path": "path parameter", "header": "header"}
STEP_LISTS = ("steps", "otherwise")  # the keys whose items are steps (a workflow's, a branch's, a block's)
BLOCK_LISTS = ("branches", "steps", "otherwise")  # what a block step's config holds: shown as ` > branches[0]`
BLOCK_TYPES = ("choice", "parallel", "map")
CONDITION_TAGS = ("all", "any", "not")  # a condition's union tag: the one of these it holds, else "comparison"
VALUE_ERROR = "Value error, "  # pydantic's prefix of a validator's message: noise to a reader

ROOT, STEP_LIST, STEP, BLOCK_CONFIG, BRANCH_LIST, BRANCH, CONDITION, CONDITION_LIST, OTHER = (
    "root",
    "step list",
    "step",
    "block config",
    "branch list",
    "branch",
    "condition",
    "condition list",
    "other",
)
ITEM_KIND = {STEP_LIST: STEP, BRANCH_LIST: BRANCH, CONDITION_LIST: CONDITION}  # what a list's items are


def field_path(location: Any, document: Any = None) -> str:
    """The location as people read it (`steps[0] "Load order".config.expression`); without the document, the
    indexes and pydantic's tags as they are (no guessing)."""
    parts = list(location) if isinstance(location, (list, tuple)) else []
    prefix = ""
    if parts and parts[0] in LOCATION_NAMES:
        prefix = LOCATION_NAMES[parts.pop(0)] + " "
    elif parts and parts[0] == "body":
        parts.pop(0)
    text = ""
    node, kind = document, ROOT
    for index, part in enumerate(parts):
        following = parts[index + 1] if index + 1 < len(parts) else None
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str) and node["name"]:
                text += f' "{node["name"]}"'
            kind = ITEM_KIND.get(kind, OTHER) if isinstance(node, dict) else OTHER
            continue
        key = str(part)
        if _is_tag(node, kind, key, following):
            continue
        if kind == STEP and key == "config" and following in BLOCK_LISTS and node.get("type") in BLOCK_TYPES:
            node, kind = node.get(key), BLOCK_CONFIG
            continue  # `route > branches[0]`, not `route.config.branches[0]`
        nested = kind in (BLOCK_CONFIG, BRANCH) and key in BLOCK_LISTS
        text += f" > {key}" if nested else f".{key}" if text else key
        node = node.get(key) if isinstance(node, dict) else None
        kind = _kind_of(kind, key) if node is not None else OTHER
    return prefix + (text or "(the body)")


def _is_tag(node: Any, kind: str, key: str, following: Any) -> bool:
    """Whether `key` is a discriminated union's tag in pydantic's location, not a field of the document."""
    if not isinstance(node, dict):
        return False
    if kind == STEP:
        return key not in node and node.get("type") == key
    if kind == CONDITION:
        condition_kind = next((tag for tag in CONDITION_TAGS if tag in node), "comparison")
        return key == condition_kind and (key == "comparison" or following == key)
    return False


def _kind_of(parent: str, key: str) -> str:
    """What the value at `key` of a `parent` node is."""
    if parent in (ROOT, BRANCH, BLOCK_CONFIG) and key in STEP_LISTS:
        return STEP_LIST
    if parent == BLOCK_CONFIG and key == "branches":
        return BRANCH_LIST
    if (parent == BRANCH and key == "when") or (parent == CONDITION and key == "not"):
        return CONDITION
    if parent == CONDITION and key in ("all", "any"):
        return CONDITION_LIST
    return OTHER


def problem_message(problem: dict[str, Any], document: Any) -> str:
    """`<field path>: <what is wrong>` of one validation problem (its `msg` before any step name was added)."""
    said = str(problem.get("msg") or problem.get("type") or "invalid").removeprefix(VALUE_ERROR)
    return f"{field_path(problem.get('loc'), document)}: {said}"
