"""DynamoDB Streams reach their consumers' in-process handlers through the event source seam (moto_seams, 5).

Without the seam moto would try to run the consumer in Docker: no batch would ever reach `stream_probe`.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import boto3
import pytest

from infra.catalog import FUNCTIONS, STREAM_MAPPING
from infra.local import moto_seams
from tests.support import stream_probe
from workflow_engine.platform.tables import ALL_TABLES


@pytest.fixture
def stream_table(resources):
    region = resources.region
    dynamodb = boto3.client("dynamodb", region_name=region)
    name = f"seam-stream-{uuid.uuid4().hex[:8]}"
    stream_arn = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("README.txt", "in-process")
    lambdas = boto3.client("lambda", region_name=region)
    role = boto3.client("iam", region_name=region).get_role(RoleName="workflow-engine-local-functions")["Role"]["Arn"]
    lambdas.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="tests.support.stream_probe.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    lambdas.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST", BatchSize=10
    )
    stream_probe.received.clear()
    stream_probe.fail_keys.clear()
    stream_probe.raise_next.clear()
    yield dynamodb, name
    moto_seams.drain_event_sources()


def _keys(events):
    return [record["dynamodb"]["Keys"]["pk"]["S"] for event in events for record in event["Records"]]


def test_stream_records_reach_the_handler_in_order_with_lambda_event_shape(stream_table):
    dynamodb, table = stream_table
    for key in ("a", "b", "c"):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "status": {"S": "running"}})
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "completed"}},
    )
    assert moto_seams.drain_event_sources(10)
    assert _keys(stream_probe.received) == ["a", "b", "c", "a"]
    last = stream_probe.received[-1]["Records"][0]
    assert last["eventName"] == "MODIFY" and last["eventSource"] == "aws:dynamodb"
    assert last["dynamodb"]["OldImage"]["status"] == {"S": "running"}
    assert last["dynamodb"]["NewImage"]["status"] == {"S": "completed"}
    assert last["eventSourceARN"].startswith("arn:aws:dynamodb:")


def test_a_raising_batch_is_retried_then_given_to_the_failure_listeners(stream_table):
    dynamodb, table = stream_table
    failures: list[tuple[str, dict, str]] = []

    def listener(name, event, error):
        if name == table:  # the listener is process-wide: other tests' consumers may fail in the same drain
            failures.append((name, event, error))

    moto_seams.add_delivery_failure_listener(listener)
    try:
        stream_probe.raise_next.extend(["boom"])  # one failure, then the retry succeeds
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "retried"}})
        assert moto_seams.drain_event_sources(10)
        assert _keys(stream_probe.received) == ["retried"] and failures == []

        stream_probe.raise_next.extend(["down"] * (moto_seams.STREAM_RETRY_ATTEMPTS + 1))
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "lost"}})
        assert moto_seams.drain_event_sources(10)
        assert len(failures) == 1
        name, event, error = failures[0]
        assert name == table and error == "down" and _keys([event]) == ["lost"]

        dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})  # the worker goes on
        assert moto_seams.drain_event_sources(10)
        assert _keys(stream_probe.received)[-1] == "after"
    finally:
        moto_seams.remove_delivery_failure_listener(listener)


def test_batch_item_failures_are_retried_from_the_first_failed_record(stream_table):
    failed: list[dict] = []

    def listener(name, event, error):
        failed.append(event)

    moto_seams.add_delivery_failure_listener(listener)
    dynamodb, table = stream_table
    stream_probe.fail_keys.add("bad")
    try:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "bad"}})
        assert moto_seams.drain_event_sources(10)
    finally:
        moto_seams.remove_delivery_failure_listener(listener)
    # first delivery + STREAM_RETRY_ATTEMPTS retries of the failed record, then given up
    assert _keys(stream_probe.received) == ["bad"] * (moto_seams.STREAM_RETRY_ATTEMPTS + 1)
    assert _keys(failed[-1:]) == ["bad"]
    assert json.dumps(failed[-1])  # a listener gets a JSON-serializable event


def test_local_tables_stream_as_their_definitions_say(resources):
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    for definition in ALL_TABLES:
        described = dynamodb.describe_table(TableName=resources.table_names[definition.logical_id])["Table"]
        specification = described.get("StreamSpecification") or {}
        if definition.stream_view_type:
            assert specification == {"StreamEnabled": True, "StreamViewType": definition.stream_view_type}
        else:
            assert not specification.get("StreamEnabled")


def test_local_stream_consumers_are_mapped_like_the_cloud(resources):
    lambdas = boto3.client("lambda", region_name=resources.region)
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    stream_of = {
        dynamodb.describe_table(TableName=name)["Table"].get("LatestStreamArn"): logical_id
        for logical_id, name in resources.table_names.items()
    }
    arn_of = {arn: spec_id for spec_id, arn in resources.function_arns.items()}
    found = set()
    for mapping in lambdas.list_event_source_mappings()["EventSourceMappings"]:
        if mapping["FunctionArn"] not in arn_of:
            continue  # a test's own probe
        found.add((arn_of[mapping["FunctionArn"]], stream_of[mapping["EventSourceArn"]]))
        assert mapping["BatchSize"] == STREAM_MAPPING.batch_size
        assert mapping["MaximumRetryAttempts"] == STREAM_MAPPING.retry_attempts
    assert found == {(spec.id, logical_id) for spec in FUNCTIONS for logical_id in spec.event_sources}
