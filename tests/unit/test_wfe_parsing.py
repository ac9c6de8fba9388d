"""wfe's pure parts: durations and time ranges, 422 lines, the sparkline, exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wfe.errors import Exit, UsageError, exit_code_for_run, exit_code_for_status
from wfe.http import http_error
from wfe.problems import error_lines, validation_lines
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


def test_a_422_is_one_line_per_problem_with_the_api_s_message() -> None:
    body = {
        "message": "Request validation failed",
        "detail": [
            {
                "loc": ["body", "steps", 0, "transform", "config", "expression"],
                "msg": "Field required",
                "message": 'steps[0] "Load order".config.expression: Field required',
            },
            {"loc": ["body", "steps", 1, "wait", "config", "seconds"], "msg": "Value error, too small"},  # no message
            {"loc": ["body", "name"], "type": "missing"},
        ],
    }
    message, details = error_lines(422, body)
    assert message == "The request is not valid:"
    assert details == [
        'steps[0] "Load order".config.expression: Field required',
        "steps.1.wait.config.seconds: too small",
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
