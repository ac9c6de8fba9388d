"""AWS's six-field cron (`cron(minutes hours day-of-month month day-of-week year)`), as EventBridge Scheduler reads it.

Pure: parsing answers `CronError` naming the field and the rule; `CronSpec.matches_day` and the sorted minute and
hour sets are what the next-run search (models/schedule_times.py) walks.

Fields and their wildcards (AWS "Cron expressions reference"):
- minutes 0-59, hours 0-23, month 1-12 or JAN-DEC, year 1970-2199: `, - * /`;
- day-of-month 1-31: `, - * ? / L W` (`L` the month's last day, `15W` the weekday nearest the 15th in that month,
  `LW` the month's last weekday);
- day-of-week 1-7 (1 = SUN) or SUN-SAT: `, - * ? L #` (`L` alone is 7 = SAT, `5L` the month's last Thursday,
  `3#2` its second Tuesday).
Exactly one of day-of-month and day-of-week is `?` (AWS refuses both, and neither).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
DAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
FIELD_NAMES = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
YEARS = (1970, 2199)


class CronError(ValueError):
    """A malformed cron expression; the message names the field and the rule it breaks."""


@dataclass(frozen=True)
class CronSpec:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int]
    # day-of-month: plain days, and the special forms (None when the field is `?`)
    month_days: frozenset[int] | None
    last_day_of_month: bool = False
    last_weekday_of_month: bool = False
    nearest_weekdays: frozenset[int] = frozenset()
    # day-of-week (1 = SUN .. 7 = SAT; None when the field is `?`)
    week_days: frozenset[int] | None = None
    last_week_days: frozenset[int] = frozenset()  # "5L": the month's last Thursday
    nth_week_days: frozenset[tuple[int, int]] = frozenset()  # "3#2": (weekday, n)

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.month_days is not None:
            return self._matches_month_day(day)
        return self._matches_week_day(day)

    def _matches_month_day(self, day: date) -> bool:
        assert self.month_days is not None
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day in self.month_days or (self.last_day_of_month and day.day == last):
            return True
        if self.last_weekday_of_month and day.day == _nearest_weekday(day.year, day.month, last):
            return True
        return any(
            target <= last and day.day == _nearest_weekday(day.year, day.month, target)
            for target in self.nearest_weekdays
        )

    def _matches_week_day(self, day: date) -> bool:
        weekday = aws_weekday(day)
        if self.week_days is not None and weekday in self.week_days:
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        if weekday in self.last_week_days and day.day + 7 > last:
            return True
        return (weekday, (day.day - 1) // 7 + 1) in self.nth_week_days


def aws_weekday(day: date) -> int:
    """1 = Sunday .. 7 = Saturday (cron's day-of-week numbers)."""
    return (day.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, target: int) -> int:
    """The weekday (Mon-Fri) nearest the `target` day, never leaving the month (Quartz's `W`)."""
    weekday = date(year, month, target).weekday()  # Monday = 0
    last = calendar.monthrange(year, month)[1]
    if weekday == 5:  # Saturday: the Friday before, or the Monday after when the 1st
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before when the last day
        return target + 1 if target < last else target - 2
    return target


def parse_cron(body: str) -> CronSpec:
    """The inside of `cron(...)`: six fields separated by spaces."""
    fields = body.split()
    if len(fields) != 6:
        raise CronError(f"cron takes 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}")
    minutes, hours, month_day, month, week_day, year = fields
    if (month_day == "?") == (week_day == "?"):
        raise CronError("exactly one of day-of-month and day-of-week must be '?' (e.g. cron(0 9 ? * MON-FRI *))")
    days = _month_day_field(month_day) if month_day != "?" else None
    week = _week_day_field(week_day) if week_day != "?" else None
    return CronSpec(
        minutes=tuple(sorted(_plain_field(minutes, "minutes", 0, 59))),
        hours=tuple(sorted(_plain_field(hours, "hours", 0, 23))),
        months=frozenset(_plain_field(month, "month", 1, 12, MONTHS)),
        years=frozenset(_plain_field(year, "year", *YEARS)),
        month_days=days.days if days else None,
        last_day_of_month=bool(days and days.last),
        last_weekday_of_month=bool(days and days.last_weekday),
        nearest_weekdays=frozenset(days.nearest) if days else frozenset(),
        week_days=week.days if week else None,
        last_week_days=frozenset(week.last) if week else frozenset(),
        nth_week_days=frozenset(week.nth) if week else frozenset(),
    )


@dataclass
class _MonthDays:
    days: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest: set[int] = field(default_factory=set)


@dataclass
class _WeekDays:
    days: frozenset[int] = frozenset()
    last: set[int] = field(default_factory=set)
    nth: set[tuple[int, int]] = field(default_factory=set)


def _plain_field(text: str, name: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """A field of `, - * /` parts: the set of values it selects."""
    values: set[int] = set()
    for part in text.split(","):
        values |= _part(part, name, low, high, names)
    return values


def _part(part: str, name: str, low: int, high: int, names: dict[str, int] | None) -> set[int]:
    base, _, step_text = part.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise CronError(f"{name}: the step after '/' must be a positive number, got {part!r}")
        step = int(step_text)
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, name, low, high, names), _value(last, name, low, high, names)
        if start > end:
            raise CronError(f"{name}: range {base!r} runs backwards")
    else:
        start = _value(base, name, low, high, names)
        end = high if step_text else start
    return set(range(start, end + 1, step))


def _value(text: str, name: str, low: int, high: int, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    if not text.isdigit():
        allowed = f" or {'|'.join(names)}" if names else ""
        raise CronError(f"{name}: {text!r} is not a number {low}-{high}{allowed}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name}: {value} is outside {low}-{high}")
    return value


def _month_day_field(text: str) -> _MonthDays:
    found = _MonthDays()
    days: set[int] = set()
    for part in text.split(","):
        upper = part.upper()
        if upper == "L":
            found.last = True
        elif upper == "LW":
            found.last_weekday = True
        elif re.fullmatch(r"\d{1,2}W", upper):
            found.nearest.add(_value(upper[:-1], "day-of-month", 1, 31, None))
        elif "L" in upper or "W" in upper or "#" in upper:
            raise CronError(f"day-of-month: {part!r}: use L, LW or <day>W (e.g. 15W)")
        else:
            days |= _part(part, "day-of-month", 1, 31, None)
    found.days = frozenset(days)
    return found


def _week_day_field(text: str) -> _WeekDays:
    found = _WeekDays()
    days: set[int] = set()
    for part in text.split(","):
        upper = part.upper()
        if upper == "L":
            days.add(7)
        elif upper.endswith("L"):
            found.last.add(_value(upper[:-1], "day-of-week", 1, 7, DAYS))
        elif "#" in upper:
            day, _, nth = upper.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise CronError(f"day-of-week: {part!r}: the number after '#' is 1-5 (e.g. 3#2, MON#1)")
            found.nth.add((_value(day, "day-of-week", 1, 7, DAYS), int(nth)))
        else:
            days |= _part(part, "day-of-week", 1, 7, DAYS)
    found.days = frozenset(days)
    return found
