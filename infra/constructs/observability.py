"""Observability defaults shared by every construct: log groups with a retention and the metrics namespace."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.declarations import METRICS_NAMESPACE

# declarations.LOG_RETENTION_DAYS (30; CDK names the retention, it takes no number); the drift test compares
# every log group's retention in the template with the declaration.
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
__all__ = ["LOG_RETENTION", "METRICS_NAMESPACE", "log_group"]


def log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group with a CloudFormation-generated name and the standard retention."""
    return logs.LogGroup(scope, construct_id, retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)
