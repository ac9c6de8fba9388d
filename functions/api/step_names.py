"""A 422's validation problems, each naming the step it is about.

pydantic locates a problem by position (`["body", "steps", 1, "parallel", "config", "branches", 0, "steps", 0,
"choice", "config", "branches", 0, "when", "comparison"]`): its message says the rule but not the step. Read
against the request body, the location gives the innermost step it passes through, and the message becomes
`step 'route': unknown op 'bogus': ...`. The detail keeps its shape (`type`, `loc`, `msg`, ...): `msg` gains
the step's name, and each item gains `message`, its field path in the user's terms (api.problem_messages). A
problem about no single step (the workflow's name, the rules across the whole tree, which name their steps
themselves) keeps its `msg`.
"""

from __future__ import annotations

from typing import Any

from api.problem_messages import problem_message

STEP_LIST_KEYS = ("steps", "otherwise")  # the keys whose items are steps (a workflow's, a branch's, a block's)
VALUE_ERROR = "Value error, "  # pydantic's prefix of a validator's message: noise once the step is named


def innermost_step(location: Any, document: Any) -> str | None:
    """The name of the last step `location` passes through in `document`, or None. Keys that are not in the
    document (the tags pydantic adds for a union's member) are skipped."""
    if not isinstance(location, (list, tuple)):
        return None
    node, name, in_step_list = document, None, False
    for part in location[1:] if location[:1] in (["body"], ("body",)) else location:
        if isinstance(part, int) and isinstance(node, list) and -len(node) <= part < len(node):
            node = node[part]
            if in_step_list and isinstance(node, dict) and isinstance(node.get("name"), str) and node["name"]:
                name = node["name"]
            in_step_list = False
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node, in_step_list = node[part], part in STEP_LIST_KEYS
    return name


def name_steps(problems: Any, document: Any) -> Any:
    """The validation problems with each `msg` naming the step its `loc` points into, and each with a readable
    `message` (a copy; the rest as is)."""
    if not isinstance(problems, list):
        return problems
    return [_named(problem, document) for problem in problems]


def _named(problem: Any, document: Any) -> Any:
    if not isinstance(problem, dict) or not isinstance(problem.get("msg"), str):
        return problem
    readable = {**problem, "message": problem_message(problem, document)}
    name = innermost_step(problem.get("loc"), document)
    if name is None:
        return readable
    return {**readable, "msg": f"step {name!r}: {problem['msg'].removeprefix(VALUE_ERROR)}"}
