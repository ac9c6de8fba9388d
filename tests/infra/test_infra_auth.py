"""Cognito: self sign-up with a strong password policy, kept on stack deletion; a public client for the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

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
