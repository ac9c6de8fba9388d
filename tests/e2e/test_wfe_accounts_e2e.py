"""Cognito's refusals as sentences against the local stack: `wfe signup` of an existing user or with a weak password
(the pool's rules listed), a wrong password, and the sign-in helper (`python -m infra.local.signin`): its --help
is help, a wrong password is one line on stderr, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.catalog import REPO_ROOT
from tests.e2e.wfe_cli import PASSWORD

pytestmark = pytest.mark.xdist_group("e2e")


def test_signup_refusals_read_as_sentences(new_wfe_user) -> None:
    user = new_wfe_user().signup()
    again = user("signup", user.username, "--password-stdin", stdin=PASSWORD + "\n")
    assert again.code == 2 and "Traceback" not in again.stderr
    assert f"The user '{user.username}' already exists: sign in with `wfe login {user.username}`" in again.stderr
    weak = new_wfe_user()
    refused = weak("signup", weak.username, "--password-stdin", stdin="short\n")
    assert refused.code == 2, refused.stderr
    assert "The password does not meet the user pool's rules" in refused.stderr
    assert "at least 12 characters" in refused.stderr and "an uppercase letter" in refused.stderr
    wrong = user("login", user.username, "--password-stdin", stdin="Wrong-Password-42!\n")
    assert wrong.code == 4 and "Sign-in refused" in wrong.stderr and "Traceback" not in wrong.stderr


def helper(outputs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OUTPUTS_FILE": str(outputs),
        "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
    }
    return subprocess.run(  # noqa: S603 (the project's own module)
        [sys.executable, "-m", "infra.local.signin", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_sign_in_helper_explains_itself(wfe_outputs: Path, new_wfe_user) -> None:
    shown = helper(wfe_outputs, "--help")
    assert shown.returncode == 0 and "USER" in shown.stdout and shown.stderr == ""
    user = new_wfe_user().signup()
    token = helper(wfe_outputs, user.username, PASSWORD)
    assert token.returncode == 0 and token.stdout.count(".") == 2  # a JWT
    wrong = helper(wfe_outputs, user.username, "Wrong-Password-42!")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.startswith("Sign-in refused: wrong password") and "Traceback" not in wrong.stderr
    assert json.loads(wfe_outputs.read_text())  # the outputs file the helper read
