"""`python -m infra.local.signin USER [PASSWORD]`: sign up (once), confirm and print an IdToken.

Uses only the standard Cognito APIs (SignUp, AdminConfirmSignUp, InitiateAuth USER_PASSWORD_AUTH) against
the stack named by the outputs file ($OUTPUTS_FILE, default .local/outputs.json).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import boto3

from infra.catalog import STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD


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
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outputs = json.loads(Path(os.environ.get("OUTPUTS_FILE", ".local/outputs.json")).read_text())[STACK_NAME]
    print(sign_in(outputs, argv[1], argv[2] if len(argv) > 2 else EXAMPLE_PASSWORD))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
