"""The JSON document a compiled state machine carries from state to state.

    {"input": <input_data>, "results": {"s0": {"output": ...}, "s1": {"Error": ..., "Cause": ...}}}

Results are keyed by the step's path key (workflow_engine.models.step_tree: `s0`, `s1`, nested `s3_b1_s0`), never by
step name, so any name a user chooses is safe in JSONPath. Steps see the user-facing context
`{"input": ..., "steps": {"<step name>": {"output": ...}}}` built here from the path keys visible to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.models.execution import cause_text
from workflow_engine.models.step_tree import is_top_level, top_key, top_level_index


def step_key(index: int) -> str:
    """The path key of the top-level step at `index`."""
    return top_key(index)


def initial_document(input_data: Any) -> dict[str, Any]:
    return {"input": input_data, "results": {}}


def step_context(document: Mapping[str, Any], step_names: Mapping[str, str]) -> dict[str, Any]:
    """The context a step sees: the input and the output (or error) of each visible step (path key -> name,
    step_tree.StepTree.visible_before) that left a result, by step name; in a map's iteration, also `item` and
    `index` (the iteration's document has them: asl.blocks)."""
    results = document.get("results") or {}
    steps: dict[str, Any] = {}
    for key, name in step_names.items():
        if key in results:
            steps[name] = _user_result(results[key])
    context = {"input": document.get("input"), "steps": steps}
    if "index" in document:
        context["item"] = document.get("item")
        context["index"] = document["index"]
    return context


def _user_result(result: Mapping[str, Any]) -> dict[str, Any]:
    if "Error" in result:  # caught by continue_on_error
        cause = result.get("Cause")
        message = cause_text(cause) if isinstance(cause, str) and cause else str(result["Error"])
        return {"output": None, "error": message}
    return {"output": result.get("output")}


def final_output(document: Mapping[str, Any]) -> Any:
    """The execution's output: the output of the last top-level step that left a result (None if it had none,
    or failed and continued). Results of steps nested in blocks never are (their block's result is)."""
    results = document.get("results") or {}
    top_level = [key for key in results if is_top_level(key)]
    if not top_level:
        return None
    last = max(top_level, key=lambda key: top_level_index(key) or 0)
    return results[last].get("output")
