"""The SDK's errors, read in one place: what a failed AWS call raises, and the code that names the failure."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

# Everything an AWS call may raise once the SDK's own retries are spent: the service's answer (ClientError) or
# no answer at all (BotoCoreError: connection, timeout...).
AWS_ERRORS = (ClientError, BotoCoreError)


def error_code(error: ClientError | BotoCoreError) -> str:
    """The service's error code ("ThrottlingException"...), or the SDK error's class name when there was no answer."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__
