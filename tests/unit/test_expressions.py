"""Bounded JMESPath: save-time nesting limits and run-time budgets (workflow_engine.models.expressions)."""

from __future__ import annotations

import time

import jmespath
import pytest

from workflow_engine.models import expressions
from workflow_engine.models.expressions import ExpressionRejected, check_expression, search_bounded
from workflow_engine.models.step_errors import ExpressionTooExpensive, StepFailed, reported_class

DOUBLING = "'ab'" + " | [@,@]" * 20 + " | length(to_string(@))"  # 2^20 copies of "ab", printed


@pytest.mark.parametrize(
    "expression",
    [
        "[" * 450 + "]" * 450,
        "(" * 1500 + "a" + ")" * 1500,
        "!" * 4000 + "a",
        "`" + "[" * 3000 + "]" * 3000 + "`",  # a JSON literal's nesting counts
        "a" + "[*]" * 200,  # projections nest in the tree without brackets
        "{a:" * 40 + "b" + "}" * 40,
        "'ab'" + " | [@,@]" * 400 + " | length(to_string(@))",
    ],
)
def test_deep_nesting_is_rejected_by_rule_without_a_recursion_error(expression: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionRejected, match="nests more than 64 levels deep"):
        check_expression(expression)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 64 + "a" + ")" * 64,
        "'" + "(" * 500 + "'",  # brackets in a string are text
        'steps."Load order".output.items[?qty > `1`].{sku: sku, n: qty}',
        "sort_by(items, &qty)[-1].sku",
    ],
)
def test_ordinary_and_bracket_heavy_text_is_accepted(expression: str) -> None:
    assert check_expression(expression) == expression


def test_an_invalid_expression_says_why() -> None:
    with pytest.raises(ExpressionRejected, match="invalid JMESPath expression 'input.\\['"):
        check_expression("input.[")


def test_the_doubling_attack_is_stopped_quickly_by_the_volume_budget() -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionTooExpensive, match=r"arguments of to_string\(\)"):
        search_bounded(DOUBLING, {})
    assert time.perf_counter() - started < 1.0


def test_a_result_too_large_to_print_is_stopped_before_anyone_prints_it() -> None:
    with pytest.raises(ExpressionTooExpensive, match="its result"):
        search_bounded("'ab'" + " | [@,@]" * 40, {})  # 2^40 leaves, held as 40 small lists


def test_comparing_two_huge_values_is_charged_before_comparing() -> None:
    half = "'ab'" + " | [@,@]" * 22
    with pytest.raises(ExpressionTooExpensive, match="a comparison"):
        search_bounded(f"[{half}, {half}] | [0] == [1]", {})


def test_projections_that_multiply_work_hit_the_step_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expressions, "MAX_STEPS", 5_000)
    with pytest.raises(ExpressionTooExpensive, match="more than 5,000 steps"):
        search_bounded("'ab'" + " | [@,@]" * 12 + " | [*][*][*][*][*][*][*][*][*][*][*][*]", {})


def test_flatten_and_slice_pay_for_the_elements_they_produce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expressions, "MAX_STEPS", 1_000)
    data = {"big": list(range(2_000))}
    with pytest.raises(ExpressionTooExpensive):
        search_bounded("[big, big] | []", data)
    with pytest.raises(ExpressionTooExpensive):
        search_bounded("big[::1]", data)
    assert search_bounded("big[:3]", data) == [0, 1, 2]


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("items[?qty > `1`].{sku: sku, n: qty}", {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}),
        ("sort_by(items, &qty)[-1].sku", {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}),
        ("a == b", {"a": [1, {"x": "y"}], "b": [1, {"x": "y"}]}),
        ("a < b", {"a": 1, "b": 2}),
        ("a < b", {"a": "x", "b": [1]}),
        ("`0` == `false`", {}),
        ("[a, b][]", {"a": [1, 2], "b": 3}),
        ("join(', ', names)", {"names": ["x", "y"]}),
        ("to_string(@)", {"k": [1, "two", None]}),
        ("a[1:]", {"a": [1, 2, 3]}),
        ("*.x", {"p": {"x": 1}, "q": {"x": 2}}),
    ],
)
def test_results_are_exactly_those_of_jmespath(expression: str, data: object) -> None:
    assert search_bounded(expression, data) == jmespath.search(expression, data)


def test_ten_thousand_items_fit_the_budgets() -> None:
    data = {"items": [{"sku": f"S{i}", "qty": i} for i in range(10_000)]}
    assert len(search_bounded("items[?qty > `5`].{s: sku, q: qty}", data)) == 9_994


def test_sizes_are_those_of_the_value_spelled_out() -> None:
    meter = expressions.Budget()
    leaf = ["ab", 1]
    assert meter.size(leaf) == 1 + 3 + 1
    assert meter.size([leaf, leaf]) == 1 + 2 * 5
    assert meter.size({"key": leaf}) == 1 + 3 + 5
    deep: list[object] = []
    for _ in range(5_000):  # deeper than the stack: weighed without recursion
        deep = [deep]
    assert meter.size(deep) == 5_001


def test_too_expensive_is_a_step_failure_reported_as_step_failed() -> None:
    error = ExpressionTooExpensive("expression too expensive")
    assert isinstance(error, StepFailed) and reported_class(error) is StepFailed
