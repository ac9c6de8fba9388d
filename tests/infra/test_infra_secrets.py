"""Secrets on the synthesized template: a customer-managed key with rotation, and grants scoped to the stack's
secrets prefix and that key (through Secrets Manager only). The API writes and never reads; the http and ai step
functions read and never write; no other role reaches a secret or the key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from infra.catalog import FUNCTIONS, SECRETS_API, TRIGGERS_API, WEBHOOKS_INBOUND, step_function_of
from infra.constructs.secrets import MANAGE_ACTIONS, READ_ACTIONS
from workflow_engine.data.trigger_secrets import PURPOSE as TRIGGER_SECRET_PURPOSE

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")

READERS = {step_function_of("http").id, step_function_of("ai").id}
# Inbound webhook triggers' secrets are sealed with the same key, called directly (data/trigger_secrets.py).
TRIGGER_KEY_USERS = {TRIGGERS_API.id: "kms:Encrypt", WEBHOOKS_INBOUND.id: "kms:Decrypt"}


def _statements(synth: Synthesized, function_id: str) -> list[dict[str, Any]]:
    return list(synth.statements_of(synth.stack.functions.roles[function_id]))


def _secret_statements(synth: Synthesized, function_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for statement in _statements(synth, function_id)
        if any(action.startswith(("secretsmanager:", "kms:")) for action in _actions(statement))
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _prefix_arn(synth: Synthesized) -> Any:
    return synth.resolve(synth.stack.secrets.secrets_arn)


def _key_arn(synth: Synthesized) -> Any:
    return synth.get_att(synth.stack.secrets.key)


def test_the_key_is_customer_managed_with_rotation_and_kept(synth: Synthesized) -> None:
    key = synth.resource(synth.stack.secrets.key)
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_the_prefix_is_the_stacks_own(synth: Synthesized) -> None:
    assert synth.stack.secrets.prefix == f"{synth.stack.stack_name}/secrets"
    rendered = str(_prefix_arn(synth))
    assert f":secret:{synth.stack.stack_name}/secrets/*" in rendered


def test_the_secrets_api_writes_under_the_prefix_and_never_reads(synth: Synthesized) -> None:
    statements = _secret_statements(synth, SECRETS_API.id)
    granted: dict[str, list[Any]] = {}
    for statement in statements:
        for action in _actions(statement):
            if action.startswith(("secretsmanager:", "kms:")):  # a "*" statement also holds the X-Ray actions
                granted.setdefault(action, []).append((statement["Resource"], statement.get("Condition")))
    for action in MANAGE_ACTIONS:
        assert granted[action] == [(_prefix_arn(synth), None)], action
    # ListSecrets cannot be scoped to resources (AWS): the only action on "*".
    assert granted["secretsmanager:ListSecrets"] == [("*", None)]
    assert "secretsmanager:GetSecretValue" not in granted
    for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"):
        [(resource, condition)] = granted[action]
        assert resource == _key_arn(synth)
        assert synth.resolve(condition) == synth.resolve(synth.stack.secrets.via_secrets_manager)
    assert set(granted) == {
        *MANAGE_ACTIONS,
        "secretsmanager:ListSecrets",
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }


@pytest.mark.parametrize("function_id", sorted(READERS))
def test_the_http_and_ai_steps_read_under_the_prefix_only(synth: Synthesized, function_id: str) -> None:
    statements = _secret_statements(synth, function_id)
    actions = {action for statement in statements for action in _actions(statement)}
    assert actions == {*READ_ACTIONS, "kms:Decrypt"}  # no write, no list
    for statement in statements:
        if "kms:Decrypt" in _actions(statement):
            assert statement["Resource"] == _key_arn(synth)
            assert synth.resolve(statement["Condition"]) == synth.resolve(synth.stack.secrets.via_secrets_manager)
        else:
            assert statement["Resource"] == _prefix_arn(synth)


@pytest.mark.parametrize(("function_id", "action"), sorted(TRIGGER_KEY_USERS.items()))
def test_trigger_secrets_use_the_key_directly_for_their_purpose_only(
    synth: Synthesized, function_id: str, action: str
) -> None:
    """The workflow API seals trigger secrets (Encrypt), the inbound webhook opens them (Decrypt): on this key,
    only for the `purpose: webhook-trigger` encryption context, and no Secrets Manager action at all."""
    statements = _secret_statements(synth, function_id)
    assert [_actions(statement) for statement in statements] == [[action]]
    (statement,) = statements
    assert statement["Resource"] == _key_arn(synth)
    assert statement["Condition"] == {"StringEquals": {"kms:EncryptionContext:purpose": TRIGGER_SECRET_PURPOSE}}


def test_no_other_role_reaches_a_secret_or_the_key(synth: Synthesized) -> None:
    others = [spec.id for spec in FUNCTIONS if spec.id not in READERS | {SECRETS_API.id, *TRIGGER_KEY_USERS}]
    assert others
    for function_id in others:
        assert _secret_statements(synth, function_id) == [], function_id


def test_the_functions_that_use_secrets_know_the_prefix_and_key(synth: Synthesized) -> None:
    for function_id in (*READERS, SECRETS_API.id):
        variables = synth.resource(synth.stack.functions.functions[function_id])["Properties"]["Environment"][
            "Variables"
        ]
        assert variables["SECRETS_PREFIX"] == synth.stack.secrets.prefix
    api = synth.resource(synth.stack.functions.functions[SECRETS_API.id])["Properties"]["Environment"]["Variables"]
    assert api["SECRETS_KMS_KEY_ID"] == _key_arn(synth)
