"""mypy is clean on the layer and the functions (configured in pyproject.toml [tool.mypy]), with the typed
boto3 clients; and those types cost nothing at run time: the stubs are dev-only and never imported.

This is how `make test` (and so CI) runs mypy; `make lint` runs it too.
"""

from __future__ import annotations

import os
import subprocess
import sys

from packaging.requirements import Requirement

from infra import dependencies
from infra.catalog import REPO_ROOT

PYTHONPATH = os.pathsep.join(str(REPO_ROOT / part) for part in (".", "layers/common/python", "functions"))
STUB_PACKAGES = ("mypy", "boto3-stubs", "botocore-stubs", "mypy-boto3-", "types-")


def test_mypy_is_clean_on_the_layer_and_the_functions() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )

    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"
    assert result.stdout.startswith("Success: no issues found")


def test_typed_modules_import_no_type_stubs_at_run_time() -> None:
    """The typed clients are annotations only (TYPE_CHECKING): the modules that name them, and creating the lazy
    clients, load no stub (installed here, so the check can fail), keeping the cold start as it was."""
    modules = [
        "workflow_engine.platform.aws",
        "workflow_engine.data.query",
        "workflow_engine.data.workflows",
        "workflow_engine.data.executions",
        "workflow_engine.data.connections",
        "workflow_engine.data.logs",
        "workflow_engine.data.sfn_gateway",
        "workflow_engine.executions.start",
        "workflow_engine.executions.retry",
        "workflow_engine.executions.cancel",
        "workflow_engine.executions.reads",
        "workflow_engine.executions.reconcile",
        "workflow_engine.workflows.service",
        "workflow_engine.realtime.notifier",
        "workflow_engine.steps.ai",
    ]
    program = (
        "import importlib, importlib.util, sys\n"
        "assert importlib.util.find_spec('mypy_boto3_dynamodb') is not None\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "from workflow_engine.platform.aws import client\n"
        "client('dynamodb'); client('stepfunctions')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('mypy_boto3', 'boto3_stubs', 'botocore_stubs'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_type_stubs_stay_out_of_the_runtime_lock() -> None:
    """The dependencies layer is built from requirements.lock: no type checker or stub package in it."""
    names = [
        Requirement(line.rstrip("\\ ")).name.lower()
        for line in dependencies.RUNTIME_LOCK.read_text().splitlines()
        if line and line[0] not in " #-"
    ]

    assert [name for name in names if name.startswith(STUB_PACKAGES)] == []
