"""Schedule expressions and zones (models/cron.py, models/schedule_times.py): validation as EventBridge Scheduler
validates, and next_run_at in the zone across DST changes (skipped hour skipped, repeated hour fired once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow_engine.models.schedule_times import ScheduleExpressionError, iso, parse_schedule

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def nexts(expression: str, zone: str, start: datetime, count: int) -> list[str]:
    times = parse_schedule(expression, zone)
    found: list[str] = []
    moment = start
    for _ in range(count):
        after = times.next_after(moment)
        assert after is not None
        found.append(iso(after))
        moment = after
    return found


@pytest.mark.parametrize(
    ("expression", "zone", "problem"),
    [
        ("rate(0 minutes)", "UTC", "at least 1"),
        ("rate(30 seconds)", "UTC", "1 minute"),
        ("rate(5 minute)", "UTC", "5 minutes"),
        ("rate(1 hours)", "UTC", "1 hour"),
        ("cron(0 9 * * MON *)", "UTC", "exactly one of day-of-month and day-of-week"),
        ("cron(0 9 ? * ? *)", "UTC", "exactly one"),
        ("cron(0 9 * * ?)", "UTC", "6 fields"),
        ("cron(60 9 * * ? *)", "UTC", "minutes: 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "UTC", "hours: 24"),
        ("cron(0 9 32 * ? *)", "UTC", "day-of-month: 32"),
        ("cron(0 9 ? FOO MON *)", "UTC", "month: 'FOO'"),
        ("cron(0 9 ? * MON#6 *)", "UTC", "after '#'"),
        ("cron(0 9 ? * 8 *)", "UTC", "day-of-week: 8"),
        ("cron(0 9 * * ? 2300)", "UTC", "year: 2300"),
        ("cron(0 9 5-1 * ? *)", "UTC", "backwards"),
        ("cron(*/0 9 * * ? *)", "UTC", "step"),
        ("every day", "UTC", "expression must be rate"),
        ("at(2020-01-01T00:00:00)", "UTC", "in the past"),
        ("at(2026-02-30T10:00:00)", "UTC", "not a real date"),
        ("rate(5 minutes)", "Mars/Olympus", "not an IANA time zone"),
        ("rate(5 minutes)", "", "not an IANA"),
        ("rate(5 minutes)", "../etc/passwd", "not an IANA"),
    ],
)
def test_a_bad_expression_or_zone_says_what_is_wrong(expression: str, zone: str, problem: str) -> None:
    with pytest.raises(ScheduleExpressionError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_schedule(expression, zone, now=NOW)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(2 hours)",
        "rate(1 day)",
        "cron(0/15 * * * ? *)",
        "cron(0 9 ? * MON-FRI *)",
        "cron(0 9 L * ? *)",
        "cron(0 9 LW * ? *)",
        "cron(0 9 15W * ? *)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? * 3#2 *)",
        "cron(0 9 ? JAN,JUL SUN 2026-2030)",
        "at(2030-12-24T18:00:00)",
    ],
)
def test_good_expressions_parse(expression: str) -> None:
    assert parse_schedule(expression, "Europe/Paris", now=NOW).next_after(NOW) is not None


def test_cron_weekdays_and_names() -> None:
    # 2026-01-15 is a Thursday
    assert nexts("cron(0 9 ? * MON-FRI *)", "UTC", NOW, 3) == [
        "2026-01-16T09:00:00+00:00",
        "2026-01-19T09:00:00+00:00",
        "2026-01-20T09:00:00+00:00",
    ]


def test_cron_special_days() -> None:
    assert nexts("cron(0 0 L * ? *)", "UTC", NOW, 2) == ["2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00"]
    # 2026-01-31 is a Saturday: the last weekday is Friday the 30th; 2026-02-15 is a Sunday: 15W is Monday the 16th
    assert nexts("cron(0 0 LW * ? *)", "UTC", NOW, 1) == ["2026-01-30T00:00:00+00:00"]
    assert nexts("cron(0 0 15W * ? *)", "UTC", NOW, 1) == ["2026-02-16T00:00:00+00:00"]
    # last Friday (6L) of January 2026: the 30th; second Tuesday (3#2) of February: the 10th
    assert nexts("cron(0 0 ? * 6L *)", "UTC", NOW, 1) == ["2026-01-30T00:00:00+00:00"]
    assert nexts("cron(0 0 ? * TUE#2 *)", "UTC", NOW, 1) == ["2026-02-10T00:00:00+00:00"]
    assert nexts("cron(0 0 ? * L *)", "UTC", NOW, 1) == ["2026-01-17T00:00:00+00:00"]  # L alone: Saturday


def test_cron_ends_with_its_years() -> None:
    assert parse_schedule("cron(0 0 1 1 ? 2025)", "UTC").next_after(NOW) is None


@pytest.mark.parametrize(
    ("zone", "before", "expected"),
    [
        # Paris springs forward on 2026-03-29 at 02:00 -> 03:00: 02:30 does not exist that day and is skipped.
        (
            "Europe/Paris",
            datetime(2026, 3, 27, 12, tzinfo=UTC),
            ["2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"],
        ),
        # New York springs forward on 2026-03-08 at 02:00 -> 03:00.
        (
            "America/New_York",
            datetime(2026, 3, 6, 12, tzinfo=UTC),
            ["2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00"],
        ),
    ],
)
def test_spring_forward_skips_the_missing_time(zone: str, before: datetime, expected: list[str]) -> None:
    assert nexts("cron(30 2 * * ? *)", zone, before, 2) == expected


@pytest.mark.parametrize(
    ("zone", "before", "expected"),
    [
        # Paris falls back on 2026-10-25 at 03:00 -> 02:00: 02:30 happens twice and fires once, the first time.
        (
            "Europe/Paris",
            datetime(2026, 10, 24, 12, tzinfo=UTC),
            ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
        ),
        # New York falls back on 2026-11-01 at 02:00 -> 01:00: 01:30 happens twice.
        (
            "America/New_York",
            datetime(2026, 10, 31, 12, tzinfo=UTC),
            ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"],
        ),
    ],
)
def test_fall_back_fires_the_repeated_time_once(zone: str, before: datetime, expected: list[str]) -> None:
    hour = expected[0][11:13]
    assert nexts(f"cron(30 {int(hour)} * * ? *)", zone, before, 2) == expected


def test_a_nine_oclock_cron_stays_at_nine_local_across_dst() -> None:
    found = nexts("cron(0 9 * * ? *)", "America/New_York", datetime(2026, 3, 7, 15, tzinfo=UTC), 2)
    assert found == ["2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"]
    assert nexts("cron(0 9 * * ? *)", "Europe/Paris", datetime(2026, 10, 24, 12, tzinfo=UTC), 2) == [
        "2026-10-25T09:00:00+01:00",
        "2026-10-26T09:00:00+01:00",
    ]


def test_a_daily_rate_is_24_hours_across_dst() -> None:
    anchor = datetime(2026, 3, 28, 8, tzinfo=UTC)  # 09:00 in Paris (UTC+1)
    times = parse_schedule("rate(1 day)", "Europe/Paris")
    after = times.next_after(anchor + timedelta(minutes=1), anchor=anchor)
    assert after is not None and iso(after) == "2026-03-29T10:00:00+02:00"  # 24 h later: 10:00 summer time


def test_at_is_on_the_zones_wall_clock() -> None:
    times = parse_schedule("at(2026-12-24T18:00:00)", "America/New_York", now=NOW)
    after = times.next_after(NOW)
    assert times.one_time and after is not None and iso(after) == "2026-12-24T18:00:00-05:00"
    assert times.next_after(datetime(2026, 12, 25, tzinfo=UTC)) is None


def test_zones_load_from_the_tzdata_package_alone():
    """The Lambda runtime may ship no /usr/share/zoneinfo: the dependencies layer (requirements.lock) carries
    `tzdata`, and zoneinfo falls back to it. With no system path at all, Paris still resolves."""
    import zoneinfo
    from pathlib import Path

    assert any(line.startswith("tzdata==") for line in Path("requirements.lock").read_text().splitlines())
    zoneinfo.reset_tzpath(to=[])
    try:
        zoneinfo.ZoneInfo.clear_cache()
        assert zoneinfo.ZoneInfo("Europe/Paris").key == "Europe/Paris"
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
