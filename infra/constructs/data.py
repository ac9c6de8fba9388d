"""Data: one DynamoDB table per definition in workflow_engine.platform.tables (the definitions the local stack
uses too)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from workflow_engine.platform.tables import ALL_TABLES, TableDefinition


def _attribute(name: str | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING) if name else None


class Data(Construct):
    """The tables, exposed by their logical id (``data.table(tables.EXECUTIONS)`` or ``data.tables["Executions"]``)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {
            definition.logical_id: self._build(definition) for definition in ALL_TABLES
        }

    def table(self, definition: TableDefinition) -> dynamodb.Table:
        return self.tables[definition.logical_id]

    def grant(self, definition: TableDefinition, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant exactly ``actions`` on the table itself (never on its indexes)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self.table(definition).table_arn]
        )

    def _build(self, definition: TableDefinition) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"{definition.logical_id}Table",
            partition_key=_attribute(definition.partition_key),
            sort_key=_attribute(definition.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=definition.ttl_attribute,
            stream=dynamodb.StreamViewType[definition.stream_view_type] if definition.stream_view_type else None,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in definition.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition_key),
                sort_key=_attribute(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table
