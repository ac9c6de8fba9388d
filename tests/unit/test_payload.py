"""Capping payloads written to the step log."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow_engine.steps.payload import cap_json, json_size, nested_deeper_than, to_jsonable


def _size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def test_a_value_that_fits_is_returned_as_it_is() -> None:
    value = {"a": [1, 2, 3], "b": "é"}
    capped, truncated = cap_json(value, 1_024)
    assert capped is value
    assert truncated is False


def test_the_limit_is_inclusive_and_counts_utf8_bytes() -> None:
    value = {"k": "é" * 10}  # {"k":"..."} = 8 ASCII bytes + 10 two-byte characters
    assert _size(value) == 28
    assert cap_json(value, 28) == (value, False)
    capped, truncated = cap_json(value, 27)
    assert truncated is True
    assert capped["size_bytes"] == 28


def test_a_large_value_is_replaced_by_a_summary() -> None:
    value = {"items": [{"id": i, "name": f"item {i}"} for i in range(1_000)]}
    capped, truncated = cap_json(value, 2_048)

    assert truncated is True
    assert capped["truncated"] is True
    assert capped["size_bytes"] == _size(value)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert text.startswith(capped["preview"])
    assert len(capped["preview"].encode("utf-8")) <= 1_024
    assert len(capped["preview"]) > 900
    assert _size(capped) <= 2_048
    json.dumps(capped)  # serializable


def test_the_preview_never_splits_a_multibyte_character() -> None:
    value = "€" * 2_000  # three bytes each
    capped, truncated = cap_json(value, 1_001)
    assert truncated is True
    preview = capped["preview"]
    assert "\ufffd" not in preview
    assert preview == '"' + "€" * ((500 - 1) // 3)


def test_escaped_text_does_not_push_the_summary_over_the_limit() -> None:
    value = {"quotes": '"\\' * 5_000}
    capped, truncated = cap_json(value, 1_024)
    assert truncated is True
    assert _size(capped) <= 1_024
    assert capped["preview"]


def test_decimals_from_dynamodb_become_plain_numbers() -> None:
    value = {"int": Decimal("42"), "float": Decimal("1.5"), "list": (Decimal("1"), {"x": Decimal("-0.25")})}
    assert to_jsonable(value) == {"int": 42, "float": 1.5, "list": [1, {"x": -0.25}]}
    assert type(to_jsonable(Decimal("42"))) is int
    assert json_size({"n": Decimal("42")}) == _size({"n": 42})
    capped, truncated = cap_json({"n": Decimal("42")}, 1_024)
    assert truncated is False and capped == {"n": Decimal("42")}


def test_other_python_values_are_made_json() -> None:
    assert to_jsonable({1: {"b"}, "when": datetime.date(2024, 1, 2), "raw": b"hi"}) == {
        "1": ["b"],
        "when": "2024-01-02",
        "raw": "hi",
    }
    assert to_jsonable(Decimal("NaN")) == "NaN"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@given(_json, st.integers(min_value=100, max_value=4_000))
def test_the_result_always_fits_and_is_flagged_correctly(value: object, max_bytes: int) -> None:
    capped, truncated = cap_json(value, max_bytes)
    assert truncated == (_size(value) > max_bytes)
    if truncated:
        assert _size(capped) <= max_bytes
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert text.startswith(capped["preview"])
    else:
        assert capped is value


@pytest.mark.parametrize("max_bytes", [0, 1, 10])
def test_a_tiny_budget_still_returns_a_summary(max_bytes: int) -> None:
    capped, truncated = cap_json({"a": "b" * 100}, max_bytes)
    assert truncated is True
    assert capped["truncated"] is True and capped["preview"] == ""


def test_a_value_nested_deeper_than_the_limit_is_summarised_without_recursion():
    value = "leaf"
    for _ in range(50_000):  # far past the interpreter's recursion limit
        value = [value]
    assert nested_deeper_than(value, 10) and not nested_deeper_than([[1]], 2) and nested_deeper_than([[[]]], 2)
    summary, truncated = cap_json(value, 1_000, max_depth=3)
    assert truncated and summary == {"truncated": True, "nested_deeper_than": 3, "preview": '[[["..."]]]'}
    assert json_size(cap_json(value, 200)[0]) <= 200
