"""Least privilege in the synthesized template, beyond tests/infra/test_infra_security.py (which checks no
wildcard *actions*, the state machine/execution ARN scoping, the step and reconciler DynamoDB grants,
cdk-nag AwsSolutions with every acknowledgment reasoned, and cfn-lint) and tests/infra/test_infra_data.py
(point-in-time recovery, encryption, RETAIN on every table).

Added here:
- every wildcard in a *resource* is one of a short, reasoned list (a resource-level permission AWS does not
  support, or a name pattern no narrower grant can express); any new one fails;
- every role's DynamoDB actions are exactly the calls its code makes (derived from the data layer and the
  Powertools idempotency layer below), table by table.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.catalog import (  # noqa: E402
    EXECUTIONS_API,
    FUNCTIONS,
    METRICS_AGGREGATOR,
    NOTIFICATIONS,
    NOTIFIER,
    QUERIES_API,
    RECONCILER,
    SCHEDULED_START,
    STACK_NAME,
    STEP_FUNCTIONS,
    TRIGGERS_API,
    WEBHOOKS_INBOUND,
    WEBSOCKET_STAGE,
    WORKFLOWS_API,
    WS_CONNECT,
    WS_DISCONNECT,
    WS_SUBSCRIPTIONS,
    step_function_of,
)
from workflow_engine.platform import tables  # noqa: E402

pytestmark = pytest.mark.xdist_group("template")

# Resource wildcards and why no narrower grant exists. Patterns match the rendered resource (see _render).
WEB_OBJECT_WRITES = {
    "s3:Abort*",
    "s3:DeleteObject*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
}
S3_READS = {"s3:GetBucket*", "s3:GetObject*", "s3:List*"}
REASONED_WILDCARDS: dict[str, tuple[str, set[str]]] = {
    r"\{Bucket:WebAssets[0-9A-F]+\}/\*": (
        "the web deployment replaces the app's files: the objects of the web bucket, nothing else",
        S3_READS | WEB_OBJECT_WRITES,
    ),
    r'arn:\{Partition\}:s3:::\{"Fn::Sub": "cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}"\}/\*': (
        "the web deployment reads its asset zip from the bucket the CDK bootstrap named",
        S3_READS,
    ),
    r"\*": (
        "X-Ray, CloudWatch Logs vended delivery, DynamoDB ListStreams (stream consumers): no resource-level "
        "permissions; CloudFront invalidation after the web deployment, as CDK's BucketDeployment grants it",
        {
            "cloudfront:CreateInvalidation",
            "cloudfront:GetInvalidation",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
            "dynamodb:ListStreams",  # stream consumers (DynamoEventSource): no resource-level permissions
            "secretsmanager:ListSecrets",  # the secrets API: no resource-level permissions (filtered by prefix)
        },
    ),
    r"arn:\{Partition\}:secretsmanager:\{Region\}:\{Account\}:secret:WorkflowEngine/secrets/\*": (
        "users' secrets are created at run time under the stack's prefix (<prefix>/<user id>/<name>)",
        {
            "secretsmanager:CreateSecret",
            "secretsmanager:PutSecretValue",
            "secretsmanager:DescribeSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:GetSecretValue",
        },
    ),
    r"arn:\{Partition\}:execute-api:\{Region\}:\{Account\}:\{Api:[A-Za-z0-9]+\}/"
    + WEBSOCKET_STAGE
    + r"/\*/@connections/\*": (
        "WebSocket connection ids exist only at run time; the WebSocket API's own stage only",
        {"execute-api:ManageConnections"},
    ),
    r"arn:\{Partition\}:states:\{Region\}:\{Account\}:stateMachine:WorkflowEngine-wf-\*": (
        "state machines are created per workflow at run time, named by the stack's prefix",
        {
            "states:CreateStateMachine",
            "states:UpdateStateMachine",
            "states:DeleteStateMachine",
            "states:DescribeStateMachine",
            "states:PublishStateMachineVersion",
            "states:ListStateMachineVersions",
            "states:DeleteStateMachineVersion",
            "states:TagResource",
            "states:StartExecution",
            # an approval's decision (task tokens are those of this stack's machines' executions)
            "states:SendTaskSuccess",
            "states:SendTaskFailure",
        },
    ),
    r"arn:\{Partition\}:states:\{Region\}:\{Account\}:execution:WorkflowEngine-wf-\*:\*": (
        "executions of those state machines",
        {"states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"},
    ),
    r"arn:\{Partition\}:scheduler:\{Region\}:\{Account\}:schedule/WorkflowEngine-schedules/\*": (
        "schedules are created per stored schedule at run time, in the stack's one schedule group",
        {"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"},
    ),
    r"\{Table:[A-Za-z]+\}/index/\*": ("the table's own indexes", None),  # any action granted on the table
    r"\{Function:[A-Za-z]+\}:\*": (
        "the step function's versions and aliases (grant_invoke)",
        {"lambda:InvokeFunction"},
    ),
    r"arn:\{Partition\}:bedrock:\*::foundation-model/\*": ("the model is chosen per step", {"bedrock:InvokeModel"}),
    r"arn:\{Partition\}:bedrock:\*:\{Account\}:inference-profile/\*": (
        "the model is chosen per step; cross-region inference profiles are the account's in any region",
        {"bedrock:InvokeModel"},
    ),
}

# What each function's code calls, table by table (data/*.py repositories; Powertools' DynamoDB
# idempotency layer: get_item, put_item, update_item, delete_item).
CODE_CALLS: dict[str, dict[str, set[str]]] = {
    # a deleted workflow's schedules and triggers: list and delete (api/workflow_dependents.py)
    WORKFLOWS_API.id: {
        "Workflows": {"GetItem", "PutItem", "DeleteItem", "Query"},
        "Schedules": {"DeleteItem", "Query"},
        "Triggers": {"DeleteItem", "Query"},  # Query: the by_user_workflow index
    },
    # the workflow they belong to (read: does it exist), then data/schedules.py and data/triggers.py
    TRIGGERS_API.id: {
        "Workflows": {"GetItem"},
        "Schedules": {"GetItem", "PutItem", "DeleteItem", "Query"},
        "Triggers": {"GetItem", "PutItem", "DeleteItem", "Query"},  # Query: the by_user_workflow index
    },
    # the scheduled start: StartExecution's writes, overlap's Query, idempotency, a schedule's read and marks
    SCHEDULED_START.id: {
        "Workflows": {"GetItem"},
        "Executions": {"PutItem", "UpdateItem", "Query"},
        "Idempotency": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        "Schedules": {"GetItem", "UpdateItem"},
    },
    # data/triggers.py (GetItem), data/webhook_deliveries.py (claim, release, rate windows), then a start
    WEBHOOKS_INBOUND.id: {
        "Triggers": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        "Workflows": {"GetItem"},
        "Executions": {"GetItem", "PutItem", "UpdateItem"},
    },
    EXECUTIONS_API.id: {
        "Workflows": {"GetItem"},
        "Executions": {"PutItem", "GetItem", "BatchGetItem", "UpdateItem", "Query"},
        "ExecutionLogs": {"Query", "BatchWriteItem"},  # LogRepository.put_many: a resume's reused steps
        "Notifications": {"Query"},
        "Idempotency": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
    },
    RECONCILER.id: {"Executions": {"GetItem", "UpdateItem"}},
    QUERIES_API.id: {"ExecutionLogs": {"Query"}, "Metrics": {"Query"}},  # the logs' by_user index; buckets
    METRICS_AGGREGATOR.id: {"Metrics": {"PutItem", "UpdateItem"}},  # transactions; stream reads: STREAM_READ
    NOTIFICATIONS.id: {"Workflows": {"GetItem"}, "Notifications": {"GetItem", "PutItem"}},  # stream: STREAM_READ
    # the compiled machines' native status writes; a workflow step's child: its workflow's version, its item (asl.child)
    "StatesRole": {"Executions": {"UpdateItem", "PutItem"}, "Workflows": {"GetItem"}},
    **{spec.id: {"ExecutionLogs": {"PutItem"}} for spec in STEP_FUNCTIONS},
    step_function_of("approval").id: {"ExecutionLogs": {"PutItem"}, "Executions": {"UpdateItem"}},  # its token
    # the real-time channel (data/connections.py, realtime/subscriptions.py, realtime/notifier.py)
    WS_CONNECT.id: {"Connections": {"BatchGetItem", "PutItem", "DeleteItem"}},  # the per-user slots (connection_slots)
    WS_DISCONNECT.id: {"Connections": {"DeleteItem"}},
    WS_SUBSCRIPTIONS.id: {"Connections": {"UpdateItem"}, "Workflows": {"GetItem"}, "Executions": {"GetItem"}},
    NOTIFIER.id: {"Connections": {"Query", "DeleteItem"}},
}
# A stream consumer's event source mapping reads the table's stream with the function's role.
STREAM_READ = {"DescribeStream", "GetRecords", "GetShardIterator"}
for _spec in FUNCTIONS:
    for _logical_id in _spec.event_sources:
        CODE_CALLS.setdefault(_spec.id, {}).setdefault(_logical_id, set()).update(STREAM_READ)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from infra.stack import build_app

    app, _ = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")), compliance_checks=False)
    return app.synth().get_stack_by_name(STACK_NAME).template


def _render(value: Any, resources: dict[str, Any]) -> str:
    """A resolved CloudFormation value as readable text: {Table:Executions}/index/*, arn:{Partition}:..."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_render(item, resources) for item in value)
    if "Fn::Join" in value:
        separator, items = value["Fn::Join"]
        return separator.join(_render(item, resources) for item in items)
    if "Fn::GetAtt" in value or "Ref" in value:
        logical_id = value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else value["Ref"]
        if logical_id.startswith("AWS::"):
            return "{" + logical_id[5:].replace("AccountId", "Account") + "}"
        kind = resources[logical_id]["Type"].split("::")[-1]
        if kind == "Table":
            name = next(d.logical_id for d in tables.ALL_TABLES if logical_id.startswith(f"Data{d.logical_id}Table"))
            return "{Table:" + name + "}"
        if kind == "Function":
            return "{Function:" + next(s.id for s in FUNCTIONS if logical_id.startswith(f"Functions{s.id}")) + "}"
        return "{" + kind + ":" + logical_id + "}"
    return json.dumps(value)


def _role_of(logical_id: str) -> str:
    if logical_id.startswith("OrchestrationStatesRole"):
        return "StatesRole"
    if logical_id.startswith("WebDeployRole"):
        return "WebDeploy"  # CDK's BucketDeployment of the web app (infra/constructs/web.py), with our role
    return next((spec.id for spec in FUNCTIONS if logical_id.startswith(f"Functions{spec.id}Role")), logical_id)


def _statements(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, action, rendered resource) for every Allow of every policy attached to a role."""
    resources = template["Resources"]
    found = []
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        roles = [_role_of(ref["Ref"]) for ref in resource["Properties"]["Roles"]]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for role in roles:
                for action in actions:
                    for target in targets:
                        found.append((role, action, _render(target, resources)))
    return found


def test_every_resource_wildcard_is_one_of_the_reasoned_few(template):
    unexplained = []
    for role, action, resource in _statements(template):
        if "*" not in resource:
            continue
        reason = next((entry for pattern, entry in REASONED_WILDCARDS.items() if re.fullmatch(pattern, resource)), None)
        if reason is None or (reason[1] is not None and action not in reason[1]):
            unexplained.append(f"{role}: {action} on {resource}")
    assert not unexplained, "\n".join(unexplained)


def test_log_writes_are_scoped_to_the_functions_own_log_group(template):
    for role, action, resource in _statements(template):
        if action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert resource.startswith("{LogGroup:") and role in resource, (role, resource)


def _dynamodb_grants(template: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    granted: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for role, action, resource in _statements(template):
        match = re.fullmatch(r"\{Table:([A-Za-z]+)\}(/index/(\*|[A-Za-z_]+))?", resource)
        if action.startswith("dynamodb:") and match:
            granted[role][match.group(1)].add(action.removeprefix("dynamodb:"))
    return granted


def test_every_dynamodb_call_of_the_code_is_granted(template):
    granted = _dynamodb_grants(template)
    for role, by_table in CODE_CALLS.items():
        for table, calls in by_table.items():
            assert calls <= granted[role][table], (role, table, calls - granted[role][table])


def test_no_role_holds_a_dynamodb_action_its_code_does_not_call(template):
    granted = _dynamodb_grants(template)
    excess = {
        f"{role}/{table}": sorted(actions - CODE_CALLS.get(role, {}).get(table, set()))
        for role, by_table in granted.items()
        for table, actions in by_table.items()
        if actions - CODE_CALLS.get(role, {}).get(table, set())
    }
    assert not excess, "\n".join(f"{key}: {actions}" for key, actions in sorted(excess.items()))
