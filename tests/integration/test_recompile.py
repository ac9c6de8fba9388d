"""A workflow saved by an older compiler (its machine sends the config as an object, whose `.$` keys Step Functions
would evaluate) is compiled again before its next start: what runs is what this compiler emits (moto executes it).
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import boto3

from tests.integration.conftest import wait_terminal
from workflow_engine.asl.names import ASL_REVISION
from workflow_engine.data.workflows import WorkflowRepository


def _as_an_older_compiler_wrote_it(definition: dict[str, Any]) -> dict[str, Any]:
    """Revision 2's Task payload: the step's config as an object (`config`), not as JSON text."""
    for state in definition["States"].values():
        step = state.get("Parameters", {}).get("Payload", {}).get("step")
        if step and "config_json" in step:
            step["config"] = json.loads(step.pop("config_json"))
    return definition


def test_a_workflow_of_an_older_revision_is_recompiled_before_it_starts(api, resources):
    status, workflow, _ = api.call(
        "POST",
        "/api/workflows",
        {"name": "old", "steps": [{"name": "Answer", "type": "transform", "config": {"expression": "input.n"}}]},
    )
    assert status == 201, workflow
    settings = importlib.import_module("api.workflows").settings
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    repository = WorkflowRepository(boto3.client("dynamodb", region_name=resources.region), settings.workflows_table)
    record = repository.get(api.user_id, workflow["id"])
    assert record is not None and record.asl_revision == ASL_REVISION
    current = json.loads(sfn.describe_state_machine(stateMachineArn=record.state_machine_arn)["definition"])
    old = sfn.update_state_machine(
        stateMachineArn=record.state_machine_arn,
        definition=json.dumps(_as_an_older_compiler_wrote_it(current)),
        publish=True,
    )["stateMachineVersionArn"]
    older = record.model_copy(update={"asl_revision": 2, "state_machine_version_arn": old})
    assert repository.replace(older, expected_version=record.version)

    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"n": 7}})
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert (final["status"], final["output_data"], final["workflow_version"]) == ("completed", 7, 1)

    recompiled = repository.get(api.user_id, workflow["id"])
    assert recompiled is not None
    assert (recompiled.version, recompiled.asl_revision) == (1, ASL_REVISION)
    assert recompiled.state_machine_version_arn not in (None, old)
    ran = json.loads(sfn.describe_state_machine(stateMachineArn=recompiled.state_machine_version_arn)["definition"])
    assert "config_json" in ran["States"]["Answer"]["Parameters"]["Payload"]["step"]
    status, shown, _ = api.call("GET", f"/api/workflows/{workflow['id']}")
    assert (shown["version"], shown["steps"]) == (1, workflow["steps"])
