"""The JSON document a compiled state machine carries from state to state.

    {"input": <input_data>, "results": {"s0": {"output": ...}, "s1": {"Error": ..., "Cause": ...}}}

Results are keyed by step position, never by step name, so any name a user chooses is safe in JSONPath.
Steps see the user-facing context `{"input": ..., "steps": {"<step name>": {"output": ...}}}` built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.models.execution import cause_text


def step_key(index: int) -> str:
    return f"s{index}"


def initial_document(input_data: Any) -> dict[str, Any]:
    return {"input": input_data, "results": {}}


def step_context(document: Mapping[str, Any], step_names: Mapping[str, str]) -> dict[str, Any]:
    """The context a step sees: the input and every earlier step's output (or error), by step name."""
    results = document.get("results") or {}
    steps: dict[str, Any] = {}
    for key, name in step_names.items():
        if key in results:
            steps[name] = _user_result(results[key])
    return {"input": document.get("input"), "steps": steps}


def _user_result(result: Mapping[str, Any]) -> dict[str, Any]:
    if "Error" in result:  # caught by continue_on_error
        cause = result.get("Cause")
        message = cause_text(cause) if isinstance(cause, str) and cause else str(result["Error"])
        return {"output": None, "error": message}
    return {"output": result.get("output")}


def final_output(document: Mapping[str, Any]) -> Any:
    """The execution's output: the last step's output (None if it had none)."""
    results = document.get("results") or {}
    if not results:
        return None
    last = max(results, key=lambda key: int(key[1:]))
    return results[last].get("output")
