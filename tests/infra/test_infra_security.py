"""Least privilege, cdk-nag (AwsSolutions) and cfn-lint on the synthesized stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cfnlint.api
import pytest
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks

from infra.catalog import EXECUTIONS_API, RECONCILER, STEP_FUNCTIONS, WORKFLOWS_API, step_function_of
from infra.constructs.orchestration import LOG_DELIVERY_ACTIONS, STATE_MACHINE_LIFECYCLE_ACTIONS
from workflow_engine.platform import tables

if TYPE_CHECKING:
    from conftest import Synthesized

# One worker synthesizes the app once for all infra tests (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("infra")

DYNAMODB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _policy_documents(synth: Synthesized) -> list[dict[str, Any]]:
    documents = []
    for resource in synth.resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        elif resource["Type"] == "AWS::IAM::Role":
            documents.extend(policy["PolicyDocument"] for policy in props.get("Policies", []))
    return documents


def _dynamodb_actions(permissions: dict[str, list[Any]]) -> set[str]:
    return {action for action in permissions if action.startswith("dynamodb:")}


def test_no_wildcard_actions(synth: Synthesized) -> None:
    documents = _policy_documents(synth)
    assert documents
    for document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                assert action != "*" and not re.fullmatch(r"[\w-]+:\*", action), f"wildcard action {action}"


def test_no_aws_managed_policies(synth: Synthesized) -> None:
    for logical_id, role in synth.of_type("AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], logical_id


def test_workflows_api_manages_prefixed_state_machines_only(synth: Synthesized) -> None:
    stack = synth.stack
    permissions = synth.permissions(stack.functions.roles[WORKFLOWS_API.id])
    state_machines = synth.resolve(stack.orchestration.state_machines_arn)

    triggers = synth.get_att(stack.data.table(tables.TRIGGERS))
    assert {resource for action in _dynamodb_actions(permissions) for resource in map(str, permissions[action])} == {
        str(synth.get_att(stack.data.table(tables.WORKFLOWS))),
        str(synth.get_att(stack.data.table(tables.SCHEDULES))),  # a deleted workflow's schedules, and
        str(triggers),  # its webhook triggers, found by their by_user_workflow index (no other index)
        str({"Fn::Join": ["", [triggers, f"/index/{tables.TRIGGERS_BY_USER_WORKFLOW.name}"]]}),
    }
    for action in STATE_MACHINE_LIFECYCLE_ACTIONS:
        assert permissions[action] == [state_machines], action
    # the states role to Step Functions, no other (the Scheduler role is the trigger API's: test_infra_schedules.py)
    pass_roles = {
        str(s["Resource"]): s["Condition"]["StringEquals"]["iam:PassedToService"]
        for s in synth.statements_of(stack.functions.roles[WORKFLOWS_API.id])
        if s["Action"] == "iam:PassRole"
    }
    assert pass_roles == {
        str(synth.get_att(stack.orchestration.role)): "states.amazonaws.com",
    }
    for action in LOG_DELIVERY_ACTIONS:
        assert permissions[action] == ["*"], action
    assert "states:StartExecution" not in permissions


def test_executions_api_runs_prefixed_executions_only(synth: Synthesized) -> None:
    stack = synth.stack
    permissions = synth.permissions(stack.functions.roles[EXECUTIONS_API.id])
    orchestration = stack.orchestration

    assert permissions["states:StartExecution"] == [synth.resolve(orchestration.state_machines_arn)]
    for action in ("states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"):
        assert permissions[action] == [synth.resolve(orchestration.executions_arn)], action
    assert not any(action in permissions for action in STATE_MACHINE_LIFECYCLE_ACTIONS)
    assert "iam:PassRole" not in permissions
    # reads workflows, writes executions and idempotency records, and logs only in batches (a resume's reused steps)
    writable = {str(resource) for action in DYNAMODB_WRITES & set(permissions) for resource in permissions[action]}
    assert str(synth.get_att(stack.data.table(tables.WORKFLOWS))) not in writable
    logs_table = synth.get_att(stack.data.table(tables.LOGS))
    assert [a for a in DYNAMODB_WRITES & set(permissions) if logs_table in permissions[a]] == [
        "dynamodb:BatchWriteItem"
    ]
    assert str(synth.get_att(stack.data.table(tables.EXECUTIONS))) in writable
    assert str(synth.get_att(stack.data.table(tables.IDEMPOTENCY))) in writable


AI_STEP = step_function_of("ai")


def test_step_functions_only_put_log_items(synth: Synthesized) -> None:
    """...and the approval's updates execution items (its task token: tests/infra/test_infra_approvals.py)."""
    stack = synth.stack
    for spec in STEP_FUNCTIONS:
        permissions = synth.permissions(stack.functions.roles[spec.id])
        stores_tokens = {"dynamodb:UpdateItem"} if spec.step_type == "approval" else set()
        assert _dynamodb_actions(permissions) == {"dynamodb:PutItem", *stores_tokens}, spec.id
        assert permissions["dynamodb:PutItem"] == [synth.get_att(stack.data.table(tables.LOGS))]
        assert ("bedrock:InvokeModel" in permissions) == (spec is AI_STEP), spec.id


