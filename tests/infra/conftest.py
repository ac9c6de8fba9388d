"""Synthesizes the WorkflowEngine app once per session; tests read the template and the construct tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, CfnElement  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from constructs import IConstruct  # noqa: E402

from infra.catalog import STACK_NAME  # noqa: E402
from infra.stack import WorkflowEngineStack, build_app  # noqa: E402


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: WorkflowEngineStack
    template: Template
    template_json: dict[str, Any]
    template_path: str

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template_json["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value["Type"] == resource_type}

    def logical_id(self, construct: IConstruct) -> str:
        """The logical id of a construct's CloudFormation resource (the construct itself or its default child)."""
        element = construct if isinstance(construct, CfnElement) else construct.node.default_child
        assert isinstance(element, CfnElement), f"{construct.node.path} has no CloudFormation resource"
        return self.stack.get_logical_id(element)

    def resource(self, construct: IConstruct) -> dict[str, Any]:
        return self.resources[self.logical_id(construct)]

    def ref(self, construct: IConstruct) -> dict[str, str]:
        return {"Ref": self.logical_id(construct)}

    def get_att(self, construct: IConstruct, attribute: str = "Arn") -> dict[str, list[str]]:
        return {"Fn::GetAtt": [self.logical_id(construct), attribute]}

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)

    def statements_of(self, role: IConstruct) -> Iterator[dict[str, Any]]:
        """Every statement of the policies attached to ``role`` (inline and AWS::IAM::Policy)."""
        role_id = self.logical_id(role)
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"].get("Roles", []):
                yield from policy["Properties"]["PolicyDocument"]["Statement"]
        for inline in self.resources[role_id]["Properties"].get("Policies", []):
            yield from inline["PolicyDocument"]["Statement"]

    def permissions(self, role: IConstruct) -> dict[str, list[Any]]:
        """Allowed action -> every resource it is allowed on, for one role."""
        result: dict[str, list[Any]] = {}
        for statement in self.statements_of(role):
            assert statement["Effect"] == "Allow", statement
            for action in as_list(statement["Action"]):
                result.setdefault(action, []).extend(as_list(statement["Resource"]))
        return result


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("cdk.out")
    # cdk-nag runs in test_infra_security.py, which lists the findings, instead of failing this synth.
    app, stack = build_app(outdir=str(outdir), compliance_checks=False)
    artifact = app.synth().get_stack_by_name(STACK_NAME)
    return Synthesized(
        app=app,
        stack=stack,
        template=Template.from_json(artifact.template),
        template_json=artifact.template,
        template_path=artifact.template_full_path,
    )
