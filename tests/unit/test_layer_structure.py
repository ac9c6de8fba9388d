"""The layer's shape holds: imports point one way (import-linter's contracts in pyproject.toml), no module of the
layer is over 400 lines, and the layer is checked by mypy with the strict flags (tests/unit/test_typing.py runs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from infra.catalog import REPO_ROOT

LAYER = REPO_ROOT / "layers" / "common" / "python" / "workflow_engine"
MAX_MODULE_LINES = 400
PYTHONPATH = os.pathsep.join(str(REPO_ROOT / part) for part in ("layers/common/python", "functions"))
STRICT_FLAGS = (
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_decorators",
    "disallow_untyped_calls",
    "disallow_any_generics",
    "warn_return_any",
    "no_implicit_reexport",
)


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config), "--no-cache"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    result = _lint_imports(REPO_ROOT / "pyproject.toml")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_wrong_way_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    """The contract can fail: a copy of the layer where a model imports a use case is refused."""
    package = tmp_path / "workflow_engine"
    for module in LAYER.rglob("*.py"):
        target = package / module.relative_to(LAYER)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.read_text())
    wrong = package / "models" / "execution.py"
    wrong.write_text(wrong.read_text() + "\nfrom workflow_engine.executions import start  # noqa\n")
    config = tmp_path / "pyproject.toml"
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["workflow_engine"]\n\n[[tool.importlinter.contracts]]\n'
        f"name = {contracts['name']!r}\ntype = 'layers'\ncontainers = ['workflow_engine']\n"
        f"layers = {contracts['layers']!r}\n"
    )
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode != 0
    assert "workflow_engine.models.execution -> workflow_engine.executions" in result.stdout


def test_no_module_of_the_layer_is_over_400_lines() -> None:
    sizes = {str(path.relative_to(LAYER)): len(path.read_text().splitlines()) for path in LAYER.rglob("*.py")}

    assert len(sizes) > 50
    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def test_the_layer_is_type_checked_with_the_strict_flags() -> None:
    overrides = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    [layer] = [override for override in overrides if "workflow_engine.*" in override["module"]]

    assert all(layer.get(flag) is True for flag in STRICT_FLAGS)


def test_ruff_bounds_complexity() -> None:
    lint = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]

    assert "C901" in lint["select"] and lint["mccabe"]["max-complexity"] <= 12
