"""Schedule expressions (`rate(...)`, `cron(...)`, `at(...)`) and time zones, validated as EventBridge Scheduler
validates them, and the next time a schedule fires, computed in its zone.

- `rate(N minute|minutes|hour|hours|day|days)`, N >= 1 (a rate below one minute does not exist). A rate is a
  fixed duration counted from its anchor (the time the schedule was created or its expression last changed): a day
  is 24 hours, also across a DST change (EventBridge Scheduler: "days represents a 24-hour duration").
- `cron(...)`: models/cron.py. Evaluated on the zone's wall clock. DST, as EventBridge Scheduler documents it:
  a time that does not exist (the skipped hour of spring forward) is skipped; a time that happens twice (the
  repeated hour of fall back) fires once, at its first occurrence.
- `at(yyyy-mm-ddThh:mm:ss)`: once, on the zone's wall clock; one in the past is refused.
- `timezone`: an IANA name (zoneinfo); unknown names are refused.

`next_run_at` is ISO-8601 with the zone's UTC offset at that instant (`2026-03-29T09:00:00+02:00`), so it reads as
local time in the schedule's zone and is still one exact instant.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow_engine.models.cron import CronError, CronSpec, parse_cron

RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
CRON = re.compile(r"cron\((.*)\)")
AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MAX_RATE_SECONDS = 10 * 365 * 86400


class ScheduleExpressionError(ValueError):
    """An expression or zone EventBridge Scheduler would refuse; the message says what is wrong."""


def zone_of(name: str) -> tzinfo:
    """The zone named `name`. UTC needs no zone data (a runtime without the tz database still has it); any other
    name is read by zoneinfo (the system's tz database, else the `tzdata` package)."""
    if name == "UTC":
        return UTC
    if not name or name != name.strip() or ".." in name or name.startswith("/"):
        raise ScheduleExpressionError(f"timezone {name!r} is not an IANA time zone name (e.g. Europe/Paris)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleExpressionError(f"timezone {name!r} is not an IANA time zone name (e.g. Europe/Paris)") from None


@dataclass(frozen=True)
class ScheduleTimes:
    """A parsed expression in its zone: `kind` is rate, cron or at."""

    kind: str
    zone: tzinfo
    rate: timedelta | None = None
    cron: CronSpec | None = None
    at: datetime | None = None  # aware, in the zone

    @property
    def one_time(self) -> bool:
        return self.kind == "at"

    def next_after(self, moment: datetime, anchor: datetime | None = None) -> datetime | None:
        """The first firing strictly after `moment` (aware), in the zone; None when there is none (an at() that
        passed, a cron whose years ended). A rate counts from `anchor` (default: `moment`)."""
        if self.rate is not None:
            start = anchor or moment
            if start > moment:
                return start.astimezone(self.zone)
            periods = int((moment - start) / self.rate) + 1
            return (start + periods * self.rate).astimezone(self.zone)
        if self.at is not None:
            return self.at if self.at > moment else None
        assert self.cron is not None
        return next_cron_time(self.cron, self.zone, moment)


def parse_schedule(expression: str, timezone: str, now: datetime | None = None) -> ScheduleTimes:
    """The expression in the zone, or ScheduleExpressionError saying what is wrong. `now` (aware) refuses an
    at() that is not in the future."""
    zone = zone_of(timezone)
    if match := RATE.fullmatch(expression):
        value, unit = int(match.group(1)), match.group(2).rstrip("s")
        if value < 1:
            raise ScheduleExpressionError("rate: the value must be at least 1 (a rate below 1 minute is refused)")
        if (value == 1) != (match.group(2) == unit):
            raise ScheduleExpressionError(f"rate: write {value} {unit if value == 1 else unit + 's'}")
        seconds = value * UNIT_SECONDS[unit]
        if seconds > MAX_RATE_SECONDS:
            raise ScheduleExpressionError("rate: at most 10 years between runs")
        return ScheduleTimes("rate", zone, rate=timedelta(seconds=seconds))
    if match := CRON.fullmatch(expression):
        try:
            spec = parse_cron(match.group(1))
        except CronError as error:
            raise ScheduleExpressionError(f"cron: {error}") from None
        return ScheduleTimes("cron", zone, cron=spec)
    if match := AT.fullmatch(expression):
        try:
            local = datetime.fromisoformat(match.group(1))
        except ValueError:
            raise ScheduleExpressionError(f"at: {match.group(1)!r} is not a real date and time") from None
        when = local.replace(tzinfo=zone)
        if now is not None and when <= now:
            raise ScheduleExpressionError(
                f"at: {match.group(1)} in {timezone} is in the past (now {now.astimezone(zone).isoformat()})"
            )
        return ScheduleTimes("at", zone, at=when)
    if expression.startswith("rate("):
        raise ScheduleExpressionError(
            "rate: write rate(<number> minute|minutes|hour|hours|day|days), e.g. rate(5 minutes); "
            "the smallest rate is 1 minute"
        )
    raise ScheduleExpressionError(
        f"expression must be rate(<n> <unit>), cron(<6 fields>) or at(yyyy-mm-ddThh:mm:ss), got {expression[:80]!r}"
    )


def next_cron_time(spec: CronSpec, zone: tzinfo, moment: datetime) -> datetime | None:
    """The first wall-clock time of `spec` in `zone` strictly after `moment` that exists (a skipped time is
    skipped); a repeated time is its first occurrence."""
    local_now = moment.astimezone(zone)
    for year in sorted(y for y in spec.years if y >= local_now.year):
        for month in sorted(spec.months):
            if (year, month) < (local_now.year, local_now.month):
                continue
            first = local_now.day if (year, month) == (local_now.year, local_now.month) else 1
            for day_number in range(first, calendar.monthrange(year, month)[1] + 1):
                day = date(year, month, day_number)
                if not spec.matches_day(day):
                    continue
                found = _first_time_of_day(spec, zone, day, moment)
                if found is not None:
                    return found
    return None


def _first_time_of_day(spec: CronSpec, zone: tzinfo, day: date, moment: datetime) -> datetime | None:
    for hour in spec.hours:
        for minute in spec.minutes:
            wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)  # fold=0: the first occurrence
            instant = wall.astimezone(UTC)
            if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
                continue  # does not exist on this day's clock (spring forward)
            if instant > moment:
                return wall
    return None


def iso(moment: datetime) -> str:
    """ISO-8601 with the offset, to the second."""
    return moment.replace(microsecond=0).isoformat()
