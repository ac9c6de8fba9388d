"""The local stack's moto seams give the guarantees AWS gives (infra/local/moto_seams.py)."""

from __future__ import annotations

import sys
import threading
import time

import boto3
import moto.dynamodb.models as moto_dynamodb
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import dynamodb_backends
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import StateTaskService
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from infra.local.provision import STATE_MACHINE_PREFIX
from tests.integration.conftest import wait_terminal

TWO_STEPS = [
    {"name": "Load", "type": "transform", "config": {"expression": "input"}},
    {"name": "Shape", "type": "transform", "config": {"expression": "{n: input.n}"}},
]


def test_concurrent_conditional_writes_on_one_item_let_exactly_one_win(resources, monkeypatch):
    """DynamoDB makes a conditional write atomic: of many writers expecting the same status, one wins.

    moto evaluates the condition, then writes; a pause is put between the two here so that, without the
    seam's serialization, several writers would pass the check.
    """
    make_parser = moto_dynamodb.create_condition_expression_parser

    class SlowCondition:
        def __init__(self, condition):
            self._condition = condition

        def expr(self, item):
            passed = self._condition.expr(item)
            time.sleep(0.02)
            return passed

    class SlowParser:
        def __init__(self, parser):
            self._parser = parser

        def parse(self):
            return SlowCondition(self._parser.parse())

    def slow_parser(*args, **kwargs):
        return SlowParser(make_parser(*args, **kwargs))

    monkeypatch.setattr(moto_dynamodb, "create_condition_expression_parser", slow_parser)
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][resources.region]
    table = resources.table_names["Executions"]
    for round_number in range(5):
        key = {"execution_id": {"S": f"seam-test-{round_number}"}}
        dynamodb.put_item(TableName=table, Item={**key, "status": {"S": "running"}})
        barrier = threading.Barrier(8)
        winners: list[str] = []

        def write(writer: str, barrier=barrier, key=key, winners=winners) -> None:
            barrier.wait()
            try:  # the backend itself, as moto's threaded server calls it (one thread per request)
                backend.update_item(
                    table_name=table,
                    key=key,
                    update_expression="SET #s = :new",
                    expression_attribute_names={"#s": "status"},
                    expression_attribute_values={":new": {"S": writer}, ":running": {"S": "running"}},
                    condition_expression="#s = :running",
                )
                winners.append(writer)
            except ConditionalCheckFailed:
                pass

        threads = [threading.Thread(target=write, args=(f"writer-{n}",)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = dynamodb.get_item(TableName=table, Key=key)["Item"]["status"]["S"]
        assert len(winners) == 1 and stored == winners[0], (winners, stored)


def test_a_read_never_sees_an_item_half_written(resources):
    """DynamoDB answers a read with an item as it was before or after a write. moto's UpdateItem changes the item
    in place while a concurrent GetItem or BatchGetItem turns it into JSON ("dictionary changed size during
    iteration": a 500 to the reader, seen as a batch-get's 503 under load)."""
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    table = resources.table_names["Idempotency"]  # no stream: nothing consumes this made-up item
    key = {"id": {"S": "seam-read-test"}}
    dynamodb.put_item(TableName=table, Item={**key, **{f"a{n}": {"S": "x" * 20} for n in range(300)}})
    failures: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        for n in range(150):  # each update adds an attribute (the dict grows) and removes one (it shrinks)
            dynamodb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #new = :v REMOVE #old",
                ExpressionAttributeNames={"#new": f"b{n}", "#old": f"a{n % 300}"},
                ExpressionAttributeValues={":v": {"M": {"n": {"N": str(n)}, "s": {"S": "y" * 20}}}},
            )
        stop.set()

    def read() -> None:
        while not stop.is_set():
            try:
                dynamodb.batch_get_item(RequestItems={table: {"Keys": [key]}})
                dynamodb.get_item(TableName=table, Key=key)
            except Exception as error:  # noqa: BLE001 - any failure of a read is the finding
                failures.append(error)
                stop.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible: the race shows within one run
    try:
        threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


def test_a_transaction_backs_up_only_its_items_and_a_cancelled_one_changes_nothing(resources):
    """DynamoDB's TransactWriteItems costs the items it touches; moto's copied every table it names, whole,
    under the write lock. The tables stay the same objects (no whole-table copy), and a cancelled transaction
    still leaves each item it touched as it was, new ones absent."""
    table = resources.table_names["Metrics"]
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][resources.region]
    before = backend.tables[table]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "seam6"}, "sk": {"S": "marker"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "seam6"}, "sk": {"S": "bucket"}, "n": {"N": "1"}})
    add = {
        "TableName": table,
        "Key": {"pk": {"S": "seam6"}, "sk": {"S": "bucket"}},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }
    fresh = {"TableName": table, "Item": {"pk": {"S": "seam6"}, "sk": {"S": "fresh"}}}
    marker = {
        "TableName": table,
        "Item": {"pk": {"S": "seam6"}, "sk": {"S": "marker"}},
        "ConditionExpression": "attribute_not_exists(sk)",
    }
    try:
        dynamodb.transact_write_items(TransactItems=[{"Update": add}, {"Put": fresh}, {"Put": marker}])
    except dynamodb.exceptions.TransactionCanceledException as error:
        reasons = [reason["Code"] for reason in error.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert backend.tables[table] is before
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "seam6"}, "sk": {"S": "bucket"}})["Item"]
    assert item["n"] == {"N": "1"}
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "seam6"}, "sk": {"S": "fresh"}})
    dynamodb.transact_write_items(TransactItems=[{"Update": add}, {"Put": fresh}])
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "seam6"}, "sk": {"S": "bucket"}})["Item"]
    assert item["n"] == {"N": "2"} and backend.tables[table] is before


