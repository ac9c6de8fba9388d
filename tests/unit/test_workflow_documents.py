"""The web editor's text -> definition (workflow_engine.workflows.documents): wfe's reading (PyYAML safe_load, JSON
text as JSON), refusals with their line and column, and bounds (size, nesting, aliases) that hold in time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from workflow_engine.models.editor import MAX_DOCUMENT_CHARS
from workflow_engine.workflows.documents import MAX_DEPTH, DocumentRejected, parse_document

EXAMPLES = sorted(Path("examples").glob("*.yaml"))

YAML_TEXT = """\
# a comment
name: Greeting
steps:
  - name: Build
    type: transform
    config:
      expression: "{text: input.message}"
  - name: Fan
    type: parallel
    config:
      branches:
        - name: left
          steps:
            - {name: Pause, type: wait, config: {seconds: 1}}
"""


def rejected(text: str) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        parse_document(text)
    return caught.value


def test_yaml_reads_as_safe_load_and_keeps_the_line_of_every_path() -> None:
    parsed = parse_document(YAML_TEXT)
    assert parsed.format == "yaml"
    assert parsed.value == yaml.safe_load(YAML_TEXT)
    assert parsed.lines[()] == 2  # the mapping starts after the comment
    assert parsed.lines[("steps", 0)] == 4
    assert parsed.lines[("steps", 0, "config", "expression")] == 7
    assert parsed.lines[("steps", 1, "config", "branches", 0, "steps", 0)] == 14


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_file_reads_as_the_cli_reads_it(example: Path) -> None:
    text = example.read_text()
    assert parse_document(text).value == yaml.safe_load(text)


def test_json_text_is_json_with_its_lines_even_where_yaml_would_refuse_it() -> None:
    definition = {"name": "J", "steps": [{"name": "a", "type": "wait", "config": {"seconds": 1}}]}
    text = json.dumps(definition, indent=2)
    parsed = parse_document(text)
    assert (parsed.format, parsed.value) == ("json", definition)
    assert parsed.lines[("steps", 0, "config")] == 7
    tabbed = '{\t"name": "T",\t"steps": []}'  # a tab cannot start a YAML token: still JSON
    assert parse_document(tabbed).value == {"name": "T", "steps": []}
    assert parse_document('{"a": "\\ud83d\\ude00"}').value == {"a": "\U0001f600"}


def test_text_that_starts_as_json_but_is_only_yaml_reads_as_yaml() -> None:
    parsed = parse_document('{"name": "x", "steps": [],}')  # a trailing comma: YAML's flow mapping allows it
    assert (parsed.format, parsed.value) == ("yaml", {"name": "x", "steps": []})


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("name: x\nsteps: [1, 2\n", 3, 1, "expected ',' or ']'"),
        ("name: x\nsteps:\n  - a\n - b\n", 4, 2, "expected <block end>"),
        ("name: x\n\tsteps: []\n", 2, 1, "cannot start any token"),
        ('{"name": "x",\n  "steps": [1,\n}', 3, 1, "not valid JSON"),  # starts as JSON: the JSON error
        ("name: x\n---\nname: y\n", 2, 1, "single document"),
        ("name: !!python/object/apply:os.system [ls]\n", 1, 7, "could not determine a constructor"),
        ("? [a, b]\n: 1\n", 1, 3, "unhashable key"),
    ],
)
def test_malformed_text_is_refused_with_its_line_and_column(text: str, line: int, column: int, words: str) -> None:
    error = rejected(text)
    assert (error.line, error.column) == (line, column), str(error)
    assert words in error.reason and str(error).startswith(f"line {line}, column {column}: ")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!int abc",
        "a: !!float x",
        "a: !!timestamp x",
        "a: !!bool maybe",
        "a: 0x_",
        "a: 2001-13-45",
        "a: " + "9" * 5_000,  # past Python's 4,300-digit conversion limit
        "a: \x00",
        "a: \ud800",
        "a: !!binary é",
    ],
)
def test_values_pyyaml_fails_to_convert_are_refused_not_raised(text: str) -> None:
    """safe_load raises ValueError, KeyError... for these (the CLI would crash): here each is a DocumentRejected."""
    with pytest.raises(Exception) as raw:  # noqa: PT011 (whatever PyYAML raises: the point is that it raises)
        yaml.safe_load(text)
    assert not isinstance(raw.value, DocumentRejected)
    assert rejected(text).reason


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- a\n- b\n", "not a list"),
        ("just text\n", "not a single string"),
        ("", "not nothing"),
        ("# only a comment\n", "not nothing"),
        ("[1, 2]", "not a list"),
        ("42", "not a single number"),
    ],
)
def test_a_document_that_is_not_a_mapping_is_refused(text: str, words: str) -> None:
    error = rejected(text)
    assert "a workflow definition is a mapping" in error.reason and words in error.reason


def test_duplicate_keys_keep_the_last_value_as_pyyaml_does() -> None:
    text = "name: first\nsteps: []\nname: second\n"
    assert parse_document(text).value == yaml.safe_load(text) == {"name": "second", "steps": []}
    assert parse_document('{"name": "a", "name": "b"}').value == {"name": "b"}  # json.loads keeps the last too


def test_keys_become_strings_as_json_dumps_makes_them() -> None:
    assert parse_document("1: a\n2.5: b\n~: c\nfalse: d\n").value == {"1": "a", "2.5": "b", "null": "c", "false": "d"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("name: x\nwhen: 2024-01-01\n", 2, "when: a YAML timestamp (2024-01-01)"),
        ("name: x\nsteps:\n  - .nan\n", 3, "steps[0]: nan is not a JSON number"),
        ("name: x\nn: -.inf\n", 2, "-inf is not a JSON number"),
        ("name: x\nb: !!binary aGk=\n", 2, "!!binary"),
        ("name: x\ns: !!set {a}\n", 2, "!!set"),
        ("name: x\n2024-01-01: y\n", 1, "is not one JSON can have"),
        ('name: "\\ud800"\n', 1, "lone surrogate"),
    ],
)
def test_values_json_cannot_carry_are_refused_at_their_line(text: str, line: int, words: str) -> None:
    error = rejected(text)
    assert error.line == line and words in str(error), str(error)


def test_aliases_and_merge_keys_are_spelled_out() -> None:
    text = "defaults: &d {retry: {max_attempts: 2}}\nname: x\nsteps:\n  - <<: *d\n    name: a\n"
    assert parse_document(text).value == yaml.safe_load(text)
    assert parse_document(text).value["steps"][0] == {"retry": {"max_attempts": 2}, "name": "a"}


def test_a_yaml_bomb_is_refused_quickly() -> None:
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        laughs += f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]\n"  # 10^10 lols
    started = time.perf_counter()
    error = rejected(laughs)
    assert "aliases repeat what they name" in error.reason
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "&x {b: *x}\n"])
def test_a_recursive_alias_is_refused_by_the_depth_rule(text: str) -> None:
    assert f"nested more than {MAX_DEPTH} levels deep" in rejected(text).reason


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5_000,  # flow nesting far past the parser's recursion
        "a: " + "[" * 65 + "]" * 65,
        "".join("  " * level + f"k{level}:\n" for level in range(70)) + "  " * 70 + "v\n",  # block nesting
        '{"a": ' * 3_000 + "1" + "}" * 3_000,  # JSON too deep for json.loads
        "[" * 100_000,
    ],
)
def test_deep_nesting_is_a_rejection_not_a_crash(text: str) -> None:
    assert f"nested more than {MAX_DEPTH} levels deep" in rejected(text).reason


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_document(text).value["a"] == json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))


def test_text_over_the_limit_is_refused_before_it_is_read() -> None:
    error = rejected("a: b\n" + "#" * MAX_DOCUMENT_CHARS)
    assert f"the limit is {MAX_DOCUMENT_CHARS:,}" in error.reason
