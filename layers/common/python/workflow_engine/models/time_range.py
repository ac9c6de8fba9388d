"""Date ranges of the query routes: ISO-8601 bounds in, the stored timestamp format out.

Stored times (workflow_engine.platform.clock) are UTC with microseconds, fixed width ("2026-11-26T07:44:53.123456Z"),
so they sort as strings and a range is a key condition on an index's sort key. A bound may carry any offset;
it is converted to UTC first, so comparisons are correct across offsets.

The range is half-open: `started_after` is inclusive (time >= after), `started_before` is exclusive
(time < before), so consecutive windows ([a, b), [b, c)) tile without overlap. Internally both become
inclusive strings: `low` = after, `high` = before - 1 microsecond (the stored precision).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workflow_engine.models.errors import InvalidRequestError

ONE_MICROSECOND = timedelta(microseconds=1)


def format_stored(moment: datetime) -> str:
    """A bound as stored times are written ("2026-11-26T07:44:53.123456Z"), its year zero-padded below 1000 too
    (glibc's strftime %Y is not), so that a bound like 0999-01-01 sorts below every stored time, not above."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_bound(name: str, value: str) -> datetime:
    """An ISO-8601 date-time with an offset or `Z`, as an aware UTC datetime; 422 naming `name` otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError(
            f"{name} is not an ISO-8601 date-time (e.g. 2026-11-26T08:00:00Z or 2026-11-26T09:00:00+01:00)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidRequestError(f"{name} needs a UTC offset or Z (e.g. 2026-11-26T08:00:00Z)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidRequestError(f"{name} is out of range") from None


@dataclass(frozen=True)
class TimeRange:
    """[after, before) in UTC; either side may be open."""

    after: datetime | None = None
    before: datetime | None = None

    @classmethod
    def parse(cls, started_after: str | None, started_before: str | None) -> TimeRange:
        after = parse_bound("started_after", started_after) if started_after is not None else None
        before = parse_bound("started_before", started_before) if started_before is not None else None
        if after is not None and before is not None and after > before:
            raise InvalidRequestError("started_after must not be later than started_before")
        if before is not None and before.year == 1 and before - datetime.min.replace(tzinfo=UTC) < ONE_MICROSECOND:
            raise InvalidRequestError("started_before is out of range")
        return cls(after, before)

    @property
    def is_open(self) -> bool:
        return self.after is None and self.before is None

    @property
    def is_empty(self) -> bool:
        """after == before: nothing is in [after, before), so no read is needed."""
        return self.after is not None and self.after == self.before

    @property
    def low(self) -> str | None:
        """Inclusive lower bound, in the stored format."""
        return format_stored(self.after) if self.after is not None else None

    @property
    def high(self) -> str | None:
        """Inclusive upper bound, in the stored format (the exclusive `before` minus one microsecond)."""
        return format_stored(self.before - ONE_MICROSECOND) if self.before is not None else None

    def fingerprint(self) -> str:
        return f"{self.low or ''}/{self.high or ''}"
