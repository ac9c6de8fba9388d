"""The local user pool enforces the deployed password policy: the documented example signs up, a weaker one
is refused as Cognito refuses it (InvalidPasswordException)."""

from __future__ import annotations

import uuid

import boto3
import pytest

from infra.declarations import EXAMPLE_PASSWORD
from infra.local.signin import sign_in


def test_the_documented_example_signs_up_and_in(resources):
    outputs = {
        "Region": resources.region,
        "UserPoolId": resources.user_pool_id,
        "UserPoolClientId": resources.user_pool_client_id,
    }
    assert sign_in(outputs, f"reader-{uuid.uuid4().hex[:8]}", EXAMPLE_PASSWORD).count(".") == 2  # a JWT


@pytest.mark.parametrize("password", ["Passw0rd!23", "CorrectHorse42xx"])  # 11 characters; no symbol
def test_a_password_the_policy_refuses_cannot_sign_up(resources, password):
    cognito = boto3.client("cognito-idp", region_name=resources.region)
    with pytest.raises(cognito.exceptions.InvalidPasswordException):
        cognito.sign_up(
            ClientId=resources.user_pool_client_id, Username=f"weak-{uuid.uuid4().hex[:8]}", Password=password
        )
