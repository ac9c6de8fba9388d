"""Observability defaults shared by every construct: log groups with a retention and the metrics namespace."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

LOG_RETENTION = logs.RetentionDays.ONE_MONTH
METRICS_NAMESPACE = "WorkflowEngine"


def log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group with a CloudFormation-generated name and the standard retention."""
    return logs.LogGroup(scope, construct_id, retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)
