"""The execution use cases, one module each, each with only the dependencies it needs.

start (POST .../execute), retry (POST .../retry: restart or resume), cancel (single and batch), reads (get,
batch-get, list, logs, compare, webhook deliveries), reconcile (recording Step Functions' outcomes: the
reconciler's events and the reads' stale read-repair). Step Functions is the source of truth for an execution's
state, the executions table its index; every status write is a conditional move of the lifecycle
(workflow_engine.models.lifecycle). This package imports nothing itself, so each handler loads only what it uses.
"""
