"""`wfe` under unit test: an outputs file that names a stack, and the CLI's API client replaced by a fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STACK = {"ApiUrl": "http://api", "UserPoolId": "pool", "UserPoolClientId": "client", "Region": "us-east-1"}


def fake_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_api: type) -> Path:
    """The outputs file to pass as `--outputs`; every request `wfe` makes goes to `fake_api`."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"WorkflowEngine": STACK}))
    monkeypatch.setattr("wfe.http.Api", fake_api)
    return outputs
