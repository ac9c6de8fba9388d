"""Secrets in AWS Secrets Manager: the API's store (set, list, delete) and the step functions' reader.

Every secret of a user lives under `<prefix>/<user id>/` (models.secrets.secret_id), encrypted with the stack's
customer-managed KMS key. Values are never read by the API (it has no secretsmanager:GetSecretValue) and never
leave the reader but as the resolved text of a placeholder.

- `put` writes a new version of an existing secret (PutSecretValue) or creates it (CreateSecret with the key);
  a create racing another is retried as a put.
- `names` pages ListSecrets with a name filter on the owner's prefix (a prefix match on the service side, which
  is case-insensitive: the results are checked again here, exactly); at most `MAX_LIST_PAGES` pages.
- `delete` deletes without a recovery window, so the name can be set again at once (DescribeSecret first: a
  forced DeleteSecret of a missing secret succeeds, and a missing secret is the caller's 404).
- `SecretReader.value` reads through the Powertools parameters utility (SecretsProvider), cached in the function
  for `max_age` seconds; a missing secret is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from workflow_engine.models.secrets import SecretSummary, owner_prefix, secret_id

NOT_FOUND = "ResourceNotFoundException"
EXISTS = "ResourceExistsException"
MAX_LIST_PAGES = 50  # 100 secrets a page


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class SecretStore:
    """One stack's secrets, as the API sees them: names and dates in, values written but never read."""

    def __init__(self, client: Any, prefix: str, kms_key_id: str) -> None:
        self._client = client
        self._prefix = prefix
        self._kms_key_id = kms_key_id

    def put(self, user_id: str, name: str, value: str) -> None:
        secret = secret_id(self._prefix, user_id, name)
        try:
            self._client.put_secret_value(SecretId=secret, SecretString=value)
            return
        except ClientError as error:
            if _code(error) != NOT_FOUND:
                raise
        try:
            self._client.create_secret(Name=secret, SecretString=value, KmsKeyId=self._kms_key_id)
        except ClientError as error:
            if _code(error) != EXISTS:
                raise
            self._client.put_secret_value(SecretId=secret, SecretString=value)  # created meanwhile: a new version

    def names(self, user_id: str) -> list[SecretSummary]:
        start = owner_prefix(self._prefix, user_id)
        found = [
            SecretSummary.of(item["Name"][len(start) :], item.get("LastChangedDate") or item["CreatedDate"])
            for item in self._pages(start)
            if item["Name"].startswith(start)  # the service's name filter ignores case: exactly this owner's
        ]
        return sorted(found, key=lambda summary: summary.name)

    def _pages(self, start: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        for _ in range(MAX_LIST_PAGES):
            page = self._client.list_secrets(
                Filters=[{"Key": "name", "Values": [start]}],
                MaxResults=100,
                **({"NextToken": token} if token else {}),
            )
            yield from page.get("SecretList", [])
            token = page.get("NextToken")
            if not token:
                return

    def delete(self, user_id: str, name: str) -> bool:
        """False when there was no such secret."""
        secret = secret_id(self._prefix, user_id, name)
        try:
            self._client.describe_secret(SecretId=secret)
        except ClientError as error:
            if _code(error) == NOT_FOUND:
                return False
            raise
        self._client.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
        return True


class SecretReader:
    """The step functions' reads: one owner's secret by name, through a cached Powertools SecretsProvider."""

    def __init__(self, provider: Any, prefix: str, max_age_seconds: int) -> None:
        self._provider = provider
        self._prefix = prefix
        self._max_age = max_age_seconds

    def value(self, user_id: str, name: str) -> str | None:
        """The value of `user_id`'s secret `name`, None when it does not exist."""
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            value = self._provider.get(secret_id(self._prefix, user_id, name), max_age=self._max_age)
        except GetParameterError as error:
            cause = error.__context__
            if isinstance(cause, ClientError) and _code(cause) == NOT_FOUND:
                return None
            raise
        return value if isinstance(value, str) else bytes(value).decode("utf-8", errors="replace")


def secrets_provider(client: Any) -> Any:
    """A Powertools SecretsProvider on `client` (its cache is the provider's own: one per function)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client)
