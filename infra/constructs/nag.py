"""Acknowledging cdk-nag findings, one finding at a time, each with its reason.

cdk-nag 3 reads acknowledgments recorded with ``Validations.of(construct).acknowledge``. Rules that report
several findings per resource (IAM4, IAM5) are acknowledged per finding (``AwsSolutions-IAM5[Resource::...]``),
so an acknowledgment never hides a permission it was not written for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str, *, findings: Iterable[str] = ()) -> None:
    """Acknowledge ``rule`` on ``scope`` (and its children), or only the given findings of it."""
    if not reason.strip():
        raise ValueError(f"acknowledging {rule} needs a written reason")
    ids = [f"{rule}[{finding}]" for finding in findings] or [rule]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in ids))


def acknowledge_wildcard_resources(scope: IConstruct, reason: str, *resources: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for exactly these resource ARNs (tokens allowed) granted under ``scope``."""
    stack = Stack.of(scope)
    acknowledge(
        scope,
        "AwsSolutions-IAM5",
        reason,
        findings=[f"Resource::{flatten(stack.resolve(resource))}" for resource in resources],
    )


def flatten(node: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in findings (flattenCfnReference)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten(item) for item in items)
        if "Fn::Sub" in node:
            return flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
