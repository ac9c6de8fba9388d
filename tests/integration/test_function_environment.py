"""Each local function runs with exactly its own environment, as a Lambda function does: its handler module is
imported (its cold start) under the variables set on the function, and the process keeps none of them."""

from __future__ import annotations

import importlib
import os

import boto3

from infra.catalog import FUNCTIONS


def test_the_process_holds_no_functions_settings(resources):
    every_name = {name for spec in FUNCTIONS for name in spec.settings.stack_settings()}
    assert every_name & set(os.environ) == set()


def test_each_handler_read_the_environment_set_on_its_function(resources):
    lambdas = boto3.client("lambda", region_name=resources.region)
    checked = []
    for spec in FUNCTIONS:
        variables = lambdas.get_function_configuration(FunctionName=resources.function_arns[spec.id])["Environment"][
            "Variables"
        ]
        assert set(variables) == set(spec.environment_names()), spec.id
        module = importlib.import_module(spec.handler.rpartition(".")[0])
        if hasattr(module, "settings"):  # (the WebSocket route handlers share realtime.routes.settings)
            # plus what the Lambda runtime sets itself
            runtime = {"AWS_REGION": resources.region}
            assert module.settings == spec.settings.from_env({**runtime, **variables}), spec.id
            checked.append(spec.id)
    assert {"WorkflowsApi", "ExecutionsApi", "AiStep", "Reconciler", "Notifier", "WebSocketAuthorizer"} <= set(checked)


def test_the_state_machines_log_to_the_provisioned_log_group(resources, api):
    logs = boto3.client("logs", region_name=resources.region)
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/vendedlogs/states/")["logGroups"]
    assert group["arn"] == resources.state_machine_log_group_arn
    assert resources.function_environments["WorkflowsApi"]["STATE_MACHINE_LOG_GROUP_ARN"] == group["arn"]

    steps = [{"name": "only", "type": "transform", "config": {"expression": "input"}}]
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "logged", "steps": steps})
    assert status == 201, workflow
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    machine = sfn.describe_state_machine(
        stateMachineArn=f"arn:aws:states:{resources.region}:123456789012:stateMachine:wfe-local-{workflow['id']}"
    )
    (destination,) = machine["loggingConfiguration"]["destinations"]
    assert destination["cloudWatchLogsLogGroup"]["logGroupArn"] == group["arn"]
