"""The local stack's moto seams give the guarantees AWS gives (infra/local/moto_seams.py)."""

from __future__ import annotations

import threading
import time

import boto3
import moto.dynamodb.models as moto_dynamodb
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import dynamodb_backends


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
