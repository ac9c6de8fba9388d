"""A Lambda handler for seam tests: records each event-source batch it gets, and fails on request."""

from __future__ import annotations

from typing import Any

received: list[dict[str, Any]] = []
fail_keys: set[str] = set()  # a record whose key `pk` is here fails until removed
raise_next: list[str] = []  # pop one message per invocation and raise it


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if raise_next:
        raise RuntimeError(raise_next.pop(0))
    received.append(event)
    failures = [
        {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
        for record in event["Records"]
        if record["dynamodb"]["Keys"]["pk"]["S"] in fail_keys
    ]
    return {"batchItemFailures": failures}
