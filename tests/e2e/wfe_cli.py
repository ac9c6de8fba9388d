"""Helpers of the `wfe` e2e tests: the real console script in a subprocess, against the e2e stack.

The script is the one installed beside the interpreter running the tests (`.venv/bin/wfe` under `make test`).
Each user gets its own config dir (WFE_CONFIG_DIR), and the stack comes from an outputs file (WFE_OUTPUTS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

WFE = Path(sys.executable).with_name("wfe")
PASSWORD = "Correct-Horse-42!"  # noqa: S105 (a test user's; it satisfies the deployed password policy)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Wfe:
    """`wfe` as one user: its own config dir; the stack's outputs file."""

    outputs: Path
    config_dir: Path
    username: str = field(default_factory=lambda: f"cli-{uuid.uuid4().hex[:8]}")

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WFE_OUTPUTS": str(self.outputs),
            "WFE_CONFIG_DIR": str(self.config_dir),
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        completed = subprocess.run(  # noqa: S603 (the project's own console script)
            [str(WFE), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def ok(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        result = self(*args, stdin=stdin, timeout=timeout)
        assert result.code == 0, f"wfe {' '.join(args)} -> {result.code}\n{result.stdout}\n{result.stderr}"
        return result

    @property
    def credentials(self) -> Path:
        return self.config_dir / "credentials.json"

    def signup(self) -> Wfe:
        self.ok("signup", self.username, "--password-stdin", stdin=PASSWORD + "\n")
        return self


@pytest.fixture(scope="session")
def wfe_outputs(stack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stack's outputs, as `cdk deploy --outputs-file` writes them (whatever stack the e2e suite uses)."""
    path = tmp_path_factory.mktemp("wfe") / "outputs.json"
    path.write_text(json.dumps({"WorkflowEngine": stack}))
    return path


@pytest.fixture
def new_wfe_user(wfe_outputs: Path, tmp_path: Path):
    """A factory of not-yet-signed-up `wfe` users, each with its own config dir."""
    count = iter(range(100))
    return lambda: Wfe(wfe_outputs, tmp_path / f"config-{next(count)}")


@pytest.fixture(scope="module")
def wfe(wfe_outputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Wfe:
    """A signed-up and signed-in `wfe` user, shared by a module's tests."""
    return Wfe(wfe_outputs, tmp_path_factory.mktemp("wfe-config")).signup()


def write_definition(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path