def test_ai_step_invokes_foundation_models_and_inference_profiles_only(synth: Synthesized) -> None:
    permissions = synth.permissions(synth.stack.functions.roles[AI_STEP.id])
    resources = {str(resource) for resource in permissions["bedrock:InvokeModel"]}
    assert len(resources) == 2
    assert any(":bedrock:*::foundation-model/*" in resource for resource in resources)
    assert any(":inference-profile/*" in resource for resource in resources)


def test_reconciler_reads_and_updates_execution_items_only(synth: Synthesized) -> None:
    stack = synth.stack
    permissions = synth.permissions(stack.functions.roles[RECONCILER.id])
    assert _dynamodb_actions(permissions) == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    executions = synth.get_att(stack.data.table(tables.EXECUTIONS))
    assert permissions["dynamodb:GetItem"] == [executions]
    assert permissions["dynamodb:UpdateItem"] == [executions]


def test_cdk_nag_reports_no_unacknowledged_findings(synth: Synthesized) -> None:
    report = AwsSolutionsChecks().validate_scope(synth.app)
    findings = [
        f"{violation.severity}: {violation.rule_name} at "
        + ", ".join(resource.construct_path or "?" for resource in violation.violating_resources)
        for violation in report.violations
    ]
    errors = [finding for finding in findings if finding.startswith("error: AwsSolutions-")]
    assert not errors, "\n".join(errors)
    assert not findings, "\n".join(findings)  # warnings fail `cdk synth` too (validation plugin)


def test_every_acknowledgment_names_a_rule_and_gives_a_reason(synth: Synthesized) -> None:
    acknowledgments = [
        (construct.node.path, rule, reason)
        for construct in synth.app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    ]
    assert acknowledgments
    for path, rule, reason in acknowledgments:
        rule_id = rule.split("::", 1)[-1]
        assert rule_id.startswith("AwsSolutions-"), (path, rule)
        assert len(reason.strip()) >= 40, (path, rule, reason)
        if rule_id.startswith(("AwsSolutions-IAM5", "AwsSolutions-IAM4")):
            assert "[" in rule_id, f"{path}: {rule_id} must name the finding it acknowledges"


def test_cfn_lint_reports_no_errors(synth: Synthesized) -> None:
    template = Path(synth.template_path).read_text()
    matches = cfnlint.api.lint(template, regions=["us-east-1", "eu-west-1"])
    errors = [f"{match.rule.id} {match.message} ({match.path})" for match in matches if match.rule.id.startswith("E")]
    assert not errors, "\n".join(errors)
