"""Secrets: the users' secrets in AWS Secrets Manager under this stack's prefix, encrypted with a customer-managed
KMS key (rotation on), and the two grants that reach them.

Names: `<stack name>/secrets/<user id>/<name>` (`secrets_prefix` + models.secrets.secret_id). Every Secrets
Manager permission is scoped to `arn:...:secret:<stack name>/secrets/*` except `secretsmanager:ListSecrets`, which
takes no resource (AWS: it cannot be scoped to resources); the API filters by the owner's prefix. The KMS actions
are on this key only, and only through Secrets Manager (`kms:ViaService`).

- `grant_manage` (the secrets API): create, put, describe, delete, list; never GetSecretValue.
- `grant_read` (the step functions that read secrets: http, ai): GetSecretValue and kms:Decrypt, nothing else.
- `grant_trigger_secrets` (inbound webhook triggers, data/trigger_secrets.py): kms:Encrypt (the workflow API, which
  creates triggers) or kms:Decrypt (the inbound webhook function) called directly, on this key, and only for
  ciphertexts whose encryption context says `purpose: webhook-trigger`.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.nag import acknowledge_wildcard_resources
from workflow_engine.data.trigger_secrets import PURPOSE as TRIGGER_SECRET_PURPOSE

MANAGE_ACTIONS = (
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:DeleteSecret",
)
READ_ACTIONS = ("secretsmanager:GetSecretValue",)
PREFIX_REASON = (
    "Users' secrets are named <stack name>/secrets/<user id>/<name>, created at run time: the grant reaches this "
    "stack's secrets prefix only (Secrets Manager appends a random suffix to every secret's ARN)."
)
LIST_REASON = (
    "secretsmanager:ListSecrets does not support resource-level permissions; the API lists with a name filter on "
    "the caller's own prefix and checks every name again."
)


def secrets_prefix(stack: Stack) -> str:
    """Where this stack's secrets live: `<stack name>/secrets` (each user's under `<prefix>/<user id>/`)."""
    return f"{stack.stack_name}/secrets"


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.prefix = secrets_prefix(stack)
        self.key = kms.Key(
            self,
            "SecretsKey",
            description="Encrypts the users' step secrets (Secrets Manager)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.secrets_arn = stack.format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{self.prefix}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.via_secrets_manager = {"StringEquals": {"kms:ViaService": f"secretsmanager.{Aws.REGION}.amazonaws.com"}}

    def environment(self) -> dict[str, str]:
        """The settings this construct provides (SecretsSettings, StepSettings)."""
        return {"SECRETS_PREFIX": self.prefix, "SECRETS_KMS_KEY_ID": self.key.key_arn}

    def grant_manage(self, role: iam.IRole) -> None:
        iam.Grant.add_to_principal(grantee=role, actions=list(MANAGE_ACTIONS), resource_arns=[self.secrets_arn])
        iam.Grant.add_to_principal(grantee=role, actions=["secretsmanager:ListSecrets"], resource_arns=["*"])
        self._grant_key(role, "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
        acknowledge_wildcard_resources(role, PREFIX_REASON, self.secrets_arn)
        acknowledge_wildcard_resources(role, LIST_REASON, "*")

    def grant_read(self, role: iam.IRole) -> None:
        iam.Grant.add_to_principal(grantee=role, actions=list(READ_ACTIONS), resource_arns=[self.secrets_arn])
        self._grant_key(role, "kms:Decrypt")
        acknowledge_wildcard_resources(role, PREFIX_REASON, self.secrets_arn)

    def grant_trigger_secrets(self, role: iam.IRole, action: str) -> None:
        iam.Grant.add_to_principal(
            grantee=role,
            actions=[action],
            resource_arns=[self.key.key_arn],
            conditions={"StringEquals": {"kms:EncryptionContext:purpose": TRIGGER_SECRET_PURPOSE}},
        )

    def _grant_key(self, role: iam.IRole, *actions: str) -> None:
        iam.Grant.add_to_principal(
            grantee=role, actions=list(actions), resource_arns=[self.key.key_arn], conditions=self.via_secrets_manager
        )
