"""Sign-up, sign-in and token refresh through the standard Cognito APIs (boto3, imported when needed).

SignUp, then (when Cognito did not confirm the user itself) ConfirmSignUp with the emailed code, or, on the
local stack, whose outputs name an AWS endpoint that accepts any credentials, AdminConfirmSignUp as
`infra.local.signin` does. InitiateAuth USER_PASSWORD_AUTH signs in; REFRESH_TOKEN_AUTH renews the id and
access tokens when they expire.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

from wfe.config import Session, Stack
from wfe.errors import AuthError, ServerError, UsageError

LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # noqa: S105 (moto's dummies)


def _cognito(stack: Stack) -> Any:
    import boto3
    from botocore.config import Config

    extra = {"endpoint_url": stack.aws_endpoint_url, **LOCAL_CREDENTIALS} if stack.aws_endpoint_url else {}
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=15)
    return boto3.client("cognito-idp", region_name=stack.region, config=config, **extra)


def _call(operation: Callable[..., Any], **parameters: Any) -> dict[str, Any]:
    """Call one Cognito operation, turning its errors into the CLI's (exit codes 2, 4 and 5)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation(**parameters)
    except ClientError as error:
        raise cli_error(error) from None
    except BotoCoreError as error:
        raise ServerError(f"Cannot reach Cognito: {error}") from None


def cli_error(error: Any) -> Exception:
    """The CLI's error of a Cognito ClientError: one readable sentence, never a traceback."""
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "") or code
    if code in ("NotAuthorizedException", "UserNotFoundException"):
        return AuthError(f"Sign-in refused: {message}")
    if code == "UserNotConfirmedException":
        return AuthError("This user is not confirmed yet: finish `wfe signup` with the emailed code")
    if code in (
        "UsernameExistsException",
        "InvalidPasswordException",
        "InvalidParameterException",
        "CodeMismatchException",
        "ExpiredCodeException",
    ):
        return UsageError(message)
    return ServerError(f"Cognito answered {code}: {message}")


def _session(username: str, result: dict[str, Any], refresh_token: str | None = None) -> Session:
    tokens = result["AuthenticationResult"]
    return Session(
        username=username,
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
        refresh_token=tokens.get("RefreshToken") or refresh_token or "",
        expires_at=time.time() + int(tokens.get("ExpiresIn", 3600)),
    )


def sign_up(stack: Stack, username: str, password: str, ask_code: Callable[[], str]) -> bool:
    """Register the user and confirm it; True when it was confirmed here (False: Cognito did it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    cognito = _cognito(stack)
    try:
        result = cognito.sign_up(ClientId=stack.client_id, Username=username, Password=password)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "UsernameExistsException":
            raise UsageError(f"The user {username!r} already exists: sign in with `wfe login {username}`") from None
        if code == "InvalidPasswordException":
            rules = password_rules(cognito, stack)
            raise UsageError("The password does not meet the user pool's rules; it needs:", rules) from None
        raise cli_error(error) from None
    except BotoCoreError as error:
        raise ServerError(f"Cannot reach Cognito: {error}") from None
    if result.get("UserConfirmed"):
        return False
    if stack.aws_endpoint_url:
        _call(cognito.admin_confirm_sign_up, UserPoolId=stack.user_pool_id, Username=username)
    else:
        _call(cognito.confirm_sign_up, ClientId=stack.client_id, Username=username, ConfirmationCode=ask_code())
    return True


def password_rules(cognito: Any, stack: Stack) -> list[str]:
    """The user pool's password policy as rules a person reads (DescribeUserPool); when it cannot be read (a
    deployed pool needs AWS credentials for that), a pointer to where it is set."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pool = cognito.describe_user_pool(UserPoolId=stack.user_pool_id)["UserPool"]
        policy = pool["Policies"]["PasswordPolicy"]
    except (BotoCoreError, ClientError, KeyError):
        return ["see the user pool's password policy (infra: PASSWORD_POLICY)"]
    rules = [f"at least {policy.get('MinimumLength', 8)} characters"]
    for key, what in (
        ("RequireLowercase", "a lowercase letter"),
        ("RequireUppercase", "an uppercase letter"),
        ("RequireNumbers", "a number"),
        ("RequireSymbols", "a symbol (such as ! or -)"),
    ):
        if policy.get(key):
            rules.append(what)
    return rules


def log_in(stack: Stack, username: str, password: str) -> Session:
    result = _call(
        _cognito(stack).initiate_auth,
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    if "AuthenticationResult" not in result:
        raise AuthError(f"Cognito asks for a further challenge ({result.get('ChallengeName')}), which wfe does not do")
    return _session(username, result)


def refresh(stack: Stack, session: Session) -> Session:
    """New id and access tokens from the refresh token (Cognito keeps the refresh token itself)."""
    if not session.refresh_token:
        raise AuthError("Your session has expired: run `wfe login`")
    try:
        result = _call(
            _cognito(stack).initiate_auth,
            ClientId=stack.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": session.refresh_token},
        )
    except AuthError:
        raise AuthError("Your session has expired: run `wfe login`") from None
    return _session(session.username, result, refresh_token=session.refresh_token)


def claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, read without verifying it (only to show who is signed in; the API verifies)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
