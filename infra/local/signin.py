"""`python -m infra.local.signin USER [PASSWORD]`: sign up (once), confirm and print an IdToken.

`--access-token` prints the AccessToken instead; `-h`/`--help` prints this help. A refused sign-in or password is
one line on stderr (exit 1), never a traceback. Uses only the standard Cognito APIs (SignUp, AdminConfirmSignUp,
InitiateAuth USER_PASSWORD_AUTH) against
the stack named by the outputs file ($OUTPUTS_FILE, default .local/outputs.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.catalog import STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD, PASSWORD_POLICY


def sign_in(outputs: dict, username: str, password: str, token_kind: str = "IdToken") -> str:  # noqa: S107 (a token type, not a secret)
    endpoint = outputs.get("AwsEndpointUrl")
    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"} if endpoint else {}
    cognito = boto3.client("cognito-idp", region_name=outputs["Region"], endpoint_url=endpoint, **local)
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.sign_up(ClientId=outputs["UserPoolClientId"], Username=username, Password=password)
    with contextlib.suppress(cognito.exceptions.NotAuthorizedException):  # already confirmed
        cognito.admin_confirm_sign_up(UserPoolId=outputs["UserPoolId"], Username=username)
    result = cognito.initiate_auth(
        ClientId=outputs["UserPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return result["AuthenticationResult"][token_kind]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.signin",
        description="Sign up (once), confirm and print a token of USER, for the local stack ($OUTPUTS_FILE).",
    )
    parser.add_argument("user", metavar="USER", help="The user name (signed up on first use).")
    parser.add_argument(
        "password", metavar="PASSWORD", nargs="?", default=EXAMPLE_PASSWORD, help="Default: the example password."
    )
    parser.add_argument("--access-token", action="store_true", help="Print the AccessToken, not the IdToken.")
    arguments = parser.parse_args(argv[1:])
    outputs_file = Path(os.environ.get("OUTPUTS_FILE", ".local/outputs.json"))
    try:
        outputs = json.loads(outputs_file.read_text())[STACK_NAME]
    except (OSError, ValueError, KeyError):
        print(f"No local stack outputs at {outputs_file}: start it with `make local`", file=sys.stderr)
        return 1
    kind = "AccessToken" if arguments.access_token else "IdToken"
    try:
        print(sign_in(outputs, arguments.user, arguments.password, kind))
    except ClientError as error:
        print(refusal(error, arguments.password), file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"Cannot reach the local stack's Cognito: {error}", file=sys.stderr)
        return 1
    return 0


def refusal(error: ClientError, password: str) -> str:
    """One line saying why Cognito refused, with the password rules when the password broke them."""
    code = error.response.get("Error", {}).get("Code", "")
    if code == "InvalidPasswordException":
        return f"The password does not meet the user pool's rules: it {', '.join(PASSWORD_POLICY.violations(password))}"
    if code == "NotAuthorizedException":
        return "Sign-in refused: wrong password for this user (or the user is disabled)"
    return f"Cognito refused: {error.response.get('Error', {}).get('Message') or code}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
