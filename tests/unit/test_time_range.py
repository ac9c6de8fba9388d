"""Range bounds and bucket keys are fixed-width strings that sort as the times they name, whatever the year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflow_engine.models.metric_buckets import BucketRange, Granularity, bucket_key
from workflow_engine.models.time_range import TimeRange, format_stored

STORED_NOW = "2026-11-26T07:44:53.123456Z"  # the shape workflow_engine.platform.clock stores


@pytest.mark.parametrize(
    ("value", "low"),
    [
        ("2026-11-26T08:44:53.123456+01:00", "2026-11-26T07:44:53.123456Z"),
        ("2026-11-26T07:00:00Z", "2026-11-26T07:00:00.000000Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00.000000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
    ],
)
def test_a_bound_is_stored_as_a_fixed_width_utc_time(value, low):
    assert TimeRange.parse(value, None).low == low


def test_a_bound_before_the_year_1000_sorts_below_every_stored_time():
    after = TimeRange.parse("0999-01-01T00:00:00Z", None).low
    before = TimeRange.parse(None, "0999-01-01T00:00:00Z").high
    assert after is not None and after < STORED_NOW
    assert before == "0998-12-31T23:59:59.999999Z" and before < STORED_NOW


def test_format_stored_converts_to_utc():
    assert format_stored(datetime(2026, 11, 26, 7, 44, 53, 123456, tzinfo=UTC)) == STORED_NOW


def test_bucket_keys_are_zero_padded_whatever_the_year():
    buckets = BucketRange.covering(
        datetime(999, 1, 1, tzinfo=UTC), datetime(999, 1, 1, 2, tzinfo=UTC), Granularity.HOUR, datetime.now(UTC)
    )
    assert list(buckets.bucket_keys()) == ["0999-01-01T00:00:00Z", "0999-01-01T01:00:00Z"]
    assert (buckets.first_key, buckets.last_key) == ("0999-01-01T00:00:00Z", "0999-01-01T01:00:00Z")
    assert bucket_key(datetime(999, 1, 1, 5, 30, tzinfo=UTC), Granularity.DAY) == "0999-01-01T00:00:00Z"
    assert bucket_key(datetime(2026, 11, 26, 7, 44, tzinfo=UTC), Granularity.HOUR) == "2026-11-26T07:00:00Z"
