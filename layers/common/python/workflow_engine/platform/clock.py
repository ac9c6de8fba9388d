"""Timestamps: ISO-8601 UTC with microseconds, so they sort as strings."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def age_seconds(timestamp: str) -> float:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - moment).total_seconds()
