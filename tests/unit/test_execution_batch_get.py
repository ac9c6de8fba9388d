"""ExecutionRepository.batch_get: one BatchGetItem per 100 keys, and only unprocessed keys asked for again."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.data.codec import to_item
from workflow_engine.data.executions import (
    BATCH_GET_BASE_DELAY_SECONDS,
    BATCH_GET_RETRIES,
    ExecutionRepository,
    UnprocessedKeysError,
)

TABLE = "Executions"


def _item(execution_id: str) -> dict[str, Any]:
    return to_item(
        {
            "execution_id": execution_id,
            "user_id": "u",
            "workflow_id": "w",
            "workflow_version": 1,
            "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            "status": "running",
            "started_at": "2026-01-01T00:00:00.000000Z",
            "updated_at": "2026-01-01T00:00:00.000000Z",
        }
    )


class FakeDynamoDB:
    """Answers BatchGetItem from a set of stored ids, leaving the first `unprocessed` keys of a call
    unprocessed `times` times."""

    def __init__(self, stored: set[str], unprocessed: int = 0, times: int = 0) -> None:
        self.stored = stored
        self.unprocessed = unprocessed
        self.times = times
        self.requests: list[list[str]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        keys = [key["execution_id"]["S"] for key in RequestItems[TABLE]["Keys"]]
        assert len(keys) <= 100
        self.requests.append(keys)
        held: list[str] = []
        if self.times:
            self.times -= 1
            held, keys = keys[: self.unprocessed], keys[self.unprocessed :]
        response: dict[str, Any] = {"Responses": {TABLE: [_item(k) for k in keys if k in self.stored]}}
        if held:
            response["UnprocessedKeys"] = {TABLE: {"Keys": [to_item({"execution_id": k}) for k in held]}}
        return response


def test_one_call_for_up_to_100_ids_and_unknown_ids_are_absent():
    ids = [f"id-{n}" for n in range(100)]
    client = FakeDynamoDB(stored=set(ids[::2]))
    found = ExecutionRepository(client, TABLE).batch_get(ids)
    assert len(client.requests) == 1
    assert set(found) == set(ids[::2])


def test_more_than_100_ids_take_one_call_per_100_and_repeated_ids_are_read_once():
    ids = [f"id-{n}" for n in range(150)]
    client = FakeDynamoDB(stored=set(ids))
    assert len(ExecutionRepository(client, TABLE).batch_get(ids + ids[:10])) == 150
    assert [len(keys) for keys in client.requests] == [100, 50]


def test_only_unprocessed_keys_are_asked_for_again_with_growing_backoff():
    ids = [f"id-{n}" for n in range(10)]
    client = FakeDynamoDB(stored=set(ids), unprocessed=4, times=3)
    sleeps: list[float] = []
    found = ExecutionRepository(client, TABLE).batch_get(ids, sleep=sleeps.append)
    assert set(found) == set(ids)
    assert [len(keys) for keys in client.requests] == [10, 4, 4, 4]
    assert len(sleeps) == 3
    for retry, slept in enumerate(sleeps, start=1):
        assert 0 <= slept <= BATCH_GET_BASE_DELAY_SECONDS * 2 ** (retry - 1)


def test_retries_are_bounded():
    client = FakeDynamoDB(stored={"a", "b"}, unprocessed=1, times=1_000)
    with pytest.raises(UnprocessedKeysError):
        ExecutionRepository(client, TABLE).batch_get(["a", "b"], sleep=lambda _: None)
    assert len(client.requests) == 1 + BATCH_GET_RETRIES
