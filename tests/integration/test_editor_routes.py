"""The web editor's helper routes through the workflow API's handler: POST /api/workflows/parse (YAML or JSON text
-> the definition, or a 422 at the line) and POST /api/expressions/evaluate (the engine's bounded evaluator)."""

from __future__ import annotations

import pytest

from infra.catalog import ROUTES, WORKFLOWS_API
from workflow_engine.models.editor import MAX_DOCUMENT_CHARS

YAML_TEXT = """\
name: From YAML
input_example: {message: hi}
steps:
  - name: Build
    type: transform
    config:
      expression: "{text: input.message}"
"""


def test_both_routes_are_declared_for_the_workflow_api_with_the_jwt_authorizer() -> None:
    declared = {(route.method, route.path): route for route in ROUTES}
    for key in (("POST", "/api/workflows/parse"), ("POST", "/api/expressions/evaluate")):
        assert declared[key].function is WORKFLOWS_API and declared[key].authorized


def test_yaml_text_reads_as_the_definition_that_validates_and_saves(api) -> None:
    status, answer, _ = api.call("POST", "/api/workflows/parse", {"text": YAML_TEXT})
    assert status == 200, answer
    assert answer["format"] == "yaml"
    definition = answer["definition"]
    assert definition["steps"][0]["config"] == {"expression": "{text: input.message}"}
    lines = {tuple(item["path"]): item["line"] for item in answer["lines"]}
    assert lines[("steps", 0)] == 4 and lines[("steps", 0, "config", "expression")] == 7
    assert api.call("POST", "/api/workflows/validate", definition)[0] == 200
    assert api.call("GET", "/api/workflows")[1] == []  # parsing saved nothing


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("name: x\nsteps: [1, 2\n", 3, 1),
        ("name: x\nsteps:\n  - a\n - b\n", 4, 2),
        ('{"name": "x",\n "steps": [\n}', 3, 1),
    ],
)
def test_malformed_text_is_a_422_at_its_line_and_column(api, text: str, line: int, column: int) -> None:
    status, answer, _ = api.call("POST", "/api/workflows/parse", {"text": text})
    assert status == 422, answer
    (item,) = answer["detail"]
    assert (item["loc"], item["type"], item["line"], item["column"]) == (["body", "text"], "value_error", line, column)
    assert answer["message"].startswith(f"line {line}, column {column}: not valid ")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- a\n- b\n", "a workflow definition is a mapping"),
        ("a: &a [*a]\n", "nested more than 64 levels deep"),
        ("a: " + "[" * 20_000, "nested more than 64 levels deep"),
        (
            "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)),
            "aliases repeat what they name",
        ),
        ("name: x\nday: 2024-01-01\n", "quote it to keep it as text"),
        ("name: !!int abc\n", "cannot be read as the type its tag or form gives it"),  # safe_load: ValueError
        ("name: \x00\n", "unacceptable character"),
    ],
)
def test_bad_documents_are_422s_never_5xx(api, text: str, words: str) -> None:
    status, answer, _ = api.call("POST", "/api/workflows/parse", {"text": text})
    assert status == 422 and words in answer["message"], answer


def test_the_text_is_bounded_by_the_request_model(api) -> None:
    status, answer, _ = api.call("POST", "/api/workflows/parse", {"text": "#" * (MAX_DOCUMENT_CHARS + 1)})
    assert status == 422 and answer["detail"][0]["type"] == "string_too_long", answer
    status, answer, _ = api.call("POST", "/api/workflows/parse", {"text": "name: x", "extra": 1})
    assert status == 422 and answer["detail"][0]["type"] == "extra_forbidden", answer


def test_an_expression_is_evaluated_as_a_step_would_evaluate_it(api) -> None:
    body = {
        "expression": "{id: input.order.id, skus: input.order.items[].sku}",
        "input": {"input": {"order": {"id": 3, "items": [{"sku": "a"}]}}},
    }
    assert api.call("POST", "/api/expressions/evaluate", body)[:2] == (200, {"result": {"id": 3, "skus": ["a"]}})
    assert api.call("POST", "/api/expressions/evaluate", {"expression": "missing"})[:2] == (200, {"result": None})


@pytest.mark.parametrize(
    ("expression", "data", "words"),
    [
        ("input.[", {}, "Invalid JMESPath expression"),
        ("'ab'" + " | [@,@]" * 25 + " | length(to_string(@))", None, "Expression too expensive"),
        ("abs(@)", "text", "The expression failed on this data"),
        ("[" * 80 + "]" * 80, None, "nests more than 64 levels deep"),
    ],
)
def test_an_expression_a_step_could_not_evaluate_is_a_readable_422(
    api, expression: str, data: object, words: str
) -> None:
    status, answer, _ = api.call("POST", "/api/expressions/evaluate", {"expression": expression, "input": data})
    assert status == 422 and words in answer["message"], answer


def test_an_expression_body_is_validated(api) -> None:
    assert api.call("POST", "/api/expressions/evaluate", {"expression": ""})[0] == 422
    assert api.call("POST", "/api/expressions/evaluate", {"expression": "a" * 4_097})[0] == 422
    assert api.call("POST", "/api/expressions/evaluate", {"input": {}})[0] == 422
