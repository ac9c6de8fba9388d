"""Durations (`2h`, `7d`, `1h30m`) and instants (ISO-8601) as the CLI reads and prints them. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from wfe.errors import UsageError

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `7d`, `1w` or a sum of them (`1h30m`); a positive length of time."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or DURATION.sub("", compact):
        raise UsageError(f"Not a duration: {text!r} (use a number and a unit: 90s, 15m, 2h, 7d, 1w, or 1h30m)")
    total = timedelta()
    for amount, unit in DURATION.findall(compact):
        total += timedelta(**{UNITS[unit]: int(amount)})
    if total <= timedelta():
        raise UsageError(f"The duration {text!r} must be longer than zero")
    return total


def parse_instant(text: str) -> datetime:
    """An ISO-8601 date or time; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"Not an ISO-8601 time: {text!r} (e.g. 2026-11-26T08:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """UTC, second precision or better, with `Z`: the form the API documents."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def time_range(
    since: str | None, start: str | None, end: str | None, now: datetime | None = None
) -> tuple[str | None, str | None]:
    """(started_after, started_before) from `--since` or `--from/--to`."""
    if since and (start or end):
        raise UsageError("Give either --since or --from/--to, not both")
    if since:
        now = now or datetime.now(UTC)
        return iso(now - parse_duration(since)), None
    after = parse_instant(start) if start else None
    before = parse_instant(end) if end else None
    if after and before and after > before:
        raise UsageError("--from is after --to")
    return (iso(after) if after else None), (iso(before) if before else None)


def format_duration_ms(milliseconds: float | None) -> str:
    """`850ms`, `1.2s`, `3m 05s`, `2h 01m`."""
    if milliseconds is None:
        return "-"
    if milliseconds < 1000:
        return f"{milliseconds:.0f}ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def between_ms(start: str | None, end: str | None) -> float | None:
    """Milliseconds between two ISO times of the API (None when either is missing)."""
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000
    except ValueError:
        return None
