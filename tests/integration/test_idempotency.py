"""workflow_engine.executions.idempotency against the idempotency table in moto: the same key gets the first answer."""

from __future__ import annotations

import time
from collections.abc import Callable

import boto3
import pytest
from pydantic import BaseModel

from tests.integration.conftest import wait_terminal
from workflow_engine.executions import start
from workflow_engine.executions.idempotency import IN_PROGRESS, MISMATCH, IdempotentCalls, idempotent
from workflow_engine.models.errors import ConflictError, InvalidRequestError
from workflow_engine.platform import tables


class Answer(BaseModel):
    id: str
    run: int = 1


class Command(BaseModel):
    workflow_id: str
    n: int


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def calls(resources) -> IdempotentCalls:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    calls = IdempotentCalls(dynamodb, resources.table_names[tables.IDEMPOTENCY.logical_id], ttl_seconds=3600)
    calls.register_lambda_context(_Context())
    return calls


def once(calls: IdempotentCalls, operation: str, user: str, key: str, payload: dict, work: Callable[[], Answer]):
    return calls.once(operation, user, key, payload, work, Answer)


def test_a_repeat_gets_the_first_answer_without_doing_the_work_again(calls):
    runs: list[int] = []

    def work() -> Answer:
        runs.append(1)
        return Answer(id="e-1", run=len(runs))

    first = once(calls, "start-execution", "alice", "k1", {"n": 1}, work)
    second = once(calls, "start-execution", "alice", "k1", {"n": 1}, work)
    assert first == second == Answer(id="e-1", run=1) and len(runs) == 1


def test_the_same_key_with_another_payload_is_refused(calls):
    once(calls, "start-execution", "alice", "k2", {"n": 1}, lambda: Answer(id="e-1"))
    with pytest.raises(InvalidRequestError, match=MISMATCH):
        once(calls, "start-execution", "alice", "k2", {"n": 2}, lambda: Answer(id="e-2"))


def test_a_repeat_while_the_first_is_in_progress_is_a_conflict_then_gets_the_answer(calls):
    refused: list[Exception] = []

    def first_work() -> Answer:
        try:
            once(calls, "start-execution", "alice", "k3", {"n": 1}, lambda: Answer(id="duplicate"))
        except ConflictError as error:
            refused.append(error)
        return Answer(id="e-1")

    assert once(calls, "start-execution", "alice", "k3", {"n": 1}, first_work) == Answer(id="e-1")
    assert [str(error) for error in refused] == [IN_PROGRESS]
    assert once(calls, "start-execution", "alice", "k3", {"n": 1}, lambda: Answer(id="e-2")) == Answer(id="e-1")


def test_a_failed_request_stores_nothing_so_the_key_can_be_sent_again(calls):
    def failing() -> Answer:
        raise RuntimeError("StartExecution failed")

    with pytest.raises(RuntimeError):
        once(calls, "start-execution", "alice", "k4", {"n": 1}, failing)
    assert once(calls, "start-execution", "alice", "k4", {"n": 1}, lambda: Answer(id="e-2")) == Answer(id="e-2")


def test_a_key_is_scoped_to_the_caller_and_the_operation(calls):
    answers = [
        once(calls, "start-execution", "alice", "k5", {"n": 1}, lambda: Answer(id="alice-start")),
        once(calls, "start-execution", "bob", "k5", {"n": 1}, lambda: Answer(id="bob-start")),
        once(calls, "retry-execution", "alice", "k5", {"n": 1}, lambda: Answer(id="alice-retry")),
    ]
    assert [answer.id for answer in answers] == ["alice-start", "bob-start", "alice-retry"]


def test_records_are_named_by_operation_and_expire_after_the_ttl(calls, resources):
    once(calls, "retry-execution", "carol", "k6", {"n": 1}, lambda: Answer(id="e-1"))
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    items = dynamodb.scan(TableName=resources.table_names[tables.IDEMPOTENCY.logical_id])["Items"]
    mine = [item for item in items if item["id"]["S"].startswith("retry-execution#")]
    assert mine and all(item["status"]["S"] == "COMPLETED" for item in mine)
    now = time.time()
    assert all(now + 3_500 < int(item["expiration"]["N"]) <= now + 3_600 for item in mine)


def stored_ids(resources) -> list[str]:
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    items = dynamodb.scan(TableName=resources.table_names[tables.IDEMPOTENCY.logical_id])["Items"]
    return [item["id"]["S"] for item in items]


def test_the_decorated_use_case_runs_once_per_key_and_always_without_one(calls, resources):
    runs: list[Command] = []

    @idempotent(calls, start.OPERATION, Answer)
    def use_case(user_id: str, command: Command) -> Answer:
        runs.append(command)
        return Answer(id=f"{user_id}-{command.n}", run=len(runs))

    before = set(stored_ids(resources))
    assert use_case("dave", Command(workflow_id="w", n=1)) == Answer(id="dave-1", run=1)
    assert use_case("dave", Command(workflow_id="w", n=1)) == Answer(id="dave-1", run=2)
    assert set(stored_ids(resources)) == before  # without a key nothing is stored
    first = use_case("dave", Command(workflow_id="w", n=1), idempotency_key="k7")
    assert use_case("dave", Command(workflow_id="w", n=1), idempotency_key="k7") == first == Answer(id="dave-1", run=3)
    with pytest.raises(InvalidRequestError, match=MISMATCH):  # the command is the payload a repeat must match
        use_case("dave", Command(workflow_id="w", n=2), idempotency_key="k7")
    assert len(runs) == 3
    assert [i.split("#")[0] for i in set(stored_ids(resources)) - before] == ["start-execution"]


def test_keyed_starts_and_retries_through_the_api_are_stored_under_their_operation(api, resources):
    failing = {
        "name": "wf",
        "steps": [{"name": "check", "type": "transform", "config": {"expression": "abs(input.w)"}}],
    }
    workflow = api.call("POST", "/api/workflows", failing)[1]
    before = set(stored_ids(resources))
    status, started, _ = api.call(
        "POST",
        f"/api/workflows/{workflow['id']}/execute",
        {"input_data": {"w": "x"}},
        headers={"Idempotency-Key": "s-1"},
    )
    assert status == 202 and wait_terminal(api, started["execution_id"])["status"] == "failed"
    path = f"/api/workflows/executions/{started['execution_id']}/retry"
    status, retried, _ = api.call("POST", path, {"mode": "restart"}, headers={"Idempotency-Key": "r-1"})
    assert status == 202
    assert api.call("POST", path, {"mode": "restart"}, headers={"Idempotency-Key": "r-1"})[1] == retried
    assert sorted(i.split("#")[0] for i in set(stored_ids(resources)) - before) == [
        "retry-execution",
        "start-execution",
    ]
