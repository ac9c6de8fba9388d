"""moto's interpreter runs Parallel and Map states as Step Functions does, in what the compiled blocks rely on.

Raw machines (the shapes asl.blocks compiles) run here against a probe Lambda (tests/support/iteration_probe.py):
ItemsPath with a bracketed name, ItemSelector with `$$.Map.Item.Value`/`Index`, MaxConcurrency (measured: the
most iterations running at once), a Catch inside iterations, ResultSelector, Retry and Catch on the whole block.
Where moto differs from AWS in a way that matters, the local stack has a seam (infra/local/moto_seams.py).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.conftest import wait_for
from tests.support import iteration_probe

INVOKE = "arn:aws:states:::lambda:invoke"


@pytest.fixture(scope="module")
def probe_arn(resources: Any) -> Iterator[str]:
    """The probe, deleted after this module: the stack is the session's, and test_drift compares its functions
    with the template's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "runs in-process")
    lambdas = boto3.client("lambda", region_name=resources.region)
    arn = lambdas.create_function(
        FunctionName=f"iteration-probe-{uuid.uuid4().hex[:8]}",
        Runtime="python3.13",
        Role=resources.states_role_arn,
        Handler="tests.support.iteration_probe.handler",
        Code={"ZipFile": buffer.getvalue()},
    )["FunctionArn"]
    yield arn
    lambdas.delete_function(FunctionName=arn)


def probe_task(arn: str, payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": INVOKE,
        "Parameters": {"FunctionName": arn, **({"Payload": payload} if payload else {"Payload.$": "$"})},
        "OutputPath": "$.Payload",
        **fields,
    }


def execute(resources: Any, definition: dict[str, Any], input_data: dict[str, Any]) -> dict[str, Any]:
    """Run a raw machine to its end: the DescribeExecution answer, output parsed."""
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    arn = sfn.create_state_machine(
        name=f"block-seam-{uuid.uuid4().hex[:12]}", definition=json.dumps(definition), roleArn=resources.states_role_arn
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(input_data))["executionArn"]
    final = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout=60
    )
    return {**final, "output": json.loads(final.get("output") or "null")}


def map_machine(arn: str, items_path: str, max_concurrency: int, **fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "each",
        "States": {
            "each": {
                "Type": "Map",
                "ItemsPath": items_path,
                "MaxConcurrency": max_concurrency,
                "ItemSelector": {"input.$": "$.input", "item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "probe",
                    "States": {
                        "probe": probe_task(
                            arn,
                            Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "caught"}],
                            End=True,
                        ),
                        "caught": {
                            "Type": "Pass",
                            "Parameters": {"caught.$": "$.error.Error", "index.$": "$.index"},
                            "End": True,
                        },
                    },
                },
                "ResultSelector": {"output.$": "$"},
                "ResultPath": "$.results.s0",
                "End": True,
                **fields,
            }
        },
    }


@pytest.mark.parametrize("max_concurrency", [1, 4])
def test_map_runs_at_most_max_concurrency_iterations_at_once(resources, probe_arn, max_concurrency):
    run = f"concurrency-{uuid.uuid4()}"
    items = list(range(12))
    settings = {"run": run, "overlap": max_concurrency, "total": len(items), "the items": items}
    final = execute(resources, map_machine(probe_arn, "$.input['the items']", max_concurrency), {"input": settings})
    assert final["status"] == "SUCCEEDED", final
    assert iteration_probe.run_of(run).most == max_concurrency  # reached, never passed
    print(f"\nMaxConcurrency {max_concurrency}: at most {iteration_probe.run_of(run).most} iterations at once")


def test_map_items_selector_order_and_a_catch_inside_iterations(resources, probe_arn):
    run = f"selector-{uuid.uuid4()}"
    items = [{"sku": "a"}, {"fail": 9}, 7, None]
    settings = {"run": run, "overlap": 2, "total": len(items), "the items": items}
    final = execute(resources, map_machine(probe_arn, "$.input['the items']", 2), {"input": settings})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"]["output"] == [
        {"item": {"sku": "a"}, "index": 0, "attempt": 1},
        {"caught": "ProbeFailed", "index": 1},
        {"item": 7, "index": 2, "attempt": 1},
        {"item": None, "index": 3, "attempt": 1},
    ]
    assert final["output"]["input"] == settings  # ResultPath keeps the document


