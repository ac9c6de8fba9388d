"""The stack's dead-letter queues: SQS-managed encryption, TLS only, kept DEAD_LETTER_RETENTION_DAYS."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.declarations import DEAD_LETTER_RETENTION_DAYS


def dead_letter_queue(scope: Construct, construct_id: str, holds: str) -> sqs.Queue:
    """A dead-letter queue of `holds` (what fails into it: cdk-nag's SQS3 reason says it needs no DLQ itself)."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(DEAD_LETTER_RETENTION_DAYS),
    )
    acknowledge(queue, "AwsSolutions-SQS3", f"This queue is itself the dead-letter queue of {holds}; it needs no DLQ.")
    return queue
