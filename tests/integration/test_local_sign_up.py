"""Locally, a user who signs up from the browser is confirmed at once (infra/local/webapp.py): the browser can call
SignUp and InitiateAuth, but AdminConfirmSignUp needs AWS credentials it must never hold. Without the patch, moto
leaves the user UNCONFIRMED and InitiateAuth refuses them, as Cognito does."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from moto.cognitoidp.models import CognitoIdpBackend

from infra.local.webapp import confirm_sign_ups_at_once


@pytest.fixture
def pool(aws: Any) -> tuple[Any, str]:
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = cognito.create_user_pool(PoolName=f"sign-up-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return cognito, client_id


def _sign_up_and_in(cognito: Any, client_id: str) -> tuple[bool, Any]:
    username = f"u-{uuid.uuid4().hex[:8]}"
    confirmed = cognito.sign_up(ClientId=client_id, Username=username, Password="Correct-Horse-42!")["UserConfirmed"]
    try:
        cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": "Correct-Horse-42!"},
        )
    except cognito.exceptions.UserNotConfirmedException as error:
        return confirmed, error
    return confirmed, None


def test_without_it_a_new_user_cannot_sign_in(pool: tuple[Any, str]) -> None:
    confirmed, error = _sign_up_and_in(*pool)
    assert confirmed is False and error is not None


def test_with_it_a_new_user_signs_in_at_once(pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CognitoIdpBackend, "sign_up", CognitoIdpBackend.sign_up)  # restored after the test
    confirm_sign_ups_at_once()
    confirm_sign_ups_at_once()  # idempotent: wraps once
    confirmed, error = _sign_up_and_in(*pool)
    assert confirmed is True and error is None
