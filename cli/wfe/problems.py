"""Error answers as readable text: a 422's validation detail as one line per problem, with its field path.

Pure functions (no I/O), unit-tested in tests/unit/test_wfe_problems.py.
"""

from __future__ import annotations

from typing import Any

LOCATION_NAMES = {"query": "query parameter", "path": "path parameter", "header": "header"}


def field_path(location: list[Any], document: Any = None) -> str:
    """`["body", "steps", 0, "transform", "config", "expression"]` -> `steps[0].config.expression`.

    The body prefix is dropped; a discriminated union's tag ("transform": the step's own `type`) is dropped
    when the request document shows it is one; with the document, a step index also names the step:
    `steps[0] "Load order".config.expression`.
    """
    parts = list(location)
    prefix = ""
    if parts and parts[0] in LOCATION_NAMES:
        prefix = LOCATION_NAMES[parts.pop(0)] + " "
    elif parts and parts[0] == "body":
        parts.pop(0)
    text = ""
    node = document
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                text += f' "{node["name"]}"'
            continue
        key = str(part)
        if isinstance(node, dict) and key not in node and node.get("type") == key:
            continue  # the union's tag, not a field
        text += f".{key}" if text else key
        node = node.get(key) if isinstance(node, dict) else None
    return prefix + (text or "(the body)")


def validation_lines(detail: Any, document: Any = None) -> list[str]:
    """One `path: message` line per validation problem of a 422's `detail` list."""
    if not isinstance(detail, list):
        return []
    lines = []
    for problem in detail:
        if not isinstance(problem, dict):
            lines.append(str(problem))
            continue
        location = problem.get("loc") if isinstance(problem.get("loc"), list) else []
        message = str(problem.get("msg") or problem.get("type") or "invalid")
        lines.append(f"{field_path(location, document)}: {message}")
    return lines


def error_lines(status: int, body: Any, document: Any = None) -> tuple[str, list[str]]:
    """(headline, detail lines) of an error answer."""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = f"The API answered {status}"
    details = validation_lines(body.get("detail"), document) if isinstance(body, dict) else []
    if status == 422 and details:
        message = "The request is not valid:" if message == "Request validation failed" else message
    return message, details
