"""UTC time buckets (hour, day) and the range of buckets a metrics request covers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from workflow_engine.models.errors import InvalidRequestError


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def step(self) -> timedelta:
        return timedelta(hours=1) if self is Granularity.HOUR else timedelta(days=1)

    @property
    def max_buckets(self) -> int:
        """The widest range a request may cover: 31 days of hours, 366 days."""
        return 31 * 24 if self is Granularity.HOUR else 366

    @property
    def default_span(self) -> timedelta:
        return timedelta(hours=24) if self is Granularity.HOUR else timedelta(days=30)

    def floor(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC)
        if self is Granularity.HOUR:
            return moment.replace(minute=0, second=0, microsecond=0)
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)

    def ceil(self, moment: datetime) -> datetime:
        floored = self.floor(moment)
        return floored if floored == moment else floored + self.step


GRANULARITIES = tuple(Granularity)


def format_bucket(moment: datetime) -> str:
    """A bucket's UTC start, "2026-11-26T07:00:00Z"; a year below 1000 zero-padded too (glibc's strftime %Y is not)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def bucket_key(moment: datetime, granularity: Granularity) -> str:
    return format_bucket(granularity.floor(moment))


def parse_stored_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class BucketRange:
    """[start, end) widened to whole buckets of `granularity` (UTC)."""

    start: datetime
    end: datetime
    granularity: Granularity

    @classmethod
    def covering(
        cls, after: datetime | None, before: datetime | None, granularity: Granularity, now: datetime
    ) -> BucketRange:
        try:
            end = granularity.ceil(before or now)
            start = granularity.floor(after) if after is not None else end - granularity.default_span
            if end <= start:  # an empty range (or one starting after now) still shows its first bucket
                end = start + granularity.step
        except OverflowError:
            raise InvalidRequestError("started_after / started_before are out of the supported range") from None
        buckets = (end - start) // granularity.step
        if buckets > granularity.max_buckets:
            raise InvalidRequestError(
                f"The range covers {buckets} {granularity.value} buckets; at most {granularity.max_buckets} "
                f"(use granularity=day for longer ranges, or a narrower started_after/started_before)"
            )
        return cls(start, end, granularity)

    def bucket_keys(self) -> Iterator[str]:
        moment = self.start
        while moment < self.end:
            yield format_bucket(moment)
            moment += self.granularity.step

    @property
    def first_key(self) -> str:
        return format_bucket(self.start)

    @property
    def last_key(self) -> str:
        return format_bucket(self.end - self.granularity.step)
