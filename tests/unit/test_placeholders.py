"""`{{ jmespath }}` placeholders: typing of whole values, text of mixed strings, failures."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow_engine.models.expressions import compile_bounded
from workflow_engine.models.step_errors import ExpressionTooExpensive, StepFailed
from workflow_engine.models.workflow import PLACEHOLDER
from workflow_engine.steps.placeholders import render

CONTEXT = {
    "input": {"order": {"id": 42, "total": 19.5, "paid": False, "tags": ["a", "b"], "note": None}, "name": "Zoë"},
    "steps": {"Load order": {"output": {"items": [{"sku": "X1", "qty": 2}], "count": 1}}},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ input.order }}", CONTEXT["input"]["order"]),
        ("{{ input.order.id }}", 42),
        ("{{input.order.total}}", 19.5),
        ("{{ input.order.paid }}", False),
        ("{{ input.order.tags }}", ["a", "b"]),
        ("{{ input.order.note }}", None),
        ("  {{ input.order.id }}\n", 42),
        ('{{ steps."Load order".output.items[0] }}', {"sku": "X1", "qty": 2}),
        ("{{ input.order.{id: id, first_tag: tags[0]} }}", {"id": 42, "first_tag": "a"}),
    ],
)
def test_a_whole_placeholder_keeps_the_type_of_its_value(template: str, expected: object) -> None:
    assert render(template, CONTEXT) == expected
    assert type(render(template, CONTEXT)) is type(expected)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Order {{ input.order.id }} for {{ input.name }}", "Order 42 for Zoë"),
        ("tags={{ input.order.tags }}", 'tags=["a","b"]'),
        ('item={{ steps."Load order".output.items[0] }}', 'item={"sku":"X1","qty":2}'),
        ("paid: {{ input.order.paid }}, total: {{ input.order.total }}", "paid: false, total: 19.5"),
        ("note=[{{ input.order.note }}]", "note=[]"),
        ("{{ input.order.id }}{{ input.order.id }}", "4242"),
        ("{{ input.order.id }} {{ input.name }}", "42 Zoë"),
        ("no placeholders here { } }} {{", "no placeholders here { } }} {{"),
    ],
)
def test_placeholders_inside_text_are_replaced_by_text(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_missing_values_are_null_alone_and_empty_inside_text() -> None:
    assert render("{{ input.nope }}", CONTEXT) is None
    assert render('{{ steps."Never ran".output }}', CONTEXT) is None
    assert render("value=<{{ input.nope.deeper }}>", CONTEXT) == "value=<>"


def test_nested_structures_are_rendered_but_keys_are_not() -> None:
    template = {
        "order": "{{ input.order.id }}",
        "{{ input.name }}": "key stays literal",
        "lines": [
            '{{ steps."Load order".output.count }}',
            {"deep": ['sku {{ steps."Load order".output.items[0].sku }}']},
        ],
        "number": 7,
        "flag": True,
        "nothing": None,
    }
    before = copy.deepcopy(template)

    result = render(template, CONTEXT)

    assert result == {
        "order": 42,
        "{{ input.name }}": "key stays literal",
        "lines": [1, {"deep": ["sku X1"]}],
        "number": 7,
        "flag": True,
        "nothing": None,
    }
    assert template == before  # the template is not mutated


@pytest.mark.parametrize(
    "template", ["{{ input.[ }}", "{{ input.order.id ++ 1 }}", "text {{ a]] }} text", "{{ `unclosed }}"]
)
def test_an_invalid_expression_is_a_step_error(template: str) -> None:
    with pytest.raises(StepFailed, match="invalid JMESPath expression"):
        render(template, CONTEXT)


def test_an_empty_placeholder_is_a_step_error() -> None:
    with pytest.raises(StepFailed, match="empty"):
        render("a {{ }} b", CONTEXT)


@pytest.mark.parametrize("template", ["{{ length(input.order.id) }}", "{{ no_such_function(input) }}"])
def test_an_expression_failing_at_evaluation_is_a_step_error(template: str) -> None:
    with pytest.raises(StepFailed, match="failed"):
        render(template, CONTEXT)


def test_nothing_is_executed_as_code() -> None:
    with pytest.raises(StepFailed):
        render("{{ __import__('os').system('echo pwned') }}", CONTEXT)
    # Other template languages' syntax is plain text here.
    assert render("{% for x in y %}{{ input.order.id }}{% endfor %}", CONTEXT) == "{% for x in y %}42{% endfor %}"
    assert render("${input.order.id} {input.order.id}", CONTEXT) == "${input.order.id} {input.order.id}"


def test_compiled_expressions_live_in_a_bounded_cache() -> None:
    compile_bounded.cache_clear()
    render("{{ input.order.id }} {{ input.order.id }}", CONTEXT)
    info = compile_bounded.cache_info()
    assert info.maxsize is not None and info.maxsize <= 1024
    assert info.misses == 1 and info.hits >= 1  # parsed (and checked) once


def test_a_placeholder_over_its_budget_is_a_step_error_naming_it() -> None:
    doubling = "'ab'" + " | [@,@]" * 30
    with pytest.raises(ExpressionTooExpensive, match="expression too expensive") as raised:
        render("{{ " + doubling + " }}", CONTEXT)
    assert isinstance(raised.value, StepFailed)


def test_every_placeholder_of_a_config_draws_on_one_budget() -> None:
    """Each placeholder alone is within budget; a config of many of them is not (one budget per render)."""
    cheap = "{{ 'ab'" + " | [@,@]" * 14 + " | to_string(@) }}"
    assert isinstance(render(cheap, CONTEXT), str)  # one alone renders
    with pytest.raises(ExpressionTooExpensive, match="expression too expensive"):
        render({"headers": {f"X-{index}": cheap for index in range(60)}}, CONTEXT)


def test_a_placeholder_nested_too_deeply_is_a_step_error_not_a_recursion_error() -> None:
    with pytest.raises(StepFailed, match="nests more than 64 levels"):
        render("{{ " + "(" * 1500 + "input" + ")" * 1500 + " }}", CONTEXT)


def test_the_syntax_is_the_one_the_workflow_model_validates() -> None:
    # Whatever the model accepts as a placeholder is what render evaluates.
    template = "a {{ input.order.id }} b {{ input.name }}"
    assert [m.group(1).strip() for m in PLACEHOLDER.finditer(template)] == ["input.order.id", "input.name"]
    assert render(template, CONTEXT) == "a 42 b Zoë"


_text_without_placeholders = st.text(max_size=30).filter(lambda text: "{{" not in text)
_json_without_placeholders = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text_without_placeholders,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=15,
)


@given(_json_without_placeholders)
def test_rendering_a_structure_without_placeholders_is_the_identity(value: object) -> None:
    assert render(value, CONTEXT) == value


@given(_json_values)
def test_a_whole_placeholder_returns_the_selected_value_unchanged(value: object) -> None:
    assert render("{{ input.value }}", {"input": {"value": value}, "steps": {}}) == value
