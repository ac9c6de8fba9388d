"""Error answers as readable text: a 422's validation detail as one line per problem.

The API gives every 422 item a `message` in the user's terms (`steps[0] "Load order".config.expression: Field
required`, api.problem_messages): the CLI prints it as it is. An item without one (an older stack) reads as its
location and `msg`. Pure functions (no I/O), unit-tested in tests/unit/test_wfe_parsing.py.
"""

from __future__ import annotations

from typing import Any

VALUE_ERROR = "Value error, "  # pydantic's prefix of a validator's message: noise to a reader


def validation_lines(detail: Any) -> list[str]:
    """One `path: message` line per validation problem of a 422's `detail` list."""
    if not isinstance(detail, list):
        return []
    return [_line(problem) for problem in detail]


def _line(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    if isinstance(problem.get("message"), str) and problem["message"]:
        return str(problem["message"])
    location = problem.get("loc") if isinstance(problem.get("loc"), list) else []
    path = ".".join(str(part) for part in location if part != "body") or "(the body)"
    said = str(problem.get("msg") or problem.get("type") or "invalid").removeprefix(VALUE_ERROR)
    return f"{path}: {said}"


def error_lines(status: int, body: Any) -> tuple[str, list[str]]:
    """(headline, detail lines) of an error answer."""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = f"The API answered {status}"
    details = validation_lines(body.get("detail")) if isinstance(body, dict) else []
    if status == 422 and details:
        message = "The request is not valid:" if message == "Request validation failed" else message
    return message, details
