"""Where the stack is (the outputs file) and where the user's tokens live (the config dir, mode 0600)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wfe.errors import UsageError

STACK_NAME = "WorkflowEngine"
DEFAULT_OUTPUTS = ".local/outputs.json"
CONFIG_DIR_ENV = "WFE_CONFIG_DIR"
CREDENTIALS_FILE = "credentials.json"


@dataclass(frozen=True)
class Stack:
    """The outputs of one stack, as `cdk deploy --outputs-file` (or `make local`) writes them."""

    api_url: str
    user_pool_id: str
    client_id: str
    region: str
    aws_endpoint_url: str | None = None  # the local stack's AWS endpoint; absent for a deployed stack
    websocket_url: str | None = None
    app_url: str | None = None  # the web app's origin, which serves /openapi.json (AWS: CloudFront)

    @property
    def key(self) -> str:
        """Which tokens belong to this stack: one login per API and app client."""
        return f"{self.api_url.rstrip('/')}|{self.client_id}"


def load_stack(path: str | os.PathLike[str]) -> Stack:
    file = Path(path)
    try:
        document = json.loads(file.read_text())
    except FileNotFoundError:
        raise UsageError(
            f"No outputs file at {file}: start the local stack (`make local`), or pass --outputs FILE "
            "(or set WFE_OUTPUTS) to the file `cdk deploy --outputs-file` wrote"
        ) from None
    except (OSError, ValueError) as error:
        raise UsageError(f"Cannot read the outputs file {file}: {error}") from None
    outputs = document.get(STACK_NAME) if isinstance(document, dict) else None
    if not isinstance(outputs, dict):
        raise UsageError(f"The outputs file {file} has no {STACK_NAME!r} stack")
    missing = [key for key in ("ApiUrl", "UserPoolId", "UserPoolClientId", "Region") if not outputs.get(key)]
    if missing:
        raise UsageError(f"The outputs file {file} lacks {', '.join(missing)}")
    return Stack(
        api_url=outputs["ApiUrl"].rstrip("/"),
        user_pool_id=outputs["UserPoolId"],
        client_id=outputs["UserPoolClientId"],
        region=outputs["Region"],
        aws_endpoint_url=outputs.get("AwsEndpointUrl") or None,
        websocket_url=outputs.get("WebSocketUrl") or None,
        app_url=outputs.get("AppUrl") or None,
    )


def config_dir() -> Path:
    """$WFE_CONFIG_DIR, else the platform's user config dir (~/.config/wfe on Linux)."""
    named = os.environ.get(CONFIG_DIR_ENV)
    if named:
        return Path(named)
    import click

    return Path(click.get_app_dir("wfe"))


@dataclass
class Session:
    """One signed-in user of one stack."""

    username: str
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds when the id/access tokens expire

    def expired(self, margin_seconds: float = 60) -> bool:
        return time.time() >= self.expires_at - margin_seconds

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class TokenStore:
    """credentials.json in the config dir: {stack key: session}. The file is created with mode 0600 (and its
    directory 0700) and replaced atomically, so a token is never readable by other users, even briefly."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / CREDENTIALS_FILE

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged file is the same as no login: `wfe login` rewrites it
        return document if isinstance(document, dict) else {}

    def _write(self, document: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{CREDENTIALS_FILE}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # the umask may not narrow it further, and an old file may be wider
            with os.fdopen(descriptor, "w") as file:
                json.dump(document, file, indent=2)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, self.path)

    def get(self, stack: Stack) -> Session | None:
        entry = self._read().get(stack.key)
        if not isinstance(entry, dict):
            return None
        try:
            return Session(**entry)
        except TypeError:
            return None

    def put(self, stack: Stack, session: Session) -> None:
        document = self._read()
        document[stack.key] = session.to_dict()
        self._write(document)

    def delete(self, stack: Stack) -> bool:
        document = self._read()
        if document.pop(stack.key, None) is None:
            return False
        self._write(document)
        return True
