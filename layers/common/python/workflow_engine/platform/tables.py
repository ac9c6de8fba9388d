"""DynamoDB table definitions, written once: the CDK stack and the local stack both build tables from these.

A table is declared here with everything both stacks must agree on: keys, indexes, TTL, stream view type and the
setting (environment variable, upper-cased) its name is passed in. tests/integration/test_drift.py checks the two
stacks agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

StreamViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableDefinition:
    """One table: its logical id, keys, indexes, TTL attribute, stream and the setting that names it.

    ``stream_view_type`` (e.g. "NEW_AND_OLD_IMAGES") turns on the table's DynamoDB stream, which feeds the
    functions that list the table in ``FunctionSpec.event_sources`` (infra/catalog.py).
    """

    logical_id: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None
    stream_view_type: StreamViewType | None = None
    setting: str | None = None  # the settings field (workflow_engine.platform.settings) that carries the table's name

    @property
    def environment_name(self) -> str | None:
        """The environment variable the stacks pass the table's name in (None: no function reads it)."""
        return self.setting.upper() if self.setting else None

    def key_attributes(self) -> list[str]:
        """Every attribute that is a key of the table or of one of its indexes (all strings)."""
        names: list[str] = [self.partition_key]
        if self.sort_key:
            names.append(self.sort_key)
        for index in self.indexes:
            names.append(index.partition_key)
            if index.sort_key:
                names.append(index.sort_key)
        return list(dict.fromkeys(names))


WORKFLOWS = TableDefinition(
    logical_id="Workflows", partition_key="user_id", sort_key="workflow_id", setting="workflows_table"
)

# Executions: one item per execution. Every listing is a Query on an index whose partition key carries
# the user, so isolation holds by construction; sort keys are start times, read newest first.
EXECUTIONS_BY_USER = Index("by_user", "user_id", "started_at")
EXECUTIONS_BY_WORKFLOW = Index("by_user_workflow", "user_workflow", "started_at")
EXECUTIONS_BY_STATUS = Index("by_user_status", "user_status", "started_at")
# A parent's child executions (workflow steps): "<user_id>#<parent execution id>", written by the parent's machine
# (asl.child) on child items only, so the index is sparse.
EXECUTIONS_BY_PARENT = Index("by_user_parent", "user_parent", "started_at")
EXECUTIONS = TableDefinition(
    logical_id="Executions",
    partition_key="execution_id",
    indexes=(EXECUTIONS_BY_USER, EXECUTIONS_BY_WORKFLOW, EXECUTIONS_BY_STATUS, EXECUTIONS_BY_PARENT),
    stream_view_type="NEW_AND_OLD_IMAGES",
    setting="executions_table",
)

# Logs: partitioned by "<user_id>#<execution_id>" (only the owner's key reaches them), sorted by time
# (log_key = "<timestamp>#<log id>"). The by_user index serves the search across all of a user's executions.
LOGS_BY_USER = Index("by_user", "user_id", "log_key")
LOGS = TableDefinition(
    logical_id="ExecutionLogs",
    partition_key="owner_execution",
    sort_key="log_key",
    indexes=(LOGS_BY_USER,),
    stream_view_type="NEW_AND_OLD_IMAGES",
    setting="logs_table",
)

# Webhook deliveries: one item per (execution, delivery), partitioned like the logs (owner in the key).
NOTIFICATIONS = TableDefinition(
    logical_id="Notifications", partition_key="owner_execution", sort_key="delivery_id", setting="notifications_table"
)


def owner_execution_key(user_id: str, execution_id: str) -> str:
    """The partition key of an execution's logs and webhook deliveries: the owner is part of it."""
    return f"{user_id}#{execution_id}"


IDEMPOTENCY = TableDefinition(
    logical_id="Idempotency", partition_key="id", ttl_attribute="expiration", setting="idempotency_table"
)

# Metrics: aggregates kept by the metrics aggregator (stream consumer). Partition "<user>#<workflow id or *>#<hour|
# day>", sort key the UTC bucket start (one item per bucket) or "<bucket>#step#<type>#<name>" (one per step in
# it); reading a range is one Query on one partition. Also the "processed" markers that make each execution and
# step attempt count once ("<user>#processed", "execution#<id>" / "log#<id>"), which expire (TTL).
METRICS = TableDefinition(
    logical_id="Metrics", partition_key="pk", sort_key="sk", ttl_attribute="expires_at", setting="metrics_table"
)


# WebSocket connections (real-time channel): one item per open connection, with the caller's subscriptions;
# the notifier finds a user's connections with one Query on the by-user index. TTL ages out dead ones. The
# per-user cap's slot items ("slot#<user>#<k>", data/connection_slots.py) live here too, without a user_id, so
# the by-user index never holds them.
CONNECTIONS_BY_USER = Index("by_user", "user_id")
CONNECTIONS = TableDefinition(
    logical_id="Connections",
    partition_key="connection_id",
    indexes=(CONNECTIONS_BY_USER,),
    ttl_attribute="expires_at",
    setting="connections_table",
)

# Schedules: one item per schedule, partitioned by "<user_id>#<workflow_id>" (the owner in the key), so a
# workflow's schedules are one Query and a firing reads its schedule with one GetItem (its Input names the keys).
SCHEDULES = TableDefinition(
    logical_id="Schedules", partition_key="owner_workflow", sort_key="schedule_id", setting="schedules_table"
)
# Inbound webhook triggers (data/triggers.py, data/webhook_deliveries.py): one table, partitioned by trigger id.
# sk "trigger": the trigger itself (its owner, workflow and encrypted secret; listed per workflow by the sparse
# by_user_workflow index, "<user_id>#<workflow_id>"); "delivery#<delivery id>": the execution a delivery started
# (replays answer it); "rate#<window start>": the calls counted in one rate-limit window. Deliveries and windows
# expire (TTL).
TRIGGERS_BY_USER_WORKFLOW = Index("by_user_workflow", "user_workflow", "created_at")
TRIGGERS = TableDefinition(
    logical_id="Triggers",
    partition_key="trigger_id",
    sort_key="sk",
    indexes=(TRIGGERS_BY_USER_WORKFLOW,),
    ttl_attribute="expires_at",
    setting="triggers_table",
)

ALL_TABLES: tuple[TableDefinition, ...] = (
    WORKFLOWS,
    EXECUTIONS,
    LOGS,
    IDEMPOTENCY,
    CONNECTIONS,
    METRICS,
    NOTIFICATIONS,
    SCHEDULES,
    TRIGGERS,
)
