"""The transform step: a JMESPath expression over the context, the way data flows between steps."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.models.step_configs import TransformConfig
from workflow_engine.models.step_errors import StepFailed
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.steps.dispatch import typed_config
from workflow_engine.steps.transform import run_transform


def _transform(expression: str, context: dict[str, Any]) -> Any:
    return run_transform(TransformConfig(expression=expression), context)


def _run_pipeline(steps: list[tuple[str, str]], input_data: Any) -> dict[str, Any]:
    """Run transform steps in order the way the state machine threads the context through them."""
    context: dict[str, Any] = {"input": input_data, "steps": {}}
    for name, expression in steps:
        context["steps"][name] = {"output": _transform(expression, context)}
    return context


def test_each_step_reads_the_input_and_the_outputs_of_earlier_steps() -> None:
    context = _run_pipeline(
        [
            ("Pick items", "input.order.items[?qty > `0`]"),
            ("Count", 'length(steps."Pick items".output)'),
            ("Summary", '{order: input.order.id, skus: steps."Pick items".output[].sku, count: steps.Count.output}'),
        ],
        {"order": {"id": "o-1", "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 0}, {"sku": "C", "qty": 1}]}},
    )

    assert context["steps"]["Pick items"]["output"] == [{"sku": "A", "qty": 2}, {"sku": "C", "qty": 1}]
    assert context["steps"]["Count"]["output"] == 2
    assert context["steps"]["Summary"]["output"] == {"order": "o-1", "skus": ["A", "C"], "count": 2}


def test_an_expression_selecting_nothing_outputs_null() -> None:
    assert _transform("input.missing.field", {"input": {}, "steps": {}}) is None
    assert _transform('steps."Not yet".output', {"input": None, "steps": {}}) is None


def test_the_output_can_be_any_json_value() -> None:
    context = {"input": {"n": 3, "s": "x"}, "steps": {}}
    assert _transform("input.n", context) == 3
    assert _transform("input.s", context) == "x"
    assert _transform("`[1, 2]`", context) == [1, 2]
    assert _transform("@", context) == context


def test_the_context_is_not_modified() -> None:
    context = {"input": {"items": [3, 1, 2]}, "steps": {}}
    assert _transform("sort(input.items)", context) == [1, 2, 3]
    assert context == {"input": {"items": [3, 1, 2]}, "steps": {}}


@pytest.mark.parametrize("expression", ["input.[", "foo ||", "`unclosed"])
def test_an_invalid_expression_is_a_step_error(expression: str) -> None:
    """The step function validates the payload's config into TransformConfig before running it."""
    with pytest.raises(StepFailed, match="invalid JMESPath expression"):
        typed_config(STEP_TYPES["transform"], {"expression": expression})


def test_a_type_error_at_evaluation_is_a_step_error() -> None:
    with pytest.raises(StepFailed, match="failed"):
        _transform("sum(input.words)", {"input": {"words": ["a", "b"]}, "steps": {}})


@pytest.mark.parametrize("config", [{}, {"expression": ""}, {"expression": "   "}, {"expression": 5}, None])
def test_a_missing_expression_is_a_step_error(config: dict[str, Any]) -> None:
    with pytest.raises(StepFailed, match="invalid transform step config: "):
        typed_config(STEP_TYPES["transform"], config)
