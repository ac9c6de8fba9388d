"""`workflow_id: "@<name>"` in a workflow file: wfe's shorthand for the id of the caller's workflow of that name.

The API takes ids only (DESIGN: a workflow step's `workflow_id` is a UUID). Before `wfe workflows create|update`
or `wfe validate` sends a file, each workflow step (nested ones too) whose `workflow_id` starts with `@` gets the
id of the workflow so named, so the files in examples/ run as they are, in any account.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

PREFIX = "@"


def named_children(document: Any) -> Iterator[dict[str, Any]]:
    """The config of every workflow step of `document` whose workflow_id is a `@name`, nested steps included."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            config = node.get("config")
            if node.get("type") == "workflow" and isinstance(config, dict):
                target = config.get("workflow_id")
                if isinstance(target, str) and target.startswith(PREFIX):
                    yield config
            stack.extend(reversed(list(node.values())))


def resolve_names(document: Any, resolve: Callable[[str], str]) -> Any:
    """A copy of `document` with each `@name` replaced by `resolve(name)` (the document itself when it has none)."""
    if next(named_children(document), None) is None:
        return document
    resolved = copy.deepcopy(document)
    for config in named_children(resolved):
        config["workflow_id"] = resolve(config["workflow_id"].removeprefix(PREFIX))
    return resolved
