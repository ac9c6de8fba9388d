"""wfe's pure parts: durations and time ranges, 422 field paths, the sparkline, exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wfe.errors import Exit, UsageError, exit_code_for_run, exit_code_for_status
from wfe.http import http_error
from wfe.problems import error_lines, field_path, validation_lines
from wfe.sparkline import sparkline
from wfe.times import format_duration_ms, parse_duration, time_range

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2H ", timedelta(hours=2)),
        ("1d 12h", timedelta(days=1, hours=12)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "-1h", "2h-", "0m", "1.5h", "two hours"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_duration(text)
    assert raised.value.code == Exit.USAGE


def test_since_is_a_start_before_now() -> None:
    assert time_range("2h", None, None, now=NOW) == ("2026-11-26T10:00:00Z", None)


def test_from_and_to_are_utc_with_z() -> None:
    after, before = time_range(None, "2026-11-26T08:00:00+01:00", "2026-11-27", now=NOW)
    assert (after, before) == ("2026-11-26T07:00:00Z", "2026-11-27T00:00:00Z")  # no offset: UTC


def test_time_range_refuses_mixes_and_reversed_ranges() -> None:
    with pytest.raises(UsageError, match="either --since or --from"):
        time_range("2h", "2026-11-26T08:00:00Z", None)
    with pytest.raises(UsageError, match="after --to"):
        time_range(None, "2026-11-26T09:00:00Z", "2026-11-26T08:00:00Z")
    with pytest.raises(UsageError, match="ISO-8601"):
        time_range(None, "yesterday", None)
    assert time_range(None, None, None) == (None, None)


@pytest.mark.parametrize(
    ("milliseconds", "text"),
    [(None, "-"), (0, "0ms"), (850, "850ms"), (1200, "1.2s"), (185_000, "3m 05s"), (7_260_000, "2h 01m")],
)
def test_durations_are_printed_short(milliseconds: float | None, text: str) -> None:
    assert format_duration_ms(milliseconds) == text


DEFINITION = {
    "name": "Orders",
    "steps": [
        {"name": "Load order", "type": "transform", "config": {}},
        {"name": "Pause", "type": "wait", "config": {"seconds": -1}},
    ],
}


def test_field_paths_drop_the_body_and_the_union_tag_and_name_the_step() -> None:
    location = ["body", "steps", 0, "transform", "config", "expression"]
    assert field_path(location) == "steps[0].transform.config.expression"  # without the document: no guessing
    assert field_path(location, DEFINITION) == 'steps[0] "Load order".config.expression'
    assert field_path(["query", "limit"]) == "query parameter limit"
    assert field_path(["body"]) == "(the body)"
    assert field_path(["body", "steps", 7, "name"], DEFINITION) == "steps[7].name"  # out of range: index only


def test_a_422_is_one_line_per_problem() -> None:
    body = {
        "message": "Request validation failed",
        "detail": [
            {"loc": ["body", "steps", 0, "transform", "config", "expression"], "msg": "Field required"},
            {"loc": ["body", "steps", 1, "wait", "config", "seconds"], "msg": "Input should be >= 0"},
            {"loc": ["body", "name"], "type": "missing"},
        ],
    }
    message, details = error_lines(422, body, DEFINITION)
    assert message == "The request is not valid:"
    assert details == [
        'steps[0] "Load order".config.expression: Field required',
        'steps[1] "Pause".config.seconds: Input should be >= 0',
        "name: missing",
    ]


def test_error_lines_without_detail_keep_the_message() -> None:
    assert error_lines(409, {"message": "Execution is not running"}) == ("Execution is not running", [])
    assert error_lines(502, None) == ("The API answered 502", [])
    assert validation_lines("not a list") == []


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == " ▂▃▅█"
    assert sparkline([5, 5]) == "██"
    assert sparkline([0, 0, 0]) == "   "
    assert sparkline([]) == ""
    assert sparkline([None, 100, 1]) == " █▁"  # a small non-zero value is still visible


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, Exit.USAGE),
        (401, Exit.AUTH),
        (403, Exit.AUTH),
        (404, Exit.NOT_FOUND),
        (409, Exit.RUN_FAILED),
        (413, Exit.USAGE),
        (415, Exit.USAGE),
        (422, Exit.USAGE),
        (500, Exit.SERVER),
        (503, Exit.SERVER),
    ],
)
def test_http_status_to_exit_code(status: int, code: Exit) -> None:
    assert exit_code_for_status(status) == code

    class Answer:
        status_code = status

        def json(self) -> dict:
            return {"message": "because"}

    error = http_error(Answer())
    assert error.code == code
    assert error.message == ("The API refused the token: run `wfe login` again" if code == Exit.AUTH else "because")


def test_batch_cancel_outcomes_to_exit_code() -> None:
    from wfe.commands import cancel_exit_code

    assert cancel_exit_code(["cancelled", "cancelled"]) == Exit.OK
    assert cancel_exit_code(["cancelled", "conflict"]) == Exit.RUN_FAILED
    assert cancel_exit_code(["conflict", "not_found"]) == Exit.NOT_FOUND
    assert cancel_exit_code(["not_found", "error", "conflict"]) == Exit.SERVER


def test_run_outcomes_to_exit_code() -> None:
    assert exit_code_for_run("completed") == Exit.OK
    for status in ("failed", "cancelled", "timed_out"):
        assert exit_code_for_run(status) == Exit.RUN_FAILED
    assert [int(code) for code in Exit] == [0, 1, 2, 3, 4, 5]


def _leaf(name: str, **config: Any) -> dict[str, Any]:
    return {"name": name, "type": "transform", "config": config}


NESTED = {
    "name": "Orders",
    "steps": [
        _leaf("load", expression="input"),
        {
            "name": "route",
            "type": "choice",
            "config": {
                "branches": [
                    {
                        "when": {"path": "input.total", "op": "zz"},
                        "steps": [_leaf("ok", expression="input"), _leaf("")],
                    },
                    {"when": {"any": [{"path": "input.a", "op": "eq", "value": 1}]}, "steps": [_leaf("any")]},
                ],
                "otherwise": [{"name": "Pause", "type": "wait", "config": {"seconds": -1}}],
            },
        },
        {
            "name": "each",
            "type": "map",
            "config": {"items": "input.items", "max_concurrency": 99, "steps": [_leaf("y")]},
        },
        {"name": "fan", "type": "parallel", "config": {"branches": [{"name": "left", "steps": []}]}},
    ],
}


@pytest.mark.parametrize(
    ("location", "path"),
    [  # the locations are the API's, for these mistakes (read from a 422 of the local stack)
        (
            ["steps", 1, "choice", "config", "branches", 0, "steps", 1, "transform", "name"],
            'steps[1] "route" > branches[0] > steps[1].name',
        ),
        (["steps", 1, "choice", "config", "branches", 0, "when", "comparison"], 'steps[1] "route" > branches[0].when'),
        (
            ["steps", 1, "choice", "config", "branches", 1, "when", "any", "any", 0, "comparison", "value"],
            'steps[1] "route" > branches[1].when.any[0].value',
        ),
        (
            ["steps", 1, "choice", "config", "otherwise", 0, "wait", "config", "seconds"],
            'steps[1] "route" > otherwise[0] "Pause".config.seconds',
        ),
        (["steps", 2, "map", "config", "max_concurrency"], 'steps[2] "each".config.max_concurrency'),
        (
            ["steps", 2, "map", "config", "steps", 0, "transform", "config", "expression"],
            'steps[2] "each" > steps[0] "y".config.expression',
        ),
        (["steps", 3, "parallel", "config", "branches", 0, "steps"], 'steps[3] "fan" > branches[0] "left" > steps'),
    ],
)
def test_a_nested_steps_field_path_reads_as_a_step_path(location: list[Any], path: str) -> None:
    assert field_path(["body", *location], NESTED) == path


def test_a_nested_422_names_the_step_path_without_pydantic_prefixes() -> None:
    body = {
        "message": "Request validation failed",
        "detail": [
            {
                "loc": ["body", "steps", 1, "choice", "config", "branches", 0, "when", "comparison"],
                "msg": "Value error, unknown op 'zz': one of eq, ne",
            },
            {
                "loc": ["body", "steps"],
                "msg": "Value error, step names must be unique across the workflow: 'y' appears twice",
            },
        ],
    }
    assert error_lines(422, body, NESTED)[1] == [
        "steps[1] \"route\" > branches[0].when: unknown op 'zz': one of eq, ne",
        "steps: step names must be unique across the workflow: 'y' appears twice",
    ]


def test_the_api_s_step_name_is_not_repeated_after_a_path_that_names_the_step() -> None:
    body = {
        "message": "Request validation failed",
        "detail": [
            {
                "loc": ["body", "steps", 1, "choice", "config", "branches", 0, "when", "comparison"],
                "msg": "step 'route': unknown op 'zz': one of eq, ne",
            },
            {"loc": ["body", "steps", 2, "map", "config", "steps", 0, "transform"], "msg": "step 'other': odd"},
            {"loc": ["body", "steps"], "msg": "Value error, step 'y': blocks nest at most 4 deep"},
        ],
    }
    assert error_lines(422, body, NESTED)[1] == [
        "steps[1] \"route\" > branches[0].when: unknown op 'zz': one of eq, ne",
        'steps[2] "each" > steps[0] "y": step \'other\': odd',  # a name the path does not hold: kept
        "steps: step 'y': blocks nest at most 4 deep",
    ]
