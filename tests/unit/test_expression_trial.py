"""Trying an expression in the editor (workflow_engine.workflows.expression_trial): the engine's bounded evaluator,
its answers and its refusals, as a transform step would meet them."""

from __future__ import annotations

import pytest

from workflow_engine.models.expressions import MAX_STEPS
from workflow_engine.steps.placeholders import evaluate
from workflow_engine.workflows.expression_trial import ExpressionRefused, try_expression

CONTEXT = {"input": {"order": {"id": 7, "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}}, "steps": {}}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("input.order.id", 7),
        ("input.order.items[].sku", ["a", "b"]),
        ("sum(input.order.items[].qty)", 3),
        ("{id: input.order.id, n: length(input.order.items)}", {"id": 7, "n": 2}),
        ("input.missing", None),
    ],
)
def test_the_result_is_what_a_transform_step_outputs(expression: str, expected: object) -> None:
    assert try_expression(expression, CONTEXT) == expected == evaluate(expression, CONTEXT)


@pytest.mark.parametrize(
    ("expression", "data", "words"),
    [
        ("input.[", CONTEXT, "Invalid JMESPath expression 'input.['"),
        ("(" * 70 + "a" + ")" * 70, CONTEXT, "nests more than 64 levels deep"),
        ("'ab'" + " | [@,@]" * 25 + " | length(to_string(@))", None, "Expression too expensive"),
        ("input.order.items[].qty | [@, @] | [] | [] | length(@)", {"input": {"order": {"items": []}}}, None),
        ("abs(input.order)", CONTEXT, "The expression failed on this data: "),
    ],
)
def test_refusals_say_why_a_step_would_fail(expression: str, data: object, words: str | None) -> None:
    if words is None:  # a control: the same shape of expression on small data is fine
        assert try_expression(expression, data) == 0
        return
    with pytest.raises(ExpressionRefused) as caught:
        try_expression(expression, data)
    assert words.lower() in str(caught.value).lower(), str(caught.value)


def test_the_step_budget_holds_on_large_data() -> None:
    data = list(range(MAX_STEPS))
    with pytest.raises(ExpressionRefused, match="more than 100,000 steps"):
        try_expression("[*].[@, @][][] | length(@)", data)