def test_retry_and_catch_on_the_whole_map(resources, probe_arn):
    """Retry on a Map runs every iteration again; once its attempts are spent, its Catch takes the error."""
    inner_failing = map_machine(probe_arn, "$.input.items", 2)
    del inner_failing["States"]["each"]["ItemProcessor"]["States"]["probe"]["Catch"]
    each = inner_failing["States"]["each"]
    each["Retry"] = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1, "BackoffRate": 1.0}]
    each["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.results.s0", "Next": "continued"}]
    each.pop("End")
    each["Next"] = "continued"
    inner_failing["States"]["continued"] = {"Type": "Pass", "End": True}

    run = f"retry-{uuid.uuid4()}"
    # Both first attempts must reach the probe before item 0 fails the map (a failing iteration stops the others,
    # on AWS too): overlap 2 holds each until both are running, so "ran again" never depends on timing.
    once = {"run": run, "overlap": 2, "total": 2, "items": [{"fail": 1}, "ok"]}
    final = execute(resources, inner_failing, {"input": once})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"]["output"] == [
        {"item": {"fail": 1}, "index": 0, "attempt": 2},
        {"item": "ok", "index": 1, "attempt": 2},  # the whole map ran again
    ]

    run = f"caught-{uuid.uuid4()}"
    always = {"run": run, "overlap": 1, "total": 1, "items": [{"fail": 9}]}
    final = execute(resources, inner_failing, {"input": always})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"]["Error"] == "ProbeFailed"
    assert iteration_probe.run_of(run).attempts[0] == 2


def test_parallel_result_selector_retry_and_catch(resources, probe_arn):
    def lane(index: int, item: Any) -> dict[str, Any]:
        payload = {"input.$": "$.input", "item": item, "index": index}
        return {"StartAt": "probe", "States": {"probe": probe_task(probe_arn, payload, End=True)}}

    def machine(first_item: Any) -> dict[str, Any]:
        return {
            "StartAt": "fan",
            "States": {
                "fan": {
                    "Type": "Parallel",
                    "Branches": [lane(0, first_item), lane(1, "b")],
                    "ResultSelector": {"output": {"the first.$": "$[0]", "second.$": "$[1]"}},
                    "ResultPath": "$.results.s0",
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.results.s0", "Next": "done"}],
                    "Next": "done",
                },
                "done": {"Type": "Pass", "End": True},
            },
        }

    run = f"parallel-{uuid.uuid4()}"
    final = execute(resources, machine({"fail": 1}), {"input": {"run": run, "overlap": 2, "total": 2}})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"] == {
        "output": {
            "the first": {"item": {"fail": 1}, "index": 0, "attempt": 2},
            "second": {"item": "b", "index": 1, "attempt": 2},  # the whole block ran again
        }
    }
    run = f"parallel-caught-{uuid.uuid4()}"
    final = execute(resources, machine({"fail": 9}), {"input": {"run": run, "overlap": 2, "total": 2}})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"]["Error"] == "ProbeFailed"


def test_a_map_over_a_missing_array_is_a_runtime_error_no_catch_takes(resources, probe_arn):
    """AWS: a Map's ItemsPath that is missing fails the execution with States.Runtime, which a Catch (or Retry)
    on States.ALL does not take (seam 10; moto's catch took it and the execution went on)."""
    input_data: dict[str, Any] = {"input": {}}
    definition = map_machine(probe_arn, "$.input.items", 2)
    each = definition["States"]["each"]
    each["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.results.s0", "Next": "continued"}]
    each.pop("End")
    each["Next"] = "continued"
    definition["States"]["continued"] = {"Type": "Pass", "End": True}
    final = execute(resources, definition, input_data)
    assert final["status"] == "FAILED", final
    assert final["error"] == "States.Runtime"


def test_a_states_runtime_error_named_explicitly_is_still_caught(resources, probe_arn):
    definition = map_machine(probe_arn, "$.input.items", 2)
    each = definition["States"]["each"]
    each["Catch"] = [{"ErrorEquals": ["States.Runtime"], "ResultPath": "$.results.s0", "Next": "continued"}]
    each.pop("End")
    each["Next"] = "continued"
    definition["States"]["continued"] = {"Type": "Pass", "End": True}
    final = execute(resources, definition, {"input": {}})
    assert final["status"] == "SUCCEEDED", final
    assert final["output"]["results"]["s0"]["Error"] == "States.Runtime"


def test_a_path_with_a_member_after_an_index_reads_one_value(api):
    """`input.lines[0].qty` reads 2 in AWS; moto read [2], so the guarded rule (IsNumeric) was false (seam 11)."""
    from tests.integration.test_block_machines import leaf
    from tests.integration.test_engine_executions import create, run

    when = {"path": 'input.lines[0]."the qty"', "op": "gt", "value": 1}
    choice = {"name": "big?", "type": "choice", "config": {"branches": [{"when": when, "steps": [leaf("yes", "`1`")]}]}}
    workflow = create(api, [choice, leaf("items", 'steps."big?".output')], name="index then member")
    _, final = run(api, workflow, {"lines": [{"the qty": 2}, {"the qty": 0}]})
    assert final["status"] == "completed", final
    assert final["output_data"] == {"branch": 0, "output": 1}


def test_the_readme_control_flow_examples_run_as_documented(api):
    from tests.integration.test_engine_executions import run
    from tests.unit.test_asl_validation import readme_control_flow_examples

    for body, expected in readme_control_flow_examples():
        status, created, _ = api.call("POST", "/api/workflows", body)
        assert status == 201, created
        _, final = run(api, created, expected["input_data"])
        assert final["status"] == "completed", (body["name"], final)
        assert final["output_data"] == expected["output_data"], body["name"]
