"""A step type added through the step registry alone reaches every part that derives from it.

tests/infra/echo_step.py declares a test-only Lambda-kind type, "echo" (its config model, its runner and its registry
entry, with one IAM permission), and nothing else changes. Registered in a fresh interpreter before anything
derives from the registry (tests/infra/step_registry_probe.py, one synthesis), it must show up in the catalog, in
the synthesized template (its function, its exact IAM, its ARN in the API's settings, invocable by the state
machines), in the OpenAPI document, in validation (valid: 201; bad config: 422) and in the generic step dispatch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import REPO_ROOT

PROBE = Path(__file__).with_name("step_registry_probe.py")


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = tmp_path_factory.mktemp("echo-cdk.out")
    path = os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions", "cli"))
    done = subprocess.run(  # noqa: S603 (this interpreter, our own probe)
        [sys.executable, str(PROBE), str(outdir)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def test_the_registry_and_the_catalog_have_it(facts: dict[str, Any]) -> None:
    assert facts["registry"] == [
        "transform",
        "http",
        "ai",
        "wait",
        "choice",
        "parallel",
        "map",
        "approval",
        "workflow",
        "echo",
    ]
    assert facts["catalog"][-1] == {"id": "EchoStep", "handler": "steps.handler.echo", "timeout": 10, "memory": 256}
    assert facts["in_functions"]


def test_its_function_has_exactly_its_declared_permissions(facts: dict[str, Any]) -> None:
    template = facts["template"]
    assert template["function"]["Handler"] == "steps.handler.echo"
    assert (template["function"]["Timeout"], template["function"]["MemorySize"]) == (10, 256)
    beyond_logs_and_tracing = [
        statement
        for statement in template["statements"]
        if not any(str(action).startswith(("logs:", "xray:")) for action in _as_list(statement["Action"]))
    ]
    assert beyond_logs_and_tracing == [
        {
            "Action": "dynamodb:PutItem",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [template["logs_table_logical_id"], "Arn"]},
        },
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":sqs:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":echo-*",
                    ],
                ]
            },
        },
    ]


def test_the_api_knows_its_function_and_the_state_machines_may_invoke_it(facts: dict[str, Any]) -> None:
    template = facts["template"]
    echo_arn = {"Fn::GetAtt": [template["echo_logical_id"], "Arn"]}
    assert "ECHO_FUNCTION_ARN" in facts["api_settings"]
    assert template["echo_arn_in_api"] == echo_arn
    invocable = [
        resource
        for statement in template["states_role_statements"]
        if "lambda:InvokeFunction" in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    ]
    assert echo_arn in invocable
    assert facts["function_arn"] == "arn:echo"  # what the compiler's Task state for an echo step calls


def test_openapi_and_validation_know_it(facts: dict[str, Any]) -> None:
    assert facts["openapi_mapping"]["echo"] == "#/components/schemas/EchoStep"
    status, body = facts["valid"]
    assert status == 201 and body["steps"][0]["type"] == "echo"
    for case, field in (("bad_config", "message"), ("unknown_field", "loud")):
        status, body = facts[case]
        assert status == 422
        assert [problem["loc"] for problem in body["detail"]] == [["body", "steps", 0, "echo", "config", field]]


def test_the_generic_dispatch_runs_it_with_a_typed_config(facts: dict[str, Any]) -> None:
    assert facts["ran"] == {"echo": "hi Zoë"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
