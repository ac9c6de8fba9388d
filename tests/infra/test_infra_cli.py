"""The CDK CLI pinned in package-lock.json (`npx cdk`) reads the cloud assembly aws-cdk-lib synthesizes.

A CLI older than the library's cloud-assembly schema refuses the assembly, so deploying with a mismatched CLI
fails here first, offline.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from infra.catalog import REPO_ROOT, STACK_NAME

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"


def test_the_pinned_cli_is_installed() -> None:
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    installed = json.loads((REPO_ROOT / "node_modules" / "aws-cdk" / "package.json").read_text())["version"]

    assert installed == pinned


def test_the_pinned_cli_reads_the_synthesized_assembly(synth: Synthesized) -> None:
    outdir = Path(synth.template_path).parent
    result = subprocess.run(  # noqa: S603 (the repository's own pinned CLI)
        [str(CDK), "ls", "--app", str(outdir), "--no-notices"],
        env={**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [STACK_NAME]
