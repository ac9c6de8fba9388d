"""The step tree and the per-kind compiler in moto executing the real machines: configs reach the step exactly
as written (issue 26, hole 1), a too-deep output still leaves its log (hole 7), nested path keys work in
JSONPath (a test-only block kind, compiled through the same interface the control-flow blocks will use)."""

from __future__ import annotations

import json
import uuid

import boto3

from infra.catalog import STEP_FUNCTIONS
from tests.integration.conftest import wait_for
from tests.integration.test_engine_executions import create, logs, run
from tests.support.group_kind import GroupStep, register_group_kind
from tests.support.loopback import Receiver, webhook_server
from workflow_engine.asl.compiler import CompileTarget, compile_workflow, definition_json
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.models.execution import ExecutionRecord
from workflow_engine.models.lifecycle import ExecutionStatus
from workflow_engine.models.workflow import WorkflowDefinition
from workflow_engine.platform.clock import utc_now


def test_an_http_step_sends_keys_ending_in_dollar_exactly_as_written(api):
    """Before, Step Functions evaluated them: the role ARN, the context object, an intrinsic were sent, and a
    path to nothing failed the run with States.Runtime before the step ran, with no log."""
    body = {"ctx.$": "$$", "x.$": "States.ArrayRange(1, 5, 1)", "y.$": "$.nope.deeper", "z": {"w.$": "$$"}}
    receiver = Receiver()
    with webhook_server(receiver) as url:
        workflow = create(
            api,
            [
                {
                    "name": "call",
                    "type": "http",
                    "config": {
                        "url": url,
                        "method": "POST",
                        "headers": {"X-Role.$": "$$.Execution.RoleArn"},
                        "body": body,
                    },
                }
            ],
        )
        execution_id, final = run(api, workflow, {"a": 1})
    assert final["status"] == "completed", final
    [(headers, sent)] = receiver.requests
    assert json.loads(sent) == body
    assert headers["x-role.$"] == "$$.Execution.RoleArn"
    [entry] = logs(api, execution_id)
    assert entry["error_message"] is None


def test_a_transform_whose_output_nests_too_deep_fails_and_its_log_is_written(api):
    """An expression may nest 64 levels and so may the input: together they make an output 110 deep."""
    deep = "[" * 60 + "input" + "]" * 60
    workflow = create(api, [{"name": "deep", "type": "transform", "config": {"expression": deep}}])
    nested: object = 1
    for _ in range(50):
        nested = [nested]
    execution_id, final = run(api, workflow, {"a": nested})
    assert final["status"] == "failed"
    assert "output is nested deeper than 64 levels" in final["error_message"]
    [entry] = logs(api, execution_id)
    assert entry["step_name"] == "deep" and "nested deeper than 64 levels" in entry["error_message"]
    # under the log's own depth cap (128 levels) the output is kept whole
    depth, value = 0, entry["output_data"]
    while isinstance(value, (list, dict)):
        value = value[0] if isinstance(value, list) else value["a"]
        depth += 1
    assert depth == 111 and value == 1


def test_nested_path_keys_work_in_a_real_machine(api, resources):
    """A block's inner steps write `$.results.s1_b0_s0`-style keys; the block and the step after it read them."""
    register_group_kind()
    steps = WorkflowDefinition(
        name="w",
        steps=[
            {"name": "first", "type": "transform", "config": {"expression": "{n: input.n}"}},
            {"name": "inner", "type": "transform", "config": {"expression": "{seen: steps.first.output.n}"}},
            {"name": "lane", "type": "transform", "config": {"expression": "`2`"}},
            {"name": "last", "type": "transform", "config": {"expression": "steps.grouped.output"}},
        ],
    ).steps
    tree = [steps[0], GroupStep("grouped", [[steps[1]], [steps[2]]]), steps[3]]
    target = CompileTarget(
        function_arns={spec.step_type: resources.function_arns[spec.id] for spec in STEP_FUNCTIONS if spec.step_type},
        executions_table=resources.table_names["Executions"],
    )
    asl = compile_workflow(str(uuid.uuid4()), api.user_id, tree, target)
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    machine = sfn.create_state_machine(
        name=f"tree-{uuid.uuid4().hex[:12]}", definition=definition_json(asl), roleArn=resources.states_role_arn
    )["stateMachineArn"]
    execution_id = str(uuid.uuid4())
    dynamodb = boto3.client("dynamodb", region_name=resources.region)
    now = utc_now()
    # A whole execution item, as the API writes it: the stream consumers (notifier, notifications, metrics) read it.
    ExecutionRepository(dynamodb, resources.table_names["Executions"]).create(
        ExecutionRecord(
            execution_id=execution_id,
            user_id=api.user_id,
            workflow_id=str(uuid.uuid4()),
            workflow_version=1,
            state_machine_arn=machine,
            status=ExecutionStatus.PENDING,
            started_at=now,
            updated_at=now,
        )
    )
    arn = sfn.start_execution(
        stateMachineArn=machine, name=execution_id, input=json.dumps({"input": {"n": 7}, "results": {}})
    )["executionArn"]
    done = wait_for(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d)
    assert done["status"] == "SUCCEEDED", done
    item = dynamodb.get_item(TableName=resources.table_names["Executions"], Key={"execution_id": {"S": execution_id}})
    assert item["Item"]["status"]["S"] == "completed"
    assert json.loads(item["Item"]["final_result"]["S"]) == {"output": {"seen": 7}}
    document = json.loads(done["output"])
    assert document["results"]["s1"] == {"output": {"seen": 7}} and document["results"]["s2"] == {"output": {"seen": 7}}
