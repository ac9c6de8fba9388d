"""Cognito: self sign-up with a strong password policy, kept on stack deletion; a public client for the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from infra.declarations import APP_CLIENT, PASSWORD_POLICY, USER_POOL

if TYPE_CHECKING:
    from conftest import Synthesized

# One worker synthesizes the app once for all infra tests (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("infra")


def test_user_pool_allows_self_sign_up_with_strong_passwords(synth: Synthesized) -> None:
    resource = synth.resource(synth.stack.auth.user_pool)
    props = resource["Properties"]

    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "UsernameAttributes" not in props, "users sign in with their username"
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[flag] for flag in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_client_signs_in_with_password_or_srp_and_has_no_secret(synth: Synthesized) -> None:
    props = synth.resource(synth.stack.auth.client)["Properties"]

    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(props["ExplicitAuthFlows"])
    assert props.get("GenerateSecret", False) is False
    assert props["UserPoolId"] == synth.ref(synth.stack.auth.user_pool)


def test_pool_and_client_are_built_from_the_declarations(synth: Synthesized) -> None:
    pool = synth.resource(synth.stack.auth.user_pool)["Properties"]
    client = synth.resource(synth.stack.auth.client)["Properties"]

    assert pool["Policies"]["PasswordPolicy"] == PASSWORD_POLICY.cognito()
    assert pool["UsernameConfiguration"] == {"CaseSensitive": USER_POOL.case_sensitive_usernames}
    assert pool["MfaConfiguration"] == USER_POOL.mfa
    assert pool["AccountRecoverySetting"] == USER_POOL.account_recovery()
    assert client["ExplicitAuthFlows"] == APP_CLIENT.explicit_auth_flows()
    assert {name: client[name] for name in APP_CLIENT.token_validity()} == APP_CLIENT.token_validity()
    # The API signs users in with the pool's own flows: no OAuth flows, scopes or callback URLs.
    assert not {"AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs"} & set(client)
    assert client.get("AllowedOAuthFlowsUserPoolClient", False) is False