def test_a_stop_as_a_task_state_begins_ends_the_execution_aborted_and_the_cancel_is_recorded(
    api, resources, monkeypatch
):
    """AWS: StopExecution aborts the execution (ABORTED), whatever state it was in, and nothing more runs.

    moto's interpreter skips what is left of the state the stop interrupted; a Task state then failed on the values
    its skipped parts did not compute, and that error replaced the stop: the execution ended FAILED, and when its
    status event reached the reconciler before the cancel's own conditional write, a cancelled execution was
    recorded `failed` (the cancel answered 409). Here the stop lands as "Shape" begins, and the cancel's write
    waits until the status event has been handled: the order the reliability race met under CPU load."""
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "stopped mid-task", "steps": TWO_STEPS})
    assert status == 201, workflow
    machine = f"{STATE_MACHINE_PREFIX}{workflow['id']}"
    entered, stopped = threading.Event(), threading.Event()
    original_execution, original_stop = StateTaskService._eval_execution, StepFunctionsParserBackend.stop_execution
    dynamodb = boto3.client("dynamodb", region_name=resources.region)

    def eval_execution(self, env):  # the Task state's work, on its own thread
        if self.name == "Shape" and env.states.context_object.context_object_data["StateMachine"]["Name"] == machine:
            entered.set()
            assert stopped.wait(10)
        return original_execution(self, env)

    def stop_execution(self, execution_arn, *args, **kwargs):  # in the cancel's request, before its write
        answer = original_stop(self, execution_arn, *args, **kwargs)
        stopped.set()
        key = {"execution_id": {"S": execution_arn.rsplit(":", 1)[1]}}
        table = resources.table_names["Executions"]
        deadline = time.monotonic() + 10
        while dynamodb.get_item(TableName=table, Key=key)["Item"]["status"]["S"] in ("pending", "running"):
            assert time.monotonic() < deadline, "the stopped execution's status event was not recorded"
            time.sleep(0.01)
        return answer

    monkeypatch.setattr(StateTaskService, "_eval_execution", eval_execution)
    monkeypatch.setattr(StepFunctionsParserBackend, "stop_execution", stop_execution)
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"n": 1}})
    assert status == 202, started
    execution_id = started["execution_id"]
    assert entered.wait(10)

    status, cancelled, _ = api.call("POST", f"/api/workflows/executions/{execution_id}/cancel")

    assert (status, cancelled.get("status")) == (200, "cancelled"), cancelled
    assert wait_terminal(api, execution_id)["status"] == "cancelled"
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = f"arn:aws:states:{resources.region}:{DEFAULT_ACCOUNT_ID}:execution:{machine}:{execution_id}"
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"
    status, logs, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs")
    assert status == 200 and [log["step_name"] for log in logs] == ["Load"]
